"""Read-only look-ups of transfers, returns and reintegration follow-ups."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from casework.cases.models import Case
from casework.extensions import db
from casework.models import utcnow
from casework.transfers.models import (
    ReintegrationFollowUp,
    ReturnHandover,
    ReturnPlan,
    TransferPlan,
)
from casework.transfers.services import follow_up_clocks
from casework.workflow.deadlines import due_date


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


@dataclass
class FollowUpDue:
    month: int
    label: object  # the catalogue clock's label: "3-month follow-up"
    due_at: datetime
    done: ReintegrationFollowUp | None
    overdue: bool

    @property
    def due_on(self) -> date:
        return self.due_at.date()


def follow_up_schedule(case: Case, returned_at: datetime | None,
                       records: list[ReintegrationFollowUp],
                       now: datetime | None = None) -> list[FollowUpDue]:
    """The follow-ups after the return (the catalogue's reint.followup clocks), each done
    or due. Overdue follow-ups are counted on the dashboard from the checkpoint row."""
    if returned_at is None:
        return []
    now = now or utcnow()
    schedule = []
    for clock in follow_up_clocks():
        month = clock.deadline.amount
        due = due_date(clock.deadline, returned_at)
        done = next((f for f in sorted(records, key=lambda f: f.contacted_at)
                     if f.month == month and f.contacted_at >= returned_at), None)
        schedule.append(FollowUpDue(month, clock.label, due, done, done is None and due < now))
    return schedule
