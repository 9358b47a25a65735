import sys

import click

from casework.accounts import queries, services, timezones
from casework.accounts.roles import Country, Role
from casework.cli import casework_cli, fail
from casework.extensions import db


@casework_cli.command("create-office")
@click.option("--code", required=True)
@click.option("--name", required=True)
@click.option("--country", required=True, type=click.Choice([c.value for c in Country]))
@click.option("--timezone", type=click.Choice(list(timezones.ZONES)),
              help="IANA time zone; default: central Mexico or US central by country")
def create_office(code: str, name: str, country: str, timezone: str | None) -> None:
    """Create an office in Mexico or the United States."""
    try:
        office = services.create_office(code, name, country, timezone)
    except services.AccountError as exc:
        fail(str(exc))
    db.session.commit()
    click.echo(f"office {office.code} created")


@casework_cli.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--office", "office_code", required=True, help="office code")
@click.option("--password-stdin", is_flag=True, help="read the password from standard input")
def create_user(email: str, name: str, role: str, office_code: str, password_stdin: bool) -> None:
    """Create a user (for example the first administrator)."""
    office = queries.office_by_code(office_code)
    if office is None:
        fail(f"no office with code {office_code!r}; create it with create-office")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = services.create_user(email=email, name=name, role=role, office=office,
                                    password=password)
    except services.AccountError as exc:
        fail(str(exc))
    db.session.commit()
    click.echo(f"user {user.email} created with role {user.role.value}")
