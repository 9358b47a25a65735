"""Supervisors' periodic case reviews."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.accounts.models import User
from casework.cases.models import Case, CaseKeyMixin
from casework.crypto.fields import EncryptedText
from casework.models import Base, UUIDMixin, utcnow


class CaseReview(UUIDMixin, CaseKeyMixin, Base):
    """A supervisor's review of a case: a note and the decisions taken."""

    __tablename__ = "case_review"

    case_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("child_case.id", ondelete="CASCADE"), index=True
    )
    reviewed_at: Mapped[datetime]
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    note_ct: Mapped[bytes] = mapped_column("note", sa.LargeBinary)
    decisions_ct: Mapped[bytes | None] = mapped_column("decisions", sa.LargeBinary)
    note = EncryptedText("note_ct")
    decisions = EncryptedText("decisions_ct")

    case: Mapped[Case] = relationship()
    recorded_by: Mapped[User] = relationship()
