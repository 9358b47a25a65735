"""seed-synthetic's best-interests and family records: realistic shares, readable, coherent
with each other and with the gates, checkpoint rows as the engine computes them, a BID
before every return, a release for every reunification, found by the family search, and
shown on the pages."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from casework.accounts.models import User
from casework.accounts.roles import Role
from casework.best_interests import conditions as bi_conditions
from casework.best_interests import services as bi_services
from casework.best_interests.choices import BidStatus, Vote
from casework.best_interests.models import (
    BestInterestsAssessment,
    BestInterestsDetermination,
    BidVote,
    CasePlan,
)
from casework.cases.models import Case, CaseTeamMember
from casework.extensions import db
from casework.models import utcnow
from casework.reunification import queries as family_queries
from casework.reunification import services as family_services
from casework.reunification.choices import KINSHIP_LABELS, PARENTS
from casework.reunification.models import (
    FamilyMember,
    FollowUp,
    Release,
    SiblingDecision,
    SiblingLink,
    SponsorAssessment,
    SponsorCheck,
    TracingEntry,
    Verification,
)
from casework.synthetic import RECORD_MAKERS, RecordMaker, seed
from casework.workflow import engine
from casework.workflow.engine import Status
from casework.workflow.models import ActionRecord, CaseCheckpoint
from casework.workflow.policy import Action
from casework.workflow.registry import FactBatch, Facts
from tests import factories

PASSWORD = "synthetic staff password"
CASES = 300  # enough closed cases of every ending (seed 2026: 5 returned, 23 reunified)


def _seed(n: int = CASES, **kw):
    return seed.seed(n, password=PASSWORD, batch_size=kw.pop("batch_size", 100), **kw)


@pytest.fixture
def facts_seen(monkeypatch):
    """What the makers left in `case.facts`, by case id, read by a maker after them."""
    seen: dict = {}

    def remember(batch, rng):
        for case in batch.cases:
            seen[case.id] = (case.outcome, dict(case.facts))

    monkeypatch.setattr(seed, "RECORD_MAKERS",
                        [*RECORD_MAKERS, RecordMaker("test.remember", 99, remember)])
    return seen


def _facts(case: Case) -> Facts:
    return Facts(case=case, now=utcnow(), _batch=FactBatch([case.id]))


def _by_case(model) -> dict:
    out: dict = {}
    for row in db.session.scalars(sa.select(model)):
        out.setdefault(row.case_id, []).append(row)
    return out


def test_the_makers_are_registered_in_order():
    from casework import modules

    modules.load("synthetic")
    names = [m.name for m in RECORD_MAKERS]
    assert names.index("casework.best_interests.synthetic.best_interests") < names.index(
        "casework.reunification.synthetic.family") < names.index(
        "casework.workflow.synthetic.closures")


def test_records_exist_in_realistic_shares_and_decrypt(ctx):
    _seed()
    cases = db.session.scalars(sa.select(Case)).all()
    n = len(cases)
    with_record = {model: len(_by_case(model)) / n for model in (
        BestInterestsAssessment, CasePlan, FamilyMember, TracingEntry, Verification,
        SponsorAssessment, Release)}
    assert with_record[BestInterestsAssessment] > 0.75
    assert with_record[CasePlan] > 0.5
    assert with_record[FamilyMember] > 0.8
    assert with_record[TracingEntry] > 0.75
    assert 0.15 < with_record[Verification] < 0.8
    assert 0.1 < with_record[SponsorAssessment] < 0.7
    assert 0.05 < with_record[Release] < 0.5
    bids = db.session.scalars(sa.select(BestInterestsDetermination)).all()
    assert 0.01 < len({b.case_id for b in bids}) / n < 0.2
    assert {b.status for b in bids} >= {BidStatus.APPROVED}

    for a in db.session.scalars(sa.select(BestInterestsAssessment)):
        assert a.areas and not bi_services.assessment_problems(bi_services.AssessmentDetails(
            kind=a.kind, assessed_at=a.assessed_at, areas=a.areas))
        assert a.areas["child_views"].encode() not in a.areas_ct
    for plan in db.session.scalars(sa.select(CasePlan)):
        assert plan.measures and all(m["measure"] and m["responsible"] for m in plan.measures)
        assert plan.made_at.date() < plan.review_on <= bi_services.latest_review_date(
            plan.made_at)
    for bid in bids:
        draft = bi_services.BidDraft(question=bid.question, recommendation=bid.recommendation,
                                     options=bid.options, child_views=bid.child_views,
                                     views_weight=bid.views_weight, reasons=bid.reasons)
        assert bi_services.bid_problems(bid.case, draft) == {}
    members = db.session.scalars(sa.select(FamilyMember)).all()
    kinships = Counter(m.kinship for m in members)
    assert kinships["mother"] > kinships["cousin"] and set(kinships) <= set(KINSHIP_LABELS)
    for m in members:
        assert m.display_name and m.wants_contact in ("yes", "no", "unsure")
        assert m.display_name.encode() not in (m.given_names_ct or b"")
    parents = [m for m in members if m.kinship in PARENTS]
    same = sum(m.family_names == m.case.family_names for m in parents)
    assert 0.5 < same / len(parents) < 0.9  # most parents carry the child's family names
    for v in db.session.scalars(sa.select(Verification)):
        assert family_services.verification_problems(family_services.VerificationDetails(
            member_id=v.member_id, verified_at=v.verified_at, outcome=v.outcome,
            child_wish=v.child_wish, family_wish=v.family_wish,
            documents_seen=v.documents_seen, documents=v.documents,
            child_interviewed=v.child_interviewed,
            family_interviewed=v.family_interviewed)) == {}
    for a in db.session.scalars(sa.select(SponsorAssessment)):
        assert family_services.assessment_problems(family_services.AssessmentDetails(
            assessed_at=a.assessed_at, category=a.category, member_id=a.member_id,
            household=a.household, children_sponsored=a.children_sponsored)) == {}
        assert a.member.case_id == a.case_id
    for r in db.session.scalars(sa.select(Release)):
        assert r.address and r.case.custodian == r.member.display_name
        assert r.case.custodian_location == r.address


def test_records_are_coherent_and_never_in_the_future(ctx):
    _seed()
    now = utcnow()
    cases = {c.id: c for c in db.session.scalars(sa.select(Case))}

    def within(case, *times):
        end = case.closed_at or now
        for at in times:
            if at is not None:
                assert case.opened_at <= at <= end, (case.number, at)

    for a in db.session.scalars(sa.select(BestInterestsAssessment)):
        within(a.case, a.assessed_at)
        assert a.recorded_at <= now
    for plan in db.session.scalars(sa.select(CasePlan)):
        within(plan.case, plan.made_at)
    votes = _by_case(BidVote)
    for bid in db.session.scalars(sa.select(BestInterestsDetermination)):
        case = bid.case
        within(case, bid.drafted_at, bid.approved_at, bid.explained_at, bid.superseded_at)
        bid_votes = [v for v in votes.get(case.id, []) if v.bid_id == bid.id]
        for v in bid_votes:
            assert v.member_id != bid.drafted_by_id
            assert v.confidentiality_signed_at == v.voted_at
            assert bid.drafted_at <= v.voted_at <= (bid.approved_at or now)
            assert (v.vote == Vote.DISSENT) == bool(v.dissent)
        if bid.status == BidStatus.APPROVED:
            assert bi_services.approval_problem(bid) is None
            assert bid.approved_by.role == Role.SUPERVISOR
            assert bid.approved_by_id != bid.drafted_by_id
            assert bid.explained_at is None or bid.explained_at >= bid.approved_at
        if bid.status == BidStatus.SUPERSEDED:
            assert bid.reopen_reason and bid.superseded_at
    for m in db.session.scalars(sa.select(FamilyMember)):
        within(m.case, m.added_at)
    for e in db.session.scalars(sa.select(TracingEntry)):
        within(e.case, e.occurred_at)
        assert e.confidentiality_confirmed and e.recorded_at <= now
        if e.member is not None and e.member.wants_contact == "no":
            assert e.result == "not_pursued"
        # Contact with the country of origin is the gated action, recorded with it.
        assert e.in_origin_country == (e.action_id is not None)
        if e.in_origin_country:
            action = db.session.get(ActionRecord, e.action_id)
            assert action.action == Action.CONTACT_ORIGIN_COUNTRY
            assert action.occurred_at == e.occurred_at
    checks = _by_case(SponsorCheck)
    verifications = _by_case(Verification)
    follow_ups = _by_case(FollowUp)
    for r in db.session.scalars(sa.select(Release)):
        case = cases[r.case_id]
        within(case, r.released_at)
        assert r.address_changed_on == r.released_at.date()
        action = db.session.get(ActionRecord, r.action_id)
        assert action.action == Action.RELEASE_TO_SPONSOR
        assert action.occurred_at == r.released_at
        assert all(c.completed_at <= r.released_at and c.passed for c in checks[case.id])
        assert any(v.member_id == r.member_id and v.verified_at <= r.released_at
                   for v in verifications[case.id])
        for f in follow_ups.get(case.id, []):
            assert r.released_at <= f.contacted_at
            within(case, f.contacted_at)
    links = db.session.scalars(sa.select(SiblingLink)).all()
    assert links
    decisions = _by_case(SiblingDecision)
    for link in links:
        assert link.case_id.int < link.sibling_case_id.int
        for side in (link.case_id, link.sibling_case_id):
            within(cases[side], link.linked_at)
            for d in decisions.get(side, []):
                assert d.recorded_at >= link.linked_at
                assert d.together or len(d.justification) >= family_services.MIN_JUSTIFICATION


def test_every_return_has_an_approved_bid_before_closing_and_the_fact(ctx, facts_seen):
    _seed()
    ended = Counter(outcome for outcome, _ in facts_seen.values())
    assert ended["returned"] >= 3 and ended["transferred_us"] >= 3
    for case_id, (outcome, facts) in facts_seen.items():
        case = db.session.get(Case, case_id)
        action = {"returned": Action.RECORD_RETURN, "transferred_us": Action.RECORD_TRANSFER,
                  "reunified_abroad": Action.REUNIFY_ABROAD}.get(outcome)
        if action is None:
            if case.closed_at is not None:
                assert "bid_approved_at" not in facts
            continue
        # The very BID the gate would accept for this ending, decided before the closing.
        bid = bi_conditions.approved_bid_recommending(_facts(case), action)
        assert bid is not None, (case.number, outcome)
        approved_at = facts["bid_approved_at"]
        assert isinstance(approved_at, datetime) and approved_at.tzinfo is not None
        assert approved_at.utcoffset() == timedelta(0)
        assert approved_at == bid.approved_at < bid.explained_at < case.closed_at
        assert facts["bid_id"] == bid.id
        assert facts["bid_explained_at"] == bid.explained_at
    # A few open cases heading for a return: with the panel, or approved with the fact.
    with_bid = set(db.session.scalars(sa.select(BestInterestsDetermination.case_id)))
    open_bids = [(c, f) for c, (o, f) in facts_seen.items() if o is None and c in with_bid]
    assert open_bids
    for case_id, facts in open_bids:
        current = bi_services.current_bid(db.session.get(Case, case_id))
        assert ("bid_approved_at" in facts) == (current.status == BidStatus.APPROVED)


def test_reunified_cases_have_a_release_and_pass_its_gates(ctx, facts_seen):
    _seed()
    releases = _by_case(Release)
    reunified = 0
    for case_id, (outcome, facts) in facts_seen.items():
        case = db.session.get(Case, case_id)
        if outcome in ("reunified_us", "reunified_mx"):
            reunified += 1
            (release,) = releases[case_id]
            assert release.released_at < case.closed_at
            assert facts["released_at"] == release.released_at
            action = Action.RELEASE_TO_SPONSOR
        elif outcome == "reunified_abroad":
            (done,) = [a for a in db.session.scalars(sa.select(ActionRecord).where(
                ActionRecord.case_id == case_id, ActionRecord.action == "reunify-abroad"))]
            assert facts["bid_explained_at"] < done.occurred_at < case.closed_at
            assert done.details["country"] not in ("US", "MX", case.nationality)
            action = Action.REUNIFY_ABROAD
        else:
            assert case_id not in releases or outcome is None
            continue
        # Every gate of the action is met now (or a soft one overridden), and the 30-day
        # call was made before the case closed.
        assert engine.blockers(case, action) == [], (case.number, outcome)
        rows = engine.rows_for(case)
        assert rows["ftr.followup"].state in ("met", "awaiting_sign_off")
        assert rows["ftr.followup"].met_at < case.closed_at
    assert reunified >= 10
    # Open cases are on the way: some released and waiting for their call.
    open_released = [c for c in releases if facts_seen[c][0] is None]
    assert open_released


def test_checkpoint_rows_are_what_the_engine_computes_and_a_realistic_mix(ctx):
    _seed()
    columns = (CaseCheckpoint.case_id, CaseCheckpoint.key, CaseCheckpoint.state,
               CaseCheckpoint.due_at, CaseCheckpoint.due_clock, CaseCheckpoint.met_at,
               CaseCheckpoint.late, CaseCheckpoint.completed_by_id,
               CaseCheckpoint.signed_off_at, CaseCheckpoint.signed_off_by_id)
    rows = set(db.session.execute(sa.select(*columns)))
    assert len(rows) == CASES * len(engine.catalogue())
    db.session.execute(sa.delete(CaseCheckpoint))
    engine.refresh_many(db.session.scalars(sa.select(Case)).all())
    db.session.commit()
    assert set(db.session.execute(sa.select(*columns))) == rows

    now = utcnow()
    statuses: dict[str, Counter] = {}
    for row in db.session.scalars(sa.select(CaseCheckpoint)):
        statuses.setdefault(row.key, Counter())[engine.status_of(row, now)] += 1
    for key in ("bi.bia", "bi.plan", "ftr.trace"):
        seen = statuses[key]
        assert seen[Status.SIGNED_OFF] and seen[Status.AWAITING_SIGN_OFF], (key, seen)
        assert seen[Status.MET_LATE] and (seen[Status.OVERDUE] or seen[Status.DUE_SOON]
                                          or seen[Status.PENDING]), (key, seen)
    for key in ("ftr.verify", "ftr.sponsor", "ftr.followup", "ftr.siblings", "bi.bid"):
        seen = statuses[key]
        assert seen[Status.NOT_APPLICABLE] and (seen[Status.SIGNED_OFF] or seen[Status.MET]), \
            (key, seen)
    # The sign-offs sign the very completion the engine sees: most met rows are signed.
    for key in ("bi.bia", "ftr.trace", "ftr.verify", "ftr.sponsor", "ftr.followup"):
        seen = statuses[key]
        met = seen[Status.SIGNED_OFF] + seen[Status.AWAITING_SIGN_OFF] + seen[Status.MET_LATE]
        assert seen[Status.SIGNED_OFF] / met > 0.4, (key, seen)
    assert statuses["ftr.followup"][Status.OVERDUE] + statuses["ftr.followup"][
        Status.PENDING] + statuses["ftr.followup"][Status.DUE_SOON]


def test_the_family_search_finds_a_synthetic_parent(ctx):
    _seed(60, batch_size=30)
    parent = next(m for m in db.session.scalars(
        sa.select(FamilyMember).order_by(FamilyMember.added_at))
        if m.kinship in ("mother", "father") and len(m.display_name.split()) >= 2)
    supervisor = db.session.scalars(sa.select(User).where(
        User.office_id == parent.case.office_id, User.role == Role.SUPERVISOR)).first()
    other = db.session.scalars(sa.select(Case).where(
        Case.office_id == parent.case.office_id, Case.id != parent.case_id)).first()
    # Another case of the office names the same person: the matching help shows the first.
    named = family_services.add_member(other, family_services.MemberDetails(
        kinship=parent.kinship, given_names=parent.given_names,
        family_names=parent.family_names), actor=supervisor)
    found = family_queries.match_candidates(named, supervisor)
    assert parent.id in {c.member.id for c in found if c.member is not None}


def test_bid_and_family_pages_of_a_synthetic_case_render(app, ctx, browser, facts_seen):
    _seed()
    returned = next(c for c, (o, _) in facts_seen.items() if o == "returned")
    released = db.session.scalars(sa.select(Release)).first()
    linked = db.session.scalars(sa.select(SiblingLink)).first()
    for case_id, page_member in ((returned, None), (released.case_id, released.member_id),
                                 (linked.case_id, None)):
        case = db.session.get(Case, case_id)
        caseworker = db.session.scalars(sa.select(User).join(
            CaseTeamMember, CaseTeamMember.user_id == User.id).where(
            CaseTeamMember.case_id == case.id, User.role == Role.CASEWORKER)).first()
        client = browser.__class__(app, app.response_class, use_cookies=True)
        assert client.post("/login", data={"email": caseworker.email,
                                           "password": PASSWORD}).status_code == 302
        base = f"/cases/{case.id}"
        pages = ["", "/best-interests/assessment", "/best-interests/plan",
                 "/best-interests/determination", "/family/tracing", "/family/verification",
                 "/family/sponsor", "/family/sponsor/checks", "/family/siblings",
                 "/family/follow-ups"]
        members = family_queries.members(case)
        pages += [f"/family/members/{m.id}" for m in members[:2]]
        for page in pages:
            response = client.get(base + page)
            assert response.status_code == 200, (page, response.status_code)
        if page_member is not None:
            member = db.session.get(FamilyMember, page_member)
            html = client.get(f"{base}/family/members/{member.id}").get_data(as_text=True)
            assert member.given_names.split()[0] in html
        bids = db.session.scalars(sa.select(BestInterestsDetermination).where(
            BestInterestsDetermination.case_id == case.id)).all()
        if bids:
            html = client.get(base + "/best-interests/determination").get_data(as_text=True)
            assert bids[-1].reasons[:30] in html


def test_no_record_is_dated_after_now(ctx):
    _seed(100, batch_size=50)
    now = datetime.now(UTC) + timedelta(seconds=1)
    for model, columns in (
        (BestInterestsAssessment, ("assessed_at", "recorded_at")),
        (CasePlan, ("made_at", "recorded_at")),
        (BestInterestsDetermination, ("drafted_at", "approved_at", "explained_at",
                                      "superseded_at")),
        (BidVote, ("voted_at",)), (FamilyMember, ("added_at", "updated_at")),
        (TracingEntry, ("occurred_at", "recorded_at")),
        (Verification, ("verified_at", "recorded_at")),
        (SponsorAssessment, ("assessed_at", "recorded_at")),
        (SponsorCheck, ("completed_at", "recorded_at")),
        (Release, ("released_at", "recorded_at")), (SiblingLink, ("linked_at",)),
        (SiblingDecision, ("decided_at", "recorded_at")),
        (FollowUp, ("contacted_at", "recorded_at")),
    ):
        for column in columns:
            latest = db.session.scalar(sa.select(sa.func.max(getattr(model, column))))
            assert latest is None or latest <= now, (model.__name__, column)
    assert factories.count(FamilyMember) > 0
