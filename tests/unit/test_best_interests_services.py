"""The BIA, the case plan and the BID through their services: the panel's rules, approval,
reopening, and the conditions the engine reads from them."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from casework.accounts.roles import Role
from casework.audit.models import AuditEvent
from casework.best_interests import services as bi
from casework.best_interests.models import BestInterestsDetermination, BidVote
from casework.errors import NotPermitted
from casework.extensions import db
from casework.models import utcnow
from casework.workflow import engine
from casework.workflow.engine import CheckpointBlocked, Status
from casework.workflow.models import CaseCheckpoint, State
from casework.workflow.policy import Action
from casework.workflow.registry import CONDITIONS, FactBatch, Facts


def check(name: str, case, proposed=frozenset(), now=None):
    return CONDITIONS[name](Facts(case=case, now=now or utcnow(), proposed=frozenset(proposed),
                                  _batch=FactBatch([case.id])))


def row(case, key: str) -> CaseCheckpoint:
    return db.session.scalars(sa.select(CaseCheckpoint).where(
        CaseCheckpoint.case_id == case.id, CaseCheckpoint.key == key)).one()


@pytest.fixture
def people(world, make):
    cw, sup = world("MX", Role.CASEWORKER), world("MX", Role.SUPERVISOR)
    return cw, sup, make.panel(world.mx)


# --- assessment and plan ---------------------------------------------------------------

def test_the_bia_is_met_by_the_latest_assessment_and_awaits_sign_off(world, make):
    cw = world("MX", Role.CASEWORKER)
    case = make.case(cw)
    assert check("bia.recorded", case) is None
    assert row(case, "bi.bia").due_at is not None  # initial assessment: days from opening
    latest = make.recent(hours=1)
    make.assessment(case, cw, assessed_at=make.recent(hours=3))
    make.assessment(case, cw, kind="comprehensive", assessed_at=latest, areas={
        k: "Narrative" for k in ("child_views", "family", "safety", "development", "identity",
                                 "health", "education")})
    met = check("bia.recorded", case)
    assert met.by == cw.id and met.at == latest
    assert row(case, "bi.bia").state == State.AWAITING_SIGN_OFF


def test_a_comprehensive_assessment_covers_every_area_and_a_short_one_the_essentials(world,
                                                                                     make):
    cw = world("MX", Role.CASEWORKER)
    case = make.case(cw)
    with pytest.raises(ValueError):
        make.assessment(case, cw, kind="comprehensive")  # only two areas given
    with pytest.raises(ValueError):
        make.assessment(case, cw, areas={"child_views": "Quiere volver."})  # no safety
    with pytest.raises(NotPermitted):
        make.assessment(case, world("MX", Role.PARALEGAL))
    assert check("bia.recorded", case) is None


def test_a_plan_is_current_until_its_review_date(world, make):
    cw = world("MX", Role.CASEWORKER)
    case = make.case(cw)
    make.assessment(case, cw)
    plan = make.case_plan(case, cw)
    assert check("plan.current", case).at == plan.made_at
    after_review = utcnow() + timedelta(days=61)
    assert check("plan.current", case, now=after_review) is None


@pytest.mark.parametrize("days, ok", [(0, False), (90, True), (91, False)])
def test_the_plan_review_date_is_within_90_days(world, make, days, ok):
    cw = world("MX", Role.CASEWORKER)
    case = make.case(cw)
    make.assessment(case, cw)
    made = make.recent()
    if ok:
        make.case_plan(case, cw, made_at=made, review_on=(made + timedelta(days=days)).date())
    else:
        with pytest.raises(ValueError):
            make.case_plan(case, cw, made_at=made, review_on=(made + timedelta(days=days)).date())


def test_without_a_bia_the_plan_and_the_bid_need_a_written_reason(world, make):
    cw = world("MX", Role.CASEWORKER)
    case = make.case(cw)
    with pytest.raises(ValueError, match="assessment"):
        make.case_plan(case, cw)
    with pytest.raises(ValueError, match="assessment"):
        make.bid(case, cw)
    reason = "The child is at risk in the shelter tonight; assessment follows."
    plan = make.case_plan(case, cw, without_bia_reason=reason)
    b = make.bid(case, cw, without_bia_reason=reason)
    assert plan.without_bia_reason == reason and b.without_bia_reason == reason


# --- the panel -----------------------------------------------------------------------------

def test_the_drafter_cannot_vote_and_fewer_than_three_votes_cannot_be_approved(world, make,
                                                                             people):
    cw, sup, members = people
    case = make.case(cw)
    make.assessment(case, cw)
    b = make.bid(case, cw)
    with pytest.raises(NotPermitted, match="drafter"):
        make.vote(b, cw)
    for member in members[:2]:
        make.vote(b, member)
    with pytest.raises(NotPermitted, match="at least 3"):
        bi.approve_bid(b, actor=sup)
    assert b.status == "panel"
    assert check("bid.approved_current", case) is None


def test_a_drafters_vote_slipped_into_the_table_never_counts(world, make, people):
    cw, sup, members = people
    case = make.case(cw)
    make.assessment(case, cw)
    b = make.bid(case, cw)
    for member in members[:2]:
        make.vote(b, member)
    db.session.add(BidVote(case=case, case_id=case.id, bid_id=b.id, member_id=cw.id,
                           vote="concur", confidentiality_signed_at=utcnow()))
    db.session.flush()
    with pytest.raises(NotPermitted):
        bi.approve_bid(b, actor=sup)
    # Even a BID marked approved behind the service's back is not met by the condition.
    b.status, b.approved_at, b.approved_by_id, b.explained_at = ("approved", utcnow(), sup.id,
                                                                  utcnow())
    db.session.flush()
    assert check("bid.approved_current", case) is None


@pytest.mark.parametrize("change, error", [
    ({"confidentiality_undertaking": False}, ValueError),
    ({"vote": "dissent", "dissent": ""}, ValueError),
])
def test_a_vote_needs_the_undertaking_and_a_dissent_its_text(world, make, people, change,
                                                              error):
    cw, _sup, members = people
    case = make.case(cw)
    make.assessment(case, cw)
    b = make.bid(case, cw)
    with pytest.raises(error):
        make.vote(b, members[0], **change)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BidVote)) == 0


def test_one_vote_per_member_and_a_majority_must_concur(world, make, people):
    cw, sup, members = people
    case = make.case(cw)
    make.assessment(case, cw)
    b = make.bid(case, cw)
    make.vote(b, members[0])
    with pytest.raises(NotPermitted):
        make.vote(b, members[0])
    make.vote(b, members[1], "dissent")
    make.vote(b, members[2], "dissent")
    with pytest.raises(NotPermitted, match="majority"):
        bi.approve_bid(b, actor=sup)


def test_only_a_supervisor_who_did_not_draft_it_approves(world, make, people):
    cw, sup, members = people
    case = make.case(cw)
    make.assessment(case, cw)
    b = make.bid(case, cw)
    for member in members:
        make.vote(b, member)
    with pytest.raises(NotPermitted):
        bi.approve_bid(b, actor=world("MX", Role.ATTORNEY))
    bi.approve_bid(b, actor=sup)
    with pytest.raises(NotPermitted):
        bi.approve_bid(b, actor=sup)  # approved already


def test_approved_bid_counts_once_explained_to_the_child_and_only_for_its_recommendation(
        world, make, people):
    cw, sup, members = people
    case = make.case(cw)
    make.assessment(case, cw)
    b = make.approved_bid(case, cw, sup, recommendation="local_integration", members=members,
                          explain=False)
    assert check("bid.approved_current", case) is None  # not yet explained
    bi.record_explanation(b, bi.ExplanationDetails(make.recent(minutes=0), "Told in Spanish."),
                          actor=cw)
    assert check("bid.approved_current", case).by == sup.id
    assert row(case, "bi.bid").state == State.MET  # the panel and supervisor decided it
    for action in (Action.RECORD_RETURN, Action.RECORD_TRANSFER, Action.REUNIFY_ABROAD):
        assert check("bid.approved_current", case, {action}) is None
        assert "bi.bid" in {r.key for r in engine.blockers(case, action)}


@pytest.mark.parametrize("recommendation, action", [
    ("return", Action.RECORD_RETURN),
    ("transfer_us", Action.RECORD_TRANSFER),
    ("reunification_us", Action.REUNIFY_ABROAD),
    ("reunification_third", Action.REUNIFY_ABROAD),
])
def test_a_bid_opens_the_action_it_recommends_and_no_other(world, make, people,
                                                          recommendation, action):
    cw, sup, members = people
    case = make.case(cw)
    make.assessment(case, cw)
    make.approved_bid(case, cw, sup, recommendation=recommendation, members=members)
    for other in (Action.RECORD_RETURN, Action.RECORD_TRANSFER, Action.REUNIFY_ABROAD):
        met = check("bid.approved_current", case, {other})
        assert (met is not None) == (other == action), other


def test_a_second_bid_waits_until_the_first_is_reopened(world, make, people):
    cw, sup, members = people
    case = make.case(cw)
    make.assessment(case, cw)
    make.approved_bid(case, cw, sup, members=members)
    with pytest.raises(NotPermitted):
        make.bid(case, cw)


def test_transfer_is_not_a_recommendation_for_a_case_in_the_us(world, make):
    cw = world("US", Role.CASEWORKER)
    case = make.case(cw)
    make.assessment(case, cw)
    with pytest.raises(ValueError):
        make.bid(case, cw, recommendation="transfer_us")


# --- reopening -----------------------------------------------------------------------------

def test_reopening_supersedes_the_bid_and_blocks_acting_on_it(world, make, people):
    cw, sup, members = people
    case = make.case(cw)
    make.assessment(case, cw)
    b = make.approved_bid(case, cw, sup, members=members)
    assert check("bid.approved_current", case, {Action.RECORD_RETURN}) is not None
    assert check("bid.review_current", case) is not None
    with pytest.raises(NotPermitted):
        bi.reopen_bid(b, "The father was found alive in Mexico City.", actor=cw)
    with pytest.raises(ValueError):
        bi.reopen_bid(b, "new facts", actor=sup)  # too short to say what changed
    bi.reopen_bid(b, "The father was found alive in Mexico City.", actor=sup)
    db.session.commit()
    assert b.status == "superseded" and b.reopen_reason.startswith("The father")
    with pytest.raises(CheckpointBlocked) as refused:
        engine.require(case, Action.RECORD_RETURN)
    keys = {r.key for r in refused.value.reasons}
    assert {"bi.bid", "bi.bid_review"} <= keys
    assert engine.status_of(row(case, "bi.bid_review")) == Status.PENDING
    with pytest.raises(NotPermitted):
        make.vote(b, make.user(Role.PARALEGAL, world.mx))  # nothing is done on it again
    with pytest.raises(NotPermitted):
        bi.reopen_bid(b, "Reopened a second time, by mistake.", actor=sup)
    assert "bid.reopen" in db.session.scalars(sa.select(AuditEvent.action)).all()


def test_after_reopening_a_new_bid_decided_by_a_panel_makes_the_case_current_again(world, make,
                                                                                   people):
    cw, sup, members = people
    case = make.case(cw)
    make.assessment(case, cw)
    first = make.approved_bid(case, cw, sup, members=members)
    bi.reopen_bid(first, "New facts: the grandmother has died.", actor=sup)
    second = make.bid(case, cw, recommendation="local_integration")
    assert check("bid.review_current", case) is None  # drafted, not yet decided
    for member in members:
        make.vote(second, member)
    bi.approve_bid(second, actor=sup)
    assert check("bid.review_current", case).at == second.approved_at
    assert db.session.scalar(sa.select(sa.func.count()).select_from(
        BestInterestsDetermination)) == 2


def test_bids_awaiting_approval_are_a_supervisors_queue_in_their_scope(world, make, people):
    from casework.best_interests.queries import bids_awaiting_approval

    cw, sup, members = people
    waiting, with_panel, approved = (make.case(cw) for _ in range(3))
    for case in (waiting, with_panel, approved):
        make.assessment(case, cw)
    decided = make.bid(waiting, cw)
    for member in members:
        make.vote(decided, member)
    make.vote(make.bid(with_panel, cw), members[0])  # the panel is still voting
    make.approved_bid(approved, cw, sup, members=members)
    db.session.commit()
    listed = bids_awaiting_approval(sup)
    assert [(r.bid_id, r.case_number) for r in listed] == [(decided.id, waiting.number)]
    assert listed[0].since == max(v.voted_at for v in decided.votes)
    assert listed[0].drafted_by == cw.name
    assert bids_awaiting_approval(world("US", Role.SUPERVISOR)) == []  # another country
    assert bids_awaiting_approval(members[1]) == []  # an attorney does not approve a BID


# Every way a panel can stand, through the services: (votes that concur, that dissent).
PANELS = [(0, 0), (2, 0), (3, 0), (2, 1), (1, 2), (2, 2), (3, 1), (4, 0), (1, 3)]


def test_awaiting_approval_is_the_panel_decided_condition_in_sql(world, make, people):
    """The queue's SQL and the condition the engine reads agree on every panel."""
    from casework.best_interests.conditions import panel_decided
    from casework.best_interests.queries import bids_awaiting_approval

    cw, sup, _members = people
    bids = {}
    for concur, dissent in PANELS:
        case = make.case(cw)
        make.assessment(case, cw)
        b = make.bid(case, cw)
        for vote in ["concur"] * concur + ["dissent"] * dissent:
            make.vote(b, make.user(Role.PARALEGAL, world.mx), vote)
        bids[b.id] = (case, b)
    db.session.commit()
    listed = {r.bid_id for r in bids_awaiting_approval(sup)}
    for bid_id, (case, b) in bids.items():
        facts = Facts(case=case, now=utcnow(), proposed=frozenset(),
                      _batch=FactBatch([case.id]))
        fact_bid = next(x for x in facts.records("bi.bids") if x.id == bid_id)
        decided = panel_decided(facts, fact_bid)
        assert (bid_id in listed) == decided, [len(b.votes)]
        assert (bid_id in listed) == (bi.approval_problem(b) is None)
    assert 0 < len(listed) < len(PANELS)


