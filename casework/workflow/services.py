"""Carrying out a gated action. Flushes and audits; the view commits."""

from __future__ import annotations

import uuid

from casework.audit.services import record
from casework.cases.choices import CaseStatus
from casework.extensions import db
from casework.workflow import engine
from casework.workflow.models import ActionRecord
from casework.workflow.policy import Action


def perform(case, action: Action, *, actor, occurred_at, note: str | None = None,
            outcome: str | None = None, details: dict | None = None) -> ActionRecord:
    """Record a gated action; raises CheckpointBlocked and changes nothing if refused."""
    engine.require(case, action)
    entry = ActionRecord(id=uuid.uuid4(), case=case, case_id=case.id, action=action.value,
                         occurred_at=occurred_at, recorded_by_id=actor.id, outcome=outcome)
    entry.note = (note or "").strip() or None
    entry.details = details
    db.session.add(entry)
    if action == Action.CLOSE_CASE:
        case.status = CaseStatus.CLOSED
        case.closed_at = occurred_at
    db.session.flush()
    engine.refresh(case)
    record("action.performed", actor_id=actor.id, case_id=case.id,
           details={"action": action.value})
    return entry
