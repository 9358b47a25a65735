"""Synthetic cases at national scale, for benchmarks and load tests.

`flask casework seed-synthetic --cases N` (casework/cli/synthetic.py) makes N cases
with real encryption, in batches. The case itself (names, dates, office, team, blind
index) is made by casework/synthetic/seed.py; every other record comes from the
module that owns it, registered here, so a new module adds its records without
touching the generator:

    # casework/<module>/synthetic.py  (loaded by casework.modules.load("synthetic"))
    from casework.synthetic import synthetic_records

    @synthetic_records(order=40)
    def hearings(batch, rng):
        for case in batch.cases:
            if case.country == "US" and rng.random() < 0.7:
                batch.add(Hearing, case, held_at=..., notes="...")

A maker gets the batch (its cases, with their plain facts and data keys) and the
run's random generator, and adds rows: `batch.add(Model, case, **values)` encrypts
the values of encrypted attributes with the case's key and keeps the rest as they
are; `batch.sign_off(...)` adds a supervisor's sign-off of a completion. Rows are
inserted in bulk, model by model in the order they were first added, then the
engine computes the batch's checkpoint rows (`changes_for`, `store`). Makers run in `order`
(lower first) and must draw from `rng` only, so a seed gives the same data. A closed
case's `outcome` is drawn with the case, so every maker can lead to the same ending;
`case.facts` carries what one maker decided to the makers after it.
"""

from __future__ import annotations

import functools
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from casework.accounts.roles import Role


@dataclass(frozen=True)
class RecordMaker:
    name: str
    order: int
    make: Callable[[SyntheticBatch, random.Random], None]


RECORD_MAKERS: list[RecordMaker] = []


def synthetic_records(order: int = 50):
    """Register `fn(batch, rng)`, which adds a module's records to a batch of cases."""

    def register(fn: Callable) -> Callable:
        name = f"{fn.__module__}.{fn.__qualname__}"
        if all(m.name != name for m in RECORD_MAKERS):
            RECORD_MAKERS.append(RecordMaker(name, order, fn))
            RECORD_MAKERS.sort(key=lambda m: (m.order, m.name))
        return fn

    return register


@dataclass
class SyntheticCase:
    """What a record maker may read about one synthetic case: its plain facts, the
    plaintext it was given (to write records that agree with it), and its key."""

    id: uuid.UUID
    number: str
    office_id: uuid.UUID
    office_code: str
    country: str  # "MX" or "US", the office's
    nationality: str
    encountered_at: datetime
    opened_at: datetime
    closed_at: datetime | None
    birth_date: date | None
    age: int
    sex: str | None
    languages: list[str]
    interpreter_needed: bool
    key: tuple[bytes, int]  # (data key, version)
    team: dict[Role, uuid.UUID] = field(default_factory=dict)  # one member per role
    supervisor_id: uuid.UUID | None = None
    office_staff: dict[Role, list[uuid.UUID]] = field(default_factory=dict, repr=False)
    # How a closed case ended (a workflow.forms.CLOSURE_OUTCOMES value; None while open),
    # drawn with the case so that every module's records lead to it: a returned child has
    # an approved BID and a return plan, a reunified one a release to a sponsor.
    outcome: str | None = None
    # Dates and choices one maker leaves for a later one (lower order runs first), e.g.
    # best_interests sets facts["bid_approved_at"] and transfers' return reads it.
    facts: dict = field(default_factory=dict, repr=False)

    def staff(self, role: Role, rng: random.Random) -> uuid.UUID | None:
        """Who of this role acts on the case: its team member, else one of the office."""
        if role in self.team:
            return self.team[role]
        if role == Role.SUPERVISOR and self.supervisor_id:
            return self.supervisor_id
        members = self.office_staff.get(role)
        return rng.choice(members) if members else None

    def data_key(self) -> tuple[bytes, int]:
        return self.key

    @property
    def open(self) -> bool:
        return self.closed_at is None

    def until(self, now: datetime) -> datetime:
        """The end of the case's life so far: its closing, or now."""
        return self.closed_at or now

    def moment(self, rng: random.Random, after: datetime, hours: float, now: datetime,
               ) -> datetime | None:
        """A time `hours` (on average, exponentially spread) after `after`, or None when
        that is past the end of the case's life so far."""
        at = after + timedelta(hours=rng.expovariate(1 / hours))
        return at.replace(microsecond=0) if at <= self.until(now) else None


class SyntheticBatch:
    """The cases of one batch and the rows made for them, inserted together."""

    def __init__(self, cases: list[SyntheticCase], now: datetime) -> None:
        self.cases = cases
        self.now = now
        self.rows: dict[type, list[dict]] = {}

    def add(self, model: type, case: SyntheticCase | None, **values) -> dict:
        """A row of `model` for `case`; encrypted attributes are sealed with its key.

        Give every row of a model the same keys (None where empty): rows with one set
        of keys go to the database in one statement.
        """
        row: dict = {}
        record_id = values.pop("id", None)
        if record_id is None and _uuid_keyed(model):
            record_id = uuid.uuid4()
        if record_id is not None:
            row["id"] = record_id
        if case is not None and "case_id" in model.__table__.columns:
            row["case_id"] = case.id
        sealed = _encrypted_attributes(model)
        for name, value in values.items():
            attr = sealed.get(name)
            if attr is not None:
                row[attr.ciphertext_attribute] = attr.seal(model, record_id, case.key, value)
            else:
                row[name] = value
        self.rows.setdefault(model, []).append(row)
        return row

    def recorded_after(self, at: datetime, rng: random.Random, low: int, high: int,
                       ) -> datetime:
        """When a record of something done `at` was typed in: `low` to `high` minutes
        later, but never after now (a record of the last hour is not from the future)."""
        return min(at + timedelta(minutes=rng.randint(low, high)), self.now)

    def sign_off(self, case: SyntheticCase, key: str, completion_at: datetime,
                 signed_by: uuid.UUID | None, rng: random.Random, mean_hours: float = 30,
                 ) -> None:
        """A sign-off of the completion at `completion_at`, a while after it (when that
        while is over by now): the engine counts it only for that very completion."""
        from casework.workflow.models import CheckpointSignOff

        if signed_by is None:
            return
        at = completion_at + timedelta(hours=rng.expovariate(1 / mean_hours))
        if at <= self.now:
            self.add(CheckpointSignOff, case, key=key, completion_at=completion_at,
                     signed_by_id=signed_by, signed_at=at.replace(microsecond=0))


@functools.cache
def _encrypted_attributes(model: type) -> dict:
    """The model's encrypted attributes by name (they have a `seal` method)."""
    found = {}
    for klass in model.__mro__:
        for name, attr in vars(klass).items():
            if hasattr(type(attr), "seal") and name not in found:
                found[name] = attr
    return found


@functools.cache
def _uuid_keyed(model: type) -> bool:
    """Whether the model's id is a UUID made in Python (not a database sequence)."""
    column = model.__table__.columns.get("id")
    return column is not None and isinstance(column.type, sa.Uuid)
