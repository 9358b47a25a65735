"""Read-only look-ups of a case's reviews, newest first."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from casework.cases.models import Case
from casework.extensions import db
from casework.supervision.models import CaseReview


def reviews(case: Case) -> list[CaseReview]:
    return list(db.session.scalars(
        sa.select(CaseReview).where(CaseReview.case_id == case.id)
        .options(joinedload(CaseReview.recorded_by))
        .order_by(CaseReview.reviewed_at.desc(), CaseReview.recorded_at.desc())
    ))
