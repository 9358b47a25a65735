import click
from flask import current_app

from casework.cli import casework_cli, fail
from casework.crypto import rotation
from casework.crypto.errors import KeyringError
from casework.database import compact


@casework_cli.group("keys")
def keys() -> None:
    """Key-encryption keys: rotate, retire, verify; blind index keys and entries."""


@keys.command("rotate")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 100_000))
def rotate(batch_size: int) -> None:
    """Add a KEK, make it primary, rewrap every data key (or finish a rotation)."""
    report = rotation.rotate(current_app._get_current_object(), batch_size=batch_size)
    compact(*rotation.rotated_tables())
    verb = "new primary KEK" if report.new_key else "finished rotation to KEK"
    click.echo(f"{verb} {report.kek_id!r}: {report.cases} case keys and {report.secrets} "
               f"TOTP secrets rewrapped in {report.batches} batches")
    if report.failed:
        for item in report.failed[:20]:
            click.echo(f"  could not rewrap {item}", err=True)
        fail(f"{len(report.failed)} row(s) could not be rewrapped; run `keys verify`")
    click.echo("Workers re-read the keyring file when it changes. Retire old KEKs with "
               "`flask casework keys retire ID`.")


@keys.command("retire")
@click.argument("kek_id")
def retire(kek_id: str) -> None:
    """Remove a KEK from the keyring; refused while any row still uses it."""
    try:
        rotation.retire(current_app._get_current_object(), kek_id)
    except KeyringError as exc:
        fail(str(exc))
    click.echo(f"KEK {kek_id!r} removed from the keyring")


@keys.command("rotate-index")
@click.option("--batch-size", default=200, show_default=True, type=click.IntRange(1, 10_000))
def rotate_index(batch_size: int) -> None:
    """Make a new blind index key current and rebuild every search index (or finish)."""
    report = rotation.rotate_index(current_app._get_current_object(), batch_size=batch_size)
    compact(*rotation.reindexed_tables())
    verb = "new blind index key" if report.new_key else "finished rebuilding with"
    click.echo(f"{verb} {report.kek_id!r}: {report.cases} cases reindexed in "
               f"{report.batches} batches")
    if report.failed:
        for item in report.failed[:20]:
            click.echo(f"  could not reindex {item}", err=True)
        fail(f"{len(report.failed)} case(s) could not be reindexed; run `keys verify`")
    click.echo("Then retire the old key with `flask casework keys retire-index ID`.")


@keys.command("backfill-index")
@click.option("--batch-size", default=200, show_default=True, type=click.IntRange(1, 10_000))
def backfill_index(batch_size: int) -> None:
    """Add the search entries an upgrade introduced (name pairs) to every case."""
    report = rotation.backfill_index(current_app._get_current_object(), batch_size=batch_size)
    if not report.batches:
        click.echo("every case has its search entries: nothing to backfill")
        return
    click.echo(f"{report.cases} cases reindexed in {report.batches} batches")
    if report.failed:
        for item in report.failed[:20]:
            click.echo(f"  could not reindex {item}", err=True)
        fail(f"{len(report.failed)} case(s) could not be reindexed; run `keys verify`, "
             "then this command again")
    click.echo("Name searches now read the name pairs.")


@keys.command("retire-index")
@click.argument("key_id")
def retire_index(key_id: str) -> None:
    """Remove a blind index key; refused while any index entry is not rebuilt."""
    try:
        rotation.retire_index_key(current_app._get_current_object(), key_id)
    except KeyringError as exc:
        fail(str(exc))
    click.echo(f"blind index key {key_id!r} removed from the keyring")


@keys.command("verify")
def verify() -> None:
    """Unwrap every data key and decrypt every encrypted field; exit 1 on any failure."""
    report = rotation.verify()
    per_kek = ", ".join(f"{k}: {n}" for k, n in sorted(report.by_kek.items())) or "none"
    click.echo(f"case data keys unwrapped: {report.cases} ({per_kek}); purged cases: "
               f"{report.purged}")
    click.echo(f"TOTP secrets decrypted: {report.secrets}")
    click.echo(f"encrypted fields decrypted: {report.fields} in {report.records} records")
    entries = ", ".join(f"{k}: {n}" for k, n in sorted(report.index_entries.items())) or "none"
    click.echo(f"search index entries by blind index key: {entries}")
    if report.failed:
        for item in report.failed[:50]:
            click.echo(f"  FAILED {item}", err=True)
        fail(f"{len(report.failed)} failure(s)")
    click.echo("every key and field is readable")
