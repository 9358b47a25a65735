"""Read-only look-ups of a case's consent, custody and screening records, newest first."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from casework.cases.models import Case
from casework.extensions import db
from casework.screening.choices import CustodyEventKind, ScreeningKind, custody_variant
from casework.screening.models import Consent, CustodyEvent, Screening


def consents(case: Case) -> list[Consent]:
    return list(db.session.scalars(
        sa.select(Consent).where(Consent.case_id == case.id)
        .options(joinedload(Consent.recorded_by))
        .order_by(Consent.given_at.desc(), Consent.recorded_at.desc())
    ))


def custody_events(case: Case) -> list[CustodyEvent]:
    return list(db.session.scalars(
        sa.select(CustodyEvent).where(CustodyEvent.case_id == case.id)
        .options(joinedload(CustodyEvent.recorded_by))
        .order_by(CustodyEvent.occurred_at.desc(), CustodyEvent.recorded_at.desc())
    ))


def missing_custody_steps(case: Case, events: list[CustodyEvent]) -> list[CustodyEventKind]:
    """The steps of the office country's custody process with no event recorded yet."""
    have = {e.kind for e in events}
    return [kind for kind in custody_variant(case.office.country) if kind not in have]


def screenings(case: Case, kind: ScreeningKind) -> list[Screening]:
    return list(db.session.scalars(
        sa.select(Screening).where(Screening.case_id == case.id, Screening.kind == kind)
        .options(joinedload(Screening.recorded_by))
        .order_by(Screening.completed_at.desc(), Screening.recorded_at.desc())
    ))
