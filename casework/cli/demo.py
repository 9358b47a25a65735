"""Demo data for a first look: two offices, one user per role, a few cases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import click
import sqlalchemy as sa
from flask import current_app

from casework.accounts import services as accounts
from casework.accounts.models import Office
from casework.accounts.roles import Role
from casework.cases import services as cases
from casework.cli import casework_cli
from casework.extensions import db

# Development only (seed-demo refuses production); printed for the person running it.
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105

OFFICES = [("MX-TIJ", "Tijuana", "MX", "America/Tijuana"),
           ("US-SAN", "San Diego", "US", "America/Los_Angeles")]
STAFF = [
    ("caseworker", Role.CASEWORKER), ("paralegal", Role.PARALEGAL),
    ("attorney", Role.ATTORNEY), ("supervisor", Role.SUPERVISOR),
]
CHILDREN = [
    ("MX-TIJ", "Ana Lucía", "Ixcoy Tzoc", date(2011, 3, 14), "GT", ["quc", "es"], "in_mexico"),
    ("MX-TIJ", "Kevin Josué", "Martínez Flores", date(2009, 8, 2), "HN", ["es"], "in_mexico"),
    ("US-SAN", "María José", "Hernández López", date(2010, 11, 23), "MX", ["es"],
     "port_of_entry"),
    ("US-SAN", "Wilmer", "Pérez Chún", date(2008, 5, 6), "GT", ["mam", "es"], "between_ports"),
]


def demo_logins() -> list[tuple[str, str]]:
    logins = [("admin@demo.casework.test", "admin")]
    for code, *_ in OFFICES:
        logins += [(f"{slug}.{code.split('-')[1].lower()}@demo.casework.test", role.value)
                   for slug, role in STAFF]
    return logins


@casework_cli.command("seed-demo")
def seed_demo() -> None:
    """Create demo offices, users and cases, once. Prints the logins."""
    if current_app.config["NAME"] == "production":
        raise click.ClickException("seed-demo never runs in production")
    if db.session.scalar(sa.select(sa.func.count()).select_from(Office)):
        click.echo("demo data already present; nothing created")
    else:
        _create()
        db.session.commit()
        click.echo("demo data created")
    click.echo(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
    for email, role in demo_logins():
        click.echo(f"  {role:<11} {email}")


def _create() -> None:
    offices = {code: accounts.create_office(code, name, country, zone)
               for code, name, country, zone in OFFICES}
    accounts.create_user(email="admin@demo.casework.test", name="Ada Admin", role=Role.ADMIN,
                         office=offices["MX-TIJ"], password=DEMO_PASSWORD)
    staff: dict[tuple[str, Role], object] = {}
    names = {"MX-TIJ": ["Rosa Caseworker", "Pablo Paralegal", "Alma Attorney", "Sofía Supervisor"],
             "US-SAN": ["Carmen Caseworker", "Peter Paralegal", "Andrea Attorney",
                        "Sam Supervisor"]}
    for code, office in offices.items():
        suffix = code.split("-")[1].lower()
        for (slug, role), name in zip(STAFF, names[code], strict=True):
            staff[(code, role)] = accounts.create_user(
                email=f"{slug}.{suffix}@demo.casework.test", name=name, role=role,
                office=office, password=DEMO_PASSWORD,
            )
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    for i, (code, given, family, born, nat, langs, where) in enumerate(CHILDREN):
        details = cases.ChildDetails(
            given_names=given, family_names=family, birth_date=born, nationality=nat,
            languages=langs, interpreter_needed="es" not in langs[:1],
            separation="unaccompanied", encountered_at=now - timedelta(days=2 + 3 * i),
            encounter_type=where, age_method="documents", sex="female" if i % 2 == 0 else "male",
            encounter_place="Garita El Chaparral" if code == "MX-TIJ" else "San Ysidro",
            custodian="DIF Tijuana" if code == "MX-TIJ" else "ORR shelter",
        )
        cases.register_case(details, office=offices[code], actor=staff[(code, Role.CASEWORKER)])
