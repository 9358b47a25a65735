"""seed-synthetic's legal and transfer records: realistic shares, encrypted and readable,
coherent with the services' rules and the checkpoint engine, returns only after an
approved BID, and pages that open on them."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa

from casework.accounts.models import User
from casework.accounts.roles import Role
from casework.best_interests.choices import BidStatus, Solution
from casework.best_interests.models import BestInterestsDetermination
from casework.cases.models import Case, CaseTeamMember
from casework.extensions import db
from casework.legal import services as legal
from casework.legal.choices import FilingKind, HearingOutcome, RepresentationKind
from casework.legal.conditions import day_start
from casework.legal.models import (
    AddressChange,
    ComarClaim,
    Eoir33Filing,
    Hearing,
    KnowYourRights,
    LegalNote,
    LegalScreening,
    ReliefFiling,
    RemovalProceeding,
    Representation,
)
from casework.models import utcnow
from casework.synthetic import seed
from casework.transfers.models import (
    ReintegrationFollowUp,
    ReturnHandover,
    ReturnPlan,
    TransferPlan,
)
from casework.transfers.services import earliest_departure
from casework.workflow import engine
from casework.workflow.models import ActionRecord, CaseCheckpoint, GateOverride
from casework.workflow.policy import Action, Block
from tests import factories

PASSWORD = "synthetic staff password"
LEGAL_MODELS = (LegalScreening, Representation, RemovalProceeding, Hearing, AddressChange,
                Eoir33Filing, ReliefFiling, ComarClaim, LegalNote)
TRANSFER_MODELS = (TransferPlan, ReturnPlan, ReturnHandover, ReintegrationFollowUp)


@pytest.fixture
def national(monkeypatch):
    """Cases spread over about two years, as at national scale (old cases are closed and
    have their hearings, decisions and follow-ups), whatever the count."""
    monkeypatch.setattr(seed, "CASES_PER_YEAR", 150)


def _seed(n: int, **kw):
    return seed.seed(n, password=PASSWORD, batch_size=kw.pop("batch_size", 60), **kw)


def _all(model):
    return db.session.scalars(sa.select(model)).all()


def _share(part, whole) -> float:
    return len(part) / max(1, len(whole))


def test_legal_records_in_realistic_shares_and_encrypted(ctx, national):
    _seed(300)
    cases = _all(Case)
    us = [c for c in cases if c.office.country == "US"]
    mx = [c for c in cases if c.office.country == "MX"]
    screened = {s.case_id for s in _all(LegalScreening)}
    assert 0.6 < _share(screened, cases) < 0.97
    represented = {r.case_id for r in _all(Representation)}
    with_attorney = [c for c in us if any(m.user.role == Role.ATTORNEY for m in c.team)]
    assert _share([c for c in with_attorney if c.id in represented], with_attorney) > 0.75
    assert {r.kind for r in _all(Representation)} == set(RepresentationKind)
    proceedings = _all(RemovalProceeding)
    assert 0.6 < _share(proceedings, us) <= 0.9
    hearings = _all(Hearing)
    per_proceeding = Counter(h.proceeding_id for h in hearings)
    assert len(hearings) > 1.5 * len(proceedings)  # several over a proceeding's life
    assert max(per_proceeding.values()) >= 4
    assert {h.outcome for h in hearings} >= {None, *HearingOutcome}
    kinds = Counter(f.kind for f in _all(ReliefFiling))
    assert kinds[FilingKind.SIJS_ORDER] > kinds[FilingKind.T_VISA]
    assert kinds[FilingKind.ASYLUM] > kinds[FilingKind.U_VISA] and kinds[FilingKind.SIJS_I360]
    claims = _all(ComarClaim)
    assert claims and {c.case.office.country for c in claims} == {"MX"}
    assert len(claims) < 0.5 * len(mx)
    assert _all(Eoir33Filing) and _all(AddressChange) and _all(LegalNote)

    # Readable with each case's key; the stored bytes are not the text.
    for p in proceedings:
        assert p.court.endswith("Immigration Court")
        assert p.a_number.encode() not in p.a_number_ct
    assert all(s.analysis for s in _all(LegalScreening) if s.identified)
    assert all(h.judge.startswith("IJ ") for h in hearings)
    notes = _all(LegalNote)
    stored = factories.raw_values("legal_note", "body")
    assert notes[0].body and all(notes[0].body.encode() not in blob for blob in stored)
    assert all(r.counsel for r in _all(Representation) if r.kind == RepresentationKind.REFERRAL)


def test_legal_records_are_coherent_and_never_in_the_future(ctx, national):
    _seed(250)
    now = utcnow()
    for model in (*LEGAL_MODELS, KnowYourRights):
        for row in _all(model):
            for column in model.__table__.columns:
                value = getattr(row, column.key)
                if column.key == "scheduled_at" or not hasattr(value, "year"):
                    continue
                limit = now if hasattr(value, "hour") else now.date()
                assert value <= limit, (model.__name__, column.key)
    for s in _all(LegalScreening):
        details = legal.ScreeningDetails(
            screened_at=s.screened_at, considered=s.considered, identified=s.identified,
            wishes_to_apply=s.wishes_to_apply, entered_country_on=s.entered_country_on,
            analysis=s.analysis)
        assert legal.screening_problems(s.case, details) == {}
        assert s.case.encountered_at <= s.screened_at <= (s.case.closed_at or now)
    for r in _all(Representation):
        details = legal.RepresentationDetails(
            kind=r.kind, started_on=r.started_on, attorney_id=r.attorney_id, counsel=r.counsel,
            referral_status=r.referral_status, accepted_on=r.accepted_on, g28_on=r.g28_on,
            eoir28_on=r.eoir28_on, l3a_on=r.l3a_on)
        assert legal.representation_problems(r.case, details) == {}
        if r.attorney_id:
            attorney = db.session.get(User, r.attorney_id)
            assert attorney.role == Role.ATTORNEY and attorney.office_id == r.case.office_id
            assert r.attorney_id in {m.user_id for m in r.case.team}
        assert r.withdrawn_on is None or r.withdrawn_on >= r.started_on
    for p in _all(RemovalProceeding):
        case = p.case
        assert case.office.country == "US"
        assert p.a_number == case.a_number  # the notice's A-number is the case's
        assert p.nta_on >= case.encountered_at.date()
        if case.closed_at is not None:  # a case closes once they are concluded
            assert p.concluded_on is not None and p.concluded_on <= case.closed_at.date()
        for h in p.hearings:
            assert h.scheduled_at >= day_start(p.nta_on)
            if p.concluded_on:
                assert h.scheduled_at < day_start(p.concluded_on + timedelta(days=1))
            if h.scheduled_at > now:  # set ahead by the court, at a hearing already held
                assert h.outcome is None and h.recorded_at <= now
                assert p.concluded_on is None and case.closed_at is None
            elif h.outcome is None:
                assert h.recorded_at <= h.scheduled_at
            else:
                assert h.scheduled_at <= h.outcome_at <= now
        future = [h for h in p.hearings if h.scheduled_at > now]
        assert len(future) <= 1
    for f in _all(Eoir33Filing):
        nta = min(p.nta_on for p in _all(RemovalProceeding) if p.case_id == f.case_id)
        assert f.filed_on >= nta
    for f in _all(ReliefFiling):
        details = legal.FilingDetails(kind=f.kind, filed_on=f.filed_on, receipt_on=f.receipt_on,
                                      receipt_number=f.receipt_number,
                                      description=f.description)
        assert legal.filing_problems(f.case, details) == {}
        assert f.decided_on is None or f.decided_on >= f.filed_on
    for c in _all(ComarClaim):
        details = legal.ClaimDetails(entered_on=c.entered_on, filed_on=c.filed_on,
                                     reference=c.reference, late_reason=c.late_reason)
        assert legal.claim_problems(c.case, details) == {}
        assert c.decided_on is None or c.decided_on >= c.filed_on
    for n in _all(LegalNote):
        team = {m.user_id for m in n.case.team}
        assert n.author_id in team and Role(n.author.role).is_legal


def test_no_transfer_or_return_without_an_approved_bid(ctx, national):
    """Every plan names the case's approved BID recommending that very move, approved
    before the plan was made (best_interests' maker writes the BIDs, order 40)."""
    _seed(150)
    plans = [*_all(ReturnPlan), *_all(TransferPlan)]
    assert plans
    for plan in plans:
        bid = db.session.get(BestInterestsDetermination, plan.bid_id)
        assert bid.case_id == plan.case_id and bid.status == BidStatus.APPROVED
        wanted = Solution.RETURN if isinstance(plan, ReturnPlan) else Solution.TRANSFER_US
        assert bid.recommendation == wanted
        assert bid.approved_at <= plan.planned_at
    moved = {a.case_id for a in _all(ActionRecord)
             if a.action in (Action.RECORD_RETURN, Action.RECORD_TRANSFER)}
    assert moved <= {p.case_id for p in plans}


def test_returns_come_after_the_approved_bid_and_in_order(ctx, national):
    _seed(300)
    now = utcnow()
    approved = {b.case_id: b for b in _all(BestInterestsDetermination)}
    plans = _all(ReturnPlan)
    assert plans and any(p.returned_at for p in plans)
    for plan in plans:
        bid = approved[plan.case_id]
        assert plan.bid_id == bid.id and bid.recommendation == Solution.RETURN
        assert bid.approved_at <= plan.planned_at <= now
        assert plan.family_assessed_on <= plan.planned_at.date()
        assert plan.authority_notified_on <= plan.planned_at.date()
        assert plan.referral_made_on <= plan.planned_at.date()
        assert plan.authority_name or plan.receiving_authority != "other"
        if plan.returned_at:
            assert plan.planned_at <= plan.returned_at <= (plan.case.closed_at or now)
            assert plan.returned_at.date() >= plan.departure_on
            assert plan.departure_on >= earliest_departure(plan.referral_made_on)
            rows = engine.rows_for(plan.case)
            assert rows["legal.screening"].state != "pending"  # a hard block on a return
            if plan.case.closed_at is None:  # closed ones: see screening's maker
                assert rows["screen.protection"].state != "pending"
    for h in _all(ReturnHandover):
        plan = db.session.get(ReturnPlan, h.return_plan_id)
        assert plan.returned_at <= h.handed_over_at <= now
    months = Counter()
    for f in _all(ReintegrationFollowUp):
        plan = next(p for p in plans if p.case_id == f.case_id)
        assert plan.returned_at <= f.contacted_at <= now
        months[f.month] += 1
    assert set(months) <= {1, 3, 6, 12} and months[1] >= months[12]
    for t in _all(TransferPlan):
        bid = approved[t.case_id]
        assert t.bid_id == bid.id and bid.recommendation == Solution.TRANSFER_US
        assert t.case.office.country == "MX" and t.to_office.country == "US"
        assert bid.approved_at <= t.planned_at <= now
        assert t.measure_on <= t.planned_at.date()
        if t.transferred_at:
            assert t.planned_at <= t.transferred_at <= t.handed_over_at <= now
            handover_by = db.session.get(User, t.handover_recorded_by_id)
            assert handover_by.office_id == t.to_office_id


def test_closed_returned_and_transferred_cases_look_finished(ctx, national):
    _seed(400)
    closed = db.session.scalars(sa.select(Case).where(Case.closed_at.is_not(None))).all()
    returned = [c for c in closed if _outcome(c) == "returned"]
    transferred = [c for c in closed if _outcome(c) == "transferred_us"]
    assert returned and transferred
    for case in returned:
        plan = db.session.scalars(sa.select(ReturnPlan).where(ReturnPlan.case_id == case.id)
                                  ).one()
        assert plan.returned_at is not None and plan.returned_at <= case.closed_at
        assert _actions(case, Action.RECORD_RETURN) == [plan.returned_at]
        rows = engine.rows_for(case)
        assert rows["return.plan"].state in ("met", "awaiting_sign_off")
        assert rows["legal.screening"].state in ("met", "awaiting_sign_off")
        assert not engine.CONDITIONS["protection.claim_pending"](_facts(case))
        follow_ups = rows["reint.followup"]
        overridden = db.session.scalars(sa.select(GateOverride).where(
            GateOverride.case_id == case.id, GateOverride.key == "reint.followup")).all()
        assert (follow_ups.state != "pending") != bool(overridden)  # done, or handed over
    for case in transferred:
        plan = db.session.scalars(sa.select(TransferPlan).where(
            TransferPlan.case_id == case.id)).one()
        assert plan.handed_over_at <= case.closed_at
        assert _actions(case, Action.RECORD_TRANSFER) == [plan.transferred_at]
        rows = engine.rows_for(case)
        assert rows["transfer.mx_us"].state in ("met", "awaiting_sign_off")
        # Oriented again after the transfer, before closing (45 CFR 410.1309).
        assert any(plan.transferred_at <= k.delivered_at <= case.closed_at
                   for k in _all(KnowYourRights) if k.case_id == case.id)
    for case in closed:
        assert engine.rows_for(case)["legal.hearings"].state != "pending"


def _outcome(case):
    return next(a.outcome for a in case_actions(case) if a.action == Action.CLOSE_CASE)


def case_actions(case):
    return db.session.scalars(sa.select(ActionRecord).where(ActionRecord.case_id == case.id)
                              .order_by(ActionRecord.occurred_at)).all()


def _actions(case, action):
    return [a.occurred_at for a in case_actions(case) if a.action == action]


def _facts(case):
    from casework.workflow.registry import FactBatch, Facts

    return Facts(case=case, now=utcnow(), _batch=FactBatch([case.id]))


LEGAL_KEYS = ("legal.screening", "legal.representation", "legal.hearings",
              "protection.claim_us", "protection.claim_mx")


def test_checkpoint_rows_are_what_the_engine_computes_and_a_realistic_mix(ctx, national,
                                                                            ):
    _seed(300)
    rows = factories.checkpoint_rows()
    now = utcnow()
    stored = _all(CaseCheckpoint)
    for key in (*LEGAL_KEYS, "return.plan", "transfer.mx_us"):
        statuses = Counter(engine.status_of(r, now) for r in stored if r.key == key)
        assert statuses[engine.Status.SIGNED_OFF] + statuses[engine.Status.MET] > 0, key
        assert statuses[engine.Status.AWAITING_SIGN_OFF] or key == "legal.representation", key
    for key in ("legal.screening", "legal.representation"):
        statuses = Counter(engine.status_of(r, now) for r in stored if r.key == key)
        assert statuses[engine.Status.MET_LATE] and statuses[engine.Status.OVERDUE], key
        met = statuses[engine.Status.SIGNED_OFF] + statuses[engine.Status.MET]
        assert met > statuses[engine.Status.MET_LATE] + statuses[engine.Status.OVERDUE], key
    db.session.execute(sa.delete(CaseCheckpoint))
    engine.refresh_many(_all(Case))
    db.session.commit()
    assert factories.checkpoint_rows() == rows


def test_a_seed_replays_the_legal_records(ctx, national, monkeypatch):
    now = utcnow().replace(microsecond=0)
    monkeypatch.setattr(seed, "utcnow", lambda: now)  # both runs at the same moment

    def legal_facts():
        return sorted((c.number, s.screened_at, tuple(s.identified))
                      for c in _all(Case) for s in _all(LegalScreening) if s.case_id == c.id)

    _seed(40, seed=5)
    first = (legal_facts(), factories.count(Hearing), factories.count(ReturnPlan))
    db.session.execute(sa.delete(Case))  # cascades to every record of the cases
    db.session.commit()
    seed.seed(40, seed=5, password=PASSWORD, batch_size=60)
    numbers = {c.number: c for c in _all(Case)}
    assert len(numbers) == 40
    again = legal_facts()
    assert [row[1:] for row in again] == [row[1:] for row in first[0]]
    assert (factories.count(Hearing), factories.count(ReturnPlan)) == first[1:]


def test_legal_and_transfer_pages_open_on_synthetic_cases(app, ctx, national,
                                                            signin):
    _seed(300)
    proceeding = db.session.scalars(sa.select(RemovalProceeding).join(Hearing).where(
        RemovalProceeding.conclusion.is_(None))).first()  # the page shows the pending ones
    returned = db.session.scalars(sa.select(ReturnPlan).where(
        ReturnPlan.returned_at.is_not(None))).first()
    transfer = db.session.scalars(sa.select(TransferPlan)).first()
    claim = db.session.scalars(sa.select(ComarClaim)).first()
    pages = {
        proceeding.case: ["legal-screening", "representation", "proceedings", "relief",
                          "legal-notes"],
        returned.case: ["return", "legal-screening"],
        transfer.case: ["transfer", "representation"],
        claim.case: ["comar"],
    }
    for case, paths in pages.items():
        attorney = db.session.scalars(sa.select(User).where(
            User.office_id == case.office_id, User.role == Role.ATTORNEY)).first()
        if not any(m.user_id == attorney.id for m in case.team):
            db.session.add(CaseTeamMember(case_id=case.id, user_id=attorney.id,
                                          added_at=utcnow(), added_by_id=attorney.id))
            db.session.commit()
        browser = signin(attorney, PASSWORD)
        for path in paths:
            response = browser.get(f"/cases/{case.id}/{path}")
            assert response.status_code == 200, (path, response.status_code)
        db.session.rollback()
    page = signin(_attorney_of(proceeding.case), PASSWORD).get(
        f"/cases/{proceeding.case.id}/proceedings").get_data(as_text=True)
    assert proceeding.court in page


def _attorney_of(case):
    return db.session.scalars(sa.select(User).where(
        User.office_id == case.office_id, User.role == Role.ATTORNEY)).first()


@pytest.mark.parametrize("seed_value", [2026, 7])
def test_every_recorded_return_and_transfer_passed_its_gates(ctx, national, seed_value):
    """Synthetic children were moved only as the application would have let them be:
    at the moment of the move every hard gate was met but the move's own plan, which the
    engine counts as used once the move is recorded. (A soft gate, such as a case plan
    review that is late, the application lets a supervisor override; the makers do not
    write those overrides for moves.)"""
    _seed(300, seed=seed_value)
    moves = [a for a in _all(ActionRecord)
             if a.action in (Action.RECORD_RETURN, Action.RECORD_TRANSFER)]
    assert moves
    own_plan = {Action.RECORD_RETURN: "return.plan", Action.RECORD_TRANSFER: "transfer.mx_us"}
    for move in moves:
        action = Action(move.action)
        blocking = [r.key for r in engine.blockers(move.case, action, now=move.occurred_at)
                    if r.key != own_plan[action] and r.block == Block.HARD]
        assert blocking == [], (move.case.number, move.action, blocking)
