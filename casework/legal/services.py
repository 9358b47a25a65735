"""Recording a know-your-rights orientation. Flushes and audits; the view commits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l

from casework.accounts.models import User
from casework.audit.services import record
from casework.cases.models import Case
from casework.extensions import db
from casework.legal.models import KnowYourRights, SessionFormat
from casework.models import utcnow
from casework.workflow import engine


@dataclass
class OrientationDetails:
    delivered_at: datetime
    language: str
    presenter: str
    session_format: str
    provider: str


def record_orientation(case: Case, d: OrientationDetails, *, actor: User) -> KnowYourRights:
    if d.delivered_at.tzinfo is None:
        raise TypeError("a naive datetime: record times are aware UTC")
    if d.delivered_at > utcnow():
        raise ValueError(_l("An orientation is recorded once it has been given."))
    language, presenter, provider = (
        (v or "").strip() for v in (d.language, d.presenter, d.provider))
    if not (language and presenter and provider):
        raise ValueError(_l("The language, the presenter and the provider are all needed."))
    entry = KnowYourRights(id=uuid.uuid4(), case=case, case_id=case.id,
                           delivered_at=d.delivered_at,
                           session_format=SessionFormat(d.session_format), provider=provider,
                           recorded_by_id=actor.id)
    entry.language = language
    entry.presenter = presenter
    db.session.add(entry)
    db.session.flush()
    engine.refresh(case)
    record("kyr.record", actor_id=actor.id, case_id=case.id,
           details={"orientation": str(entry.id)})
    return entry
