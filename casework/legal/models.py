"""The legal side of a case: know-your-rights, relief screening, representation,
removal proceedings and hearings, relief filings (US and Mexico) and privileged notes.

Plain columns are what the checkpoint engine, the calendar and the dashboards read
(dates, kinds, outcomes); what is said by or about the child is encrypted with the
case's key. Records are added, not rewritten: the few that change later (a hearing's
outcome, a filing's decision, a representation's forms and withdrawal) say when and
by whom.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.accounts.models import User
from casework.cases.models import Case, CaseKeyMixin
from casework.crypto.fields import EncryptedText
from casework.legal.choices import (
    AddressChangeReason,
    ComarDecision,
    Conclusion,
    FilingDecision,
    FilingKind,
    HearingKind,
    HearingOutcome,
    ReferralStatus,
    RepresentationKind,
    ScreeningResult,
)
from casework.models import Base, UUIDMixin, VersionMixin, str_enum, utcnow


class SessionFormat(StrEnum):
    INDIVIDUAL = "individual"
    GROUP = "group"


FORMAT_LABELS = {SessionFormat.INDIVIDUAL: _l("Individual"), SessionFormat.GROUP: _l("Group")}


def _case_fk() -> Mapped[uuid.UUID]:
    return mapped_column(sa.ForeignKey("child_case.id", ondelete="CASCADE"), index=True)


def _user_fk(nullable: bool = False):
    return mapped_column(sa.ForeignKey("user_account.id"), nullable=nullable)


class KnowYourRights(UUIDMixin, CaseKeyMixin, Base):
    """One know-your-rights orientation. The latest (by delivered_at) is the one that counts."""

    __tablename__ = "kyr_orientation"

    case_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("child_case.id", ondelete="CASCADE"), index=True
    )
    delivered_at: Mapped[datetime]
    session_format: Mapped[SessionFormat] = mapped_column(str_enum(SessionFormat, 16))
    # The legal service provider: an organisation, not the child's data.
    provider: Mapped[str] = mapped_column(sa.String(200))
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    # A language code from cases.choices.LANGUAGES, or the free text typed.
    language_ct: Mapped[bytes] = mapped_column("language", sa.LargeBinary)
    presenter_ct: Mapped[bytes] = mapped_column("presenter", sa.LargeBinary)
    language = EncryptedText("language_ct")
    presenter = EncryptedText("presenter_ct")

    case: Mapped[Case] = relationship()
    recorded_by: Mapped[User] = relationship()


class LegalScreening(UUIDMixin, CaseKeyMixin, Base):
    """An attorney's screening for relief. The latest (by screened_at) counts."""

    __tablename__ = "legal_screening"

    case_id: Mapped[uuid.UUID] = _case_fk()
    screened_at: Mapped[datetime]
    # Relief codes (choices.Relief), plain like every outcome the engine reads.
    considered: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    identified: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    result: Mapped[ScreeningResult] = mapped_column(str_enum(ScreeningResult, 24))
    wishes_to_apply: Mapped[bool] = mapped_column(default=False)
    interpreter_used: Mapped[bool] = mapped_column(default=False)
    # Mexico: the day the child entered the country, when known (COMAR's 30 business days).
    entered_country_on: Mapped[date | None]
    recorded_by_id: Mapped[uuid.UUID] = _user_fk()
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    analysis_ct: Mapped[bytes | None] = mapped_column("analysis", sa.LargeBinary)
    analysis = EncryptedText("analysis_ct")

    case: Mapped[Case] = relationship()
    recorded_by: Mapped[User] = relationship()


