"""Test fixtures. One database per run: SQLite in a temp folder, or TEST_DATABASE_URL.

The schema comes from the models; tests/migrations proves that the migrations
build the same schema.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient

_TMP = Path(tempfile.mkdtemp(prefix="casework-test-"))
os.environ["CASEWORK_INSTANCE_PATH"] = str(_TMP / "instance")
os.environ["CASEWORK_CONFIG"] = "testing"
os.environ.pop("CASEWORK_KEYRING", None)
os.environ.pop("DATABASE_URL", None)
if not os.environ.get("TEST_DATABASE_URL"):
    os.environ["TEST_DATABASE_URL"] = f"sqlite:///{_TMP / 'test.sqlite3'}"

from casework import create_app  # noqa: E402
from casework.extensions import db  # noqa: E402
from tests import factories  # noqa: E402


def _reset_schema(app) -> None:
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        db.create_all()


class IsolatedClient(FlaskClient):
    """Tests that hold an app context (`ctx`) share `g` with the client's requests;
    forget the signed-in user around each request so every request loads its own."""

    def open(self, *args, **kwargs):
        _forget_user()
        try:
            return super().open(*args, **kwargs)
        finally:
            _forget_user()


def _forget_user() -> None:
    if has_app_context():
        g.pop("_login_user", None)


@pytest.fixture(scope="session")
def app():
    app = create_app("testing")
    app.test_client_class = IsolatedClient
    _reset_schema(app)
    return app


@pytest.fixture(autouse=True)
def _clean_tables(request):
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        tables = list(reversed(db.metadata.sorted_tables))
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                names = ", ".join(conn.dialect.identifier_preparer.format_table(t) for t in tables)
                # audit_event refuses TRUNCATE by trigger; tests clean up as a replica would.
                conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
                conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
            else:
                for table in tables:
                    conn.execute(table.delete())


@pytest.fixture
def ctx(app):
    """An application context for tests that call services directly."""
    with app.test_request_context():
        yield app
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make(ctx):
    """Factories bound to the current app context."""
    return factories


@pytest.fixture
def world(ctx):
    """Two offices, one per country, with one user of every role in each."""
    return factories.World.build()
