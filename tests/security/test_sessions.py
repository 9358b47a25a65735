"""Server-side sessions: ending the record ends the session, wherever the cookie is."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

import config as config_module
from casework import create_app
from casework.accounts.models import User, UserSession
from casework.accounts.roles import Role
from casework.audit.models import AuditEvent
from casework.crypto.errors import KeyringError
from casework.crypto.keyring import KEY_BYTES, Keyring, generate_development_keyring, write_keyring
from casework.extensions import db
from casework.models import utcnow
from tests import factories


def _cookie(app, client) -> str:
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    return cookie.value


def _replay(app, new_browser, stolen: str):
    """Another browser presenting a copied session cookie."""
    thief = new_browser()
    thief.set_cookie(app.config["SESSION_COOKIE_NAME"], stolen)
    return thief


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and response.location.split("?")[0].endswith("/login")


def _sessions(user) -> list[UserSession]:
    db.session.rollback()
    return list(db.session.scalars(
        sa.select(UserSession).where(UserSession.user_id == user.id)
        .order_by(UserSession.created_at)))


def test_a_copied_cookie_works_until_logout_then_never(app, world, signin, new_browser):
    user = world("MX", Role.CASEWORKER)
    victim = signin(user)
    stolen = _cookie(app, victim)
    assert _replay(app, new_browser, stolen).get("/cases").status_code == 200  # the control

    assert _is_login_redirect(victim.post("/logout"))
    assert _is_login_redirect(victim.get("/cases"))
    assert _is_login_redirect(_replay(app, new_browser, stolen).get("/cases"))
    assert [s.ended_reason for s in _sessions(user)] == ["logout"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "logout", AuditEvent.actor_id == user.id)) == 1


def test_a_password_change_ends_every_other_session(app, world, signin, new_browser):
    user = world("MX", Role.ATTORNEY)
    laptop, phone = signin(user), signin(user)
    stolen = _cookie(app, phone)
    response = laptop.post("/account/password", data={
        "current": factories.PASSWORD, "new": "a brand new passphrase", "confirm":
        "a brand new passphrase"})
    assert _is_redirect_to(response, "/")
    assert laptop.get("/cases").status_code == 200  # the one who changed it stays in
    assert _is_login_redirect(phone.get("/cases"))
    assert _is_login_redirect(_replay(app, new_browser, stolen).get("/cases"))
    # The old password no longer opens a session; the new one does.
    assert new_browser().post("/login", data={"email": user.email,
                                              "password": factories.PASSWORD}).status_code == 200
    signin(user, "a brand new passphrase")


def test_a_wrong_current_password_changes_nothing(app, world, signin):
    user = world("MX", Role.ATTORNEY)
    laptop, phone = signin(user), signin(user)
    response = laptop.post("/account/password", data={
        "current": "not my password", "new": "a brand new passphrase",
        "confirm": "a brand new passphrase"})
    assert response.status_code == 200
    assert "not correct" in response.get_data(as_text=True)
    assert phone.get("/cases").status_code == 200
    signin(user)  # the old password still works


def _is_redirect_to(response, path: str) -> bool:
    return response.status_code == 302 and response.location.split("?")[0] in (
        path, f"http://localhost{path}")


def _admin_edit(admin_browser, user: User, **changes):
    db.session.rollback()
    data = {"email": user.email, "name": user.name, "role": user.role.value,
            "office": str(user.office_id), "active": "y" if user.active else None,
            "password": ""}
    data.update(changes)
    data = {k: v for k, v in data.items() if v is not None}
    return admin_browser.post(f"/admin/users/{user.id}", data=data)


@pytest.mark.parametrize(("change", "reason"), [
    ({"active": None}, "privileges-changed"),
    ({"role": "paralegal"}, "privileges-changed"),
    ({"password": "reset by the administrator"}, "password-reset"),
], ids=["deactivated", "role-changed", "password-reset"])
def test_an_administrators_change_ends_the_users_sessions(app, world, signin, new_browser,
                                                         change, reason):
    user = world("MX", Role.CASEWORKER)
    victim = signin(user)
    stolen = _cookie(app, victim)
    admin = signin(world("MX", Role.ADMIN))
    assert victim.get("/cases").status_code == 200

    assert _is_redirect_to(_admin_edit(admin, user, **change), "/admin/users")
    assert _is_login_redirect(victim.get("/cases"))
    assert _is_login_redirect(_replay(app, new_browser, stolen).get("/cases"))
    assert {s.ended_reason for s in _sessions(user)} == {reason}


def test_a_renamed_user_keeps_their_session(app, world, signin):
    user = world("MX", Role.CASEWORKER)
    victim = signin(user)
    admin = signin(world("MX", Role.ADMIN))
    assert _is_redirect_to(_admin_edit(admin, user, name="A new name"), "/admin/users")
    assert victim.get("/cases").status_code == 200


def test_a_deactivated_user_cannot_sign_in(app, world, signin, new_browser):
    user = world("MX", Role.CASEWORKER)
    user.active = False
    db.session.commit()
    response = new_browser().post("/login", data={"email": user.email,
                                                  "password": factories.PASSWORD})
    assert response.status_code == 200
    assert "The email or password is not correct." in response.get_data(as_text=True)
    assert _sessions(user) == []


def test_a_session_ended_by_deactivation_stays_ended_after_reactivation(app, world, signin):
    user = world("MX", Role.CASEWORKER)
    browser = signin(user)
    _set_active(user, False)  # e.g. by a script, not through the admin page
    assert _is_login_redirect(browser.get("/cases"))
    assert [s.ended_reason for s in _sessions(user)] == ["deactivated"]
    _set_active(user, True)
    assert _is_login_redirect(browser.get("/cases"))


def _set_active(user, active: bool) -> None:
    db.session.rollback()
    db.session.execute(sa.update(User).where(User.id == user.id).values(active=active))
    db.session.commit()


def test_idle_timeout_ends_the_session(app, world, signin):
    user = world("MX", Role.CASEWORKER)
    browser = signin(user)
    idle = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
    _age_session(user, last_seen=idle - timedelta(minutes=1))
    assert browser.get("/cases").status_code == 200  # not yet
    _age_session(user, last_seen=idle + timedelta(minutes=1))
    assert _is_login_redirect(browser.get("/cases"))
    assert [s.ended_reason for s in _sessions(user)] == ["idle"]


def test_activity_keeps_a_session_alive(app, world, signin):
    user = world("MX", Role.CASEWORKER)
    browser = signin(user)
    idle = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
    _age_session(user, last_seen=idle - timedelta(minutes=2))
    assert browser.get("/cases").status_code == 200  # this request counts as activity
    (row,) = _sessions(user)
    assert utcnow() - row.last_seen_at < timedelta(minutes=1)


def test_absolute_lifetime_ends_even_an_active_session(app, world, signin):
    user = world("MX", Role.CASEWORKER)
    browser = signin(user)
    lifetime = timedelta(hours=app.config["SESSION_ABSOLUTE_HOURS"])
    _age_session(user, created=lifetime - timedelta(minutes=5), last_seen=timedelta(0))
    assert browser.get("/cases").status_code == 200
    _age_session(user, created=lifetime + timedelta(minutes=1), last_seen=timedelta(0))
    assert _is_login_redirect(browser.get("/cases"))
    assert [s.ended_reason for s in _sessions(user)] == ["expired"]


def _age_session(user, *, last_seen: timedelta, created: timedelta | None = None) -> None:
    db.session.rollback()
    now = utcnow()
    values = {"last_seen_at": now - last_seen}
    if created is not None:
        values["created_at"] = now - created
    db.session.execute(sa.update(UserSession).where(UserSession.user_id == user.id)
                       .values(**values))
    db.session.commit()


def test_a_wrong_email_and_a_wrong_password_look_the_same(app, world, new_browser):
    user = world("MX", Role.CASEWORKER)
    gone = world("MX", Role.PARALEGAL)
    _set_active(gone, False)
    typed = "someone@example.org"
    attempts = [(typed, "whatever"), (user.email, "whatever"), (gone.email, factories.PASSWORD)]
    pages, cookies = [], set()
    for email, password in attempts:
        response = new_browser().post("/login", data={"email": email, "password": password})
        assert response.status_code == 200
        cookies.add("Set-Cookie" in response.headers)
        pages.append(_without_token(response.get_data(as_text=True).replace(email, "EMAIL")))
    assert pages[0] == pages[1] == pages[2]
    assert len(cookies) == 1  # a cookie for all three or for none
    assert "The email or password is not correct." in pages[0]
    # All are audited as failed logins; none names the account in the details.
    db.session.rollback()
    failed = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "login", AuditEvent.outcome == "failed")).all()
    assert len(failed) == 3
    assert all(typed not in str(e.details) and user.email not in str(e.details) for e in failed)


def _without_token(html: str) -> str:
    """The page with its CSRF token (random per browser) blanked."""
    return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token" value=""', html)


@pytest.mark.parametrize("target", [
    "//evil.example", "https://evil.example", "/\\evil.example", "\\\\evil.example",
    "javascript:alert(1)", "http:evil.example", " //evil.example", "/\t/evil.example",
    "https:/evil.example", "//evil.example/%2F..",
])
def test_next_only_redirects_on_site(app, world, new_browser, target):
    user = world("MX", Role.CASEWORKER)
    response = new_browser().post("/login", query_string={"next": target},
                                  data={"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 302
    assert response.location in ("/", "http://localhost/"), response.location


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example", "/\\evil"])
def test_the_language_switch_only_redirects_on_site(app, new_browser, target):
    response = new_browser().post("/language", data={"language": "es", "next": target})
    assert response.status_code == 302
    assert response.location in ("/", "http://localhost/"), response.location
    kept = new_browser().post("/language", data={"language": "es", "next": "/login"})
    assert kept.location.endswith("/login")


def test_next_brings_the_user_back_to_the_page_they_asked_for(app, world, make, new_browser):
    user = world("MX", Role.CASEWORKER)
    case = make.case(user)
    browser = new_browser()
    asked = browser.get(f"/cases/{case.id}")
    assert _is_login_redirect(asked)
    login_url = asked.location
    response = browser.post(login_url, data={"email": user.email,
                                             "password": factories.PASSWORD})
    assert response.location.endswith(f"/cases/{case.id}")
    assert browser.get(response.location).status_code == 200


def test_login_starts_a_fresh_session_cookie(app, world, new_browser):
    """No session fixation: what the browser held before signing in is not kept."""
    user = world("MX", Role.CASEWORKER)
    browser = new_browser()
    browser.post("/language", data={"language": "es"})
    before = _cookie(app, browser)
    factories.login(browser, user)
    assert _cookie(app, browser) != before


# -- production refuses to start without its secrets ---------------------------------------


@pytest.fixture
def prod_env(tmp_path):
    keyring = Keyring(primary_kek_id="k1", keks={"k1": b"\x03" * KEY_BYTES},
                      blind_index_key_id="b1", blind_index_keys={"b1": b"\x04" * KEY_BYTES},
                      source="test", is_development=False)
    write_keyring(tmp_path / "keyring.json", keyring)
    return {
        "CASEWORK_INSTANCE_PATH": str(tmp_path / "instance"),
        "CASEWORK_KEYRING": str(tmp_path / "keyring.json"),
        "SECRET_KEY": "s" * 40,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
    }


def test_production_starts_with_all_its_secrets(prod_env):
    settings = config_module.load("production", env=prod_env)
    assert settings["SECRET_KEY"] == prod_env["SECRET_KEY"]
    assert settings["CASEWORK_KEYRING"] == prod_env["CASEWORK_KEYRING"]


@pytest.mark.parametrize(("change", "message"), [
    ({"SECRET_KEY": None}, "SECRET_KEY"),
    ({"SECRET_KEY": ""}, "SECRET_KEY"),
    ({"SECRET_KEY": "too-short-a-secret"}, "SECRET_KEY"),
    ({"CASEWORK_KEYRING": None}, "CASEWORK_KEYRING"),
    ({"DATABASE_URL": None}, "DATABASE_URL"),
])
def test_production_config_refuses_a_missing_or_weak_secret(prod_env, change, message):
    env = {**prod_env, **change}
    env = {k: v for k, v in env.items() if v is not None}
    with pytest.raises(config_module.ConfigError, match=message):
        config_module.load("production", env=env)


def test_production_refuses_a_development_keyring(prod_env, tmp_path, monkeypatch):
    dev = tmp_path / "dev-keyring.json"
    generate_development_keyring(dev)
    for key, value in {**prod_env, "CASEWORK_KEYRING": str(dev)}.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(KeyringError, match="development"):
        create_app("production")


def test_production_refuses_a_missing_keyring_file(prod_env, tmp_path, monkeypatch):
    for key, value in {**prod_env, "CASEWORK_KEYRING": str(tmp_path / "nope.json")}.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(KeyringError):
        create_app("production")
    assert not (tmp_path / "nope.json").exists()  # and it did not make one up


def test_production_refuses_through_create_app_too(prod_env, monkeypatch):
    for key, value in prod_env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("SECRET_KEY")
    with pytest.raises(config_module.ConfigError):
        create_app("production")
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    prod = create_app("production")  # the control: with its secrets it starts
    assert prod.config["NAME"] == "production"
    with prod.app_context():
        db.engine.dispose()
