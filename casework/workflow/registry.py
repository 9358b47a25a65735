"""Where the modules that own the data register what the catalogue names.

- `@condition("name")`: fn(facts) -> bool (for `applies`) or Met | None (for `met`).
- `@anchor("name")`: fn(facts) -> datetime | None, the event a deadline counts from.
- `@fact_source("name", keyed_by=Model.case_id)`: fn(case_ids) -> {case_id:
  [records]}, loaded in one query per batch of cases, so rebuilding a million cases
  is not a million queries per source. `keyed_by` names the column(s) that hold the
  case of every record the source returns: one case's read (`FactBatch.probed`) asks
  once which sources have no rows at all and skips their queries.
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

import functools
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

CONDITIONS: dict[str, Callable] = {}
ANCHORS: dict[str, Callable] = {}
FACT_SOURCES: dict[str, Callable[[list[uuid.UUID]], dict[uuid.UUID, list]]] = {}
# source -> the columns holding the case id of its records (a record is the case's when
# any of them does); a source not here is always loaded.
FACT_KEYS: dict[str, tuple[sa.ColumnElement, ...]] = {}
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


def fact_source(name: str, *, keyed_by: sa.ColumnElement | tuple[sa.ColumnElement, ...]):
    """`keyed_by`: the source returns records of a case only if one of these columns
    holds the case's id in some row of their table (never "no records" by accident:
    a probe that wrongly found none would read as a met gate; tests/unit/
    test_fact_probe.py compares every source with and without the probe)."""
    FACT_KEYS[name] = keyed_by if isinstance(keyed_by, tuple) else (keyed_by,)
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

    @classmethod
    def probed(cls, case_id: uuid.UUID) -> FactBatch:
        """A batch of one case that already knows which sources it has no records of:
        one statement of EXISTS probes instead of a query per empty source (most of a
        case's thirty sources are empty: no BID, transfer, claim or sibling yet)."""
        from casework.extensions import db

        batch = cls([case_id])
        keys = list(dict.fromkeys(FACT_KEYS.values()))
        found = db.session.execute(_probe_statement(tuple(keys)), {"case_id": case_id}).one()
        empty = {key for key, present in zip(keys, found, strict=True) if not present}
        for source, key in FACT_KEYS.items():
            if key in empty:
                batch._loaded[source] = {}
        return batch

    def loaded(self, source: str) -> bool:
        return source in self._loaded

    def records(self, source: str, case_id: uuid.UUID) -> list:
        if source not in self._loaded:
            self._loaded[source] = FACT_SOURCES[source](self.case_ids)
        return self._loaded[source].get(case_id, [])


@functools.cache
def _probe_statement(keys: tuple[tuple[sa.ColumnElement, ...], ...]) -> sa.Select:
    """Per group of key columns, whether any row holds the case: index probes, built
    once (the registry is complete once the app is made)."""
    case_id = sa.bindparam("case_id")
    return sa.select(*(sa.exists().where(sa.or_(*(column == case_id for column in columns)))
                       for columns in keys))


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
