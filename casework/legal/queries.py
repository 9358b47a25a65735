"""Read-only look-ups of a case's know-your-rights orientations, newest first."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from casework.cases.models import Case
from casework.extensions import db
from casework.legal.models import KnowYourRights


def orientations(case: Case) -> list[KnowYourRights]:
    return list(db.session.scalars(
        sa.select(KnowYourRights).where(KnowYourRights.case_id == case.id)
        .options(joinedload(KnowYourRights.recorded_by))
        .order_by(KnowYourRights.delivered_at.desc(), KnowYourRights.recorded_at.desc())
    ))
