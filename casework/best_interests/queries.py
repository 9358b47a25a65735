"""Read-only look-ups of a case's assessments, plans and BIDs, newest first."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from casework.accounts.models import Office, User
from casework.best_interests.choices import MIN_PANEL, BidStatus, Vote
from casework.best_interests.models import (
    BestInterestsAssessment,
    BestInterestsDetermination,
    BidVote,
    CasePlan,
)
from casework.best_interests.services import bid_approvers
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


@dataclass(frozen=True)
class AwaitingApproval:
    """A BID the panel has decided, waiting for a supervisor: ids, number and names only."""

    bid_id: uuid.UUID
    case_id: uuid.UUID
    case_number: str
    office_code: str
    drafted_by: str | None
    since: datetime  # the panel's latest vote: the decision has waited since then


def _panel_tally():
    """Per BID with the panel: the votes that count (never the drafter's, each with its
    undertaking signed), how many members cast them, how many concur, and the latest."""
    D, V = BestInterestsDetermination, BidVote
    return (
        sa.select(V.bid_id, sa.func.count(sa.distinct(V.member_id)).label("members"),
                  sa.func.count().label("votes"),
                  sa.func.sum(sa.case((V.vote == Vote.CONCUR, 1), else_=0)).label("concur"),
                  sa.func.max(V.voted_at).label("last_vote"))
        .join(D, D.id == V.bid_id)
        .where(D.status == BidStatus.PANEL, V.member_id != D.drafted_by_id,
               V.confidentiality_signed_at.is_not(None))
        .group_by(V.bid_id)
        .subquery("tally")
    )


def bids_awaiting_approval(user: User, limit: int = 200) -> list[AwaitingApproval]:
    """BIDs that `user` may approve now, oldest decision first: a supervisor's queue.

    With the panel, in the user's scope, not drafted by the user, and decided: at least
    MIN_PANEL members other than the drafter voted and a majority concurred. That is
    `conditions.panel_decided` in SQL (a test holds the two together), so a BID still
    waiting for votes, or one the panel rejected (it is reopened, not approved), is not
    listed. One statement; nothing is decrypted.
    """
    if user.role not in bid_approvers():
        return []
    D = BestInterestsDetermination
    tally = _panel_tally()
    stmt = (
        sa.select(D.id, D.case_id, Case.number, Office.code, User.name, tally.c.last_vote)
        .join(tally, tally.c.bid_id == D.id)
        .join(Case, Case.id == D.case_id)
        .join(Office, Office.id == Case.office_id)
        .outerjoin(User, User.id == D.drafted_by_id)
        .where(D.status == BidStatus.PANEL, visible_to(user), D.drafted_by_id != user.id,
               tally.c.members >= MIN_PANEL, tally.c.concur * 2 > tally.c.votes)
        .order_by(tally.c.last_vote, Case.number)
        .limit(limit)
    )
    return [AwaitingApproval(bid_id=bid_id, case_id=case_id, case_number=number,
                             office_code=code, drafted_by=name, since=since)
            for bid_id, case_id, number, code, name, since in db.session.execute(stmt)]
