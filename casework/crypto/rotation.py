"""Key rotation, retirement and verification (`flask casework keys ...`).

Rotation adds a KEK, makes it primary, writes the keyring file, and only then rewraps
every case data key and every TOTP secret in batches, one transaction per batch, with
a compare-and-swap per row (the row must still hold the wrapped key that was read) and
a check that the new wrapping unwraps to the same key before it is written. A rotation
killed at any point is finished by running it again: rows not yet on the primary KEK
are picked up, and no new KEK is added while any remain.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from cryptography.hazmat.primitives.keywrap import aes_key_wrap
from flask import Flask

from casework.crypto.envelope import unwrap_data_key
from casework.crypto.errors import CryptoError, KeyDestroyed, KeyringError
from casework.crypto.fields import _EncryptedAttribute
from casework.crypto.keyring import Keyring, load_keyring, write_keyring
from casework.crypto.runtime import reload_keyring
from casework.extensions import db


@dataclasses.dataclass
class RotationReport:
    kek_id: str
    new_key: bool
    cases: int = 0
    secrets: int = 0
    batches: int = 0
    failed: list[str] = dataclasses.field(default_factory=list)


def _cases():
    from casework.cases.models import Case

    return Case.__table__


def _users():
    from casework.accounts.models import User

    return User.__table__


def rotated_tables() -> tuple[sa.Table, ...]:
    """The tables `rotate` rewrites a row of for every key."""
    return _cases(), _users()


def pending_rows(kek_id: str) -> int:
    """Rows whose key is wrapped under a KEK other than ``kek_id``."""
    cases, users = _cases(), _users()
    n = db.session.scalar(sa.select(sa.func.count()).select_from(cases).where(
        cases.c.kek_id != kek_id, cases.c.wrapped_key.is_not(None)))
    n += db.session.scalar(sa.select(sa.func.count()).select_from(users).where(
        users.c.totp_kek_id != kek_id, users.c.totp_secret.is_not(None)))
    return n


def rotate(app: Flask, *, batch_size: int = 500,
           after_batch: Callable[[int], None] | None = None) -> RotationReport:
    """Rotate the KEK, or finish a rotation that was interrupted."""
    from casework.audit.services import record

    path = Path(app.config["CASEWORK_KEYRING"])
    keyring = load_keyring(path)
    new_key = pending_rows(keyring.primary_kek_id) == 0
    if new_key:
        keyring = keyring.with_new_kek()
        # Durable before any row is wrapped under it: a crash can never leave a data
        # key wrapped under a KEK that exists nowhere.
        write_keyring(path, keyring)
        record("keys.rotate_start", details={"kek": keyring.primary_kek_id})
        db.session.commit()
    keyring = reload_keyring(app)
    report = RotationReport(kek_id=keyring.primary_kek_id, new_key=new_key)
    _rewrap_cases(keyring, batch_size, report, after_batch)
    _reseal_secrets(keyring, batch_size, report, after_batch)
    record("keys.rotate", details={"kek": report.kek_id, "cases": report.cases,
                                   "secrets": report.secrets, "failed": len(report.failed)})
    db.session.commit()
    return report


def _rewrap_cases(keyring: Keyring, batch_size: int, report: RotationReport,
                  after_batch) -> None:
    cases = _cases()
    new_id, new_kek = keyring.primary_kek()
    last = None
    while True:
        stmt = (sa.select(cases.c.id, cases.c.kek_id, cases.c.wrapped_key)
                .where(cases.c.kek_id != new_id, cases.c.wrapped_key.is_not(None))
                .order_by(cases.c.id).limit(batch_size))
        if last is not None:
            stmt = stmt.where(cases.c.id > last)
        rows = db.session.execute(stmt).all()
        if not rows:
            return
        for row in rows:
            last = row.id
            try:
                dek = unwrap_data_key(keyring, row.kek_id, row.wrapped_key)
                wrapped = aes_key_wrap(new_kek, dek)
                if unwrap_data_key(keyring, new_id, wrapped) != dek:
                    raise CryptoError("rewrapped key does not unwrap to the same key")
            except CryptoError:
                report.failed.append(f"child_case {row.id}")
                continue
            swapped = db.session.execute(
                sa.update(cases)
                .where(cases.c.id == row.id, cases.c.kek_id == row.kek_id,
                       cases.c.wrapped_key == row.wrapped_key)
                # Rewrapping is not an edit: the case's "last changed" stays.
                .values(kek_id=new_id, wrapped_key=wrapped, updated_at=cases.c.updated_at)
            ).rowcount
            report.cases += swapped  # 0: changed meanwhile; the next run picks it up
        db.session.commit()
        report.batches += 1
        if after_batch:
            after_batch(report.batches)


def _reseal_secrets(keyring: Keyring, batch_size: int, report: RotationReport,
                    after_batch) -> None:
    from casework.accounts.mfa import resealed_secret

    users = _users()
    new_id = keyring.primary_kek_id
    last = None
    while True:
        stmt = (sa.select(users.c.id, users.c.totp_kek_id, users.c.totp_secret)
                .where(users.c.totp_kek_id != new_id, users.c.totp_secret.is_not(None))
                .order_by(users.c.id).limit(batch_size))
        if last is not None:
            stmt = stmt.where(users.c.id > last)
        rows = db.session.execute(stmt).all()
        if not rows:
            return
        for row in rows:
            last = row.id
            try:
                kek_id, sealed = resealed_secret(row.id, row.totp_kek_id, row.totp_secret,
                                                 keyring)
            except CryptoError:
                report.failed.append(f"user_account {row.id}")
                continue
            report.secrets += db.session.execute(
                sa.update(users)
                .where(users.c.id == row.id, users.c.totp_kek_id == row.totp_kek_id,
                       users.c.totp_secret == row.totp_secret)
                .values(totp_kek_id=kek_id, totp_secret=sealed, updated_at=users.c.updated_at)
            ).rowcount
        db.session.commit()
        report.batches += 1
        if after_batch:
            after_batch(report.batches)


def usage(kek_id: str) -> dict[str, int]:
    cases, users = _cases(), _users()
    return {
        "cases": db.session.scalar(sa.select(sa.func.count()).select_from(cases).where(
            cases.c.kek_id == kek_id, cases.c.wrapped_key.is_not(None))),
        "totp_secrets": db.session.scalar(sa.select(sa.func.count()).select_from(users).where(
            users.c.totp_kek_id == kek_id, users.c.totp_secret.is_not(None))),
    }


def retire(app: Flask, kek_id: str) -> None:
    """Remove a KEK from the keyring; KeyringError while any row still uses it."""
    from casework.audit.services import record

    path = Path(app.config["CASEWORK_KEYRING"])
    keyring = load_keyring(path)
    keyring.kek(kek_id)  # KeyringError for an unknown id
    if kek_id == keyring.primary_kek_id:
        raise KeyringError(f"KEK {kek_id!r} is the primary KEK; rotate to a new one first")
    in_use = {k: v for k, v in usage(kek_id).items() if v}
    if in_use:
        counts = ", ".join(f"{n} {what}" for what, n in in_use.items())
        raise KeyringError(f"KEK {kek_id!r} is still used by {counts}; "
                           f"run `flask casework keys rotate` to finish rewrapping")
    write_keyring(path, keyring.without_kek(kek_id))
    reload_keyring(app)
    record("keys.retire", details={"kek": kek_id})
    db.session.commit()


# --- blind index root ------------------------------------------------------------------

def _tokens():
    from casework.cases.models import CaseSearchToken

    return CaseSearchToken.__table__


def _stale_tokens(key_id: str):
    tokens = _tokens()
    return sa.or_(tokens.c.key_id != key_id, tokens.c.key_id.is_(None))


def reindexed_tables() -> tuple[sa.Table, ...]:
    """The tables `rotate_index` rewrites: every search entry, and each case's version."""
    return _tokens(), _cases()