class Representation(UUIDMixin, VersionMixin, CaseKeyMixin, Base):
    """An attorney of record from this organisation, or a referral to pro bono counsel."""

    __tablename__ = "legal_representation"

    case_id: Mapped[uuid.UUID] = _case_fk()
    kind: Mapped[RepresentationKind] = mapped_column(str_enum(RepresentationKind, 24))
    # The organisation's own attorney (staff data, plain); null for a referral.
    attorney_id: Mapped[uuid.UUID | None] = _user_fk(nullable=True)
    started_on: Mapped[date]
    # Entry of appearance: G-28 (DHS/USCIS), EOIR-28 (immigration court), ORR L-3A notice.
    g28_on: Mapped[date | None]
    eoir28_on: Mapped[date | None]
    l3a_on: Mapped[date | None]
    referral_status: Mapped[ReferralStatus | None] = mapped_column(
        str_enum(ReferralStatus, 16))
    accepted_on: Mapped[date | None]  # when pro bono counsel accepted the referral
    withdrawn_on: Mapped[date | None]
    recorded_by_id: Mapped[uuid.UUID] = _user_fk()
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[uuid.UUID | None] = _user_fk(nullable=True)
    updated_at: Mapped[datetime | None]

    # Pro bono counsel (organisation, attorney, contact) and the reason for a withdrawal.
    counsel_ct: Mapped[bytes | None] = mapped_column("counsel", sa.LargeBinary)
    withdrawal_reason_ct: Mapped[bytes | None] = mapped_column("withdrawal_reason",
                                                               sa.LargeBinary)
    counsel = EncryptedText("counsel_ct")
    withdrawal_reason = EncryptedText("withdrawal_reason_ct")

    case: Mapped[Case] = relationship()
    attorney: Mapped[User | None] = relationship(foreign_keys=[attorney_id])
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])

    @property
    def active(self) -> bool:
        return self.withdrawn_on is None

    @property
    def represents(self) -> bool:
        """Whether this record makes someone the child's attorney of record."""
        return represents(self.kind, self.referral_status, self.withdrawn_on)


def represents(kind, referral_status, withdrawn_on) -> bool:
    """The one rule for "the child has an attorney of record" (used by the conditions too)."""
    if withdrawn_on is not None:
        return False
    return kind == RepresentationKind.ATTORNEY or referral_status == ReferralStatus.ACCEPTED


class RemovalProceeding(UUIDMixin, CaseKeyMixin, Base):
    """US removal proceedings before an immigration court (EOIR)."""

    __tablename__ = "removal_proceeding"

    case_id: Mapped[uuid.UUID] = _case_fk()
    nta_on: Mapped[date]  # the notice to appear
    concluded_on: Mapped[date | None]
    conclusion: Mapped[Conclusion | None] = mapped_column(str_enum(Conclusion, 24))
    recorded_by_id: Mapped[uuid.UUID] = _user_fk()
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    concluded_by_id: Mapped[uuid.UUID | None] = _user_fk(nullable=True)

    a_number_ct: Mapped[bytes] = mapped_column("a_number", sa.LargeBinary)
    court_ct: Mapped[bytes] = mapped_column("court", sa.LargeBinary)
    a_number = EncryptedText("a_number_ct")
    court = EncryptedText("court_ct")

    case: Mapped[Case] = relationship()
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])
    hearings: Mapped[list[Hearing]] = relationship(back_populates="proceeding",
                                                   order_by="Hearing.scheduled_at")

    @property
    def pending(self) -> bool:
        return self.conclusion is None


class Hearing(UUIDMixin, CaseKeyMixin, Base):
    """A hearing of removal proceedings; upcoming until its outcome is recorded."""

    __tablename__ = "immigration_hearing"
    __table_args__ = (sa.Index("ix_immigration_hearing_scheduled", "scheduled_at"),)

    case_id: Mapped[uuid.UUID] = _case_fk()
    proceeding_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("removal_proceeding.id", ondelete="CASCADE"), index=True)
    kind: Mapped[HearingKind] = mapped_column(str_enum(HearingKind, 24))
    scheduled_at: Mapped[datetime]
    outcome: Mapped[HearingOutcome | None] = mapped_column(str_enum(HearingOutcome, 24))
    recorded_by_id: Mapped[uuid.UUID] = _user_fk()
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome_by_id: Mapped[uuid.UUID | None] = _user_fk(nullable=True)
    outcome_at: Mapped[datetime | None]

    judge_ct: Mapped[bytes | None] = mapped_column("judge", sa.LargeBinary)
    notes_ct: Mapped[bytes | None] = mapped_column("notes", sa.LargeBinary)
    judge = EncryptedText("judge_ct")
    notes = EncryptedText("notes_ct")

    case: Mapped[Case] = relationship()
    proceeding: Mapped[RemovalProceeding] = relationship(back_populates="hearings")
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])


