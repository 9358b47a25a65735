"""Consistent backups of the database, without the keys, and restore into an empty one.

SQLite: the online backup API copies a consistent snapshot while the application runs.
PostgreSQL: ``pg_dump`` (one snapshot) in its custom format, restored by ``pg_restore``.
The keyring is never in a backup: a backup alone is ciphertext, and a restore checks
that the keyring at hand unwraps every data key, failing loudly if it does not.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import sqlalchemy as sa

from casework.crypto.envelope import unwrap_data_key
from casework.crypto.errors import CryptoError
from casework.extensions import db

FILE_MODE = 0o600


class BackupError(RuntimeError):
    """A backup or restore that could not be made safely; the message says why."""


def _sqlite_path(url: sa.engine.URL) -> str:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return url.database


def _libpq(url: sa.engine.URL) -> tuple[str, dict]:
    """A libpq URL without the password, and an environment that carries it."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed; install the PostgreSQL client tools")
    return path


def backup(target: str | os.PathLike) -> Path:
    """Write a consistent copy of the database to ``target`` (mode 0600)."""
    target = Path(target)
    if target.exists():
        raise BackupError(f"{target} already exists; choose a new file")
    target.parent.mkdir(parents=True, exist_ok=True)
    engine = db.engine
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    os.chmod(tmp, FILE_MODE)
    try:
        if engine.dialect.name == "sqlite":
            source = sqlite3.connect(_sqlite_path(engine.url))
            dest = sqlite3.connect(tmp)
            try:
                with dest:
                    source.backup(dest)
                dest.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            finally:
                dest.close()
                source.close()
        elif engine.dialect.name == "postgresql":
            url, env = _libpq(engine.url)
            subprocess.run(  # noqa: S603
                [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-acl",
                 f"--file={tmp}", f"--dbname={url}"],
                check=True, env=env, capture_output=True,
            )
        else:
            raise BackupError(f"no backup method for {engine.dialect.name}")
        os.replace(tmp, target)
    except subprocess.CalledProcessError as exc:
        raise BackupError(f"pg_dump failed: {exc.stderr.decode(errors='replace')[-500:]}") from None
    finally:
        Path(tmp).unlink(missing_ok=True)
    return target


def _tables() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def unreadable_keys(conn: sa.Connection, keyring) -> dict[str, int]:
    """Data keys in a database that ``keyring`` cannot unwrap, counted by KEK id."""
    missing: dict[str, int] = {}
    rows = conn.execute(sa.text(
        "SELECT kek_id, wrapped_key FROM child_case WHERE wrapped_key IS NOT NULL"))
    for kek_id, wrapped in rows:
        try:
            unwrap_data_key(keyring, kek_id, bytes(wrapped))
        except CryptoError:
            missing[kek_id] = missing.get(kek_id, 0) + 1
    return missing


def _refuse_unreadable(missing: dict[str, int], restored: bool) -> None:
    if not missing:
        return
    counts = ", ".join(f"{n} under KEK {k!r}" for k, n in sorted(missing.items()))
    where = ("The restored database cannot be read: drop it before trying again."
             if restored else "Nothing was restored.")
    raise BackupError(
        f"this keyring cannot unwrap {sum(missing.values())} case data key(s) ({counts}). "
        f"Restore with the keyring that was in use when the backup was made. {where}"
    )


def restore(source: str | os.PathLike) -> dict[str, int]:
    """Restore a backup into the configured, empty database; check every data key."""
    from casework.crypto.runtime import current_keyring

    source = Path(source)
    if not source.is_file():
        raise BackupError(f"{source} is not a backup file")
    if _tables():
        raise BackupError("the target database is not empty; restore only into an empty one")
    keyring = current_keyring()
    engine = db.engine
    db.session.remove()
    if engine.dialect.name == "sqlite":
        check = sa.create_engine(f"sqlite:///{source}")
        try:
            with check.connect() as conn:
                if "child_case" not in sa.inspect(conn).get_table_names():
                    raise BackupError(f"{source} is not a casework backup")
                _refuse_unreadable(unreadable_keys(conn, keyring), restored=False)
        finally:
            check.dispose()
        engine.dispose()
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        dest = sqlite3.connect(_sqlite_path(engine.url))
        try:
            with dest:
                src.backup(dest)
        finally:
            dest.close()
            src.close()
        engine.dispose()
    elif engine.dialect.name == "postgresql":
        url, env = _libpq(engine.url)
        engine.dispose()
        try:
            subprocess.run(  # noqa: S603
                [_tool("pg_restore"), "--no-owner", "--no-acl", "--exit-on-error",
                 f"--dbname={url}", str(source)],
                check=True, env=env, capture_output=True,
            )
        except subprocess.CalledProcessError as exc:
            raise BackupError(
                f"pg_restore failed: {exc.stderr.decode(errors='replace')[-500:]}") from None
    else:
        raise BackupError(f"no restore method for {engine.dialect.name}")
    with engine.connect() as conn:
        _refuse_unreadable(unreadable_keys(conn, keyring), restored=True)
        return {
            "cases": conn.scalar(sa.text("SELECT count(*) FROM child_case")),
            "audit_events": conn.scalar(sa.text("SELECT count(*) FROM audit_event")),
        }
