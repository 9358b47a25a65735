"""Best interests assessments, case plans, determinations (BIDs) and the panel's votes.

Plain columns are what the checkpoint engine reads (dates, kinds, statuses, the
recommendation); what was said by or about the child is encrypted with the
case's key. Assessments and plans are never edited: a newer one supersedes an
older one. A BID moves forward only (with the panel, approved, superseded).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.accounts.models import User
from casework.best_interests.choices import AssessmentKind, BidQuestion, BidStatus, Solution, Vote
from casework.cases.models import Case, CaseKeyMixin
from casework.crypto.fields import EncryptedJSON, EncryptedText
from casework.models import Base, UUIDMixin, str_enum, utcnow


def _ct(name: str, nullable: bool = True):
    return mapped_column(name, sa.LargeBinary, nullable=nullable)


class BestInterestsAssessment(UUIDMixin, CaseKeyMixin, Base):
    """A BIA. The latest (by assessed_at) is the one that counts."""

    __tablename__ = "bi_assessment"

    case_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("child_case.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[AssessmentKind] = mapped_column(str_enum(AssessmentKind, 16))
    assessed_at: Mapped[datetime]
    interpreter_used: Mapped[bool] = mapped_column(default=False)
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    # {area code: narrative} for the areas of choices.BIA_AREAS, and the conclusions.
    areas_ct: Mapped[bytes] = _ct("areas", nullable=False)
    conclusions_ct: Mapped[bytes | None] = _ct("conclusions")
    areas = EncryptedJSON("areas_ct")
    conclusions = EncryptedText("conclusions_ct")

    case: Mapped[Case] = relationship()
    recorded_by: Mapped[User] = relationship()


class CasePlan(UUIDMixin, CaseKeyMixin, Base):
    """A case plan (in Mexico, the Procuraduría's Plan de Restitución de Derechos).

    The latest (by made_at) is in force until its review date.
    """

    __tablename__ = "bi_case_plan"

    case_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("child_case.id", ondelete="CASCADE"), index=True
    )
    made_at: Mapped[datetime]
    review_on: Mapped[date]
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    # [{"measure", "responsible", "due"}]; due is an ISO date.
    measures_ct: Mapped[bytes] = _ct("measures", nullable=False)
    reference_ct: Mapped[bytes | None] = _ct("reference")
    without_bia_reason_ct: Mapped[bytes | None] = _ct("without_bia_reason")
    measures = EncryptedJSON("measures_ct")
    reference = EncryptedText("reference_ct")
    without_bia_reason = EncryptedText("without_bia_reason_ct")

    case: Mapped[Case] = relationship()
    recorded_by: Mapped[User] = relationship()


class BestInterestsDetermination(UUIDMixin, CaseKeyMixin, Base):
    """A BID: drafted by a caseworker, voted by a panel, approved by a supervisor.

    The latest (by drafted_at) is the case's current BID; a superseded one can never
    be acted on, and plans made on it stop counting.
    """

    __tablename__ = "bi_determination"
    __table_args__ = (sa.Index("ix_bi_determination_case_drafted", "case_id", "drafted_at"),)

    case_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("child_case.id",
                                                             ondelete="CASCADE"))
    question: Mapped[BidQuestion] = mapped_column(str_enum(BidQuestion, 24))
    recommendation: Mapped[Solution] = mapped_column(str_enum(Solution, 24))
    status: Mapped[BidStatus] = mapped_column(str_enum(BidStatus, 16), default=BidStatus.PANEL,
                                              index=True)
    drafted_by_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("user_account.id"))
    drafted_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("user_account.id"))
    approved_at: Mapped[datetime | None]
    explained_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("user_account.id"))
    explained_at: Mapped[datetime | None]
    superseded_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("user_account.id"))
    superseded_at: Mapped[datetime | None]

    options_ct: Mapped[bytes] = _ct("options", nullable=False)
    child_views_ct: Mapped[bytes] = _ct("child_views", nullable=False)
    views_weight_ct: Mapped[bytes] = _ct("views_weight", nullable=False)
    reasons_ct: Mapped[bytes] = _ct("reasons", nullable=False)
    without_bia_reason_ct: Mapped[bytes | None] = _ct("without_bia_reason")
    explanation_ct: Mapped[bytes | None] = _ct("explanation")
    reopen_reason_ct: Mapped[bytes | None] = _ct("reopen_reason")
    options = EncryptedText("options_ct")  # options considered, with pros and cons
    child_views = EncryptedText("child_views_ct")
    views_weight = EncryptedText("views_weight_ct")  # how the child's views were weighed
    reasons = EncryptedText("reasons_ct")
    without_bia_reason = EncryptedText("without_bia_reason_ct")
    explanation = EncryptedText("explanation_ct")  # how the decision was explained to the child
    reopen_reason = EncryptedText("reopen_reason_ct")

    case: Mapped[Case] = relationship()
    drafted_by: Mapped[User] = relationship(foreign_keys=[drafted_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    explained_by: Mapped[User | None] = relationship(foreign_keys=[explained_by_id])
    superseded_by: Mapped[User | None] = relationship(foreign_keys=[superseded_by_id])
    votes: Mapped[list[BidVote]] = relationship(back_populates="bid", order_by="BidVote.voted_at")


class BidVote(UUIDMixin, CaseKeyMixin, Base):
    """One panel member's vote on a BID, with their confidentiality undertaking."""

    __tablename__ = "bi_panel_vote"
    __table_args__ = (sa.UniqueConstraint("bid_id", "member_id"),)

    bid_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("bi_determination.id",
                                                            ondelete="CASCADE"))
    case_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("child_case.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("user_account.id"))
    vote: Mapped[Vote] = mapped_column(str_enum(Vote, 16))
    # The undertaking is signed with the vote; a vote without it is refused.
    confidentiality_signed_at: Mapped[datetime]
    voted_at: Mapped[datetime] = mapped_column(default=utcnow)

    dissent_ct: Mapped[bytes | None] = _ct("dissent")
    dissent = EncryptedText("dissent_ct")

    case: Mapped[Case] = relationship()
    bid: Mapped[BestInterestsDetermination] = relationship(back_populates="votes")
    member: Mapped[User] = relationship()
