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
    # IANA name (accounts/timezones.py): pages show and forms read times in it.
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC", server_default="UTC")
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
    # TOTP (accounts/mfa.py): the secret is AES-GCM under a keyring KEK, never plain;
    # enrolment is pending until the first code is confirmed (mfa_enabled_at).
    totp_secret: Mapped[bytes | None] = mapped_column(sa.LargeBinary(128))
    totp_kek_id: Mapped[str | None] = mapped_column(sa.String(16), index=True)
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    mfa_enabled_at: Mapped[datetime | None]

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
    def mfa_enrolled(self) -> bool:
        return self.mfa_enabled_at is not None

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str | None:
        return self.session_token

    @property
    def language(self) -> str:
        """The saved choice, else the office country's language (Spanish in Mexico):
        for pages without a browser language and for what is sent to the user."""
        if self.locale in ("es", "en"):
            return self.locale
        return "es" if self.office.country == Country.MX else "en"

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
    # Set when the second factor was given in this session (a new row, a new token).
    mfa_verified_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class RecoveryCode(UUIDMixin, Base):
    """A single-use MFA recovery code, stored only as a SHA-256 of 80 random bits."""

    __tablename__ = "mfa_recovery_code"

    user_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]


class LoginAttempt(Base):
    """A failed sign-in or second-factor attempt, for throttling across workers and hosts.

    The key is a keyed hash of the normalised email or the client address: neither is
    stored, and an attempt on an unknown email is recorded just like one on a known one.
    """

    __tablename__ = "login_attempt"
    __table_args__ = (sa.Index("ix_login_attempt_lookup", "scope", "key_hash", "at"),)

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    scope: Mapped[str] = mapped_column(sa.String(8))
    key_hash: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