# --- deadline clocks: initial and comprehensive BIA, first plan and its reviews ----------

COMPREHENSIVE = {k: "Narrative" for k in ("child_views", "family", "safety", "development",
                                          "identity", "health", "education")}


def opened_days_ago(case, days: int):
    """Backdate the case, so deadlines can pass (records cannot be dated in the future)."""
    case.opened_at = case.encountered_at = utcnow() - timedelta(days=days)
    db.session.flush()
    engine.refresh(case)
    return case.opened_at


def test_the_initial_bia_is_due_first_then_the_comprehensive_one(world, make):
    cw, sup = world("MX", Role.CASEWORKER), world("MX", Role.SUPERVISOR)
    case = make.case(cw)
    opened = case.opened_at
    bia = row(case, "bi.bia")
    assert (bia.due_clock, bia.due_at) == ("initial", opened + timedelta(days=5))
    make.assessment(case, cw, assessed_at=make.recent(hours=2))  # short: the initial one
    bia = row(case, "bi.bia")
    # The initial milestone is met: the row is now due by the comprehensive clock.
    assert bia.state == State.PENDING
    assert (bia.due_clock, bia.due_at) == ("comprehensive", opened + timedelta(days=30))
    assert engine.status_of(bia, opened + timedelta(days=28)) == Status.DUE_SOON
    assert engine.status_of(bia, opened + timedelta(days=31)) == Status.OVERDUE
    make.assessment(case, cw, kind="comprehensive", assessed_at=make.recent(hours=1),
                    areas=COMPREHENSIVE)
    bia = row(case, "bi.bia")
    assert bia.state == State.AWAITING_SIGN_OFF and not bia.late
    engine.sign_off(case, "bi.bia", actor=sup)
    assert engine.status_of(row(case, "bi.bia")) == Status.SIGNED_OFF


