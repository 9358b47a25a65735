"""Failed sign-ins are throttled per account and per address, in the database, with no
account enumeration by message, status or work done."""

from __future__ import annotations

import sqlalchemy as sa

from casework import create_app
from casework.accounts import passwords, services
from casework.accounts.models import LoginAttempt
from casework.accounts.roles import Role
from casework.extensions import db


def _login(client, email, password, addr="203.0.113.7"):
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": addr})


def test_an_account_is_throttled_and_another_is_not(app, client, world, make):
    a, b = world("MX", Role.CASEWORKER), world("MX", Role.ATTORNEY)
    limit = app.config["LOGIN_ATTEMPTS_PER_ACCOUNT"]
    for i in range(limit):
        assert _login(client, a.email, "wrong password", f"198.51.100.{i}").status_code == 200
    blocked = _login(client, a.email, make.PASSWORD, "198.51.100.200")
    assert blocked.status_code == 429
    assert "Too many failed attempts" in blocked.get_data(as_text=True)
    assert client.get("/cases").status_code == 302  # not signed in
    # Another account, even from an address that just failed, is not blocked.
    assert _login(app.test_client(), b.email, make.PASSWORD, "198.51.100.1").status_code == 302


def test_an_address_is_throttled_across_accounts(app, world, make, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_ATTEMPTS_PER_ADDRESS", 3)
    cw = world("MX", Role.CASEWORKER)
    client = app.test_client()
    for i in range(3):
        _login(client, f"nobody{i}@example.test", "wrong password", "192.0.2.9")
    assert _login(client, cw.email, make.PASSWORD, "192.0.2.9").status_code == 429
    assert _login(client, cw.email, make.PASSWORD, "192.0.2.10").status_code == 302


def test_unknown_and_known_emails_look_the_same(app, client, world, make, monkeypatch):
    cw = world("MX", Role.CASEWORKER)
    verified = []
    real = passwords.verify_password

    def counting(h, p):
        verified.append(1)
        return real(h, p)

    monkeypatch.setattr(passwords, "verify_password", counting)
    monkeypatch.setattr(services, "verify_password", counting)
    ghost = "no.such.person@example.test"
    known = _login(client, cw.email, "wrong password", "192.0.2.1")
    work_known = len(verified)
    unknown = _login(client, ghost, "wrong password", "192.0.2.2")
    assert known.status_code == unknown.status_code == 200
    # The same page, but for the email typed, which the form keeps.
    assert known.get_data(as_text=True).replace(cw.email, "EMAIL") == \
        unknown.get_data(as_text=True).replace(ghost, "EMAIL")
    assert len(verified) - work_known == work_known == 1  # one argon2 verification each
    # The throttle treats an unknown email exactly like a known one.
    limit = app.config["LOGIN_ATTEMPTS_PER_ACCOUNT"]
    for email in (cw.email, ghost):
        for _ in range(limit - 1):
            _login(client, email, "wrong password", "192.0.2.3")
        assert _login(client, email, "wrong password", "192.0.2.4").status_code == 429
    # A deactivated account, with its right password, answers like a wrong password.
    sup = world("MX", Role.SUPERVISOR)
    sup.active = False
    db.session.commit()
    inactive = _login(app.test_client(), sup.email, make.PASSWORD, "192.0.2.5")
    assert inactive.status_code == 200
    assert inactive.get_data(as_text=True).replace(sup.email, "EMAIL") == \
        unknown.get_data(as_text=True).replace(ghost, "EMAIL")


def test_attempts_hold_neither_email_nor_address(app, client, world):
    cw = world("MX", Role.CASEWORKER)
    _login(client, cw.email, "wrong password", "203.0.113.77")
    rows = db.session.execute(sa.select(LoginAttempt.scope, LoginAttempt.key_hash)).all()
    assert {scope for scope, _ in rows} == {"account", "address"}
    for _, key in rows:
        assert cw.email not in key and "203.0.113.77" not in key


def test_the_throttle_is_shared_by_every_worker(app, client, world, make):
    """A second application (another gunicorn worker or host) sees the same counts."""
    cw = world("MX", Role.CASEWORKER)
    other_worker = create_app("testing")
    # The premise, not a reason to skip: a skip here would hide a throttle kept per worker.
    assert other_worker.config["SQLALCHEMY_DATABASE_URI"] == app.config[
        "SQLALCHEMY_DATABASE_URI"], "the second app must share the test database"
    for _ in range(app.config["LOGIN_ATTEMPTS_PER_ACCOUNT"]):
        _login(client, cw.email, "wrong password")
    with other_worker.app_context():
        response = _login(other_worker.test_client(), cw.email, make.PASSWORD, "192.0.2.99")
        db.session.remove()
    assert response.status_code == 429
