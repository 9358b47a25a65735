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
    """Events newest first."""
    stmt = sa.select(AuditEvent).order_by(AuditEvent.seq.desc())
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


def labels(events: list[AuditEvent]) -> tuple[dict, dict]:
    """Actor names and case numbers for a page of events (two queries, not one per row)."""
    actors = {e.actor_id for e in events if e.actor_id}
    cases = {e.case_id for e in events if e.case_id}
    names = dict(db.session.execute(sa.select(User.id, User.name).where(User.id.in_(actors)))
                 .all()) if actors else {}
    numbers = dict(db.session.execute(sa.select(Case.id, Case.number).where(Case.id.in_(cases)))
                   .all()) if cases else {}
    return names, numbers