def test_a_late_initial_bia_makes_the_checkpoint_met_late(world, make):
    cw, sup = world("MX", Role.CASEWORKER), world("MX", Role.SUPERVISOR)
    late, on_time = make.case(cw), make.case(cw)
    for case in (late, on_time):
        opened = opened_days_ago(case, 20)
        initial_after = 7 if case is late else 2  # days after opening: 5 is the deadline
        make.assessment(case, cw, assessed_at=opened + timedelta(days=initial_after))
        make.assessment(case, cw, kind="comprehensive", assessed_at=make.recent(hours=1),
                        areas=COMPREHENSIVE)  # day 20 of 30: on time
        engine.sign_off(case, "bi.bia", actor=sup)
    assert row(late, "bi.bia").late and not row(on_time, "bi.bia").late
    assert engine.status_of(row(late, "bi.bia")) == Status.MET_LATE
    assert engine.status_of(row(on_time, "bi.bia")) == Status.SIGNED_OFF


def test_a_late_comprehensive_bia_is_overdue_then_met_late(world, make):
    cw, sup = world("MX", Role.CASEWORKER), world("MX", Role.SUPERVISOR)
    case = make.case(cw)
    opened = opened_days_ago(case, 40)
    make.assessment(case, cw, assessed_at=opened + timedelta(days=1))
    bia = row(case, "bi.bia")
    assert bia.due_clock == "comprehensive" and engine.status_of(bia) == Status.OVERDUE
    make.assessment(case, cw, kind="comprehensive", assessed_at=make.recent(hours=1),
                    areas=COMPREHENSIVE)
    engine.sign_off(case, "bi.bia", actor=sup)
    assert engine.status_of(row(case, "bi.bia")) == Status.MET_LATE


