"""Recording a case review. Flushes and audits; the view commits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l

from casework.accounts.models import User
from casework.audit.services import record
from casework.cases.models import Case
from casework.errors import NotPermitted
from casework.extensions import db
from casework.models import utcnow
from casework.supervision.models import CaseReview
from casework.workflow import engine


@dataclass
class ReviewDetails:
    reviewed_at: datetime
    note: str
    decisions: str | None = None


def record_review(case: Case, d: ReviewDetails, *, actor: User) -> CaseReview:
    if actor.role not in engine.checkpoint("case.review").completed_by:
        raise NotPermitted(_l("Only a supervisor reviews a case."))
    if d.reviewed_at.tzinfo is None:
        raise TypeError("a naive datetime: record times are aware UTC")
    if d.reviewed_at > utcnow():
        raise ValueError(_l("A review is recorded once it has been done."))
    note = (d.note or "").strip()
    if not note:
        raise ValueError(_l("Write the review note."))
    review = CaseReview(id=uuid.uuid4(), case=case, case_id=case.id,
                        reviewed_at=d.reviewed_at, recorded_by_id=actor.id)
    review.note = note
    review.decisions = (d.decisions or "").strip() or None
    db.session.add(review)
    db.session.flush()
    engine.refresh(case)
    record("review.record", actor_id=actor.id, case_id=case.id,
           details={"review": str(review.id)})
    return review


def record_export(kind: str, *, actor: User, rows: int, filters: dict,
                  with_staff: bool) -> None:
    """Audit an export: what was exported, how many rows, with which filters (ids, keys
    and dates only) and whether staff names were in it."""
    record("supervision.export", actor_id=actor.id,
           details={"kind": kind, "rows": rows, "with_staff": with_staff, "filters": filters})


def record_digest(*, supervisors: int, items: int) -> None:
    """Audit a digest run (a command, so no actor)."""
    record("supervision.digest", details={"supervisors": supervisors, "items": items})
