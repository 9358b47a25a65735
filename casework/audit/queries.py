"""Read-only look-ups of audit events, for the auditor pages."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from casework.accounts.models import User
from casework.accounts.roles import Role
from casework.audit.models import AuditEvent
from casework.cases.models import Case
from casework.extensions import db


def events_query(*, case_id: uuid.UUID | None = None,
                 actor_id: uuid.UUID | None = None) -> sa.Select:
    """Events newest first, with the actor's name and the case number beside each."""
    stmt = (
        sa.select(AuditEvent, User.name, Case.number)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .outerjoin(Case, Case.id == AuditEvent.case_id)
        .order_by(AuditEvent.seq.desc())
    )
    if case_id is not None:
        stmt = stmt.where(AuditEvent.case_id == case_id)
    if actor_id is not None:
        stmt = stmt.where(AuditEvent.actor_id == actor_id)
    return stmt


def auditable_users(viewer: User) -> sa.Select:
    """Users whose trail ``viewer`` may read: all for an admin, a supervisor's offices."""
    stmt = sa.select(User).order_by(User.name)
    if viewer.role != Role.ADMIN:
        stmt = stmt.where(User.office_id.in_(viewer.office_ids_in_scope()))
    return stmt


def auditable_user(viewer: User, user_id: str) -> User | None:
    try:
        key = uuid.UUID(user_id)
    except ValueError:
        return None
    return db.session.scalar(auditable_users(viewer).where(User.id == key))