def test_the_first_plan_is_due_then_each_review_every_90_days(world, make):
    cw = world("MX", Role.CASEWORKER)
    case = make.case(cw)
    opened = case.opened_at
    plan = row(case, "bi.plan")
    assert (plan.due_clock, plan.due_at) == ("first", opened + timedelta(days=30))
    make.assessment(case, cw)
    made = make.recent(hours=1)
    make.case_plan(case, cw, made_at=made, review_on=(made + timedelta(days=60)).date())
    assert row(case, "bi.plan").state == State.AWAITING_SIGN_OFF
    # Past its review date the plan is no longer current, and the review clock runs from it.
    engine.refresh_many([case], now=made + timedelta(days=62))
    plan = row(case, "bi.plan")
    assert plan.state == State.PENDING
    assert (plan.due_clock, plan.due_at) == ("review", made + timedelta(days=90))
    assert engine.status_of(plan, made + timedelta(days=62)) == Status.PENDING
    assert engine.status_of(plan, made + timedelta(days=91)) == Status.OVERDUE
    # The 90 days are the catalogue's: a review date later than that is refused.
    with pytest.raises(ValueError, match="within 90 days"):
        make.case_plan(case, cw, made_at=made, review_on=(made + timedelta(days=91)).date())


@pytest.mark.parametrize(("first_plan_days_ago", "late"), [(100, True), (80, False)])
def test_a_review_after_90_days_is_met_late(world, make, first_plan_days_ago, late):
    cw, sup = world("MX", Role.CASEWORKER), world("MX", Role.SUPERVISOR)
    case = make.case(cw)
    opened = opened_days_ago(case, first_plan_days_ago + 5)
    make.assessment(case, cw, assessed_at=opened + timedelta(hours=2))
    first = opened + timedelta(days=5)  # on time for the first-plan clock
    make.case_plan(case, cw, made_at=first, review_on=(first + timedelta(days=60)).date())
    plan = row(case, "bi.plan")
    assert plan.due_clock == "review" and plan.due_at == first + timedelta(days=90)
    assert engine.status_of(plan) == (Status.OVERDUE if late else Status.PENDING)
    make.case_plan(case, cw, made_at=make.recent(hours=1))  # the review: a new plan
    engine.sign_off(case, "bi.plan", actor=sup)
    plan = row(case, "bi.plan")
    assert plan.late is late
    assert engine.status_of(plan) == (Status.MET_LATE if late else Status.SIGNED_OFF)
