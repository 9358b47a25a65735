"""Returns, transfers, handovers and reintegration through their services and the engine:
R5 and R4 enforced whoever calls, the case moving between offices, and the follow-ups."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from casework.accounts.roles import Role
from casework.best_interests import services as bi
from casework.cases.queries import find_visible_case
from casework.errors import NotPermitted
from casework.extensions import db
from casework.models import utcnow
from casework.transfers import queries
from casework.transfers import services as tr
from casework.transfers.models import ReturnPlan, TransferPlan
from casework.workflow import engine
from casework.workflow import services as workflow
from casework.workflow.deadlines import add_months
from casework.workflow.engine import CheckpointBlocked, Status
from casework.workflow.models import ActionRecord, CaseCheckpoint, State
from casework.workflow.policy import Action, Block

NOW = lambda: utcnow().replace(second=0, microsecond=0)  # noqa: E731


def row(case, key: str) -> CaseCheckpoint:
    return db.session.scalars(sa.select(CaseCheckpoint).where(
        CaseCheckpoint.case_id == case.id, CaseCheckpoint.key == key)).one()


def actions_recorded() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(ActionRecord))


def screened(case, world, make):
    """Every screening a return needs besides the BID, so only R5 stands in the way."""
    cw = world("MX", Role.CASEWORKER)
    make.screening(case, cw, "trafficking")
    make.screening(case, world("MX", Role.ATTORNEY), "protection")
    make.legal_screening(case, world("MX", Role.ATTORNEY))  # legal.screening gates a return
    make.assessment(case, cw)
    make.case_plan(case, cw)
    return case


@pytest.fixture
def ready_for_return(world, make):
    """A case whose approved BID recommends return, with its return plan."""
    cw, sup = world("MX", Role.CASEWORKER), world("MX", Role.SUPERVISOR)
    case = screened(make.case(cw), world, make)
    make.approved_bid(case, cw, sup)
    make.return_plan(case, cw)
    db.session.commit()
    return case


# --- R5: no return without an approved, current BID recommending it --------------------

def _no_bid(case, cw, sup, make):
    pass


def _bid_with_the_panel(case, cw, sup, make):
    b = make.bid(case, cw)
    for member in make.panel(case.office):
        make.vote(b, member)


def _approved_not_explained(case, cw, sup, make):
    make.approved_bid(case, cw, sup, explain=False)


def _recommends_local_integration(case, cw, sup, make):
    make.approved_bid(case, cw, sup, recommendation="local_integration")


def _superseded(case, cw, sup, make):
    b = make.approved_bid(case, cw, sup)
    bi.reopen_bid(b, "New facts: threats against the family at home.", actor=sup)


@pytest.mark.parametrize("situation", [_no_bid, _bid_with_the_panel, _approved_not_explained,
                                       _recommends_local_integration, _superseded])
@pytest.mark.parametrize("who", [Role.CASEWORKER, Role.SUPERVISOR, Role.ATTORNEY])
def test_no_return_without_an_approved_current_bid_recommending_it(world, make, situation, who):
    cw, sup = world("MX", Role.CASEWORKER), world("MX", Role.SUPERVISOR)
    case = screened(make.case(cw), world, make)
    situation(case, cw, sup, make)
    db.session.commit()
    actor = world("MX", who)
    with pytest.raises(CheckpointBlocked) as refused:
        tr.record_return(case, tr.ActionDetails(NOW()), actor=actor)
    assert {r.key for r in refused.value.reasons if r.block == Block.HARD} & {
        "bi.bid", "bi.bid_review"}
    with pytest.raises(CheckpointBlocked):  # the workflow's own service: the same gate
        workflow.perform(case, Action.RECORD_RETURN, actor=actor, occurred_at=NOW())
    with pytest.raises(NotPermitted):  # and no plan can be made to prepare it
        make.return_plan(case, cw)
    db.session.rollback()
    assert actions_recorded() == 0


def test_a_return_is_recorded_once_and_the_plan_made_on_a_superseded_bid_stops_counting(
        world, make, ready_for_return):
    case = ready_for_return
    cw, sup = world("MX", Role.CASEWORKER), world("MX", Role.SUPERVISOR)
    assert engine.blockers(case, Action.RECORD_RETURN) == []
    # Reopen before acting: the plan of the old BID no longer lets the return through.
    old = bi.current_bid(case)
    bi.reopen_bid(old, "The child now says she fears her stepfather.", actor=sup)
    new = make.approved_bid(case, cw, sup)
    keys = {r.key for r in engine.blockers(case, Action.RECORD_RETURN)}
    assert keys == {"return.plan"}
    plan = make.return_plan(case, cw)
    assert plan.bid_id == new.id
    tr.record_return(case, tr.ActionDetails(NOW()), actor=cw)
    db.session.commit()
    assert plan.returned_at is not None and actions_recorded() == 1
    # The same return again (a replay): refused, nothing added.
    with pytest.raises(CheckpointBlocked) as refused:
        tr.record_return(case, tr.ActionDetails(NOW()), actor=cw)
    assert "return.plan" in {r.key for r in refused.value.reasons}
    with pytest.raises(NotPermitted):
        make.return_plan(case, cw)  # this BID's return has been carried out
    db.session.rollback()
    assert actions_recorded() == 1


def test_the_child_does_not_leave_before_the_planned_departure(world, make):
    cw, sup = world("MX", Role.CASEWORKER), world("MX", Role.SUPERVISOR)
    case = screened(make.case(cw), world, make)
    make.approved_bid(case, cw, sup)
    today = NOW().date()
    make.return_plan(case, cw, referral_made_on=today - timedelta(days=14),
                     departure_on=today + timedelta(days=1))
    with pytest.raises(ValueError):
        tr.record_return(case, tr.ActionDetails(NOW()), actor=cw)
    db.session.rollback()
    assert actions_recorded() == 0


# Monday 2 March 2026: five business days later is Monday 9 March.
@pytest.mark.parametrize("departure, ok", [(date(2026, 3, 6), False), (date(2026, 3, 9), True)])
def test_the_referral_comes_five_business_days_before_departure(world, make, departure, ok):
    assert tr.earliest_departure(date(2026, 3, 2)) == date(2026, 3, 9)
    cw, sup = world("MX", Role.CASEWORKER), world("MX", Role.SUPERVISOR)
    case = screened(make.case(cw), world, make)
    make.approved_bid(case, cw, sup)
    plan = dict(referral_made_on=date(2026, 3, 2), departure_on=departure,
                authority_notified_on=date(2026, 3, 1), family_assessed_on=date(2026, 3, 1))
    if ok:
        make.return_plan(case, cw, **plan)
        assert engine.blockers(case, Action.RECORD_RETURN) == []
        ready = row(case, "return.plan")
        assert ready.state == State.AWAITING_SIGN_OFF and not ready.late and ready.due_at is None
        # Should the plan stop counting (its BID reopened), the notice shows as the due date.
        bi.reopen_bid(bi.current_bid(case), "New facts: the family has moved away.",
                      actor=sup)
        assert row(case, "return.plan").due_at == datetime(2026, 3, 9, tzinfo=UTC)
    else:
        with pytest.raises(ValueError, match="business days"):
            make.return_plan(case, cw, **plan)


def test_the_referral_rule_follows_the_configured_deadline(app, world, make, monkeypatch):
    from dataclasses import replace

    cat = tuple(replace(c, deadline=replace(c.deadline, amount=10)) if c.key == "return.plan"
                else c for c in engine.catalogue())
    monkeypatch.setitem(app.extensions, "casework.catalogue", cat)
    assert tr.earliest_departure(date(2026, 3, 2)) == date(2026, 3, 16)


@pytest.mark.parametrize("change, message", [
    ({"travel_documents_ready": False}, "travel documents"),
    ({"referral_consent": False}, "consent"),
    ({"escort": " "}, "escort"),
    ({"receiving_authority": "other"}, "Name the receiving authority"),
    ({"referral_made_on": date.today() + timedelta(days=3)}, "once it has been made"),
])
def test_a_return_plan_is_complete_or_refused(world, make, change, message):
    cw, sup = world("MX", Role.CASEWORKER), world("MX", Role.SUPERVISOR)
    case = screened(make.case(cw), world, make)
    make.approved_bid(case, cw, sup)
    with pytest.raises(ValueError, match=message):
        make.return_plan(case, cw, **change)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReturnPlan)) == 0


# --- after the return ----------------------------------------------------------------------

def test_after_the_return_the_handover_and_the_follow_ups_apply(world, make, ready_for_return):
    case = ready_for_return
    cw = world("MX", Role.CASEWORKER)
    assert row(case, "return.handover").state == State.NOT_APPLICABLE
    returned = NOW()
    tr.record_return(case, tr.ActionDetails(returned), actor=cw)
    assert row(case, "return.handover").state == State.PENDING
    reint = row(case, "reint.followup")
    # Due first at the 1-month follow-up (transfers/conditions + the catalogue's clocks).
    assert reint.state == State.PENDING and reint.due_clock == "m1"
    assert reint.due_at == add_months(returned, 1)
    with pytest.raises(ValueError):
        tr.record_return_handover(case, tr.ReturnHandoverDetails(
            returned - timedelta(hours=1), "pgn", "Lic. Ana Coj, PGN", "well"), actor=cw)
    tr.record_return_handover(case, tr.ReturnHandoverDetails(
        returned, "pgn", "Lic. Ana Coj, PGN", "well"), actor=cw)
    assert row(case, "return.handover").state == State.AWAITING_SIGN_OFF
    # Closing waits for the follow-ups (soft).
    assert "reint.followup" in {r.key for r in engine.blockers(case, Action.CLOSE_CASE)}
    for month in (1, 3, 6):
        tr.record_follow_up(case, tr.FollowUpDetails(month, returned, "Counselling weekly.",
                                                     "enrolled", "No threats."), actor=cw)
    assert row(case, "reint.followup").state == State.PENDING
    tr.record_follow_up(case, tr.FollowUpDetails(12, returned, "Counselling ended.",
                                                 "enrolled", "Safe."), actor=cw)
    assert row(case, "reint.followup").state == State.AWAITING_SIGN_OFF
    assert "reint.followup" not in {r.key for r in engine.blockers(case, Action.CLOSE_CASE)}


def test_follow_ups_come_after_a_return(world, make):
    cw = world("MX", Role.CASEWORKER)
    case = make.case(cw)
    with pytest.raises(NotPermitted):
        tr.record_follow_up(case, tr.FollowUpDetails(1, NOW(), "x", "enrolled", "y"), actor=cw)
    with pytest.raises(NotPermitted):
        tr.record_return_handover(case, tr.ReturnHandoverDetails(
            NOW(), "pgn", "Officer", "well"), actor=cw)


def test_overdue_follow_ups_are_overdue_checkpoint_rows_for_the_dashboard(world, make,
                                                                         ready_for_return):
    """The dashboard counts overdue follow-ups from the reint.followup row (status_sql)."""
    from casework.supervision.dashboard import Filters, drill_down

    case = ready_for_return
    cw = world("MX", Role.CASEWORKER)
    tr.record_return(case, tr.ActionDetails(NOW()), actor=cw)
    db.session.commit()
    in_four_months = utcnow() + timedelta(days=125)
    overdue = Filters(key="reint.followup", column="overdue")
    items, total = drill_down([world.mx.id], overdue, in_four_months)
    assert total == 1 and items[0].case_id == case.id
    assert items[0].due_at == add_months(case_return(case).returned_at, 1)  # the first one
    tr.record_follow_up(case, tr.FollowUpDetails(1, NOW(), "Seen.", "enrolled", "Safe."),
                        actor=cw)
    items, total = drill_down([world.mx.id], overdue, in_four_months)
    assert total == 1 and row(case, "reint.followup").due_clock == "m3"  # now the next one
    assert drill_down([world.us.id], overdue, in_four_months)[1] == 0
    assert drill_down([world.mx.id], overdue, utcnow())[1] == 0  # not yet
    schedule = queries.follow_up_schedule(case, case_return(case).returned_at,
                                          queries.follow_ups(case), now=in_four_months)
    assert [(s.month, bool(s.done), s.overdue) for s in schedule] == [
        (1, True, False), (3, False, True), (6, False, False), (12, False, False)]


def case_return(case) -> ReturnPlan:
    return tr.last_return(case)


# --- transfer Mexico → US ------------------------------------------------------------------

@pytest.fixture
def ready_for_transfer(world, make):
    cw, sup = world("MX", Role.CASEWORKER), world("MX", Role.SUPERVISOR)
    case = make.case(cw)
    make.consent(case, cw)
    make.assessment(case, cw)
    make.case_plan(case, cw)
    make.approved_bid(case, cw, sup, recommendation="transfer_us")
    make.transfer_plan(case, cw, world.us)
    db.session.commit()
    return case


def test_a_transfer_moves_the_case_and_both_offices_see_it_until_the_handover(
        world, make, ready_for_transfer):
    case = ready_for_transfer
    mx_cw, us_cw = world("MX", Role.CASEWORKER), world("US", Role.CASEWORKER)
    mx_other = make.user(Role.PARALEGAL, world.mx)  # in the office, not on the team
    db.session.commit()
    assert mx_cw.id in {m.user_id for m in case.team}  # who registered the case
    assert find_visible_case(us_cw, case.id) is None
    assert engine.blockers(case, Action.RECORD_TRANSFER) == []

    tr.record_transfer(case, tr.ActionDetails(NOW()), actor=mx_cw)
    db.session.commit()
    assert case.office_id == world.us.id
    for user in (mx_cw, mx_other, us_cw, world("MX", Role.SUPERVISOR),
                 world("US", Role.SUPERVISOR)):
        assert find_visible_case(user, case.id) is not None, user.role
    assert find_visible_case(world("MX", Role.ADMIN), case.id) is None
    # The sending office cannot record the handover, and a second transfer is refused.
    handover = tr.HandoverDetails(NOW(), "Officer Lee, ORR Houston", "well")
    with pytest.raises(NotPermitted):
        tr.record_transfer_handover(case, handover, actor=mx_cw)
    with pytest.raises(CheckpointBlocked):
        tr.record_transfer(case, tr.ActionDetails(NOW()), actor=us_cw)
    db.session.rollback()

    plan = tr.record_transfer_handover(case, handover, actor=us_cw)
    db.session.commit()
    assert plan.handed_over_at is not None and plan.received_by == "Officer Lee, ORR Houston"
    for user in (mx_cw, mx_other, world("MX", Role.SUPERVISOR)):
        assert find_visible_case(user, case.id) is None, user.role
    assert mx_cw.id not in {m.user_id for m in case.team}  # the sending staff left the team
    assert find_visible_case(us_cw, case.id) is not None
    assert row(case, "transfer.mx_us").met_at is not None  # the plan stays met


def test_a_transferred_case_counts_on_the_dashboard_of_the_office_it_moved_to(
        world, make, ready_for_transfer):
    """The checkpoint rows carry their case's office (the dashboard reads it there): a
    transfer rewrites them, so the case leaves the sending office's numbers at once."""
    from casework.supervision import dashboard

    case = ready_for_transfer
    counted = lambda office: dashboard.build({office.id}, dashboard.Filters(),  # noqa: E731
                                             utcnow()).totals.cases
    mx_before, us_before = counted(world.mx), counted(world.us)
    tr.record_transfer(case, tr.ActionDetails(NOW()), actor=world("MX", Role.CASEWORKER))
    db.session.commit()
    assert set(db.session.scalars(sa.select(CaseCheckpoint.office_id).where(
        CaseCheckpoint.case_id == case.id))) == {world.us.id}
    assert (counted(world.mx), counted(world.us)) == (mx_before - 1, us_before + 1)


