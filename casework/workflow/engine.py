"""The checkpoint engine: evaluates the catalogue against a case's records.

`refresh(case)` recomputes and stores the case's checkpoint rows; services call
it in the same transaction as the change. `require(case, action)` is the gate
every guarded action passes through on the server.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from casework.audit.services import record
from casework.cases.choices import CaseStatus
from casework.database import bulk_insert
from casework.errors import DomainError, NotPermitted
from casework.extensions import db
from casework.models import utcnow
from casework.workflow import policy
from casework.workflow.deadlines import DUE_SOON, due_date
from casework.workflow.models import CaseCheckpoint, CheckpointSignOff, GateOverride, State
from casework.workflow.policy import ACTION_RULES, Action, Block, Checkpoint, Clock
from casework.workflow.registry import (
    ANCHORS,
    CONDITIONS,
    FactBatch,
    Facts,
    Met,
    fact_source,
    in_batch,
)

MIN_OVERRIDE_REASON = 20


class Status(StrEnum):
    """What a person sees; computed from a stored row and the clock."""

    NOT_APPLICABLE = "not_applicable"
    PENDING = "pending"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    AWAITING_SIGN_OFF = "awaiting_sign_off"
    MET = "met"
    MET_LATE = "met_late"
    SIGNED_OFF = "signed_off"


STATUS_LABELS = {
    Status.NOT_APPLICABLE: _l("Not applicable"),
    Status.PENDING: _l("Pending"),
    Status.DUE_SOON: _l("Due soon"),
    Status.OVERDUE: _l("Overdue"),
    Status.AWAITING_SIGN_OFF: _l("Awaiting sign-off"),
    Status.MET: _l("Met"),
    Status.MET_LATE: _l("Met late"),
    Status.SIGNED_OFF: _l("Signed off"),
}


@dataclass(frozen=True)
class Reason:
    """Why an action is refused: a missing checkpoint, or a fact that forbids it."""

    title: object
    recommendations: tuple[str, ...]
    block: Block
    key: str | None = None  # the checkpoint, when the reason is one
    detail: object = ""

    @property
    def overridable(self) -> bool:
        return self.block == Block.SOFT and self.key is not None


class CheckpointBlocked(DomainError):
    def __init__(self, action: Action, reasons: list[Reason]):
        super().__init__(f"{action} blocked by {len(reasons)} checkpoint(s)")
        self.action = action
        self.reasons = reasons


@dataclass(frozen=True)
class ClockState:
    """One deadline of one case: when it is due and when its milestone was reached."""

    clock: Clock
    due_at: datetime | None
    done: Met | None

    @property
    def open(self) -> bool:
        # A recurring clock is never finished: it is due again after each completion.
        return self.done is None or self.clock.deadline.recurring

    @property
    def late(self) -> bool:
        return bool(not self.clock.deadline.recurring and self.done and self.due_at
                    and self.done.at > self.due_at)


@dataclass(frozen=True)
class Evaluation:
    checkpoint: Checkpoint
    applies: bool
    met: Met | None
    due_at: datetime | None
    clocks: tuple[ClockState, ...] = ()
    due_clock: str | None = None  # the clock of due_at, for a checkpoint with several

    @property
    def late(self) -> bool:
        """Met, and some milestone was reached after its own deadline."""
        return bool(self.met) and any(c.late for c in self.clocks)


def catalogue() -> tuple[Checkpoint, ...]:
    """The catalogue with this organisation's deadlines, built once per app."""
    ext = current_app.extensions
    if "casework.catalogue" not in ext:
        ext["casework.catalogue"] = policy.with_overrides(
            current_app.config.get("CASEWORK_DEADLINES") or {}
        )
    return ext["casework.catalogue"]


def checkpoint(key: str) -> Checkpoint:
    return next(c for c in catalogue() if c.key == key)


def needs_sign_off(cp: Checkpoint) -> bool:
    # A BID's panel and supervisor decide inside the BID itself: its `met`
    # condition is already the approval, so there is no separate sign-off.
    return bool(cp.signed_off_by) and policy.PANEL not in cp.signed_off_by