class AddressChange(UUIDMixin, CaseKeyMixin, Base):
    """The child's address changed: the court must hear of it (EOIR-33) within 5 working days."""

    __tablename__ = "address_change"

    case_id: Mapped[uuid.UUID] = _case_fk()
    changed_on: Mapped[date]
    reason: Mapped[AddressChangeReason] = mapped_column(str_enum(AddressChangeReason, 24))
    recorded_by_id: Mapped[uuid.UUID] = _user_fk()
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    address_ct: Mapped[bytes] = mapped_column("address", sa.LargeBinary)
    address = EncryptedText("address_ct")

    case: Mapped[Case] = relationship()
    recorded_by: Mapped[User] = relationship()


class Eoir33Filing(UUIDMixin, CaseKeyMixin, Base):
    """A change of address filed with the immigration court (Form EOIR-33)."""

    __tablename__ = "eoir33_filing"

    case_id: Mapped[uuid.UUID] = _case_fk()
    filed_on: Mapped[date]
    recorded_by_id: Mapped[uuid.UUID] = _user_fk()
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    confirmation_ct: Mapped[bytes | None] = mapped_column("confirmation", sa.LargeBinary)
    confirmation = EncryptedText("confirmation_ct")

    case: Mapped[Case] = relationship()
    recorded_by: Mapped[User] = relationship()


class ReliefFiling(UUIDMixin, CaseKeyMixin, Base):
    """A US application for relief: asylum, SIJS (state order, I-360), T or U visa, other."""

    __tablename__ = "relief_filing"

    case_id: Mapped[uuid.UUID] = _case_fk()
    kind: Mapped[FilingKind] = mapped_column(str_enum(FilingKind, 24))
    filed_on: Mapped[date]
    receipt_on: Mapped[date | None]
    decision: Mapped[FilingDecision | None] = mapped_column(str_enum(FilingDecision, 24))
    decided_on: Mapped[date | None]
    recorded_by_id: Mapped[uuid.UUID] = _user_fk()
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    decision_by_id: Mapped[uuid.UUID | None] = _user_fk(nullable=True)

    receipt_number_ct: Mapped[bytes | None] = mapped_column("receipt_number", sa.LargeBinary)
    description_ct: Mapped[bytes | None] = mapped_column("description", sa.LargeBinary)
    receipt_number = EncryptedText("receipt_number_ct")
    description = EncryptedText("description_ct")

    case: Mapped[Case] = relationship()
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])


class ComarClaim(UUIDMixin, CaseKeyMixin, Base):
    """A refugee claim before COMAR in Mexico."""

    __tablename__ = "comar_claim"

    case_id: Mapped[uuid.UUID] = _case_fk()
    entered_on: Mapped[date]  # the day the child entered Mexico
    filed_on: Mapped[date]
    inm_notified_on: Mapped[date | None]
    decision: Mapped[ComarDecision | None] = mapped_column(str_enum(ComarDecision, 24))
    decided_on: Mapped[date | None]
    recorded_by_id: Mapped[uuid.UUID] = _user_fk()
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    decision_by_id: Mapped[uuid.UUID | None] = _user_fk(nullable=True)

    reference_ct: Mapped[bytes | None] = mapped_column("reference", sa.LargeBinary)
    late_reason_ct: Mapped[bytes | None] = mapped_column("late_reason", sa.LargeBinary)
    reference = EncryptedText("reference_ct")
    late_reason = EncryptedText("late_reason_ct")

    case: Mapped[Case] = relationship()
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])


class LegalNote(UUIDMixin, CaseKeyMixin, Base):
    """A privileged attorney-client note.

    Only legal staff on the case team read or write it (legal/services.py). It is
    never edited, so no older text lingers anywhere; the audit trail keeps its id.
    """

    __tablename__ = "legal_note"

    case_id: Mapped[uuid.UUID] = _case_fk()
    author_id: Mapped[uuid.UUID] = _user_fk()
    written_at: Mapped[datetime] = mapped_column(default=utcnow)

    body_ct: Mapped[bytes] = mapped_column("body", sa.LargeBinary)
    body = EncryptedText("body_ct")

    case: Mapped[Case] = relationship()
    author: Mapped[User] = relationship()
