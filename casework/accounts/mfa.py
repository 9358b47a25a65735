"""Second factor: TOTP (RFC 6238) with single-use codes, and single-use recovery codes.

The TOTP secret is AES-256-GCM under the keyring's primary KEK, bound to the user's
id, so a copy of the database does not hand over anyone's second factor; key rotation
re-encrypts it with the case data keys. A code is accepted once: the time step of the
last accepted code is kept, and a code of that step or an earlier one is refused.
Services flush; the view commits.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

import pyotp
import segno
import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from casework.accounts.models import RecoveryCode, User
from casework.audit.services import Outcome, record
from casework.crypto.envelope import aad_for, decrypt, encrypt
from casework.crypto.errors import IntegrityError
from casework.crypto.runtime import current_keyring, keyring_for
from casework.extensions import db
from casework.models import utcnow

ISSUER = "casework"
STEP_SECONDS = 30
# One step either side: phones whose clocks drift by up to 30 seconds still work.
DRIFT_STEPS = 1
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # no 0/O, 1/I/L, U
_RECOVERY_LENGTH = 16  # 16 symbols of 30: about 78 bits, so a plain SHA-256 suffices
_AAD = ("user_account", "totp_secret")
_clock = time.time  # tests move time forward here


class MFAError(ValueError):
    """A second-factor request that cannot be carried out; the message is for the user."""


def is_required() -> bool:
    return bool(current_app.config["MFA_REQUIRED"])


def session_satisfied(user: User) -> bool:
    """Whether this signed-in session may use pages beyond the second-factor step."""
    row = user.current_session
    if row is None:
        return False
    if row.mfa_verified_at is not None:
        return True
    return not user.mfa_enrolled and not is_required()


# --- the secret, encrypted ---------------------------------------------------------------

def _seal(user: User, secret: str, kek_id: str, kek: bytes) -> None:
    user.totp_secret = encrypt(kek, secret.encode("ascii"), aad_for(*_AAD, user.id, 0))
    user.totp_kek_id = kek_id


def _secret(user: User) -> str:
    kek = keyring_for(user.totp_kek_id).kek(user.totp_kek_id)
    return decrypt(kek, user.totp_secret, aad_for(*_AAD, user.id, 0)).decode("ascii")


def resealed_secret(user_id, kek_id: str, sealed: bytes, keyring) -> tuple[str, bytes]:
    """The TOTP secret re-encrypted under ``keyring``'s primary KEK (key rotation)."""
    aad = aad_for(*_AAD, user_id, 0)
    secret = decrypt(keyring.kek(kek_id), sealed, aad)
    new_id, new_kek = keyring.primary_kek()
    resealed = encrypt(new_kek, secret, aad)
    if decrypt(new_kek, resealed, aad) != secret:
        raise IntegrityError("re-encrypted TOTP secret does not decrypt to the same secret")
    return new_id, resealed


def read_secret(user_id, kek_id: str, sealed: bytes, keyring) -> str:
    """Decrypt a stored secret with ``keyring`` (for `keys verify`)."""
    return decrypt(keyring.kek(kek_id), sealed, aad_for(*_AAD, user_id, 0)).decode("ascii")


# --- enrolment -----------------------------------------------------------------------------

def begin_enrolment(user: User) -> None:
    """Give the user a new secret, pending until a first code confirms it."""
    if user.mfa_enrolled:
        raise MFAError(_l("Two-step verification is already set up."))
    kek_id, kek = current_keyring().primary_kek()
    _seal(user, pyotp.random_base32(), kek_id, kek)
    user.totp_last_step = None
    record("mfa.enrolment_start", actor_id=user.id)
    db.session.flush()


def pending_secret(user: User) -> str | None:
    if user.mfa_enrolled or user.totp_secret is None:
        return None
    return _secret(user)


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str, title: str) -> str:
    """The QR code as inline SVG, drawn on the server: no script, no third party."""
    return segno.make(uri, error="m").svg_inline(scale=5, title=title, svgclass="mfa-qr")


def confirm_enrolment(user: User, code: str) -> list[str]:
    """Check the first code; switch MFA on; return fresh recovery codes (shown once)."""
    if user.mfa_enrolled or user.totp_secret is None:
        raise MFAError(_l("Start the set-up again."))
    if not _accept_totp(user, code):
        record("mfa.enrolment_confirm", actor_id=user.id, outcome=Outcome.FAILED)
        raise MFAError(_l("That code is not correct. Check the time on your phone and try "
                          "the newest code."))
    user.mfa_enabled_at = utcnow()
    codes = _replace_recovery_codes(user)
    record("mfa.enrol", actor_id=user.id)
    db.session.flush()
    return codes


def remove_mfa(user: User, *, actor: User) -> None:
    """Switch MFA off (an admin for a lost phone, or the user where it is optional).

    Ends every session of the user, so the next sign-in asks for a new enrolment.
    """
    from casework.accounts.services import end_all_sessions

    if actor.id == user.id and is_required():
        raise MFAError(_l("Two-step verification is required and cannot be switched off."))
    user.totp_secret = user.totp_kek_id = user.totp_last_step = user.mfa_enabled_at = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    end_all_sessions(user, "mfa-removed")
    record("mfa.remove", actor_id=actor.id, details={"user": str(user.id)})
    db.session.flush()


# --- verification ----------------------------------------------------------------------------

def _normalise(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def _accept_totp(user: User, code: str) -> bool:
    code = _normalise(code)
    if len(code) != 6 or not code.isdigit() or user.totp_secret is None:
        return False
    totp = pyotp.TOTP(_secret(user))
    now_step = int(_clock()) // STEP_SECONDS
    matched = None
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        # Compare every candidate, so the time taken does not tell which step matched.
        if hmac.compare_digest(totp.generate_otp(step), code):
            matched = step
    if matched is None or (user.totp_last_step is not None and matched <= user.totp_last_step):
        return False
    user.totp_last_step = matched
    return True


def _hash_recovery(code: str) -> str:
    return hashlib.sha256(_normalise(code).encode()).hexdigest()


def _accept_recovery(user: User, code: str) -> bool:
    if len(_normalise(code)) != _RECOVERY_LENGTH:
        return False
    row = db.session.scalar(sa.select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash_recovery(code),
        RecoveryCode.used_at.is_(None),
    ))
    if row is None:
        return False
    # Compare-and-set, so two requests racing with one code cannot both succeed.
    used = db.session.execute(
        sa.update(RecoveryCode).where(RecoveryCode.id == row.id, RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
    ).rowcount
    return used == 1


def verify(user: User, code: str) -> str | None:
    """``"totp"`` or ``"recovery"`` if ``code`` is a valid, unused second factor."""
    if not user.mfa_enrolled:
        return None
    if _accept_totp(user, code):
        kind = "totp"
    elif _accept_recovery(user, code):
        kind = "recovery"
    else:
        return None
    db.session.flush()
    return kind


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, _RECOVERY_LENGTH, 4))


def _replace_recovery_codes(user: User) -> list[str]:
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash_recovery(c)) for c in codes)
    return codes


def regenerate_recovery_codes(user: User) -> list[str]:
    if not user.mfa_enrolled:
        raise MFAError(_l("Set up two-step verification first."))
    codes = _replace_recovery_codes(user)
    record("mfa.recovery_codes", actor_id=user.id)
    db.session.flush()
    return codes