def rotate_index(app: Flask, *, batch_size: int = 200,
                 after_batch: Callable[[int], None] | None = None) -> RotationReport:
    """Make a new blind index root current and rebuild every case's index entries, or
    finish a rebuild that was interrupted. Searches match entries of either root
    meanwhile."""
    from casework.audit.services import record

    path = Path(app.config["CASEWORK_KEYRING"])
    keyring = load_keyring(path)
    tokens = _tokens()
    started = not db.session.scalar(sa.select(sa.func.count()).select_from(tokens).where(
        tokens.c.key_id != keyring.blind_index_key_id))
    if started:
        keyring = keyring.with_new_blind_key()
        write_keyring(path, keyring)
        record("keys.rotate_index_start", details={"key": keyring.blind_index_key_id})
        db.session.commit()
    keyring = reload_keyring(app)
    current = keyring.blind_index_key_id
    report = RotationReport(kek_id=current, new_key=started)
    skip: set = set()
    while True:
        stmt = (sa.select(tokens.c.case_id).where(_stale_tokens(current)).distinct()
                .order_by(tokens.c.case_id).limit(batch_size + len(skip)))
        ids = [i for i in db.session.scalars(stmt) if i not in skip][:batch_size]
        if not ids:
            break
        skip |= _reindex_batch(ids, report)
        report.batches += 1
        if after_batch:
            after_batch(report.batches)
    record("keys.rotate_index", details={"key": current, "cases": report.cases,
                                         "failed": len(report.failed)})
    db.session.commit()
    return report


