"""Server-side sessions: a new id at sign-in, timeouts, and a cookie that dies with its
session on logout, password change, role change and deactivation; users end their
other sessions from the account page."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

import config as config_module
from casework.accounts.models import User, UserSession
from casework.accounts.roles import Role
from casework.extensions import db

COOKIE = "casework_session"


def _cookie(client) -> str:
    return client.get_cookie(COOKIE).value


def _replay(app, value: str):
    """A new browser that presents a stolen cookie."""
    thief = app.test_client()
    thief.set_cookie(COOKIE, value)
    return thief.get("/cases")


def test_a_replayed_cookie_after_logout_is_refused(app, client, world, make):
    cw = world("MX", Role.CASEWORKER)
    make.login(client, cw)
    stolen = _cookie(client)
    assert _replay(app, stolen).status_code == 200
    client.post("/logout")
    assert _replay(app, stolen).status_code == 302


def test_password_change_ends_every_other_session(app, client, world, make):
    cw = world("MX", Role.CASEWORKER)
    elsewhere = app.test_client()
    make.login(elsewhere, cw)
    make.login(client, cw)
    stolen = _cookie(client)
    new = "a brand new passphrase 2026"
    response = client.post("/account/password",
                           data={"current": make.PASSWORD, "new": new, "confirm": new})
    assert response.status_code == 302
    assert client.get("/cases").status_code == 200  # the one who changed it goes on
    assert elsewhere.get("/cases").status_code == 302
    assert _replay(app, stolen).status_code == 302  # even this browser's old cookie


def test_deactivation_and_role_change_end_sessions(app, client, world, make):
    admin = world("MX", Role.ADMIN)
    # The admin form validates emails for real: no reserved .test domain here.
    cw = make.user(Role.CASEWORKER, world.mx, email="cw.sessions@example.org")
    pl = make.user(Role.PARALEGAL, world.mx, email="pl.sessions@example.org")
    db.session.commit()
    cw_client, pl_client = app.test_client(), app.test_client()
    make.login(cw_client, cw)
    make.login(pl_client, pl)
    make.login(client, admin)
    base = {"email": cw.email, "name": cw.name, "office": str(cw.office_id)}
    client.post(f"/admin/users/{cw.id}", data={**base, "role": "caseworker", "active": ""})
    assert cw_client.get("/cases").status_code == 302
    client.post(f"/admin/users/{pl.id}", data={
        "email": pl.email, "name": pl.name, "office": str(pl.office_id), "role": "attorney",
        "active": "y"})
    assert pl_client.get("/cases").status_code == 302
    reasons = set(db.session.scalars(sa.select(UserSession.ended_reason).where(
        UserSession.user_id.in_([cw.id, pl.id]))))
    assert reasons == {"privileges-changed"}


def test_a_new_session_id_at_sign_in(app, client, world, make):
    cw = world("MX", Role.CASEWORKER)
    with client.session_transaction() as s:
        s["planted"] = "by an attacker"  # a session fixed before sign-in
    make.login(client, cw)
    with client.session_transaction() as s:
        assert "planted" not in s
        first = s["_user_id"]
    client.post("/logout")
    make.login(client, cw)
    with client.session_transaction() as s:
        assert s["_user_id"] != first


def test_idle_and_absolute_timeouts(app, client, world, make):
    cw = world("MX", Role.CASEWORKER)
    make.login(client, cw)
    row = db.session.scalar(sa.select(UserSession).where(UserSession.user_id == cw.id))
    row.last_seen_at -= timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1)
    db.session.commit()
    assert client.get("/cases").status_code == 302
    db.session.refresh(row)
    assert row.ended_reason == "idle"

    make.login(client, cw)
    row = db.session.scalar(sa.select(UserSession).where(
        UserSession.user_id == cw.id, UserSession.ended_at.is_(None)))
    row.created_at -= timedelta(hours=app.config["SESSION_ABSOLUTE_HOURS"], minutes=1)
    db.session.commit()
    assert client.get("/cases").status_code == 302  # however active it has been
    db.session.refresh(row)
    assert row.ended_reason == "expired"


def test_users_see_and_end_their_other_sessions(app, client, world, make):
    cw, other_user = world("MX", Role.CASEWORKER), world("MX", Role.ATTORNEY)
    phone, laptop = app.test_client(), app.test_client()
    make.login(phone, cw)
    make.login(laptop, cw)
    make.login(client, cw)
    page = client.get("/account").get_data(as_text=True)
    assert page.count('action="/account/sessions/') == 3  # two "End" buttons and "End all"
    phone_row = db.session.scalars(sa.select(UserSession).where(
        UserSession.user_id == cw.id).order_by(UserSession.created_at)).first()
    assert client.post(f"/account/sessions/{phone_row.id}/end").status_code == 302
    assert phone.get("/cases").status_code == 302
    assert laptop.get("/cases").status_code == 200

    # Nobody ends another person's session: the answer does not even say it exists.
    theirs = app.test_client()
    make.login(theirs, other_user)
    their_row = db.session.scalar(sa.select(UserSession).where(
        UserSession.user_id == other_user.id, UserSession.ended_at.is_(None)))
    assert client.post(f"/account/sessions/{their_row.id}/end").status_code == 404
    assert theirs.get("/cases").status_code == 200

    client.post("/account/sessions/end-others")
    assert laptop.get("/cases").status_code == 302
    assert client.get("/cases").status_code == 200


def test_production_cookies_and_mfa(tmp_path):
    env = {"SECRET_KEY": "x" * 40, "CASEWORK_KEYRING": "/run/keys/keyring.json",
           "DATABASE_URL": "postgresql+psycopg://casework@db/casework"}
    settings = config_module.load("production", env)
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert settings["SESSION_COOKIE_HTTPONLY"] is True
    assert settings["MFA_REQUIRED"] is True
    assert config_module.load("development", {"CASEWORK_INSTANCE_PATH": str(tmp_path),
                                              "SECRET_KEY": "dev"})["MFA_REQUIRED"] is False


def test_the_cookie_holds_a_token_never_the_user_id(app, client, world, make):
    cw = world("MX", Role.CASEWORKER)
    make.login(client, cw)
    with client.session_transaction() as s:
        token = s["_user_id"]
    assert str(cw.id) not in token
    stored = set(db.session.scalars(sa.select(UserSession.token_hash)))
    assert token not in stored  # only its hash is kept
    assert db.session.get(User, cw.id).last_login_at is not None


def test_timeouts_and_retention_are_configurable(tmp_path):
    settings = config_module.load("development", {
        "CASEWORK_INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "dev",
        "CASEWORK_SESSION_IDLE_MINUTES": "10", "CASEWORK_SESSION_ABSOLUTE_HOURS": "4",
        "CASEWORK_RETENTION_DAYS": "90",
    })
    assert (settings["SESSION_IDLE_MINUTES"], settings["SESSION_ABSOLUTE_HOURS"],
            settings["RETENTION_DAYS"]) == (10, 4, 90)
