"""Read-only look-ups: a case's reviews; overrides and refused actions per office.

The dashboard's checkpoint numbers are in dashboard.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from casework.accounts.models import Office, User
from casework.audit.models import AuditEvent
from casework.cases.models import Case
from casework.extensions import db
from casework.supervision.models import CaseReview
from casework.workflow.models import GateOverride


def reviews(case: Case) -> list[CaseReview]:
    return list(db.session.scalars(
        sa.select(CaseReview).where(CaseReview.case_id == case.id)
        .options(joinedload(CaseReview.recorded_by))
        .order_by(CaseReview.reviewed_at.desc(), CaseReview.recorded_at.desc())
    ))


# --- overrides and refused actions, per office ------------------------------------------

REFUSED_ACTION = "action.refused"  # audited by workflow.views when a gate refuses an action


@dataclass
class OfficeOversight:
    office: Office
    overrides: int = 0
    refusals: int = 0


@dataclass
class Refusal:
    """One refused gated action, from the audit log: ids and kinds only."""

    at: datetime
    case_id: uuid.UUID
    case_number: str
    office_code: str
    actor: str | None
    action: str | None
    checkpoints: list[str]


def _window(since: datetime, until: datetime, column):
    return sa.and_(column >= since, column < until)


def oversight_by_office(offices: Iterable[Office], since: datetime,
                        until: datetime) -> list[OfficeOversight]:
    """Per office (the caller's, loaded already): soft-block overrides and refused gated
    actions in the window."""
    out = {o.id: OfficeOversight(o) for o in sorted(offices, key=lambda o: o.code)}
    for office_id, n in db.session.execute(
        sa.select(Case.office_id, sa.func.count(GateOverride.id))
        .join(Case, Case.id == GateOverride.case_id)
        .where(Case.office_id.in_(list(out)), _window(since, until, GateOverride.at))
        .group_by(Case.office_id)
    ):
        out[office_id].overrides = n
    for office_id, n in db.session.execute(
        sa.select(Case.office_id, sa.func.count(AuditEvent.seq))
        .join(Case, Case.id == AuditEvent.case_id)
        .where(AuditEvent.action == REFUSED_ACTION, Case.office_id.in_(list(out)),
               _window(since, until, AuditEvent.occurred_at))
        .group_by(Case.office_id)
    ):
        out[office_id].refusals = n
    return list(out.values())


def overrides(scope: Collection[uuid.UUID], since: datetime, until: datetime,
              limit: int = 50, offset: int = 0) -> list[GateOverride]:
    """One page of the overrides in the window, newest first (with their case, to read the
    reason)."""
    return list(db.session.scalars(
        sa.select(GateOverride).join(Case, Case.id == GateOverride.case_id)
        .where(Case.office_id.in_(list(scope)), _window(since, until, GateOverride.at))
        .options(selectinload(GateOverride.case), selectinload(GateOverride.by))
        .order_by(GateOverride.at.desc(), GateOverride.id).limit(limit).offset(offset)
    ))


def refusals(scope: Collection[uuid.UUID], since: datetime, until: datetime,
             limit: int = 50, offset: int = 0) -> list[Refusal]:
    """One page of the refused gated actions in the window, newest first."""
    rows = db.session.execute(
        sa.select(AuditEvent.occurred_at, AuditEvent.case_id, AuditEvent.details, Case.number,
                  Office.code, User.name)
        .join(Case, Case.id == AuditEvent.case_id)
        .join(Office, Office.id == Case.office_id)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.action == REFUSED_ACTION, Case.office_id.in_(list(scope)),
               _window(since, until, AuditEvent.occurred_at))
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.seq.desc())
        .limit(limit).offset(offset)
    )
    return [Refusal(at=at, case_id=case_id, case_number=number, office_code=code, actor=name,
                    action=(details or {}).get("action"),
                    checkpoints=list((details or {}).get("checkpoints") or []))
            for at, case_id, details, number, code, name in rows]