def _reindex_batch(ids: list, report: RotationReport) -> set:
    """Rebuild these cases' index entries from their decrypted values and commit; returns
    the ids left alone. Each case is rebuilt inside a savepoint, kept only if the case's
    version did not move (someone editing it meanwhile reindexes it anyway)."""
    from casework.cases.models import Case
    from casework.cases.services import reindex

    left: set = set()
    batch = db.session.scalars(sa.select(Case).where(Case.id.in_(ids))).all()
    for case in batch:
        version = case.version
        try:
            with db.session.begin_nested() as savepoint:
                reindex(case)
                swapped = db.session.execute(
                    sa.update(Case.__table__)
                    .where(Case.__table__.c.id == case.id,
                           Case.__table__.c.version == version)
                    .values(version=Case.__table__.c.version,
                            updated_at=Case.__table__.c.updated_at)
                ).rowcount
                if not swapped:
                    savepoint.rollback()
                    left.add(case.id)
                    continue
        except CryptoError:
            report.failed.append(f"child_case {case.id}")
            left.add(case.id)
            continue
        report.cases += 1
    db.session.commit()
    for case in batch:  # keep memory flat on a million cases
        db.session.expunge(case)
    return left


def backfill_index(app: Flask, *, batch_size: int = 200,
                   after_batch: Callable[[int], None] | None = None) -> RotationReport:
    """Give every case the index entries that an upgrade added (name pairs), then let
    searches rely on them (cases/models.BlindIndexBackfill). Cases are visited once, in
    id order, so a run killed half-way is finished by running it again."""
    from casework.audit.services import record
    from casework.cases.models import BlindIndexBackfill, Case
    from casework.cases.services import NAME_PAIR_INDEX

    keyring = reload_keyring(app)
    report = RotationReport(kek_id=keyring.blind_index_key_id, new_key=False)
    pending = db.session.get(BlindIndexBackfill, NAME_PAIR_INDEX)
    if pending is None:
        return report
    tokens = _tokens()
    last = None
    while True:
        # Every case in id order, then which of them have pairs: one anti-join over the
        # whole index instead made PostgreSQL hash every entry for each batch (3.5 s each
        # at 200k cases).
        stmt = sa.select(Case.id).where(Case.purged_at.is_(None)).order_by(Case.id)
        if last is not None:
            stmt = stmt.where(Case.id > last)
        ids = list(db.session.scalars(stmt.limit(batch_size)))
        if not ids:
            break
        last = ids[-1]
        paired = set(db.session.scalars(
            sa.select(tokens.c.case_id).where(tokens.c.case_id.in_(ids),
                                              tokens.c.index_name == NAME_PAIR_INDEX)))
        # A case edited meanwhile was reindexed, pairs included, by its editor.
        _reindex_batch([i for i in ids if i not in paired], report)
        report.batches += 1
        if after_batch:
            after_batch(report.batches)
    if not report.failed:
        db.session.delete(db.session.merge(pending))
    record("keys.backfill_index", details={"index": NAME_PAIR_INDEX, "cases": report.cases,
                                           "failed": len(report.failed)})
    db.session.commit()
    return report


