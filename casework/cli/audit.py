import click
import sqlalchemy as sa

from casework.audit.models import AuditEvent
from casework.audit.services import verify_chain
from casework.cli import casework_cli
from casework.extensions import db


@casework_cli.group("audit")
def audit() -> None:
    """The audit trail."""


@audit.command("verify")
@click.option("--head", "noted_head", metavar="HASH",
              help="a head hash noted earlier (kept outside the database): fail if that "
                   "event is gone, which is how removing events from the end shows")
def verify(noted_head: str | None) -> None:
    """Check the hash chain; exit 1 if any event was edited, removed or reordered."""
    count, broken = verify_chain()
    if broken:
        click.echo(f"audit chain BROKEN at {len(broken)} event(s), first at seq {broken[0]}",
                   err=True)
        raise SystemExit(1)
    if noted_head and not db.session.scalar(
        sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.hash == noted_head)
    ):
        click.echo("audit chain TRUNCATED: the noted head event is no longer there", err=True)
        raise SystemExit(1)
    last = db.session.execute(
        sa.select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    click.echo(f"audit chain intact: {count} events")
    if last:
        click.echo(f"head: seq {last.seq} hash {last.hash} (note it to detect truncation later)")
