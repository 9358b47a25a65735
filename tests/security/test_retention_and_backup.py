"""Crypto-shredding with legal hold, backups without keys, restore that checks its keys,
and SQLite files that keep nothing after rotation or purge."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from casework import backup as backups
from casework import create_app
from casework.accounts.roles import Role
from casework.audit.models import AuditEvent
from casework.cases import retention
from casework.cases.choices import CaseStatus
from casework.cases.models import Case, CaseSearchToken
from casework.cli.data import backup_cmd, legal_hold, purge_cmd, restore_cmd
from casework.crypto import rotation
from casework.crypto.keyring import load_keyring
from casework.extensions import db
from casework.models import utcnow


def _close(case: Case, days_ago: int) -> None:
    case.status = CaseStatus.CLOSED
    case.closed_at = utcnow() - timedelta(days=days_ago)
    db.session.commit()


def _past_retention(app) -> int:
    return app.config["RETENTION_DAYS"] + 1


def _other_app(url: str, keyring: str | Path):
    return create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": url,
                                            "CASEWORK_KEYRING": str(keyring)})


def _sqlite_files(app) -> bytes:
    path = Path(sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database)
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


def test_purge_refuses_open_recent_and_held_cases(app, world, make):
    cw = world("MX", Role.CASEWORKER)
    open_case, recent, held = make.case(cw), make.case(cw), make.case(cw)
    _close(recent, days_ago=1)
    _close(held, days_ago=_past_retention(app))
    runner = app.test_cli_runner()
    assert runner.invoke(legal_hold, [held.number]).exit_code == 0
    for case, reason in ((open_case, "not-closed"), (recent, "retention"),
                         (held, "legal-hold")):
        with pytest.raises(retention.RetentionError) as refused:
            retention.purge(case)
        assert refused.value.code == reason
        db.session.commit()
    refusals = db.session.scalars(sa.select(AuditEvent.details).where(
        AuditEvent.action == "case.purge", AuditEvent.outcome == "refused")).all()
    assert sorted(d["reason"] for d in refusals) == ["legal-hold", "not-closed", "retention"]
    assert retention.due_cases() == []
    assert runner.invoke(legal_hold, [held.number, "--release"]).exit_code == 0
    assert [c.id for c in retention.due_cases()] == [held.id]


def test_purge_shreds_the_case_and_older_backups_cannot_read_it(
    app, client, world, make, private_keyring, scratch_url, tmp_path
):
    cw = world("MX", Role.CASEWORKER)
    kept = make.case(cw, given_names="Kevin Josué")
    gone = make.case(cw, a_number="A123-456-789")
    make.consent(gone, cw)
    db.session.commit()
    gone_id, gone_number, kept_id = gone.id, gone.number, kept.id
    old_wrapped = bytes(gone.wrapped_key)
    old_family_ct = bytes(gone.family_names_ct)
    _close(gone, days_ago=_past_retention(app))
    before = tmp_path / "before-purge.backup"
    assert app.test_cli_runner().invoke(backup_cmd, [str(before)]).exit_code == 0
    old_kek = load_keyring(private_keyring).primary_kek_id

    result = app.test_cli_runner().invoke(purge_cmd, [gone_number, "--yes"])
    assert result.exit_code == 0, result.output

    db.session.expunge_all()
    tomb = db.session.get(Case, gone_id)
    assert tomb.purged_at is not None and tomb.wrapped_key is None
    assert tomb.given_names_ct is None and tomb.family_names_ct is None
    assert tomb.number == gone_number and tomb.status == CaseStatus.CLOSED
    assert not db.session.scalar(sa.select(sa.func.count()).select_from(CaseSearchToken)
                                 .where(CaseSearchToken.case_id == gone_id))
    # The case's other records lose their ciphertext too (empty where a column needs one).
    consent = sa.table("consent", sa.column("case_id", sa.Uuid), sa.column("language"))
    assert db.session.scalar(sa.select(consent.c.language).where(
        consent.c.case_id == gone_id)) in (b"", None)
    report = rotation.verify()
    assert report.purged == 1 and report.cases == 1 and not report.failed
    # The KEK the backup's keys were wrapped under is gone from the keyring.
    assert old_kek not in load_keyring(private_keyring).keks
    assert db.session.get(Case, kept_id).given_names == "Kevin Josué"
    cw = db.session.merge(cw)
    make.login(client, cw)
    assert client.get(f"/cases/{gone_id}").status_code == 404
    assert client.get(f"/cases/{kept_id}").status_code == 200
    if db.engine.dialect.name == "sqlite":
        files = _sqlite_files(app)
        assert old_wrapped not in files and old_family_ct not in files

    # The backup made before the purge: this keyring cannot read it, and says so.
    target = _other_app(scratch_url, private_keyring)
    with target.app_context():
        with pytest.raises(backups.BackupError, match="cannot unwrap 2 case data key"):
            backups.restore(before)
        db.session.remove()
        db.engine.dispose()


def test_purge_due_purges_only_what_is_due(app, world, make, private_keyring):
    cw = world("MX", Role.CASEWORKER)
    due, fresh = make.case(cw), make.case(cw)
    _close(due, days_ago=_past_retention(app))
    _close(fresh, days_ago=3)
    due_id, fresh_id = due.id, fresh.id
    result = app.test_cli_runner().invoke(purge_cmd, ["--due", "--yes"])
    assert result.exit_code == 0, result.output
    db.session.expunge_all()
    assert db.session.get(Case, due_id).purged_at is not None
    assert db.session.get(Case, fresh_id).given_names == "Ana Lucía"
    assert app.test_cli_runner().invoke(purge_cmd, ["--due", "--yes"]).output.startswith(
        "no case is due")


def test_backup_round_trip_decrypts_every_case(app, world, make, scratch_url, tmp_path):
    cw = world("MX", Role.CASEWORKER)
    names = {make.case(cw, given_names=f"Niño {i}").number: f"Niño {i}" for i in range(3)}
    make.enrol_mfa(cw)
    path = tmp_path / "casework.backup"
    result = app.test_cli_runner().invoke(backup_cmd, [str(path)])
    assert result.exit_code == 0, result.output
    assert path.stat().st_mode & 0o777 == 0o600
    keyring = load_keyring(app.config["CASEWORK_KEYRING"])
    data = path.read_bytes()
    for key in [*keyring.keks.values(), *keyring.blind_index_keys.values()]:
        assert key not in data  # never the keys

    target = _other_app(scratch_url, app.config["CASEWORK_KEYRING"])
    with target.app_context():
        restored = target.test_cli_runner().invoke(restore_cmd, [str(path)])
        assert restored.exit_code == 0, restored.output
        assert "restored 3 cases" in restored.output
        report = rotation.verify()
        assert report.cases == 3 and report.secrets == 1 and not report.failed
        got = {c.number: c.given_names for c in db.session.scalars(sa.select(Case))}
        assert got == names
        from casework.audit.services import verify_chain

        assert verify_chain()[1] == []
        again = target.test_cli_runner().invoke(restore_cmd, [str(path)])
        assert again.exit_code == 1 and "not empty" in again.output
        db.session.remove()
        db.engine.dispose()


def test_a_restore_without_the_keyring_fails_loudly(app, world, make, scratch_url, tmp_path):
    cw = world("MX", Role.CASEWORKER)
    make.case(cw)
    path = tmp_path / "casework.backup"
    backups.backup(path)
    # A new machine: no keyring file, so development makes a fresh, unrelated one.
    target = _other_app(scratch_url, tmp_path / "new-machine" / "keyring.json")
    with target.app_context():
        result = target.test_cli_runner().invoke(restore_cmd, [str(path)])
        assert result.exit_code == 1
        assert "cannot unwrap 1 case data key" in result.output
        assert "keyring that was in use when the backup was made" in result.output
        if db.engine.dialect.name == "sqlite":
            assert sa.inspect(db.engine).get_table_names() == []  # nothing restored
        db.session.remove()
        db.engine.dispose()


def test_sqlite_pragmas(app, ctx):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas; PostgreSQL has its own durability settings")
    with db.engine.connect() as conn:
        pragma = lambda name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("secure_delete") == 1
        assert pragma("foreign_keys") == 1
        assert pragma("busy_timeout") >= 5000


def test_rotation_leaves_no_old_wrapped_key_in_the_sqlite_files(
    app, world, make, private_keyring
):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("checks the SQLite files on disk")
    from casework.cli.keys import keys

    cw = world("MX", Role.CASEWORKER)
    old = bytes(make.case(cw).wrapped_key)
    db.session.remove()
    assert old in _sqlite_files(app)
    assert app.test_cli_runner().invoke(keys, ["rotate"]).exit_code == 0
    assert old not in _sqlite_files(app)


def test_rotation_vacuums_the_rewritten_postgres_tables(app, world, make, private_keyring):
    if db.engine.dialect.name != "postgresql":
        # SQLite vacuums the whole file instead, checked on the file itself by
        # test_rotation_leaves_no_old_wrapped_key_in_the_sqlite_files.
        pytest.skip("a per-table VACUUM is PostgreSQL's; .ci/run's PostgreSQL pass runs "
                    "this test")
    from casework.cli.keys import keys

    def vacuumed() -> dict:
        with db.engine.connect() as conn:
            conn.exec_driver_sql("SELECT pg_stat_clear_snapshot()")
            return dict(conn.exec_driver_sql(
                "SELECT relname, last_vacuum FROM pg_stat_user_tables "
                "WHERE relname IN ('child_case', 'user_account')").all())

    make.case(world("MX", Role.CASEWORKER))
    db.session.remove()
    before = vacuumed()
    assert app.test_cli_runner().invoke(keys, ["rotate"]).exit_code == 0
    after = vacuumed()
    # the dead row versions the rewrap left are cleared now, not when autovacuum comes
    assert set(after) == {"child_case", "user_account"}
    assert all(after[t] is not None and (before.get(t) is None or after[t] > before[t])
               for t in after)


def test_postgres_connections_have_jit_off_even_after_a_rollback(app, ctx):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no JIT compiler to switch off; .ci/run's PostgreSQL pass "
                    "runs this test")
    db.engine.dispose()  # new connections, made through the listener
    for _ in range(2):  # the second is a connection the pool reset (rolled back)
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("SHOW jit").scalar() == "off"
            conn.rollback()