def test_no_transfer_without_an_approved_bid_recommending_it(world, make):
    cw, sup = world("MX", Role.CASEWORKER), world("MX", Role.SUPERVISOR)
    case = make.case(cw)
    make.consent(case, cw)
    make.assessment(case, cw)
    make.case_plan(case, cw)
    make.approved_bid(case, cw, sup, recommendation="return")
    with pytest.raises(NotPermitted):
        make.transfer_plan(case, cw, world.us)
    with pytest.raises(CheckpointBlocked) as refused:
        tr.record_transfer(case, tr.ActionDetails(NOW()), actor=cw)
    assert {"bi.bid", "transfer.mx_us"} <= {r.key for r in refused.value.reasons}
    db.session.rollback()
    assert case.office_id == world.mx.id and actions_recorded() == 0


def test_a_transfer_goes_to_a_us_office_from_a_mexican_one(world, make):
    cw, sup = world("MX", Role.CASEWORKER), world("MX", Role.SUPERVISOR)
    case = make.case(cw)
    make.assessment(case, cw)
    make.approved_bid(case, cw, sup, recommendation="transfer_us")
    with pytest.raises(ValueError):
        make.transfer_plan(case, cw, world.mx)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TransferPlan)) == 0


# --- reunification abroad --------------------------------------------------------------------

