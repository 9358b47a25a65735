"""Throttling of failed sign-ins, kept in the database so every worker and host agrees.

Failures are counted per account (the normalised email, known or not) and per client
address, in a sliding window. Throttling one account never blocks another: the per
account count only ever holds that account's failures. The keys are HMACs under the
application's secret, so the table holds neither emails nor addresses.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from casework.accounts.models import LoginAttempt
from casework.extensions import db
from casework.models import utcnow

ACCOUNT = "account"
ADDRESS = "address"
MFA = "mfa"

# Rows older than this are of no use to any window and are deleted as we go.
_KEEP = timedelta(hours=1)


def _key(scope: str, value: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"{scope}\x00{value}".encode(), hashlib.sha256).hexdigest()


def _window() -> timedelta:
    return timedelta(seconds=current_app.config["LOGIN_THROTTLE_WINDOW_SECONDS"])


def _limit(scope: str) -> int:
    return current_app.config[{
        ACCOUNT: "LOGIN_ATTEMPTS_PER_ACCOUNT",
        ADDRESS: "LOGIN_ATTEMPTS_PER_ADDRESS",
        MFA: "MFA_ATTEMPTS_PER_ACCOUNT",
    }[scope]]


def failures(scope: str, value: str) -> int:
    since = utcnow() - _window()
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(LoginAttempt).where(
            LoginAttempt.scope == scope, LoginAttempt.key_hash == _key(scope, value),
            LoginAttempt.at > since,
        )
    ) or 0


def is_throttled(keys: dict[str, str]) -> bool:
    """True if any of ``{scope: value}`` has used up its failures in the window."""
    return any(value and failures(scope, value) >= _limit(scope) for scope, value in keys.items())


def note_failure(keys: dict[str, str]) -> None:
    now = utcnow()
    db.session.execute(sa.delete(LoginAttempt).where(LoginAttempt.at < now - _KEEP))
    db.session.add_all(
        LoginAttempt(scope=scope, key_hash=_key(scope, value), at=now)
        for scope, value in keys.items() if value
    )
    db.session.flush()
