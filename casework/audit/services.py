"""Recording audit events. Flushes, never commits."""

from __future__ import annotations

import hashlib
import json
import uuid

import sqlalchemy as sa
from flask import g, has_request_context

from casework.audit.models import AuditEvent
from casework.extensions import db
from casework.models import utcnow

GENESIS = "0" * 64
# Any constant: serialises appenders on PostgreSQL so the chain never forks.
_CHAIN_LOCK_ID = 0x6361_7365_776B


class Outcome:
    OK = "ok"
    REFUSED = "refused"
    FAILED = "failed"


def event_hash(prev_hash: str, event: AuditEvent) -> str:
    body = json.dumps(
        {
            "prev": prev_hash,
            "at": event.occurred_at.isoformat(),
            "actor": str(event.actor_id) if event.actor_id else None,
            "action": event.action,
            "outcome": event.outcome,
            "case": str(event.case_id) if event.case_id else None,
            "request": event.request_id,
            "details": event.details,
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode()).hexdigest()


def record(
    action: str,
    *,
    actor_id: uuid.UUID | None = None,
    case_id: uuid.UUID | None = None,
    outcome: str = Outcome.OK,
    details: dict | None = None,
) -> AuditEvent:
    """Append one event in the current transaction."""
    session = db.session
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(_CHAIN_LOCK_ID)))
    elif dialect == "sqlite":
        # SQLite has no advisory lock, and the driver runs a SELECT outside any
        # transaction: a write that changes nothing takes the database's write lock
        # first, so the last hash read next is still the last when this event goes in
        # (two gunicorn workers forked the chain without it).
        session.execute(sa.text("UPDATE audit_event SET seq = seq WHERE 0"))
    prev = session.execute(
        sa.select(AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).scalar_one_or_none()
    event = AuditEvent(
        occurred_at=utcnow(),
        actor_id=actor_id,
        action=action,
        outcome=outcome,
        case_id=case_id,
        request_id=g.get("request_id") if has_request_context() else None,
        details=details or {},
    )
    event.prev_hash = prev or GENESIS
    event.hash = event_hash(event.prev_hash, event)
    session.add(event)
    session.flush()
    return event


def verify_chain(batch_size: int = 5000) -> tuple[int, list[int]]:
    """Walk the chain in order; return (events checked, seqs whose link is broken)."""
    broken: list[int] = []
    prev = GENESIS
    count = 0
    last_seq = 0
    while True:
        # populate_existing: check what is stored, not an event this session already holds.
        rows = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.seq > last_seq)
            .order_by(AuditEvent.seq).limit(batch_size)
            .execution_options(populate_existing=True)
        ).all()
        if not rows:
            return count, broken
        for event in rows:
            if event.prev_hash != prev or event_hash(event.prev_hash, event) != event.hash:
                broken.append(event.seq)
            prev = event.hash
            count += 1
            last_seq = event.seq
        db.session.expunge_all()