def test_reunification_abroad_goes_to_the_country_the_bid_recommends(world, make, monkeypatch):
    from casework.workflow.registry import CONDITIONS, Met

    cw, sup = world("MX", Role.CASEWORKER), world("MX", Role.SUPERVISOR)
    case = make.case(cw)
    make.assessment(case, cw)
    make.case_plan(case, cw)
    make.approved_bid(case, cw, sup, recommendation="reunification_us")
    # The relationship verification belongs to the reunification module (issue 6).
    monkeypatch.setitem(CONDITIONS, "family.relationship_verified", lambda f: Met(NOW()))
    details = dict(occurred_at=NOW(), received_by="Mother, Ana Tzoc", relationship="mother",
                   escort="Lic. Ruiz, DIF")
    with pytest.raises(ValueError):
        tr.reunify_abroad(case, tr.ReunificationDetails(country="GT", **details), actor=cw)
    entry = tr.reunify_abroad(case, tr.ReunificationDetails(country="US", **details), actor=cw)
    db.session.commit()
    assert entry.details["country"] == "US" and entry.details["relationship"] == "mother"


def test_a_return_recorded_by_a_direct_call_of_the_workflow_uses_the_plan_too(
        world, make, ready_for_return):
    case = ready_for_return
    cw = world("MX", Role.CASEWORKER)
    workflow.perform(case, Action.RECORD_RETURN, actor=cw, occurred_at=NOW())
    db.session.commit()
    with pytest.raises(CheckpointBlocked):
        tr.record_return(case, tr.ActionDetails(NOW()), actor=cw)
    with pytest.raises(CheckpointBlocked):
        workflow.perform(case, Action.RECORD_RETURN, actor=cw, occurred_at=NOW())
    db.session.rollback()
    assert actions_recorded() == 1


