import click

from casework.audit.services import verify_chain
from casework.cli import casework_cli


@casework_cli.group("audit")
def audit() -> None:
    """The audit trail."""


@audit.command("verify")
def verify() -> None:
    """Check the hash chain; exit 1 if any event was edited, removed or reordered."""
    count, broken = verify_chain()
    if broken:
        click.echo(f"audit chain BROKEN at {len(broken)} event(s), first at seq {broken[0]}",
                   err=True)
        raise SystemExit(1)
    click.echo(f"audit chain intact: {count} events")
