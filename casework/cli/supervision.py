"""`flask casework digest`: each supervisor's overdue and due-soon checkpoints."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import click

from casework.cli import casework_cli, fail
from casework.extensions import db
from casework.models import utcnow
from casework.supervision import digest, services


@casework_cli.command("digest")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True),
              help="write the digest to this file (mode 0600) instead of printing it")
@click.option("--now", "now_text", metavar="ISO-DATETIME",
              help="the moment to compute for, in UTC (default: now); for tests and re-runs")
@click.option("--limit", default=50, show_default=True,
              help="items listed per supervisor (the counts are always complete)")
def digest_command(output: str | None, now_text: str | None, limit: int) -> None:
    """Print each supervisor's overdue and due-soon checkpoints, for cron or a mail relay."""
    now = _parse_now(now_text) if now_text else utcnow()
    digests = digest.build(now, limit=limit)
    text = digest.render(digests, now)
    services.record_digest(supervisors=len(digests),
                           items=sum(d.overdue + d.due_soon for d in digests))
    db.session.commit()
    if output:
        # Case numbers and staff addresses: readable by the owner only.
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        click.echo(f"digest for {len(digests)} supervisor(s) written to {output}", err=True)
    else:
        click.echo(text, nl=False)


def _parse_now(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        fail(f"--now is not an ISO date and time: {text!r}")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
