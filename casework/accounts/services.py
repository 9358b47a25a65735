"""The verbs that change accounts. They flush; the view commits."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from casework.accounts import mfa, throttle, timezones
from casework.accounts.models import Office, User, UserSession
from casework.accounts.passwords import (
    MIN_PASSWORD_LENGTH,
    burn_time,
    hash_password,
    needs_rehash,
    verify_password,
)
from casework.accounts.roles import Country, Role
from casework.audit.services import Outcome, record
from casework.extensions import db
from casework.models import utcnow


class AccountError(ValueError):
    """A request about accounts that cannot be carried out; the message is for the user.

    `field` names the form field the message belongs beside.
    """

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        self.field = field


class LoginFailed(AccountError):
    """Wrong email, wrong password or inactive account: deliberately not told apart."""


class Throttled(AccountError):
    """Too many recent failures for this account or this client address."""


# Touching last_seen_at on every request would write on every page view.
LAST_SEEN_GRANULARITY = timedelta(minutes=1)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            _l("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
            "password",
        )


def create_office(code: str, name: str, country: Country | str,
                  timezone: str | None = None) -> Office:
    code = code.strip().upper()
    if db.session.scalar(sa.select(Office.id).where(Office.code == code)):
        raise AccountError(_l("An office with this code already exists."), "code")
    if timezone is not None and timezone not in timezones.ZONES:
        raise AccountError(_l("Choose a time zone from the list."), "timezone")
    office = Office(code=code, name=name.strip(), country=Country(country),
                    timezone=timezone or timezones.default_zone(country))
    db.session.add(office)
    db.session.flush()
    return office


def create_user(
    *, email: str, name: str, role: Role | str, office: Office, password: str,
    actor: User | None = None, active: bool = True, supervised: list[Office] | None = None,
) -> User:
    email = normalise_email(email)
    if db.session.scalar(sa.select(User.id).where(User.email == email)):
        raise AccountError(_l("A user with this email already exists."), "email")
    check_password_strength(password)
    user = User(
        email=email, name=name.strip(), role=Role(role), office=office,
        password_hash=hash_password(password), active=active,
    )
    if user.role == Role.SUPERVISOR:
        user.supervised_offices = supervised or [office]
    db.session.add(user)
    db.session.flush()
    record("user.create", actor_id=actor.id if actor else None, details={"user": str(user.id)})
    return user


def authenticate(email: str, password: str) -> User | None:
    """The user for these credentials, or None. Costs the same either way."""
    user = db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))
    if user is None:
        burn_time(password)
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sign_in(email: str, password: str, address: str | None) -> User:
    """Check credentials under the throttles; LoginFailed or Throttled otherwise.

    An unknown email is throttled, recorded and timed like a known one, so neither
    the message, the status nor the time taken tells whether an account exists.
    """
    keys = {throttle.ACCOUNT: normalise_email(email), throttle.ADDRESS: address or ""}
    if throttle.is_throttled(keys):
        record("login", outcome=Outcome.REFUSED, details={"reason": "throttled"})
        raise Throttled(_l("Too many failed attempts. Wait a minute, then try again."))
    user = authenticate(email, password)
    if user is None:
        throttle.note_failure(keys)
        record("login", outcome=Outcome.FAILED)
        raise LoginFailed(_l("The email or password is not correct."))
    record("login", actor_id=user.id)
    return user


def start_session(user: User, user_agent: str | None = None, *, mfa_verified: bool = False) -> str:
    """Create a server-side session; return the token for the cookie."""
    token = secrets.token_urlsafe(32)
    row = UserSession(user_id=user.id, token_hash=_token_hash(token),
                      user_agent=(user_agent or "")[:200] or None,
                      mfa_verified_at=utcnow() if mfa_verified else None)
    db.session.add(row)
    user.last_login_at = utcnow()
    user.session_token = token
    user.current_session = row
    db.session.flush()
    return token


def load_session(token: str, *, idle: timedelta, absolute: timedelta) -> User | None:
    """The user behind a live session token; ends a timed-out session."""
    # The user (and their office) in the same query: this runs before every request.
    row = db.session.scalar(
        sa.select(UserSession).where(UserSession.token_hash == _token_hash(token))
        .options(joinedload(UserSession.user))
    )
    if row is None or row.ended_at is not None:
        return None
    now = utcnow()
    # Ended without a flush, so the caller sees a dirty session and commits the end.
    if now - row.last_seen_at > idle:
        _mark_ended(row, "idle")
        return None
    if now - row.created_at > absolute:
        _mark_ended(row, "expired")
        return None
    user = row.user
    if not user.active:
        _mark_ended(row, "deactivated")
        return None
    if now - row.last_seen_at > LAST_SEEN_GRANULARITY:
        row.last_seen_at = now
    user.session_token = token
    user.current_session = row
    return user


def complete_second_factor(user: User, code: str) -> str:
    """Check a TOTP or recovery code; on success replace the session with a new one.

    The new token means a session id seen before the second factor (on a shared
    screen, in a proxy log) is worthless afterwards.
    """
    keys = {throttle.MFA: str(user.id)}
    if throttle.is_throttled(keys):
        record("mfa.verify", actor_id=user.id, outcome=Outcome.REFUSED,
               details={"reason": "throttled"})
        raise Throttled(_l("Too many wrong codes. Wait a minute, then try again."))
    kind = mfa.verify(user, code)
    if kind is None:
        throttle.note_failure(keys)
        record("mfa.verify", actor_id=user.id, outcome=Outcome.FAILED)
        raise mfa.MFAError(_l("That code is not correct or was already used."))
    record("mfa.verify", actor_id=user.id, details={"kind": kind})
    return upgrade_session(user)


def upgrade_session(user: User) -> str:
    """End the current session and start one that has passed the second factor."""
    old = user.current_session
    user_agent = old.user_agent if old is not None else None
    if old is not None:
        end_session(old, "mfa-step-up")
    return start_session(user, user_agent, mfa_verified=True)


def end_session(row: UserSession, reason: str) -> None:
    _mark_ended(row, reason)
    db.session.flush()


def _mark_ended(row: UserSession, reason: str) -> None:
    if row.ended_at is None:
        row.ended_at = utcnow()
        row.ended_reason = reason


def end_all_sessions(user: User, reason: str, *, except_id: uuid.UUID | None = None) -> int:
    result = db.session.execute(
        sa.update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None),
               UserSession.id != except_id if except_id else sa.true())
        .values(ended_at=utcnow(), ended_reason=reason)
    )
    return result.rowcount or 0


def change_password(user: User, current: str, new: str) -> str:
    """Change a password, end every session, and return a fresh session token."""
    if not verify_password(user.password_hash, current):
        raise AccountError(_l("The current password is not correct."), "current")
    check_password_strength(new)
    user.password_hash = hash_password(new)
    current = user.current_session
    end_all_sessions(user, "password-changed")
    record("user.password_change", actor_id=user.id)
    # The new session keeps the second factor the ended one had passed.
    return start_session(user, current.user_agent if current else None,
                         mfa_verified=bool(current and current.mfa_verified_at))


def sessions_of(user: User) -> list[UserSession]:
    """The user's live sessions, newest first (for the account page)."""
    return list(db.session.scalars(
        sa.select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .order_by(UserSession.last_seen_at.desc())
    ))


