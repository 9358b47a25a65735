import click
import sqlalchemy as sa
from flask import current_app

from casework import backup as backups
from casework.cases.models import Case
from casework.cases.retention import RetentionError, due_cases, purge, set_legal_hold
from casework.cli import casework_cli, fail
from casework.crypto import rotation
from casework.crypto.errors import KeyringError
from casework.database import compact
from casework.extensions import db


def _case(number: str) -> Case:
    case = db.session.scalar(sa.select(Case).where(Case.number == number.strip().upper()))
    if case is None:
        fail(f"no case numbered {number!r}")
    return case


@casework_cli.command("purge")
@click.argument("numbers", nargs=-1)
@click.option("--due", is_flag=True, help="purge every closed case past its retention period")
@click.option("--yes", is_flag=True, help="do not ask for confirmation")
def purge_cmd(numbers: tuple[str, ...], due: bool, yes: bool) -> None:
    """Crypto-shred closed cases past retention, then rotate and retire the KEK.

    Rotating and retiring the KEK is what makes the purged cases unreadable in backups
    taken before the purge: those backups can no longer be read at all, so take a new
    backup afterwards.
    """
    if bool(numbers) == due:
        fail("name case numbers or give --due (not both)")
    cases = due_cases() if due else [_case(n) for n in numbers]
    if not cases:
        click.echo("no case is due for purge")
        return
    if not yes:
        click.confirm(f"Destroy the data of {len(cases)} case(s) for ever?", abort=True)
    purged = 0
    for case in cases:
        number = case.number
        try:
            purge(case)
        except RetentionError as exc:
            db.session.commit()  # keeps the audited refusal
            click.echo(f"{number}: not purged: {exc}", err=True)
            continue
        db.session.commit()
        purged += 1
        click.echo(f"{number}: purged")
    if not purged:
        fail("nothing was purged")
    app = current_app._get_current_object()
    report = rotation.rotate(app)
    keyring_ids = [k for k in app.extensions["casework.keyring"]["keyring"].keks
                   if k != report.kek_id]
    if report.failed:
        fail(f"key rotation left {len(report.failed)} row(s) on old KEKs; run `keys rotate`")
    for kek_id in keyring_ids:
        try:
            rotation.retire(app, kek_id)
        except KeyringError as exc:  # a worker wrapped a new case meanwhile
            fail(f"{exc}; the purged data keys are destroyed, but backups made before now "
                 f"stay readable until this KEK is retired")
    compact(*rotation.rotated_tables())
    click.echo(f"KEK rotated to {report.kek_id!r}; retired {', '.join(keyring_ids) or 'none'}. "
               "Backups made before now can no longer be read: make a new backup.")


@casework_cli.command("legal-hold")
@click.argument("number")
@click.option("--release", is_flag=True, help="lift the hold")
def legal_hold(number: str, release: bool) -> None:
    """Put a case under legal hold (never purged) or lift the hold."""
    case = _case(number)
    try:
        set_legal_hold(case, not release)
    except RetentionError as exc:
        fail(str(exc))
    db.session.commit()
    click.echo(f"{case.number}: legal hold {'lifted' if release else 'on'}")


@casework_cli.command("backup")
@click.argument("target", type=click.Path(dir_okay=False))
def backup_cmd(target: str) -> None:
    """Write a consistent backup of the database (never the keys) to TARGET."""
    try:
        path = backups.backup(target)
    except backups.BackupError as exc:
        fail(str(exc))
    click.echo(f"backup written to {path}; keep the keyring apart from it")


@casework_cli.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False))
def restore_cmd(source: str) -> None:
    """Restore a backup into the configured, empty database and check every data key."""
    try:
        counts = backups.restore(source)
    except backups.BackupError as exc:
        fail(str(exc))
    click.echo(f"restored {counts['cases']} cases and {counts['audit_events']} audit events; "
               "every data key unwraps with this keyring")