def _clock_state(cp: Checkpoint, clock: Clock, facts: Facts, met: Met | None) -> ClockState:
    # A lone deadline's milestone is the checkpoint's own `met`: not read twice.
    clock_facts = facts if clock.key is None else replace(facts, clock=clock)
    done = met if clock.done == cp.met else CONDITIONS[clock.done](clock_facts)
    rule = clock.deadline
    start = done.at if rule.recurring and done else ANCHORS[rule.anchor](clock_facts)
    return ClockState(clock, due_date(rule, start) if start else None, done)


def _due(states: tuple[ClockState, ...]) -> ClockState | None:
    """The clock the row is due by: the earliest whose milestone is not done; once every
    milestone is done, the last deadline (so "met late" and the trend keep a due date)."""
    dated = [s for s in states if s.due_at is not None]
    waiting = [s for s in dated if s.open]
    if waiting:
        return min(waiting, key=lambda s: s.due_at)
    return max(dated, key=lambda s: s.due_at) if dated else None


def evaluate(facts: Facts) -> list[Evaluation]:
    out = []
    for cp in catalogue():
        applies = bool(CONDITIONS[cp.applies](facts))
        met = CONDITIONS[cp.met](facts) if applies else None
        states = tuple(_clock_state(cp, c, facts, met) for c in cp.all_clocks) if applies else ()
        due = _due(states)
        out.append(Evaluation(cp, applies, met, due.due_at if due else None, states,
                              due.clock.key if due else None))
    return out


@fact_source("workflow.sign_offs", keyed_by=CheckpointSignOff.case_id)
def _load_sign_offs(case_ids: list[uuid.UUID]) -> dict:
    # Plain columns, not objects: a rebuild reads millions of sign-offs.
    rows = db.session.execute(
        sa.select(CheckpointSignOff.case_id, CheckpointSignOff.key,
                  CheckpointSignOff.completion_at, CheckpointSignOff.signed_by_id,
                  CheckpointSignOff.signed_at)
        .where(in_batch(CheckpointSignOff.case_id, case_ids))
        .order_by(CheckpointSignOff.signed_at)
    )
    out: dict[uuid.UUID, list] = {}
    for row in rows:
        out.setdefault(row.case_id, []).append(row)
    return out


def _valid_sign_off(facts: Facts, cp: Checkpoint, met: Met):
    for s in reversed(facts.records("workflow.sign_offs")):
        if s.key == cp.key and s.completion_at == met.at and s.signed_by_id != met.by:
            return s
    return None


_ROW_FIELDS = ("office_id", "case_open", "state", "due_at", "due_clock", "met_at", "late",
               "completed_by_id", "signed_off_at", "signed_off_by_id")


def _row_values(ev: Evaluation, facts: Facts) -> dict:
    """The stored columns of one checkpoint of one case."""
    cp = ev.checkpoint
    values = {
        # Copies of the case's, so closing or transferring a case rewrites its rows.
        "office_id": facts.case.office_id,
        "case_open": facts.case.status == CaseStatus.OPEN,
        "due_at": ev.due_at,
        "due_clock": ev.due_clock,
        "met_at": ev.met.at if ev.met else None,
        "completed_by_id": ev.met.by if ev.met else None,
        "late": ev.late,
        "signed_off_at": None,
        "signed_off_by_id": None,
    }
    if not ev.applies:
        values["state"] = State.NOT_APPLICABLE
    elif cp.deadline and cp.deadline.recurring:
        # met_at is when it was last done; due_at is the next time it is due.
        values["state"], values["late"] = State.PENDING, False
    elif ev.met is None:
        values["state"] = State.PENDING
    elif needs_sign_off(cp):
        sign_off = _valid_sign_off(facts, cp, ev.met)
        if sign_off:
            values["state"] = State.MET
            values["signed_off_at"] = sign_off.signed_at
            values["signed_off_by_id"] = sign_off.signed_by_id
        else:
            values["state"] = State.AWAITING_SIGN_OFF
    else:
        values["state"] = State.MET
    return values


@dataclass
class RowChanges:
    """The checkpoint rows `changes_for` computed: new ones, and changed ones by row id."""

    case_ids: list[uuid.UUID]
    inserts: list[dict]
    updates: list[dict]


