"""`flask casework ...`: one file per command group."""

import click
from flask import Flask
from flask.cli import AppGroup

casework_cli = AppGroup("casework", help="casework administration commands.")


def register_cli(app: Flask) -> None:
    # Imported for their side effect: they register commands.
    from casework.cli import (  # noqa: F401
        accounts,
        audit,
        data,
        demo,
        keys,
        supervision,
        synthetic,
        workflow,
    )

    app.cli.add_command(casework_cli)


def fail(message: str) -> None:
    raise click.ClickException(message)
