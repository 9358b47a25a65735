"""Cross-border transfers, returns, reception handovers and reintegration follow-ups.

A plan is made on one BID (bid_id): when that BID is superseded the plan stops
counting, so a superseded BID can never be acted on. Plain columns are what the
checkpoint engine and the access rule read (offices, dates, codes); names,
places and what was said about the child are encrypted with the case's key.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.accounts.models import Office, User
from casework.cases.models import Case, CaseKeyMixin
from casework.crypto.fields import EncryptedText
from casework.models import Base, UUIDMixin, str_enum, utcnow
from casework.transfers.choices import (
    ChildCondition,
    LegalPathway,
    ReceivingAuthority,
    SchoolStatus,
)


def _ct(name: str, nullable: bool = True):
    return mapped_column(name, sa.LargeBinary, nullable=nullable)


def _user_fk(nullable: bool = False):
    return mapped_column(sa.ForeignKey("user_account.id"), nullable=nullable)


class TransferPlan(UUIDMixin, CaseKeyMixin, Base):
    """A safe transfer from a Mexican office to a US office, from plan to handover.

    Recording the transfer (transferred_at) moves the case to the receiving office;
    until the handover (handed_over_at) the sending office keeps access too.
    """

    __tablename__ = "transfer_plan"
    __table_args__ = (
        # The access rule's question: which cases are in transfer from these offices?
        sa.Index("ix_transfer_plan_from_open", "from_office_id", "handed_over_at"),
    )

    case_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("child_case.id", ondelete="CASCADE"), index=True
    )
    bid_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("bi_determination.id"))
    from_office_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("office.id"))
    to_office_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("office.id"))
    legal_pathway: Mapped[LegalPathway] = mapped_column(str_enum(LegalPathway, 24))
    measure_on: Mapped[date]  # the Procuraduría's protection measure
    mx_authorities_notified_on: Mapped[date]
    us_authorities_notified_on: Mapped[date]
    consulates_notified_on: Mapped[date]
    planned_at: Mapped[datetime]
    recorded_by_id: Mapped[uuid.UUID] = _user_fk()
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    transferred_at: Mapped[datetime | None]
    transferred_by_id: Mapped[uuid.UUID | None] = _user_fk(nullable=True)
    handed_over_at: Mapped[datetime | None]
    handover_recorded_by_id: Mapped[uuid.UUID | None] = _user_fk(nullable=True)
    child_condition: Mapped[ChildCondition | None] = mapped_column(str_enum(ChildCondition, 16))

    family_ct: Mapped[bytes] = _ct("family", nullable=False)
    measure_ct: Mapped[bytes] = _ct("measure", nullable=False)
    escort_ct: Mapped[bytes] = _ct("escort", nullable=False)
    notes_ct: Mapped[bytes | None] = _ct("notes")
    received_by_ct: Mapped[bytes | None] = _ct("received_by")
    condition_notes_ct: Mapped[bytes | None] = _ct("condition_notes")
    family = EncryptedText("family_ct")  # the verified family or sponsor in the US
    measure = EncryptedText("measure_ct")  # the Procuraduría's measure: reference, terms
    escort = EncryptedText("escort_ct")
    notes = EncryptedText("notes_ct")
    received_by = EncryptedText("received_by_ct")  # officer who received the child
    condition_notes = EncryptedText("condition_notes_ct")

    case: Mapped[Case] = relationship()
    from_office: Mapped[Office] = relationship(foreign_keys=[from_office_id])
    to_office: Mapped[Office] = relationship(foreign_keys=[to_office_id])
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])


class ReturnPlan(UUIDMixin, CaseKeyMixin, Base):
    """A return to the country of origin, from plan to departure (returned_at)."""

    __tablename__ = "return_plan"

    case_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("child_case.id", ondelete="CASCADE"), index=True
    )
    bid_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("bi_determination.id"))
    receiving_authority: Mapped[ReceivingAuthority] = mapped_column(
        str_enum(ReceivingAuthority, 16))
    authority_notified_on: Mapped[date]
    family_assessed_on: Mapped[date]
    travel_documents_ready: Mapped[bool] = mapped_column(default=False)
    referral_made_on: Mapped[date]
    referral_consent: Mapped[bool] = mapped_column(default=False)
    departure_on: Mapped[date]
    planned_at: Mapped[datetime]
    recorded_by_id: Mapped[uuid.UUID] = _user_fk()
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    returned_at: Mapped[datetime | None] = mapped_column(index=True)
    returned_by_id: Mapped[uuid.UUID | None] = _user_fk(nullable=True)

    authority_name_ct: Mapped[bytes | None] = _ct("authority_name")
    family_assessment_ct: Mapped[bytes] = _ct("family_assessment", nullable=False)
    travel_documents_ct: Mapped[bytes] = _ct("travel_documents", nullable=False)
    escort_ct: Mapped[bytes] = _ct("escort", nullable=False)
    reintegration_partner_ct: Mapped[bytes] = _ct("reintegration_partner", nullable=False)
    reintegration_plan_ct: Mapped[bytes] = _ct("reintegration_plan", nullable=False)
    notes_ct: Mapped[bytes | None] = _ct("notes")
    authority_name = EncryptedText("authority_name_ct")  # when the authority is "other"
    family_assessment = EncryptedText("family_assessment_ct")
    travel_documents = EncryptedText("travel_documents_ct")
    escort = EncryptedText("escort_ct")  # the specialised escort
    reintegration_partner = EncryptedText("reintegration_partner_ct")
    reintegration_plan = EncryptedText("reintegration_plan_ct")
    notes = EncryptedText("notes_ct")

    case: Mapped[Case] = relationship()
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])


class ReturnHandover(UUIDMixin, CaseKeyMixin, Base):
    """The reception of a returned child by the authority of the country of origin."""

    __tablename__ = "return_handover"

    case_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("child_case.id", ondelete="CASCADE"), index=True
    )
    return_plan_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("return_plan.id"))
    receiving_authority: Mapped[ReceivingAuthority] = mapped_column(
        str_enum(ReceivingAuthority, 16))
    handed_over_at: Mapped[datetime]
    child_condition: Mapped[ChildCondition] = mapped_column(str_enum(ChildCondition, 16))
    recorded_by_id: Mapped[uuid.UUID] = _user_fk()
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    officer_ct: Mapped[bytes] = _ct("officer", nullable=False)
    condition_notes_ct: Mapped[bytes | None] = _ct("condition_notes")
    officer = EncryptedText("officer_ct")  # name and post of the receiving officer
    condition_notes = EncryptedText("condition_notes_ct")

    case: Mapped[Case] = relationship()
    recorded_by: Mapped[User] = relationship()


class ReintegrationFollowUp(UUIDMixin, CaseKeyMixin, Base):
    """One dated follow-up after a return: at 1, 3, 6 or 12 months."""

    __tablename__ = "reintegration_follow_up"
    __table_args__ = (sa.Index("ix_reintegration_follow_up_case_month", "case_id", "month"),)

    case_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("child_case.id",
                                                             ondelete="CASCADE"))
    month: Mapped[int]  # the milestone: one of choices.FOLLOW_UP_MONTHS
    contacted_at: Mapped[datetime]
    school: Mapped[SchoolStatus] = mapped_column(str_enum(SchoolStatus, 16))
    safety_concern: Mapped[bool] = mapped_column(default=False)
    recorded_by_id: Mapped[uuid.UUID] = _user_fk()
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    partner_ct: Mapped[bytes | None] = _ct("partner")
    psychosocial_ct: Mapped[bytes] = _ct("psychosocial", nullable=False)
    school_notes_ct: Mapped[bytes | None] = _ct("school_notes")
    safety_ct: Mapped[bytes] = _ct("safety", nullable=False)
    partner = EncryptedText("partner_ct")  # who did the follow-up
    psychosocial = EncryptedText("psychosocial_ct")
    school_notes = EncryptedText("school_notes_ct")
    safety = EncryptedText("safety_ct")

    case: Mapped[Case] = relationship()
    recorded_by: Mapped[User] = relationship()
