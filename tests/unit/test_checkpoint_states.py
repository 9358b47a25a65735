"""Table-driven: every issue-3 checkpoint through not applicable, pending, overdue, met
and met late, computed by the engine from real records (never ticked by hand)."""

from datetime import timedelta

import pytest

from casework.accounts.roles import Role
from casework.errors import NotPermitted
from casework.extensions import db
from casework.models import utcnow
from casework.workflow import engine
from casework.workflow.engine import Status
from casework.workflow.models import State


def _custody_mx(make, case, actor, at):
    for kind in ("procuraduria_notified", "dif_handover", "not_in_immigration_station"):
        make.custody_event(case, actor, kind, occurred_at=at)


# key -> how its evidence is recorded at a given time
RECORDERS = {
    "intake.consent": lambda make, case, actor, at: make.consent(case, actor, given_at=at),
    "custody.timeline": _custody_mx,
    "screen.safety": lambda make, case, actor, at: make.screening(case, actor, "safety",
                                                                  completed_at=at),
    "screen.trafficking": lambda make, case, actor, at: make.screening(
        case, actor, "trafficking", completed_at=at),
    "screen.protection": lambda make, case, actor, at: make.screening(
        case, actor, "protection", completed_at=at),
    "legal.kyr": lambda make, case, actor, at: make.orientation(case, actor, delivered_at=at),
}
RECORDER_ROLE = {"screen.protection": Role.PARALEGAL, "legal.kyr": Role.PARALEGAL}


def _signer(world, key):
    """Someone whose role the catalogue lets sign this checkpoint off."""
    role = next(r for r in engine.checkpoint(key).signed_off_by if isinstance(r, Role))
    return world("MX", role)


def _row(case, key):
    return engine.rows_for(case)[key]


def _aged_case(make, actor, days):
    """A case opened and encountered `days` ago, its rows recomputed."""
    case = make.case(actor)
    past = utcnow().replace(second=0, microsecond=0) - timedelta(days=days)
    case.opened_at = case.encountered_at = past
    engine.refresh(case)
    db.session.commit()
    return case


@pytest.mark.parametrize("key", sorted(RECORDERS))
def test_pending_then_overdue_without_a_write(world, make, key):
    case = make.case(world("MX", Role.CASEWORKER))
    row = _row(case, key)
    assert row.state == State.PENDING and row.due_at is not None
    assert engine.status_of(row) in (Status.PENDING, Status.DUE_SOON)
    assert engine.status_of(row, row.due_at + timedelta(minutes=1)) == Status.OVERDUE
    assert _row(case, key).updated_at == row.updated_at


@pytest.mark.parametrize("key", sorted(RECORDERS))
def test_met_on_time_awaits_sign_off_then_is_signed(world, make, key):
    cw = world("MX", Role.CASEWORKER)
    case = make.case(cw)
    actor = world("MX", RECORDER_ROLE.get(key, Role.CASEWORKER))
    RECORDERS[key](make, case, actor, utcnow().replace(microsecond=0) - timedelta(minutes=1))
    row = _row(case, key)
    assert row.state == State.AWAITING_SIGN_OFF and not row.late
    assert row.completed_by_id == actor.id
    signer = _signer(world, key)
    engine.sign_off(case, key, actor=signer)
    row = _row(case, key)
    assert engine.status_of(row) == Status.SIGNED_OFF and row.signed_off_by_id == signer.id


@pytest.mark.parametrize("key", sorted(RECORDERS))
def test_met_after_the_due_date_is_met_late(world, make, key):
    case = _aged_case(make, world("MX", Role.CASEWORKER), days=30)
    actor = world("MX", RECORDER_ROLE.get(key, Role.CASEWORKER))
    RECORDERS[key](make, case, actor, utcnow().replace(microsecond=0) - timedelta(minutes=1))
    row = _row(case, key)
    assert row.late
    engine.sign_off(case, key, actor=_signer(world, key))
    assert engine.status_of(_row(case, key)) == Status.MET_LATE


def test_not_applicable_checkpoints(world, make):
    mx_case = make.case(world("MX", Role.CASEWORKER), nationality="MX")
    assert _row(mx_case, "screen.contiguous").state == State.NOT_APPLICABLE  # not in the US
    assert _row(mx_case, "case.closure").state == State.NOT_APPLICABLE  # not closing
    us_case = make.case(world("US", Role.CASEWORKER), nationality="MX",
                        encounter_type="port_of_entry")
    assert _row(us_case, "screen.contiguous").state == State.PENDING
    ca_case = make.case(world("US", Role.CASEWORKER), nationality="CA")
    assert _row(ca_case, "screen.contiguous").state == State.PENDING


def test_intake_registered_is_pending_until_the_evidence_is_complete(world, make):
    complete = make.case(world("MX", Role.CASEWORKER))
    assert _row(complete, "intake.registered").state == State.MET
    partial = make.case(world("MX", Role.CASEWORKER), custodian=None, languages=[])
    assert _row(partial, "intake.registered").state == State.PENDING


def test_case_review_recurs_every_30_days(world, make):
    case = _aged_case(make, world("MX", Role.CASEWORKER), days=40)
    row = _row(case, "case.review")
    assert engine.status_of(row) == Status.OVERDUE
    reviewed = utcnow().replace(microsecond=0) - timedelta(hours=1)
    make.review(case, world("MX", Role.SUPERVISOR), reviewed_at=reviewed)
    row = _row(case, "case.review")
    assert row.met_at == reviewed and row.due_at == reviewed + timedelta(days=30)
    assert engine.status_of(row) == Status.PENDING
    assert engine.status_of(row, reviewed + timedelta(days=31)) == Status.OVERDUE


def test_sign_off_refusals(world, make):
    cw = world("MX", Role.CASEWORKER)
    case = make.case(cw)
    make.screening(case, cw, "safety")
    with pytest.raises(NotPermitted):  # a caseworker's role cannot sign it off
        engine.sign_off(case, "screen.safety", actor=world("MX", Role.CASEWORKER))
    with pytest.raises(NotPermitted):  # nothing awaits sign-off here
        engine.sign_off(case, "screen.trafficking", actor=world("MX", Role.SUPERVISOR))
    sup = world("MX", Role.SUPERVISOR)
    make.review(case, sup)
    make.screening(case, sup, "trafficking")  # completed by the supervisor themself
    with pytest.raises(NotPermitted, match="completed"):
        engine.sign_off(case, "screen.trafficking", actor=sup)
