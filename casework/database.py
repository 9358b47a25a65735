"""Engine settings that every connection needs."""

from __future__ import annotations

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
    row: for the rows of seed-synthetic that was a fifth of the run.
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
    processors = compiled._bind_processors  # what SQLAlchemy applies to each value
    constants = {c.key: c.default.arg for c in missing}
    constants = {k: v if (p := processors.get(k)) is None else p(v)
                 for k, v in constants.items()}
    # The row's values in the statement's order (positional), else in the row's.
    order = [b for b in binds if b in columns] if compiled.positional else list(columns)
    fetch = [keys[columns.index(b)] for b in order]
    get = operator.itemgetter(*fetch) if len(fetch) > 1 else (lambda row: (row[fetch[0]],))
    converters = [_memoized(processors.get(b), table.c[b].type) for b in order]
    converted = ([v if c is None else c(v) for c, v in zip(converters, get(row), strict=True)]
                 for row in rows)
    if connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg":
        _copy(connection, table, [*order, *constants], converted, tuple(constants.values()))
        return
    if not compiled.positional:
        params = [{**dict(zip(order, values, strict=True)), **constants}
                  for values in converted]
    elif constants:
        slots = [(b in constants, constants.get(b)) for b in binds]
        params = []
        for values in converted:
            it = iter(values)
            params.append(tuple(c if is_c else next(it) for is_c, c in slots))
    else:
        params = [tuple(values) for values in converted]
    connection.exec_driver_sql(compiled.string, params)


def _memoized(process, type_):
    """A column's bind processor that converts each distinct value once (a batch repeats
    its case ids, staff ids and moments); JSON values, which need not be hashable, and
    columns without a processor as they are."""
    if process is None or isinstance(type_, sa.JSON):
        return process
    done: dict = {}
    missing = object()

    def convert(value):
        converted = done.get(value, missing)
        if converted is missing:
            converted = done[value] = process(value)
        return converted

    return convert


def _copy(connection, table: sa.Table, columns: list[str], rows, constants: tuple) -> None:
    """PostgreSQL: the converted rows through COPY, in the connection's transaction (a
    third of the server's work of an INSERT per row, and psycopg formats in C)."""
    quote = connection.dialect.identifier_preparer.quote
    names = ", ".join(quote(table.c[c].name) for c in columns)
    target = connection.dialect.identifier_preparer.format_table(table)
    raw = connection.connection.dbapi_connection
    with raw.cursor() as cursor, cursor.copy(f"COPY {target} ({names}) FROM STDIN") as copy:
        for values in rows:
            copy.write_row((*values, *constants) if constants else values)
