"""Know-your-rights orientations given to the child."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.accounts.models import User
from casework.cases.models import Case, CaseKeyMixin
from casework.crypto.fields import EncryptedText
from casework.models import Base, UUIDMixin, str_enum, utcnow


class SessionFormat(StrEnum):
    INDIVIDUAL = "individual"
    GROUP = "group"


FORMAT_LABELS = {SessionFormat.INDIVIDUAL: _l("Individual"), SessionFormat.GROUP: _l("Group")}


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
