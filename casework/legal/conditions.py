"""Conditions of the legal checkpoints: whether know-your-rights was delivered."""

from __future__ import annotations

import sqlalchemy as sa

from casework.extensions import db
from casework.legal.models import KnowYourRights
from casework.workflow.registry import Met, condition, fact_source, group_by_case


@fact_source("legal.orientations")
def load_orientations(case_ids):
    return group_by_case(db.session.execute(
        sa.select(KnowYourRights.case_id, KnowYourRights.delivered_at,
                  KnowYourRights.recorded_by_id)
        .where(KnowYourRights.case_id.in_(case_ids))
        .order_by(KnowYourRights.delivered_at, KnowYourRights.recorded_at)
    ))


@condition("legal.kyr_delivered")
def kyr_delivered(facts) -> Met | None:
    orientations = facts.records("legal.orientations")
    if not orientations:
        return None
    latest = orientations[-1]
    return Met(latest.delivered_at, latest.recorded_by_id)
