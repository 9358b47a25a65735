"""`flask casework seed-synthetic`: many realistic cases, for benchmarks and load tests."""

from __future__ import annotations

import os
import secrets
import sys

import click
from flask import current_app

from casework.accounts.roles import Role
from casework.cli import casework_cli
from casework.extensions import db


@casework_cli.command("seed-synthetic")
@click.option("--cases", "count", type=click.IntRange(min=1), required=True,
              help="how many cases to make")
@click.option("--seed", type=int, default=2026, show_default=True,
              help="the random seed: the same seed makes the same children")
@click.option("--batch-size", type=click.IntRange(min=1, max=5000), default=1000,
              show_default=True, help="cases per transaction")
@click.option("--workers", type=click.IntRange(min=1, max=32), default=None,
              show_default="the cores, up to 4; SQLite: up to 2, and 1 for 5 batches or fewer",
              help="processes sharing the batches")
@click.option("--staff-password", envvar="CASEWORK_SYNTHETIC_PASSWORD", default=None,
              help="password of the synthetic staff (default: a random one, printed)")
def seed_synthetic(count: int, seed: int, batch_size: int, workers: int | None,
                   staff_password: str | None) -> None:
    """Make synthetic cases with real encryption, in batches. Never in production.

    Offices and staff are made on the first run and reused. One audit event per run.
    """
    from casework.synthetic import seed as generator

    if current_app.config["NAME"] == "production":
        raise click.ClickException("seed-synthetic never runs in production")
    if workers is None:
        # PostgreSQL 10k: 47.1 -> 22.6 s with two. SQLite writes one batch at a time, but
        # with several workers a batch's records and its checkpoint rows are written in
        # two short transactions and the rest of its work runs beside the other's writes
        # (20k on 2 cores: 83.0 s alone, 44.7 s with two). A short run would mostly pay
        # for starting the second process.
        sqlite = db.engine.dialect.name == "sqlite"
        workers = min(os.cpu_count() or 1, 2 if sqlite else 4)
        if sqlite and count <= 5 * batch_size:
            workers = 1
    password = staff_password or secrets.token_urlsafe(12)
    with click.progressbar(length=count, label="synthetic cases",
                           file=sys.stderr) as bar:
        result = generator.seed(count, seed=seed, batch_size=batch_size, password=password,
                                progress=bar.update, workers=workers)
    rows = sum(result.rows.values())
    click.echo(f"made {result.cases} cases and {rows} rows in {result.seconds:.1f} s "
               f"({result.cases / result.seconds:.0f} cases/s, {workers} "
               f"worker{'s' if workers > 1 else ''})")
    click.echo("  CPU seconds per phase, all workers: " + ", ".join(
        f"{name} {spent:.1f}" for name, spent in result.phases.items()))
    for table, n in sorted(result.rows.items()):
        click.echo(f"  {table:<22} {n}")
    if not staff_password:
        click.echo(f"\nSynthetic staff password (new staff only): {password}")
    office = generator.OFFICES[0].code
    click.echo("Synthetic logins, e.g.: " + ", ".join(
        generator.staff_email(office, role, 1) for role in
        (Role.CASEWORKER, Role.PARALEGAL, Role.ATTORNEY, Role.SUPERVISOR)))
