"""`status_sql` (the database's answer) agrees with `engine.status_of` (Python's) on every row."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from casework.accounts.roles import Role
from casework.extensions import db
from casework.models import utcnow
from casework.workflow import engine
from casework.workflow.deadlines import DUE_SOON
from casework.workflow.engine import Status
from casework.workflow.models import CaseCheckpoint, State
from casework.workflow.status_sql import URGENCY, status_sql, urgency_sql

TICK = timedelta(microseconds=1)
# Due dates around every boundary status_of has: now, and now + DUE_SOON.
OFFSETS = [None, -timedelta(days=40), -timedelta(seconds=1), -TICK, timedelta(0), TICK,
           timedelta(hours=5), DUE_SOON - TICK, DUE_SOON, DUE_SOON + TICK, timedelta(days=30)]


def _sql_statuses(now) -> dict[int, str]:
    return dict(db.session.execute(
        sa.select(CaseCheckpoint.id, status_sql(now))).all())


def test_every_combination_agrees_at_the_boundaries(world, make):
    case = make.case(world("MX", Role.CASEWORKER))
    now = datetime(2026, 3, 4, 10, 30, 15, 123456, tzinfo=UTC)
    rows = []
    for i, (state, late, signed, offset) in enumerate(itertools.product(
            State, (False, True), (False, True), OFFSETS)):
        row = CaseCheckpoint(case_id=case.id, office_id=case.office_id, case_open=True,
                             key=f"grid.{i}", state=state, late=late,
                             due_at=None if offset is None else now + offset,
                             met_at=now - timedelta(days=1) if state == State.MET else None,
                             signed_off_at=now - timedelta(hours=1) if signed else None)
        rows.append(row)
    db.session.add_all(rows)
    db.session.commit()
    db.session.expire_all()  # read back what the database stored
    sql = _sql_statuses(now)
    seen = set()
    for row in db.session.scalars(sa.select(CaseCheckpoint)):
        expected = engine.status_of(row, now)
        assert sql[row.id] == expected.value, (row.key, row.state, row.late, row.due_at)
        seen.add(expected)
    assert seen == set(Status)  # the grid reaches every status


def test_they_agree_on_real_cases_as_time_passes_without_writes(world, make):
    cw, sup = world("MX", Role.CASEWORKER), world("MX", Role.SUPERVISOR)
    fresh = make.case(cw)
    worked = make.case(cw)
    make.screening(worked, cw, "safety")
    make.screening(worked, cw, "trafficking")
    engine.sign_off(worked, "screen.safety", actor=sup)
    make.review(worked, sup)
    db.session.commit()
    start = utcnow()
    seen = set()
    for days in (0, 1, 2, 3, 5, 12, 29, 31, 45):
        now = start + timedelta(days=days)
        sql = _sql_statuses(now)
        rows = db.session.scalars(sa.select(CaseCheckpoint).where(
            CaseCheckpoint.case_id.in_([fresh.id, worked.id]))).all()
        assert rows
        for row in rows:
            assert sql[row.id] == engine.status_of(row, now).value, (row.key, days)
            seen.add(engine.status_of(row, now))
    assert {Status.OVERDUE, Status.DUE_SOON, Status.PENDING, Status.AWAITING_SIGN_OFF,
            Status.SIGNED_OFF, Status.MET} <= seen


def test_a_naive_clock_is_refused():
    with pytest.raises(TypeError):
        status_sql(datetime(2026, 1, 1))


def test_urgency_orders_overdue_first(ctx):
    got = [db.session.scalar(sa.select(urgency_sql(sa.literal(s.value)))) for s in URGENCY]
    assert got == list(range(len(URGENCY)))
    assert URGENCY[0] == Status.OVERDUE and URGENCY[1] == Status.DUE_SOON


def test_they_agree_on_rows_due_by_a_later_clock(world, make):
    """A checkpoint with several deadlines stores the next one as due_at: the database and
    Python agree on it as time passes, and the dashboard counts it overdue."""
    from casework.supervision.dashboard import Filters, build

    cw = world("MX", Role.CASEWORKER)
    case = make.case(cw)
    make.assessment(case, cw)  # short: the initial clock is met, the comprehensive one runs
    db.session.commit()
    bia = db.session.scalars(sa.select(CaseCheckpoint).where(
        CaseCheckpoint.case_id == case.id, CaseCheckpoint.key == "bi.bia")).one()
    assert bia.due_clock == "comprehensive"
    start = utcnow()
    seen = []
    for days in (1, 6, 28, 31, 45):  # past the initial deadline, then the comprehensive one
        now = start + timedelta(days=days)
        status = engine.status_of(bia, now)
        assert _sql_statuses(now)[bia.id] == status.value, days
        counted = next(g for g in build([world.mx.id], Filters(), now).by_checkpoint
                       if g.id == "bi.bia").counts
        assert counted["overdue"] == (status == Status.OVERDUE), days
        seen.append(status)
    assert seen == [Status.PENDING, Status.PENDING, Status.DUE_SOON, Status.OVERDUE,
                    Status.OVERDUE]