def end_own_session(user: User, session_id: uuid.UUID) -> bool:
    """End one of the user's other sessions; False if it is not theirs or already ended."""
    row = db.session.get(UserSession, session_id)
    if row is None or row.user_id != user.id or row.ended_at is not None:
        return False
    if user.current_session is not None and row.id == user.current_session.id:
        return False
    end_session(row, "ended-by-user")
    record("session.end", actor_id=user.id, details={"session": str(row.id)})
    return True


def end_other_sessions(user: User) -> int:
    current = user.current_session
    ended = end_all_sessions(user, "ended-by-user", except_id=current.id if current else None)
    record("session.end_others", actor_id=user.id, details={"count": ended})
    db.session.flush()
    return ended


def update_user(
    user: User, *, actor: User, name: str, role: Role, office: Office, active: bool,
    supervised: list[Office],
) -> None:
    """An admin's edit. A change of role, office or activity ends the user's sessions."""
    privileges_changed = (user.role != role or user.office_id != office.id
                          or user.active != active
                          or {o.id for o in user.supervised_offices} != {o.id for o in supervised})
    if user.id == actor.id and (role != Role.ADMIN or not active):
        raise AccountError(_l("You cannot remove your own administrator access."), "role")
    user.name = name.strip()
    user.role = role
    user.office = office
    user.active = active
    user.supervised_offices = supervised if role == Role.SUPERVISOR else []
    if privileges_changed:
        end_all_sessions(user, "privileges-changed")
    record("user.update", actor_id=actor.id, details={"user": str(user.id),
                                                      "sessions_ended": privileges_changed})
    db.session.flush()


def reset_password(user: User, *, actor: User, password: str) -> None:
    check_password_strength(password)
    user.password_hash = hash_password(password)
    end_all_sessions(user, "password-reset")
    record("user.password_reset", actor_id=actor.id, details={"user": str(user.id)})
    db.session.flush()


