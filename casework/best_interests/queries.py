"""Read-only look-ups of a case's assessments, plans and BIDs, newest first."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from casework.best_interests.choices import BidStatus
from casework.best_interests.models import (
    BestInterestsAssessment,
    BestInterestsDetermination,
    BidVote,
    CasePlan,
)
from casework.cases.models import Case
from casework.cases.queries import visible_to
from casework.extensions import db


def assessments(case: Case) -> list[BestInterestsAssessment]:
    return list(db.session.scalars(
        sa.select(BestInterestsAssessment).where(BestInterestsAssessment.case_id == case.id)
        .options(joinedload(BestInterestsAssessment.recorded_by))
        .order_by(BestInterestsAssessment.assessed_at.desc(),
                  BestInterestsAssessment.recorded_at.desc())
    ))


def plans(case: Case) -> list[CasePlan]:
    return list(db.session.scalars(
        sa.select(CasePlan).where(CasePlan.case_id == case.id)
        .options(joinedload(CasePlan.recorded_by))
        .order_by(CasePlan.made_at.desc(), CasePlan.recorded_at.desc())
    ))


def bids(case: Case) -> list[BestInterestsDetermination]:
    """Every BID of the case, the current one first, with votes and people loaded."""
    D = BestInterestsDetermination
    return list(db.session.scalars(
        sa.select(D).where(D.case_id == case.id)
        .options(selectinload(D.votes).joinedload(BidVote.member),
                 joinedload(D.drafted_by), joinedload(D.approved_by),
                 joinedload(D.explained_by), joinedload(D.superseded_by))
        .order_by(D.drafted_at.desc())
    ).unique())


def bid_of_case(case: Case, bid_id) -> BestInterestsDetermination | None:
    D = BestInterestsDetermination
    return db.session.scalar(sa.select(D).where(D.id == bid_id, D.case_id == case.id))


def bids_awaiting_approval(user, limit: int = 200) -> list[tuple[BestInterestsDetermination,
                                                                 Case]]:
    """BIDs with the panel, in the user's scope, oldest first: a supervisor's queue."""
    D = BestInterestsDetermination
    stmt = (sa.select(D, Case).join(Case, Case.id == D.case_id)
            .where(D.status == BidStatus.PANEL, visible_to(user), D.drafted_by_id != user.id)
            .order_by(D.drafted_at).limit(limit))
    return [(bid, case) for bid, case in db.session.execute(stmt)]
