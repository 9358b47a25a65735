"""`/healthz`: public, no session, no write, and it says when the database is gone."""

from __future__ import annotations

import sqlalchemy as sa

from casework.accounts.roles import Role
from casework.audit.models import AuditEvent
from casework.extensions import db
from tests import factories
from tests.querycount import count_queries


def test_healthz_answers_anyone_without_a_session_or_a_write(app, ctx, browser):
    events_before = factories.count(AuditEvent)
    with count_queries() as q:
        response = browser.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    assert q.writes == []
    assert q.count == 1  # the database answered a read, and nothing else was asked
    db.session.rollback()
    assert factories.count(AuditEvent) == events_before


def test_healthz_never_loads_the_signed_in_user(app, world, signin):
    browser = signin(world("MX", Role.CASEWORKER))
    with count_queries() as q:
        response = browser.get("/healthz")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    # The session record is neither read nor touched: a health probe is no activity.
    assert not any("user_session" in s for s in q.statements)
    assert q.writes == []


def test_healthz_says_unavailable_when_the_database_fails(app, browser, monkeypatch):
    def broken(*args, **kwargs):
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", broken, raising=False)
    response = browser.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable"}
