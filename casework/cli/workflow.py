"""`flask casework checkpoints rebuild` and `flask casework policy`."""

from __future__ import annotations

import json
import time

import click
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from casework.cases.models import Case
from casework.cli import casework_cli
from casework.extensions import db
from casework.workflow import engine, policy
from casework.workflow.registry import ANCHORS, CONDITIONS


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
    with click.progressbar(length=total, label="rebuilding", file=click.get_text_stream("stderr")
                           ) as bar:
        seen = [0]

        def advance(done: int) -> None:
            bar.update(done - seen[0])
            seen[0] = done

        count = rebuild_all(batch_size, advance)
    elapsed = time.perf_counter() - started
    click.echo(f"rebuilt checkpoints of {count} cases in {elapsed:.1f} s")


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