def changes_for(cases: Sequence, now: datetime | None = None) -> RowChanges:
    """Evaluate these cases and compare with their stored checkpoint rows; reads only.

    One query per fact source for the whole batch and one of the stored rows.
    """
    now = now or utcnow()
    batch = FactBatch([c.id for c in cases])
    changes = RowChanges(batch.case_ids, [], [])
    if not cases:
        return changes
    table = CaseCheckpoint.__table__
    existing = {
        (r.case_id, r.key): r
        for r in db.session.execute(
            sa.select(table.c.id, table.c.case_id, table.c.key,
                      *(table.c[f] for f in _ROW_FIELDS))
            .where(in_batch(table.c.case_id, batch.case_ids))
        )
    }
    for case in cases:
        facts = Facts(case=case, now=now, _batch=batch)
        for ev in evaluate(facts):
            values = _row_values(ev, facts)
            old = existing.get((case.id, ev.checkpoint.key))
            if old is None:
                changes.inserts.append({"case_id": case.id, "key": ev.checkpoint.key,
                                        "updated_at": now, **values})
            elif any(getattr(old, f) != values[f] for f in _ROW_FIELDS):
                changes.updates.append({"row_id": old.id, "updated_at": now, **values})
    return changes


def store(changes: RowChanges) -> None:
    """Write what `changes_for` computed: one INSERT of the new rows and one UPDATE of the
    changed ones (executemany)."""
    table = CaseCheckpoint.__table__
    if changes.inserts:
        bulk_insert(table, changes.inserts)
    if changes.updates:
        db.session.execute(
            sa.update(table).where(table.c.id == sa.bindparam("row_id"))
            .values({f: sa.bindparam(f) for f in (*_ROW_FIELDS, "updated_at")}),
            changes.updates,
        )
    if changes.inserts or changes.updates:
        # Rows loaded earlier in this session are now stale.
        ids = set(changes.case_ids)
        for obj in list(db.session.identity_map.values()):
            if isinstance(obj, CaseCheckpoint) and obj.case_id in ids:
                db.session.expire(obj)


def refresh_many(cases: Sequence, now: datetime | None = None) -> None:
    """Recompute and store the checkpoint rows of these cases.

    One query per fact source for the whole batch, then one INSERT of the new rows
    and one UPDATE of the changed ones (executemany): going through the ORM's unit
    of work row by row cost five times as much when rebuilding.
    """
    if cases:
        store(changes_for(cases, now))


def refresh(case) -> None:
    refresh_many([case])


def rows_for(case) -> dict[str, CaseCheckpoint]:
    return {r.key: r for r in db.session.scalars(
        sa.select(CaseCheckpoint).where(CaseCheckpoint.case_id == case.id)
    )}


def status_of(row: CaseCheckpoint, now: datetime | None = None) -> Status:
    now = now or utcnow()
    if row.state == State.NOT_APPLICABLE:
        return Status.NOT_APPLICABLE
    if row.state == State.AWAITING_SIGN_OFF:
        return Status.AWAITING_SIGN_OFF
    if row.state == State.MET:
        if row.late:
            return Status.MET_LATE
        return Status.SIGNED_OFF if row.signed_off_at else Status.MET
    if row.due_at and now > row.due_at:
        return Status.OVERDUE
    if row.due_at and row.due_at - now <= DUE_SOON:
        return Status.DUE_SOON
    return Status.PENDING


# --- gates -----------------------------------------------------------------

def overrides_for(case, action: Action) -> list[GateOverride]:
    return list(db.session.scalars(
        sa.select(GateOverride).where(GateOverride.case_id == case.id,
                                      GateOverride.action == action.value)
        .order_by(GateOverride.at)
    ))


