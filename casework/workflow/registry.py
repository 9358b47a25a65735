"""Where the modules that own the data register what the catalogue names.

- `@condition("name")`: fn(facts) -> bool (for `applies`) or Met | None (for `met`).
- `@anchor("name")`: fn(facts) -> datetime | None, the event a deadline counts from.
- `@fact_source("name")`: fn(case_ids) -> {case_id: [records]}, loaded in one
  query per batch of cases, so rebuilding a million cases is not a million
  queries per source.
- `@clock("name")`: fn(now) -> a SELECT of the ids of the cases whose stored
  checkpoint rows the passing of time alone may have made stale (a condition
  that reads `facts.now`: a review date passed, an orientation six months old).
  A module whose conditions read the clock registers one; a superset is fine,
  since a refresh leaves current rows alone. `flask casework checkpoints
  refresh-due` refreshes just those cases, daily.
Conditions read plain columns (dates, kinds, outcomes): the engine never
decrypts anything.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

CONDITIONS: dict[str, Callable] = {}
ANCHORS: dict[str, Callable] = {}
FACT_SOURCES: dict[str, Callable[[list[uuid.UUID]], dict[uuid.UUID, list]]] = {}
CLOCKS: dict[str, Callable[[datetime], object]] = {}  # fn(now) -> SELECT of case ids


@dataclass(frozen=True)
class Met:
    """When a checkpoint was met and by whom (None when no one person did it)."""

    at: datetime
    by: uuid.UUID | None = None


def _registrar(table: dict, kind: str, name: str):
    def register(fn: Callable) -> Callable:
        if name in table and table[name] is not fn:
            raise RuntimeError(f"{kind} {name!r} registered twice")
        table[name] = fn
        return fn

    return register


def condition(name: str):
    return _registrar(CONDITIONS, "condition", name)


def anchor(name: str):
    return _registrar(ANCHORS, "anchor", name)


def fact_source(name: str):
    return _registrar(FACT_SOURCES, "fact source", name)


def clock(name: str):
    return _registrar(CLOCKS, "clock", name)


@dataclass
class Facts:
    """What the conditions of one case may read, loaded lazily and shared per batch."""

    case: object
    now: datetime
    _batch: FactBatch
    proposed: frozenset = frozenset()  # actions being attempted or proposed right now
    # The policy.Clock whose milestone (`done`) or anchor is being read, if any.
    clock: object = None

    def records(self, source: str) -> list:
        # Never "no records" by accident: a missing record would read as a met gate.
        return self._batch.records(source, self.case.id)


@dataclass
class FactBatch:
    case_ids: list[uuid.UUID]
    _loaded: dict[str, dict[uuid.UUID, list]] = field(default_factory=dict)

    def loaded(self, source: str) -> bool:
        return source in self._loaded

    def records(self, source: str, case_id: uuid.UUID) -> list:
        if source not in self._loaded:
            self._loaded[source] = FACT_SOURCES[source](self.case_ids)
        return self._loaded[source].get(case_id, [])


def in_batch(column, case_ids: list[uuid.UUID]):
    """`column IN case_ids`, for a fact source's query of a batch of cases.

    On PostgreSQL, `column = ANY(%(ids)s)` with the ids as one array: an IN list binds
    an id each, and rendering and parsing a thousand parameters for each of some thirty
    sources cost more than the queries themselves (a batch of seed-synthetic or a
    rebuild). The same plan: PostgreSQL makes an IN list an `= ANY` of an array itself.
    """
    from casework.extensions import db

    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY

        return column == sa.any_(sa.bindparam(None, list(case_ids), type_=ARRAY(column.type)))
    return column.in_(case_ids)


def group_by_case(rows: Iterable, attr: str = "case_id") -> dict[uuid.UUID, list]:
    grouped: dict[uuid.UUID, list] = {}
    for row in rows:
        grouped.setdefault(getattr(row, attr), []).append(row)
    return grouped
