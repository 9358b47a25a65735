"""The audit chain: tampering of any kind is found by `audit verify`; on PostgreSQL no
one who connects can change or remove an event; auditors read trails per case and user."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from casework.accounts.roles import Role
from casework.audit.models import AuditEvent
from casework.audit.services import record
from casework.cli.audit import audit
from casework.extensions import db
from tests.factories import attacker_connection


def _events(n=5):
    for i in range(n):
        record("test.event", details={"n": i})
    db.session.commit()
    return list(db.session.scalars(sa.select(AuditEvent.seq).order_by(AuditEvent.seq)))


def _verify(app, *args):
    db.session.remove()
    return app.test_cli_runner().invoke(audit, ["verify", *args])


def test_an_intact_chain_verifies(app, ctx):
    _events()
    result = _verify(app)
    assert result.exit_code == 0 and "intact: 5 events" in result.output


def test_an_edited_event_is_found(app, ctx):
    seqs = _events()
    table = AuditEvent.__table__
    with attacker_connection() as conn:
        conn.execute(sa.update(table).where(table.c.seq == seqs[2]).values(
            details={"n": 99}))
    result = _verify(app)
    assert result.exit_code == 1 and f"first at seq {seqs[2]}" in result.output


def test_an_edit_that_recomputes_its_own_hash_is_still_found(app, ctx):
    from casework.audit.services import event_hash

    seqs = _events()
    event = db.session.get(AuditEvent, seqs[1])
    event.action = "test.innocent"
    forged = event_hash(event.prev_hash, event)
    db.session.rollback()
    table = AuditEvent.__table__
    with attacker_connection() as conn:
        conn.execute(sa.update(table).where(table.c.seq == seqs[1]).values(
            action="test.innocent", hash=forged))
    result = _verify(app)
    assert result.exit_code == 1 and f"first at seq {seqs[2]}" in result.output


def test_a_removed_event_is_found(app, ctx):
    seqs = _events()
    table = AuditEvent.__table__
    with attacker_connection() as conn:
        conn.execute(sa.delete(table).where(table.c.seq == seqs[2]))
    result = _verify(app)
    assert result.exit_code == 1 and f"first at seq {seqs[3]}" in result.output


def test_reordered_events_are_found(app, ctx):
    seqs = _events()
    table = AuditEvent.__table__
    with attacker_connection() as conn:
        conn.execute(sa.update(table).where(table.c.seq == seqs[1]).values(seq=-1))
        conn.execute(sa.update(table).where(table.c.seq == seqs[2]).values(seq=seqs[1]))
        conn.execute(sa.update(table).where(table.c.seq == -1).values(seq=seqs[2]))
    assert _verify(app).exit_code == 1


def test_events_removed_from_the_end_are_found_against_a_noted_head(app, ctx):
    seqs = _events()
    noted = _verify(app)
    head = noted.output.split("hash ")[1].split()[0]
    table = AuditEvent.__table__
    with attacker_connection() as conn:
        conn.execute(sa.delete(table).where(table.c.seq == seqs[-1]))
    result = _verify(app, "--head", head)
    assert result.exit_code == 1 and "TRUNCATED" in result.output


def test_postgresql_refuses_update_delete_and_truncate_of_audit_rows(app, ctx):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL only; SQLite has no roles "
                    "and its file is protected by the operating system")
    _events(2)
    db.session.remove()  # its open read would hold TRUNCATE waiting
    table = AuditEvent.__table__
    for statement in (sa.update(table).values(action="x"), sa.delete(table),
                      sa.text("TRUNCATE audit_event")):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), \
                db.engine.begin() as conn:
            conn.execute(statement)
    assert _verify(app).exit_code == 0


def test_the_migration_creates_the_trigger_on_postgresql(scratch_url):
    from flask_migrate import upgrade

    from casework import create_app

    if not scratch_url.startswith("postgresql"):
        pytest.skip("the append-only trigger exists on PostgreSQL only")
    app = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": scratch_url})
    with app.app_context():
        upgrade()
        with app.test_request_context():
            record("test.event")
            db.session.commit()
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(sa.delete(AuditEvent.__table__))
        db.session.remove()
        db.engine.dispose()


def test_auditor_pages(app, client, world, make):
    cw, sup, admin = (world("MX", Role.CASEWORKER), world("MX", Role.SUPERVISOR),
                      world("MX", Role.ADMIN))
    us_sup = world("US", Role.SUPERVISOR)
    case = make.case(cw)
    make.login(client, sup)
    page = client.get(f"/audit/cases/{case.id}")
    assert page.status_code == 200 and "case.create" in page.get_data(as_text=True)
    assert client.get(f"/cases/{case.id}").get_data(as_text=True).count(
        f"/audit/cases/{case.id}") == 1
    assert client.get(f"/audit/users/{cw.id}").status_code == 200
    assert client.get(f"/audit/users/{world('US', Role.CASEWORKER).id}").status_code == 404

    make.switch_user(client, us_sup)
    assert client.get(f"/audit/cases/{case.id}").status_code == 404
    make.switch_user(client, cw)
    assert client.get(f"/audit/cases/{case.id}").status_code == 403
    assert client.get(f"/audit/users/{cw.id}").status_code == 403
    make.switch_user(client, admin)
    trail = client.get(f"/audit/users/{cw.id}")
    assert trail.status_code == 200 and "case.create" in trail.get_data(as_text=True)
    assert client.get(f"/audit/cases/{case.id}").status_code == 403
    assert "Ana" not in trail.get_data(as_text=True)
