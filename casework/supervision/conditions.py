"""Conditions of the supervision checkpoints: when the case was last reviewed."""

from __future__ import annotations

import sqlalchemy as sa

from casework.extensions import db
from casework.supervision.models import CaseReview
from casework.workflow.registry import Met, condition, fact_source, group_by_case, in_batch


@fact_source("supervision.reviews", keyed_by=CaseReview.case_id)
def load_reviews(case_ids):
    return group_by_case(db.session.execute(
        sa.select(CaseReview.case_id, CaseReview.reviewed_at, CaseReview.recorded_by_id)
        .where(in_batch(CaseReview.case_id, case_ids))
        .order_by(CaseReview.reviewed_at, CaseReview.recorded_at)
    ))


@condition("review.latest")
def latest_review(facts) -> Met | None:
    reviews = facts.records("supervision.reviews")
    if not reviews:
        return None
    latest = reviews[-1]
    return Met(latest.reviewed_at, latest.recorded_by_id)
