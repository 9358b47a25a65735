"""Read-only views of checkpoint state: the case checklist and its overrides.

The sign-off queue is in supervision/queue.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from casework.accounts.roles import Role
from casework.cases.models import Case
from casework.extensions import db
from casework.models import utcnow
from casework.workflow import engine, policy
from casework.workflow.engine import Status
from casework.workflow.models import CaseCheckpoint, GateOverride, State
from casework.workflow.registry import FactBatch, Facts


@dataclass
class CaseRead:
    """One page's read of a case: its checkpoint rows, overrides and the records the
    conditions read, each loaded once (when first asked for) and shared by the checklist,
    the action gates and the panels, which used to load the same rows again each.

    For a request that only reads: nothing here sees a change made after it was loaded,
    so a view that writes never keeps one across the write (gates enforce with their own
    fresh read, engine.require).
    """

    case: Case
    now: datetime = field(default_factory=utcnow)
    batch: FactBatch = field(init=False)

    def __post_init__(self) -> None:
        self.batch = FactBatch.probed(self.case.id)

    def facts(self) -> Facts:
        return Facts(case=self.case, now=self.now, _batch=self.batch)

    def known_empty(self, source: str) -> bool:
        """The case has no records of this fact source, by a load this read already made
        (never loads: a panel asks so as to skip its own query of the same table)."""
        return self.batch.loaded(source) and not self.batch.records(source, self.case.id)

    @cached_property
    def rows(self) -> dict[str, CaseCheckpoint]:
        return engine.rows_for(self.case)

    @cached_property
    def overrides(self) -> list[GateOverride]:
        return overrides(self.case)


@dataclass
class ChecklistItem:
    checkpoint: policy.Checkpoint
    row: CaseCheckpoint
    status: Status

    @property
    def sign_off_roles(self) -> tuple:
        return tuple(r for r in self.checkpoint.signed_off_by if isinstance(r, Role))


def checklist(case: Case, now: datetime | None = None,
              rows: dict[str, CaseCheckpoint] | None = None) -> list[tuple[policy.Stage, list]]:
    """Applicable checkpoints grouped by stage, in catalogue order (`rows`: the case's
    checkpoint rows, when already loaded)."""
    now = now or utcnow()
    rows = engine.rows_for(case) if rows is None else rows
    stages: dict[policy.Stage, list[ChecklistItem]] = {}
    for cp in engine.catalogue():
        row = rows.get(cp.key)
        if row is None or row.state == State.NOT_APPLICABLE:
            continue
        stages.setdefault(cp.stage, []).append(ChecklistItem(cp, row,
                                                             engine.status_of(row, now)))
    return [(stage, stages[stage]) for stage in policy.Stage if stage in stages]


def overrides(case: Case, action: policy.Action | None = None) -> list[GateOverride]:
    """The case's overrides (of one action, when given), with who made them."""
    stmt = sa.select(GateOverride).where(GateOverride.case_id == case.id)
    if action is not None:
        stmt = stmt.where(GateOverride.action == action.value)
    return list(db.session.scalars(
        stmt.options(selectinload(GateOverride.by)).order_by(GateOverride.at)))