def blockers(case, action: Action, now: datetime | None = None,
             batch: FactBatch | None = None,
             overrides: list[GateOverride] | None = None) -> list[Reason]:
    """Every reason the action is refused now (empty: allowed).

    Only the checkpoints that gate this action are evaluated (whether each applies and
    is met): a refusal never depends on the others, nor on any due date. `overrides`,
    when given, are this case's overrides for this action, already loaded.
    """
    facts = Facts(case=case, now=now or utcnow(), proposed=frozenset({action}),
                  _batch=batch or FactBatch([case.id]))
    reasons = [
        Reason(title=rule.reason, recommendations=rule.recommendations, block=Block.HARD)
        for rule in ACTION_RULES
        if rule.action == action and CONDITIONS[rule.forbidden_when](facts)
    ]
    if overrides is None:
        overrides = overrides_for(case, action)
    overridden = {o.key for o in overrides}
    for cp in catalogue():
        gate = cp.gate_for(action)
        if gate is None or not CONDITIONS[cp.applies](facts):
            continue
        if CONDITIONS[cp.met](facts) is not None:
            continue
        if gate.block == Block.SOFT and cp.key in overridden:
            continue
        reasons.append(Reason(title=cp.title, recommendations=cp.recommendations,
                              block=gate.block, key=cp.key, detail=cp.evidence))
    # Hard reasons first: they are the ones no one can lift.
    return sorted(reasons, key=lambda r: r.block != Block.HARD)


def blockers_by_action(case, *, now: datetime | None = None, batch: FactBatch | None = None,
                       overrides: list[GateOverride] | None = None) -> dict[Action, list[Reason]]:
    """The reasons of every action, with the case's records and overrides loaded once
    (or passed in, already loaded: `batch` of this case alone, all its `overrides`)."""
    now = now or utcnow()
    batch = batch or FactBatch([case.id])
    if overrides is None:
        overrides = list(db.session.scalars(
            sa.select(GateOverride).where(GateOverride.case_id == case.id)
            .order_by(GateOverride.at)))
    by_action: dict[str, list[GateOverride]] = {a.value: [] for a in Action}
    for o in overrides:
        by_action.setdefault(o.action, []).append(o)
    return {action: blockers(case, action, now=now, batch=batch,
                             overrides=by_action[action.value])
            for action in Action}


def require(case, action: Action) -> None:
    """Raise CheckpointBlocked unless every gate of the action is met or overridden."""
    reasons = blockers(case, action)
    if reasons:
        raise CheckpointBlocked(action, reasons)


def override(case, action: Action, key: str, reason: str, *, actor) -> GateOverride:
    """A supervisor lifts one soft gate of one action on one case, for a written reason."""
    from casework.accounts.roles import Role

    if actor.role != Role.SUPERVISOR:
        raise NotPermitted(_l("Only a supervisor can override a checkpoint."))
    cp = checkpoint(key)
    gate = cp.gate_for(action)
    if gate is None:
        raise NotPermitted(_l("This checkpoint does not block this action."))
    if gate.block != Block.SOFT:
        raise NotPermitted(_l("This is a hard block: no one can override it."))
    reason = (reason or "").strip()
    if len(reason) < MIN_OVERRIDE_REASON:
        raise ValueError(_l("Write the reason for the override (at least %(n)d characters).",
                            n=MIN_OVERRIDE_REASON))
    row = GateOverride(id=uuid.uuid4(), case=case, case_id=case.id, action=action.value,
                       key=key, by_id=actor.id)
    row.reason = reason
    db.session.add(row)
    db.session.flush()
    record("gate.override", actor_id=actor.id, case_id=case.id,
           details={"action": action.value, "checkpoint": key})
    return row


def sign_off(case, key: str, *, actor) -> None:
    cp = checkpoint(key)
    row = rows_for(case).get(key)
    if row is None or row.state != State.AWAITING_SIGN_OFF:
        raise NotPermitted(_l("This checkpoint is not awaiting sign-off."))
    if actor.role not in cp.signed_off_by:
        raise NotPermitted(_l("Your role cannot sign off this checkpoint."))
    if row.completed_by_id == actor.id:
        raise NotPermitted(_l("The person who completed a checkpoint cannot sign it off."))
    db.session.add(CheckpointSignOff(case_id=case.id, key=key, completion_at=row.met_at,
                                     signed_by_id=actor.id))
    db.session.flush()
    refresh(case)
    record("checkpoint.sign_off", actor_id=actor.id, case_id=case.id,
           details={"checkpoint": key})
