from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from casework.models import Base, utcnow


class AuditEvent(Base):
    """Who did what to which case, when. Never field values.

    Each event carries the hash of the one before it, so an edited, removed or
    reordered event breaks the chain (`flask casework audit verify`).
    """

    __tablename__ = "audit_event"
    # The supervision page of refused actions reads one kind of event in a time window.
    __table_args__ = (sa.Index("ix_audit_event_action_occurred_at", "action", "occurred_at"),)

    seq: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"),
                                     primary_key=True, autoincrement=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(sa.String(64))
    outcome: Mapped[str] = mapped_column(sa.String(16))
    case_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    request_id: Mapped[str | None] = mapped_column(sa.String(32))
    # Identifiers and counts only (checkpoint keys, endpoint names, result counts).
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)


# On PostgreSQL the rows cannot be changed or removed by anyone who connects, the
# application's own role included: UPDATE, DELETE and TRUNCATE raise. The migration
# creates the same trigger; this listener gives it to schemas built by create_all.
APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = 'audit_event is append-only: ' || TG_OP || ' refused',
        ERRCODE = 'insufficient_privilege';
END
$$
"""
APPEND_ONLY_TRIGGERS = (
    "CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
    "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()",
)

for _statement in (APPEND_ONLY_FUNCTION, *APPEND_ONLY_TRIGGERS):
    sa.event.listen(AuditEvent.__table__, "after_create",
                    sa.DDL(_statement).execute_if(dialect="postgresql"))
