"""`flask casework checkpoints rebuild|refresh-due` and `flask casework policy`."""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime

import click
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from casework.cases.models import Case
from casework.cli import casework_cli
from casework.extensions import db
from casework.models import utcnow
from casework.workflow import engine, policy
from casework.workflow.registry import ANCHORS, CLOCKS, CONDITIONS


@casework_cli.group("checkpoints")
def checkpoints() -> None:
    """Persisted checkpoint state."""


def rebuild_all(batch_size: int = 500, progress=None) -> int:
    """Recompute every case's checkpoint rows, a batch per transaction. Returns the count."""
    done = 0
    last_id = None
    while True:
        stmt = sa.select(Case).options(joinedload(Case.office)).order_by(Case.id).limit(batch_size)
        if last_id is not None:
            stmt = stmt.where(Case.id > last_id)
        cases = db.session.scalars(stmt).unique().all()
        if not cases:
            return done
        engine.refresh_many(cases)
        db.session.commit()
        last_id = cases[-1].id
        done += len(cases)
        db.session.expunge_all()
        if progress:
            progress(done)


@checkpoints.command("rebuild")
@click.option("--batch-size", default=500, show_default=True)
def rebuild(batch_size: int) -> None:
    """Recompute every case's checkpoint rows from the domain records."""
    started = time.perf_counter()
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Case))
    with click.progressbar(length=total, label="rebuilding", file=sys.stderr
                           ) as bar:
        seen = [0]

        def advance(done: int) -> None:
            bar.update(done - seen[0])
            seen[0] = done

        count = rebuild_all(batch_size, advance)
    elapsed = time.perf_counter() - started
    click.echo(f"rebuilt checkpoints of {count} cases in {elapsed:.1f} s")


def due_for_refresh(now: datetime) -> sa.Select:
    """The ids of the cases whose stored rows time alone may have made stale: the union
    of every module's clock (workflow/registry.py), purged cases left out."""
    clocks = sa.union(*(fn(now) for fn in CLOCKS.values())).subquery()
    return (sa.select(Case.id)
            .where(Case.id.in_(sa.select(clocks.c[0])), Case.purged_at.is_(None)))


def refresh_due(now: datetime | None = None, batch_size: int = 500) -> int:
    """Refresh the cases the clock may have changed, a batch per transaction, at `now`.

    Idempotent: a refreshed row no longer matches its clock, so a second run the same
    day finds (almost) nothing, and a run that is missed is caught up by the next.
    Returns the number of cases refreshed.
    """
    now = now or utcnow()
    done = 0
    last_id = None
    while True:
        stmt = (sa.select(Case).options(joinedload(Case.office))
                .where(Case.id.in_(due_for_refresh(now))).order_by(Case.id).limit(batch_size))
        if last_id is not None:
            stmt = stmt.where(Case.id > last_id)
        cases = db.session.scalars(stmt).unique().all()
        if not cases:
            return done
        engine.refresh_many(cases, now=now)
        db.session.commit()
        last_id = cases[-1].id
        done += len(cases)
        db.session.expunge_all()


@checkpoints.command("refresh-due")
@click.option("--batch-size", default=500, show_default=True)
@click.option("--now", "now_at", type=click.DateTime(["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M",
                                                      "%Y-%m-%d"]),
              help="the moment to compute for, in UTC (default: now); for tests and re-runs")
def refresh_due_command(batch_size: int, now_at: datetime | None) -> None:
    """Refresh only the cases whose checkpoints the passing of time may have changed
    (a know-your-rights orientation due again, a hearing passed without its outcome, a
    plan past its review date). Cheap and idempotent: run it daily from cron."""
    started = time.perf_counter()
    count = refresh_due(now_at.replace(tzinfo=UTC) if now_at else None, batch_size)
    elapsed = time.perf_counter() - started
    click.echo(f"refreshed checkpoints of {count} cases in {elapsed:.1f} s")


def _deadline(d) -> dict | None:
    return None if d is None else {"amount": d.amount, "unit": d.unit.value, "from": d.anchor,
                                   "recurring": d.recurring}


def catalogue_as_data() -> list[dict]:
    out = []
    for cp in engine.catalogue():
        d = cp.deadline
        out.append({
            "key": cp.key,
            "title": str(cp.title),
            "recommendations": list(cp.recommendations),
            "stage": cp.stage.value,
            "applies": cp.applies,
            "met": cp.met,
            "completed_by": [str(r) for r in cp.completed_by],
            "signed_off_by": [str(r) for r in cp.signed_off_by],
            "deadline": _deadline(d),
            # A checkpoint with several deadlines: each with its milestone's condition.
            "clocks": [{"key": c.key, "label": str(c.label), "done": c.done,
                        **_deadline(c.deadline)} for c in cp.clocks],
            "blocks": [{"action": g.action.value, "block": g.block.value} for g in cp.blocks],
        })
    return out


@casework_cli.command("policy")
@click.option("--json", "as_json", is_flag=True, help="print the catalogue as JSON")
@click.option("--check", is_flag=True, help="validate; exit 1 on any problem")
def policy_command(as_json: bool, check: bool) -> None:
    """Print or check the checkpoint catalogue."""
    if check:
        problems = policy.validate(engine.catalogue(), set(CONDITIONS), set(ANCHORS),
                                   endpoints=set(current_app.view_functions))
        for line in problems:
            click.echo(f"problem: {line}", err=True)
        if problems:
            raise SystemExit(1)
        click.echo(f"catalogue OK: {len(engine.catalogue())} checkpoints, "
                   f"{len(policy.Action)} guarded actions")
        return
    data = catalogue_as_data()
    if as_json:
        click.echo(json.dumps({"recommendations": {k: str(r.title) for k, r in
                                                   policy.RECOMMENDATIONS.items()},
                               "checkpoints": data}, indent=2, ensure_ascii=False))
        return
    for cp in data:
        blocks = ", ".join(f"{b['action']} ({b['block']})" for b in cp["blocks"]) or "-"
        click.echo(f"{cp['key']:<22} {' '.join(cp['recommendations']):<12} blocks: {blocks}")
