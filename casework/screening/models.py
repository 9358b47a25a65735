"""Consent, custody timeline events and screenings.

Plain columns are what the checkpoint engine reads (dates, kinds, outcomes,
flags); everything said by or about the child is encrypted with the case's key.
Records are never edited: a newer record of the same kind supersedes an older one.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.accounts.models import User
from casework.cases.models import Case, CaseKeyMixin
from casework.crypto.fields import EncryptedText
from casework.models import Base, UUIDMixin, str_enum, utcnow
from casework.screening.choices import CustodyEventKind, ScreeningKind


class Consent(UUIDMixin, CaseKeyMixin, Base):
    """Informed consent and sharing scope. The latest (by given_at) is the one in force."""

    __tablename__ = "consent"

    case_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("child_case.id", ondelete="CASCADE"), index=True
    )
    given_at: Mapped[datetime]
    interpreter_used: Mapped[bool] = mapped_column(default=False)
    # SharingRecipient codes: who may receive the child's information.
    sharing_scope: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    may_contact_origin_country: Mapped[bool] = mapped_column(default=False)
    never_share_with_origin: Mapped[bool] = mapped_column(default=False)
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    # A language code from cases.choices.LANGUAGES, or the free text typed.
    language_ct: Mapped[bytes] = mapped_column("language", sa.LargeBinary)
    interpreter_name_ct: Mapped[bytes | None] = mapped_column("interpreter_name", sa.LargeBinary)
    notes_ct: Mapped[bytes | None] = mapped_column("notes", sa.LargeBinary)
    language = EncryptedText("language_ct")
    interpreter_name = EncryptedText("interpreter_name_ct")
    notes = EncryptedText("notes_ct")

    case: Mapped[Case] = relationship()
    recorded_by: Mapped[User] = relationship()


class CustodyEvent(UUIDMixin, CaseKeyMixin, Base):
    """One step of the custody handover (US or Mexico variant)."""

    __tablename__ = "custody_event"
    __table_args__ = (sa.Index("ix_custody_event_case_kind", "case_id", "kind"),)

    case_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("child_case.id",
                                                             ondelete="CASCADE"))
    kind: Mapped[CustodyEventKind] = mapped_column(str_enum(CustodyEventKind, 32))
    occurred_at: Mapped[datetime]
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    # The record reference (acta, notice number) and any details.
    details_ct: Mapped[bytes | None] = mapped_column("details", sa.LargeBinary)
    details = EncryptedText("details_ct")

    case: Mapped[Case] = relationship()
    recorded_by: Mapped[User] = relationship()


class Screening(UUIDMixin, CaseKeyMixin, Base):
    """A safety, trafficking, contiguous-country or protection screening.

    The latest screening of a kind (by completed_at) is the one that counts.
    """

    __tablename__ = "screening"
    __table_args__ = (sa.Index("ix_screening_case_kind", "case_id", "kind"),)

    case_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("child_case.id",
                                                             ondelete="CASCADE"))
    kind: Mapped[ScreeningKind] = mapped_column(str_enum(ScreeningKind, 16))
    completed_at: Mapped[datetime]
    # A code of choices.OUTCOMES[kind]; for the contiguous screening it follows from
    # the three findings.
    outcome: Mapped[str] = mapped_column(sa.String(32))
    # Contiguous screening only (8 U.S.C. 1232(a)(2)); null for the other kinds.
    trafficking_risk: Mapped[bool | None]
    credible_fear: Mapped[bool | None]
    can_decide: Mapped[bool | None]
    referral_made: Mapped[bool] = mapped_column(default=False)
    interpreter_used: Mapped[bool] = mapped_column(default=False)
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    referral_to_ct: Mapped[bytes | None] = mapped_column("referral_to", sa.LargeBinary)
    findings_ct: Mapped[bytes | None] = mapped_column("findings", sa.LargeBinary)
    referral_to = EncryptedText("referral_to_ct")
    findings = EncryptedText("findings_ct")

    case: Mapped[Case] = relationship()
    recorded_by: Mapped[User] = relationship()
