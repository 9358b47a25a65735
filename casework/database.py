"""Engine settings that every connection needs."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from casework.extensions import db


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # WAL: readers never block the writer. secure_delete: deleted rows are zeroed
    # in the file, so an old ciphertext or a deleted token does not linger.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def configure_engine(app: Flask) -> None:
    engine = db.engine
    if engine.dialect.name == "sqlite" and not getattr(engine, "_casework_pragmas", False):
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        engine._casework_pragmas = True
        engine.dispose()  # connections made before the listener lack the pragmas
        with engine.connect() as conn:
            if conn.exec_driver_sql("PRAGMA secure_delete").scalar() != 1:
                raise RuntimeError("SQLite secure_delete could not be switched on")


def compact() -> bool:
    """Checkpoint the WAL and VACUUM, so rewritten or deleted ciphertext and keys leave
    the SQLite files (run after key rotation and purge). False on other databases,
    where the server's own vacuum and WAL recycling apply."""
    db.session.remove()
    engine = db.engine
    if engine.dialect.name != "sqlite":
        return False
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.exec_driver_sql("VACUUM")
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return True
