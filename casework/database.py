"""Engine settings that every connection needs."""

from __future__ import annotations

import itertools
import operator

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


def _postgres_settings(dbapi_connection, _record) -> None:
    # No JIT compilation: this is a transactional application, and a statement whose
    # estimated cost passes the JIT threshold (the dashboard's, from a few hundred
    # thousand cases) spent 85-650 ms compiling a plan it ran once (bench/RESULTS.md).
    # Committed, so that the pool's reset on check-in does not roll it back.
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET jit = off")
    dbapi_connection.commit()


def configure_engine(app: Flask) -> None:
    engine = db.engine
    if engine.dialect.name == "postgresql" and not getattr(engine, "_casework_settings",
                                                           False):
        sa.event.listen(engine, "connect", _postgres_settings)
        engine._casework_settings = True
        engine.dispose()  # connections made before the listener lack the settings
    if engine.dialect.name == "sqlite" and not getattr(engine, "_casework_pragmas", False):
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        engine._casework_pragmas = True
        engine.dispose()  # connections made before the listener lack the pragmas
        with engine.connect() as conn:
            if conn.exec_driver_sql("PRAGMA secure_delete").scalar() != 1:
                raise RuntimeError("SQLite secure_delete could not be switched on")


def compact(*tables: sa.Table) -> None:
    """Clear the old versions of rows a bulk rewrite left (key rotation, purge).

    SQLite: checkpoint the WAL and VACUUM the whole file, so rewritten or deleted
    ciphertext and keys leave the files. PostgreSQL: VACUUM (ANALYZE) the tables named,
    so their dead versions (a million after rotating a million cases' keys) stop being
    read past by every query until autovacuum comes round, and the planner's
    statistics match the new rows."""
    db.session.remove()
    engine = db.engine
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.exec_driver_sql("VACUUM")
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            return
        quote = engine.dialect.identifier_preparer.quote
        for table in tables:
            conn.exec_driver_sql(f"VACUUM (ANALYZE) {quote(table.name)}")


def bulk_insert(table: sa.Table, rows: list[dict], names: dict[str, str] | None = None,
                ) -> None:
    """INSERT rows of plain values (every row the same keys: column keys, or keys that
    `names` maps to column keys) on the session's connection, with less work per row
    than `session.execute(insert(table), rows)`.

    The same statement and the same values: each value gets the bind processing
    SQLAlchemy compiles for the statement (UUIDs, UTC datetimes, enums, JSON), and a
    missing column with a constant default gets that constant. Rows lacking a column
    whose default is computed (`default=utcnow`) go through SQLAlchemy, which computes
    it. SQLAlchemy's own executemany builds and converts a dictionary of parameters per
    row, which cost seed-synthetic more than the database's own work on SQLite.
    """
    if not rows:
        return
    keys = tuple(rows[0])
    names = names or {}
    columns = tuple(names.get(k, k) for k in keys)
    missing = [c for c in table.c if c.key not in columns and c.default is not None]
    connection = db.session.connection()
    compiled = sa.insert(table).compile(
        dialect=connection.dialect, column_keys=[*columns, *(c.key for c in missing)])
    binds = list(compiled.positiontup if compiled.positional else compiled.binds)
    if (any(not c.default.is_scalar for c in missing) or compiled.escaped_bind_names
            or sorted(binds) != sorted([*columns, *(c.key for c in missing)])):
        if names:
            rows = [dict(zip(columns, row.values(), strict=True)) for row in rows]
        db.session.execute(sa.insert(table), rows)
        return
    # What SQLAlchemy applies to each value: each bind's type, as this dialect implements it.
    dialect = connection.dialect
    processors = {name: compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
                  for name in binds}
    key_of = dict(zip(columns, keys, strict=True))
    # Column by column, in the statement's order: C loops over the rows, and a Python
    # call only for each distinct value of a column (a batch repeats its case ids, staff
    # ids and moments; a primary key or a ciphertext never repeats).
    values = []
    for bind in binds:
        column = table.c[bind]
        process = processors.get(bind)
        if bind not in key_of:
            constant = column.default.arg
            values.append(itertools.repeat(
                constant if process is None else process(constant), len(rows)))
            continue
        raw = list(map(operator.itemgetter(key_of[bind]), rows))
        if process is None:
            values.append(raw)
        elif column.primary_key or not isinstance(_base_type(column.type), _MEMO_TYPES):
            values.append(list(map(process, raw)))
        else:
            distinct = dict.fromkeys(raw)
            for value in distinct:
                distinct[value] = process(value)
            values.append(list(map(distinct.__getitem__, raw)))
    params = zip(*values, strict=True)
    if connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg":
        _copy(connection, table, binds, params)
    elif compiled.positional:
        connection.exec_driver_sql(compiled.string, list(params))
    else:
        connection.exec_driver_sql(compiled.string,
                                   [dict(zip(binds, p, strict=True)) for p in params])


# Types whose equal values (an enum and its string, one moment in two time zones) are
# stored alike, so each distinct value can be converted once.
_MEMO_TYPES = (sa.Uuid, sa.DateTime, sa.Date, sa.Enum, sa.String, sa.Boolean)


def _base_type(type_):
    return type_.impl_instance if isinstance(type_, sa.TypeDecorator) else type_


def _copy(connection, table: sa.Table, columns: list[str], rows) -> None:
    """PostgreSQL: the converted rows through COPY, in the connection's transaction (less
    work for the server than an INSERT per row; psycopg formats the values in C)."""
    quote = connection.dialect.identifier_preparer.quote
    names = ", ".join(quote(table.c[c].name) for c in columns)
    target = connection.dialect.identifier_preparer.format_table(table)
    raw = connection.connection.dbapi_connection
    with raw.cursor() as cursor, cursor.copy(f"COPY {target} ({names}) FROM STDIN") as copy:
        for values in rows:
            copy.write_row(values)
