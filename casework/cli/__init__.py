"""`flask casework ...`: one file per command group."""

import click
from flask import Flask
from flask.cli import AppGroup

casework_cli = AppGroup("casework", help="casework administration commands.")


def register_cli(app: Flask) -> None:
    from casework.cli import (  # noqa: F401  (they register commands)
        accounts,
        audit,
        demo,
        synthetic,
        workflow,
    )

    app.cli.add_command(casework_cli)


def fail(message: str) -> None:
    raise click.ClickException(message)
