"""Count the SQL statements a block of code sends, for tests that guard against N+1.

    with count_queries() as q:
        client.get("/cases")
    assert q.count <= 12, q.report()

`assert_flat(measure, small, large)` is the N+1 check itself: `measure(n)` sets up n
rows and returns the statements one request sent; the count must not grow from
`small` to `large`. Any page can be checked with it (tests/perf/test_query_counts.py
checks the case pages, the sign-off queue, the supervision dashboard and its lists).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import sqlalchemy as sa

from casework.extensions import db

_WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


@dataclass
class Queries:
    statements: list[str] = field(default_factory=list)
    # (statement, parameters), when counted `with_parameters=True`.
    with_parameters: list[tuple[str, object]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)

    @property
    def writes(self) -> list[str]:
        return [s for s in self.statements if _WRITE.match(s)]

    def report(self) -> str:
        return "\n".join(f"{i:3d}  {' '.join(s.split())[:160]}"
                         for i, s in enumerate(self.statements, 1))


@contextmanager
def count_queries(engine: sa.Engine | None = None,
                  with_parameters: bool = False) -> Iterator[Queries]:
    """Every statement sent on `engine` (the app's by default) inside the block, and
    with its parameters too when asked (to find the same rows loaded twice).

    SQLite's PRAGMAs on a new connection are sent before the listener sees them and
    savepoint bookkeeping is not a query, so neither is counted.
    """
    engine = engine or db.engine
    seen = Queries()

    def before(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("PRAGMA", "SAVEPOINT", "RELEASE")):
            seen.statements.append(statement)
            if with_parameters:
                seen.with_parameters.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)


def assert_flat(measure: Callable[[int], Queries], small: int = 3, large: int = 30) -> None:
    """Fail when a request sends more statements for `large` rows than for `small`."""
    few, many = measure(small), measure(large)
    assert many.count <= few.count, (
        f"{many.count} statements with {large} rows against {few.count} with {small}: "
        f"a query per row (N+1)?\n-- with {small}:\n{few.report()}\n-- with {large}:\n"
        f"{many.report()}"
    )