# --- the follow-up clocks: 1, 3, 6 and 12 months after the return ---------------------------

def returned_days_ago(case, days: int):
    """Backdate the return (records cannot be dated in the future), and refresh."""
    plan = case_return(case)
    plan.returned_at = utcnow().replace(microsecond=0) - timedelta(days=days)
    db.session.flush()
    engine.refresh(case)
    return plan.returned_at


def test_each_follow_up_is_due_in_turn(world, make, ready_for_return):
    case = ready_for_return
    cw = world("MX", Role.CASEWORKER)
    tr.record_return(case, tr.ActionDetails(NOW()), actor=cw)
    returned = returned_days_ago(case, 100)
    reint = row(case, "reint.followup")
    assert (reint.due_clock, reint.due_at) == ("m1", add_months(returned, 1))
    assert engine.status_of(reint) == Status.OVERDUE
    for month, next_clock in ((1, "m3"), (3, "m6"), (6, "m12")):
        tr.record_follow_up(case, tr.FollowUpDetails(month, NOW(), "Seen.", "enrolled",
                                                     "Safe."), actor=cw)
        reint = row(case, "reint.followup")
        assert reint.due_clock == next_clock
        assert reint.due_at == add_months(returned, int(next_clock[1:]))
    # 100 days after the return the 6-month follow-up is done early; the 12-month one waits.
    assert engine.status_of(reint) == Status.PENDING


@pytest.mark.parametrize(("days_since_return", "late"), [(40, True), (20, False)])
def test_follow_ups_met_late_or_on_time(world, make, ready_for_return, days_since_return,
                                        late):
    case = ready_for_return
    cw, sup = world("MX", Role.CASEWORKER), world("MX", Role.SUPERVISOR)
    tr.record_return(case, tr.ActionDetails(NOW()), actor=cw)
    returned_days_ago(case, days_since_return)  # 40 days: the 1-month one is late
    for month in (1, 3, 6, 12):
        tr.record_follow_up(case, tr.FollowUpDetails(month, NOW(), "Seen.", "enrolled",
                                                     "Safe."), actor=cw)
    assert row(case, "reint.followup").state == State.AWAITING_SIGN_OFF
    engine.sign_off(case, "reint.followup", actor=sup)
    reint = row(case, "reint.followup")
    assert reint.late is late
    assert engine.status_of(reint) == (Status.MET_LATE if late else Status.SIGNED_OFF)
