"""`engine.status_of` as one SQL expression, for dashboards that count in the database.

`status_of(row, now)` reads a stored `case_checkpoint` row and the clock; this
module says the same thing in SQL, so that "overdue" on the dashboard is
"overdue" on the case page, and time passing without any write moves a row
from pending to due soon to overdue in both. tests/unit/test_status_sql.py
proves the two agree for every combination of state, lateness, sign-off and
due date around each boundary, on SQLite and on PostgreSQL.

    overdue         pending, and due_at < now                 (now > due_at)
    due soon        pending, and now <= due_at <= now + 3 days (due_at - now <= DUE_SOON)
    pending         pending, and no due date or a later one
    awaiting        awaiting sign-off
    met late        met, after its due date (the stored `late`)
    signed off      met on time, with a sign-off
    met             met on time, needing no sign-off
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from casework.workflow.deadlines import DUE_SOON
from casework.workflow.engine import Status
from casework.workflow.models import CaseCheckpoint, State

# The statuses that count as "met on time" (status_of answers MET or SIGNED_OFF).
MET_ON_TIME = (Status.MET, Status.SIGNED_OFF)
# Urgency, most urgent first: the order of drill-down lists and digests.
URGENCY = (Status.OVERDUE, Status.DUE_SOON, Status.AWAITING_SIGN_OFF, Status.PENDING,
           Status.MET_LATE, Status.MET, Status.SIGNED_OFF, Status.NOT_APPLICABLE)


def status_sql(now: datetime, row=CaseCheckpoint) -> sa.ColumnElement[str]:
    """The value of `engine.status_of(row, now)`, computed by the database.

    `row` may be an alias of CaseCheckpoint. `now` is bound as a parameter (an aware
    UTC datetime), so the expression is the same on every dialect and uses no
    date arithmetic in SQL.
    """
    if now.tzinfo is None:
        raise TypeError("a naive datetime: times are aware UTC")
    due_at = row.due_at
    return sa.case(
        (row.state == State.NOT_APPLICABLE, Status.NOT_APPLICABLE.value),
        (row.state == State.AWAITING_SIGN_OFF, Status.AWAITING_SIGN_OFF.value),
        (sa.and_(row.state == State.MET, row.late.is_(True)), Status.MET_LATE.value),
        (sa.and_(row.state == State.MET, row.signed_off_at.is_not(None)),
         Status.SIGNED_OFF.value),
        (row.state == State.MET, Status.MET.value),
        (due_at < sa.bindparam(None, now, type_=due_at.type), Status.OVERDUE.value),
        (due_at <= sa.bindparam(None, now + DUE_SOON, type_=due_at.type),
         Status.DUE_SOON.value),
        else_=Status.PENDING.value,
    )


def urgency_sql(status: sa.ColumnElement[str]) -> sa.ColumnElement[int]:
    """0 for the most urgent status: ORDER BY this, then the due date."""
    return sa.case(*((status == s.value, i) for i, s in enumerate(URGENCY)),
                   else_=len(URGENCY))
