"""Read-only look-ups of transfers, returns and reintegration follow-ups."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from casework.cases.models import Case
from casework.extensions import db
from casework.models import utcnow
from casework.transfers.choices import FOLLOW_UP_MONTHS
from casework.transfers.models import (
    ReintegrationFollowUp,
    ReturnHandover,
    ReturnPlan,
    TransferPlan,
)


def cases_in_transfer_from(office_ids) -> sa.Select:
    """Cases transferred out of these offices and not yet handed over: during the handover
    both offices see the case (cases/queries.py `visible_to`)."""
    return sa.select(TransferPlan.case_id).where(
        TransferPlan.from_office_id.in_(office_ids), TransferPlan.transferred_at.is_not(None),
        TransferPlan.handed_over_at.is_(None))


def transfer_plans(case: Case) -> list[TransferPlan]:
    return list(db.session.scalars(
        sa.select(TransferPlan).where(TransferPlan.case_id == case.id)
        .options(joinedload(TransferPlan.recorded_by), joinedload(TransferPlan.to_office),
                 joinedload(TransferPlan.from_office))
        .order_by(TransferPlan.planned_at.desc(), TransferPlan.recorded_at.desc())
    ))


def return_plans(case: Case) -> list[ReturnPlan]:
    return list(db.session.scalars(
        sa.select(ReturnPlan).where(ReturnPlan.case_id == case.id)
        .options(joinedload(ReturnPlan.recorded_by))
        .order_by(ReturnPlan.planned_at.desc(), ReturnPlan.recorded_at.desc())
    ))


def return_handovers(case: Case) -> list[ReturnHandover]:
    return list(db.session.scalars(
        sa.select(ReturnHandover).where(ReturnHandover.case_id == case.id)
        .options(joinedload(ReturnHandover.recorded_by))
        .order_by(ReturnHandover.handed_over_at.desc())
    ))


def follow_ups(case: Case) -> list[ReintegrationFollowUp]:
    return list(db.session.scalars(
        sa.select(ReintegrationFollowUp).where(ReintegrationFollowUp.case_id == case.id)
        .options(joinedload(ReintegrationFollowUp.recorded_by))
        .order_by(ReintegrationFollowUp.contacted_at.desc())
    ))


def add_months(when: datetime, months: int) -> datetime:
    """The same day `months` later (or earlier), the last day of a shorter month."""
    index = when.month - 1 + months
    year, month = when.year + index // 12, index % 12 + 1
    return when.replace(year=year, month=month,
                        day=min(when.day, calendar.monthrange(year, month)[1]))


@dataclass
class FollowUpDue:
    month: int
    due_on: date
    done: ReintegrationFollowUp | None
    overdue: bool


def follow_up_schedule(case: Case, returned_at: datetime | None,
                       records: list[ReintegrationFollowUp],
                       now: datetime | None = None) -> list[FollowUpDue]:
    """The 1, 3, 6 and 12-month follow-ups after the return, each done or due."""
    if returned_at is None:
        return []
    now = now or utcnow()
    schedule = []
    for month in FOLLOW_UP_MONTHS:
        due = add_months(returned_at, month)
        done = next((f for f in sorted(records, key=lambda f: f.contacted_at)
                     if f.month == month and f.contacted_at >= returned_at), None)
        schedule.append(FollowUpDue(month, due.date(), done, done is None and due < now))
    return schedule


def overdue_follow_ups(case_scope: sa.ColumnElement[bool],
                       now: datetime | None = None) -> list[tuple[Case, int]]:
    """(case, month) of every reintegration follow-up overdue in this scope, in SQL:
    for the supervisors' dashboard. `case_scope` is cases.queries.visible_to(user)."""
    now = now or utcnow()
    out: list[tuple[Case, int]] = []
    for month in FOLLOW_UP_MONTHS:
        done = sa.exists().where(ReintegrationFollowUp.case_id == ReturnPlan.case_id,
                                 ReintegrationFollowUp.month == month,
                                 ReintegrationFollowUp.contacted_at >= ReturnPlan.returned_at)
        stmt = (sa.select(Case).join(ReturnPlan, ReturnPlan.case_id == Case.id)
                .where(ReturnPlan.returned_at.is_not(None),
                       ReturnPlan.returned_at <= add_months(now, -month), ~done, case_scope)
                .order_by(ReturnPlan.returned_at))
        out += [(case, month) for case in db.session.scalars(stmt).unique()]
    return sorted(out, key=lambda item: (-item[1], item[0].number))