def retire_index_key(app: Flask, key_id: str) -> None:
    """Remove a blind index root; KeyringError while any index entry may be its."""
    from casework.audit.services import record

    path = Path(app.config["CASEWORK_KEYRING"])
    keyring = load_keyring(path)
    tokens = _tokens()
    left = db.session.scalar(sa.select(sa.func.count()).select_from(tokens).where(
        _stale_tokens(keyring.blind_index_key_id)))
    if key_id != keyring.blind_index_key_id and left:
        raise KeyringError(f"{left} index entries are not yet rebuilt with the current blind "
                           f"index key; run `flask casework keys rotate-index` first")
    write_keyring(path, keyring.without_blind_key(key_id))
    reload_keyring(app)
    record("keys.retire_index", details={"key": key_id})
    db.session.commit()


@dataclasses.dataclass
class VerifyReport:
    cases: int = 0
    purged: int = 0
    secrets: int = 0
    fields: int = 0
    records: int = 0
    by_kek: dict[str, int] = dataclasses.field(default_factory=dict)
    index_entries: dict[str, int] = dataclasses.field(default_factory=dict)
    failed: list[str] = dataclasses.field(default_factory=list)


def encrypted_models() -> list[tuple[type, list[str]]]:
    """Every mapped class with encrypted attributes, and their names."""
    found = []
    for mapper in db.Model.registry.mappers:
        cls = mapper.class_
        names = sorted({name for klass in cls.__mro__ for name, value in vars(klass).items()
                        if isinstance(value, _EncryptedAttribute)})
        if names:
            found.append((cls, names))
    return sorted(found, key=lambda item: item[0].__tablename__)


def verify(batch_size: int = 500) -> VerifyReport:
    """Unwrap every data key and decrypt every encrypted field of every record.

    Reads in a session of its own, so the caller's objects stay as they were.
    """
    from casework.accounts.mfa import read_secret
    from casework.crypto.runtime import current_keyring

    keyring = current_keyring()
    report = VerifyReport()
    cases, users = _cases(), _users()
    with sa.orm.Session(db.engine) as session:
        for row in session.execute(sa.select(cases.c.id, cases.c.kek_id, cases.c.wrapped_key)
                                   .execution_options(yield_per=batch_size)):
            if row.wrapped_key is None:
                report.purged += 1
                continue
            try:
                unwrap_data_key(keyring, row.kek_id, row.wrapped_key)
            except CryptoError:
                report.failed.append(f"child_case {row.id}: data key")
                continue
            report.cases += 1
            report.by_kek[row.kek_id] = report.by_kek.get(row.kek_id, 0) + 1
        for row in session.execute(sa.select(users.c.id, users.c.totp_kek_id,
                                             users.c.totp_secret)
                                   .where(users.c.totp_secret.is_not(None))):
            try:
                read_secret(row.id, row.totp_kek_id, row.totp_secret, keyring)
                report.secrets += 1
            except CryptoError:
                report.failed.append(f"user_account {row.id}: totp secret")
        for cls, names in encrypted_models():
            _verify_fields(session, cls, names, batch_size, report)
        tokens = _tokens()
        report.index_entries = {
            key or "unlabelled": n for key, n in session.execute(
                sa.select(tokens.c.key_id, sa.func.count()).group_by(tokens.c.key_id))
        }
    return report


def _verify_fields(session, cls, names: list[str], batch_size: int,
                   report: VerifyReport) -> None:
    last = None
    while True:
        stmt = sa.select(cls).order_by(cls.id).limit(batch_size)
        if last is not None:
            stmt = stmt.where(cls.id > last)
        objs = session.scalars(stmt).all()
        if not objs:
            return
        for obj in objs:
            last = obj.id
            report.records += 1
            for name in names:
                if getattr(obj, getattr(cls, name)._ct_attr) is None:
                    continue
                try:
                    getattr(obj, name)
                    report.fields += 1
                except KeyDestroyed:
                    break  # a purged case: unreadable by design, counted above
                except CryptoError:
                    report.failed.append(f"{cls.__tablename__} {obj.id}: {name}")
        session.expunge_all()
