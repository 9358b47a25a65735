from datetime import UTC, datetime, timedelta

import pytest

from casework.workflow.deadlines import add_business_days, due_date
from casework.workflow.engine import Status, status_of
from casework.workflow.models import CaseCheckpoint, State
from casework.workflow.policy import Deadline, Unit


def at(y, m, d, h=10):
    return datetime(y, m, d, h, tzinfo=UTC)


# 2026-11-27 is a Friday.
@pytest.mark.parametrize(("start", "days", "expected"), [
    (at(2026, 11, 23), 1, at(2026, 11, 24)),        # Monday + 1 → Tuesday
    (at(2026, 11, 27), 1, at(2026, 11, 30)),        # Friday + 1 → Monday, over the weekend
    (at(2026, 11, 27), 10, at(2026, 12, 11)),       # Friday + 10 → Friday two weeks on
    (at(2026, 11, 28), 1, at(2026, 12, 1, 0)),      # Saturday counts from Monday 00:00
    (at(2026, 11, 29), 10, at(2026, 12, 14, 0)),    # Sunday + 10
    (at(2026, 11, 23), 0, at(2026, 11, 23)),
])
def test_business_days_skip_weekends(start, days, expected):
    assert add_business_days(start, days) == expected


@pytest.mark.parametrize(("rule", "expected"), [
    (Deadline(24, Unit.HOURS), at(2026, 11, 28)),
    (Deadline(72, Unit.HOURS), at(2026, 11, 30)),
    (Deadline(30, Unit.DAYS), at(2026, 12, 27)),
    (Deadline(10, Unit.BUSINESS_DAYS), at(2026, 12, 11)),
])
def test_due_date_units(rule, expected):
    assert due_date(rule, at(2026, 11, 27)) == expected


NOW = at(2026, 11, 27)


@pytest.mark.parametrize(("state", "due", "late", "signed", "expected"), [
    (State.NOT_APPLICABLE, None, False, False, Status.NOT_APPLICABLE),
    (State.PENDING, NOW + timedelta(days=10), False, False, Status.PENDING),
    (State.PENDING, None, False, False, Status.PENDING),
    (State.PENDING, NOW + timedelta(days=2), False, False, Status.DUE_SOON),
    (State.PENDING, NOW - timedelta(minutes=1), False, False, Status.OVERDUE),
    (State.AWAITING_SIGN_OFF, NOW - timedelta(days=1), False, False, Status.AWAITING_SIGN_OFF),
    (State.MET, NOW - timedelta(days=1), False, False, Status.MET),
    (State.MET, NOW - timedelta(days=1), True, True, Status.MET_LATE),
    (State.MET, NOW - timedelta(days=1), False, True, Status.SIGNED_OFF),
])
def test_status_is_read_from_the_row_and_the_clock(state, due, late, signed, expected):
    row = CaseCheckpoint(state=state, due_at=due, late=late,
                         signed_off_at=NOW if signed else None)
    assert status_of(row, NOW) == expected


def test_time_passing_turns_pending_into_overdue_without_a_write():
    row = CaseCheckpoint(state=State.PENDING, due_at=NOW + timedelta(hours=1), late=False)
    assert status_of(row, NOW) == Status.DUE_SOON
    assert status_of(row, NOW + timedelta(hours=2)) == Status.OVERDUE
    assert row.state == State.PENDING


@pytest.mark.parametrize(("start", "months", "expected"), [
    (at(2026, 1, 31), 1, at(2026, 2, 28)),   # the last day of a shorter month
    (at(2026, 11, 27), 3, at(2027, 2, 27)),  # over the year's end
    (at(2026, 3, 15), 12, at(2027, 3, 15)),
])
def test_due_date_in_calendar_months(start, months, expected):
    assert due_date(Deadline(months, Unit.MONTHS), start) == expected
