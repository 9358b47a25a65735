"""Test fixtures. One database per run: SQLite in a temp folder, or TEST_DATABASE_URL.

The schema comes from the models; tests/migrations proves that the migrations
build the same schema.
"""

from __future__ import annotations

import contextvars
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

from casework import create_app, i18n  # noqa: E402
from casework.extensions import db  # noqa: E402
from tests import factories  # noqa: E402


def _reset_schema(app) -> None:
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        db.create_all()


class EnglishClient(FlaskClient):
    """Test clients speak English like a browser set to it; tests of the language
    choice (tests/web/test_language.py) set or clear the header themselves."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.environ_base.setdefault("HTTP_ACCEPT_LANGUAGE", "en")


class FreshUserClient(EnglishClient):
    """The default client. Tests that hold an app context (`ctx`) share `g` with the
    client's requests; forget the signed-in user around each request so every request
    loads its own, while the test keeps reading through the same database session.
    (IsolatedClient below goes further: a whole context of its own per request.)"""

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
    # `make test` compiles the catalogues; a test run alone (pytest tests/unit/x.py)
    # must translate too, or every Spanish assertion fails for a reason not its own.
    i18n.compile_all(only_stale=True)
    app = create_app("testing")
    app.test_client_class = FreshUserClient
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


class IsolatedClient(EnglishClient):
    """A test client whose every request runs in its own application context.

    Flask reuses an application context that is already pushed for the same app, so
    while `ctx` is active every request made through `app.test_client()` shares the
    test's `g` (where Flask-Login caches the signed-in user) and its database session:
    the second user to sign in would be served as the first. This client runs each
    request in an empty `contextvars.Context`, as a real server does. After requests,
    call `db.session.rollback()` in the test before reading what they wrote.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def browser(app):
    """A fresh, signed-out browser (an IsolatedClient)."""
    return IsolatedClient(app, app.response_class, use_cookies=True)


@pytest.fixture
def new_browser(app):
    """`new_browser()`: another fresh, signed-out IsolatedClient at each call."""
    return lambda: IsolatedClient(app, app.response_class, use_cookies=True)


@pytest.fixture
def signin(app, make):
    """`signin(user)`: a new IsolatedClient signed in as `user`; each call is its own browser."""

    def _signin(user, password: str = factories.PASSWORD):
        new_browser = IsolatedClient(app, app.response_class, use_cookies=True)
        factories.login(new_browser, user, password)
        return new_browser

    return _signin
