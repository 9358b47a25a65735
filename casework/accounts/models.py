from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.accounts.roles import Country, Role
from casework.models import Base, TimestampMixin, UUIDMixin, str_enum, utcnow

supervised_office = sa.Table(
    "supervised_office",
    Base.metadata,
    sa.Column("user_id", sa.Uuid, sa.ForeignKey("user_account.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("office_id", sa.Uuid, sa.ForeignKey("office.id", ondelete="CASCADE"),
              primary_key=True),
)


class Office(UUIDMixin, TimestampMixin, Base):
    __tablename__ = "office"

    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    country: Mapped[Country] = mapped_column(str_enum(Country, 2))
    active: Mapped[bool] = mapped_column(default=True)

    def __repr__(self) -> str:
        return f"<Office {self.code}>"


class User(UUIDMixin, TimestampMixin, Base):
    """A member of staff. Staff data is not encrypted: it is not the children's."""

    __tablename__ = "user_account"

    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[Role] = mapped_column(str_enum(Role, 16))
    office_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("office.id"), index=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    last_login_at: Mapped[datetime | None]

    office: Mapped[Office] = relationship(lazy="joined")
    supervised_offices: Mapped[list[Office]] = relationship(secondary=supervised_office)

    # Flask-Login protocol. The id Flask-Login keeps in the cookie is the
    # server-side session token, never the user id ("alternative tokens").
    session_token = None
    current_session = None

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str | None:
        return self.session_token

    def office_ids_in_scope(self) -> set[uuid.UUID]:
        """Offices whose cases this user sees (the case team adds more)."""
        if self.role == Role.ADMIN:
            return set()
        ids = {self.office_id}
        if self.role == Role.SUPERVISOR:
            ids |= {o.id for o in self.supervised_offices}
        return ids

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class UserSession(UUIDMixin, Base):
    """A sign-in. Ending the row ends the session at once, wherever the cookie is."""

    __tablename__ = "user_session"

    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    ended_reason: Mapped[str | None] = mapped_column(sa.String(32))
    user_agent: Mapped[str | None] = mapped_column(sa.String(200))

    user: Mapped[User] = relationship()
