"""Retention: legal hold, and purge (crypto-shredding) of closed cases.

Purging destroys the case's wrapped data key and erases every ciphertext of the case
and its records, leaving a tombstone: number, office, status and dates, so counts and
the audit trail still add up. A copy of the database taken before the purge still
holds the wrapped key; `flask casework purge` therefore rotates the KEK and retires the
old one, after which no keyring can unwrap it (see docs/THREAT_MODEL.md).
Services flush; the caller commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from casework.audit.services import Outcome, record
from casework.cases.choices import CaseStatus
from casework.cases.models import Case, CaseSearchToken
from casework.extensions import db
from casework.models import utcnow


class RetentionError(ValueError):
    """A purge or hold that must not happen; the message says why, the code for audit."""

    def __init__(self, code: str, message) -> None:
        super().__init__(message)
        self.code = code


def retention() -> timedelta:
    return timedelta(days=current_app.config["RETENTION_DAYS"])


def purge_due_at(case: Case) -> datetime | None:
    if case.status != CaseStatus.CLOSED or case.closed_at is None:
        return None
    return case.closed_at + retention()


def check_purgeable(case: Case, now: datetime | None = None) -> None:
    now = now or utcnow()
    if case.purged_at is not None:
        raise RetentionError("purged", _l("The case was already purged."))
    if case.legal_hold:
        raise RetentionError("legal-hold", _l("The case is under legal hold."))
    due = purge_due_at(case)
    if due is None:
        raise RetentionError("not-closed", _l("Only a closed case can be purged."))
    if now < due:
        raise RetentionError("retention",
                             _l("The retention period of the case has not ended."))


def due_cases(now: datetime | None = None) -> list[Case]:
    """Closed cases past retention, not held, not yet purged."""
    cutoff = (now or utcnow()) - retention()
    return list(db.session.scalars(
        sa.select(Case).where(Case.status == CaseStatus.CLOSED, Case.closed_at <= cutoff,
                              Case.legal_hold.is_(False), Case.purged_at.is_(None))
        .order_by(Case.closed_at)
    ))


def _ciphertext_columns(cls) -> list[sa.Column]:
    from casework.crypto.rotation import encrypted_models

    for model, names in encrypted_models():
        if model is cls:
            mapper = sa.inspect(cls)
            return [mapper.attrs[getattr(cls, n)._ct_attr].columns[0] for n in names]
    return []


def purge(case: Case, *, actor_id=None, now: datetime | None = None) -> None:
    """Destroy the case's data key and its ciphertexts; keep the tombstone."""
    from casework.crypto.rotation import encrypted_models

    try:
        check_purgeable(case, now)
    except RetentionError as exc:
        record("case.purge", actor_id=actor_id, case_id=case.id, outcome=Outcome.REFUSED,
               details={"reason": exc.code})
        raise
    for cls, _names in encrypted_models():
        if cls is Case:
            where = cls.__table__.c.id == case.id
        elif "case_id" in cls.__table__.c:
            where = cls.__table__.c.case_id == case.id
        else:
            continue
        values = {col.name: (None if col.nullable else b"") for col in _ciphertext_columns(cls)}
        if values:
            db.session.execute(sa.update(cls.__table__).where(where).values(**values))
    db.session.execute(sa.delete(CaseSearchToken).where(CaseSearchToken.case_id == case.id))
    db.session.execute(
        sa.update(Case.__table__).where(Case.__table__.c.id == case.id)
        .values(wrapped_key=None, purged_at=now or utcnow())
    )
    db.session.expire(case)
    record("case.purge", actor_id=actor_id, case_id=case.id)
    db.session.flush()


def set_legal_hold(case: Case, on: bool, *, actor_id=None) -> None:
    if case.purged_at is not None:
        raise RetentionError("purged", _l("The case was already purged."))
    case.legal_hold = on
    record("case.legal_hold", actor_id=actor_id, case_id=case.id, details={"on": on})
    db.session.flush()
