"""Security headers, cookies and error pages that leak nothing."""

from __future__ import annotations

import re

import pytest
from werkzeug.exceptions import BadRequest, Conflict, Forbidden, NotFound

from casework import create_app
from casework.accounts.roles import Role
from casework.crypto.keyring import Keyring, write_keyring
from casework.extensions import db
from casework.web.access import public

SECRET_DETAIL = "Xochiquetzal-secret-detail-7731"


def _csp(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {d.split()[0]: d for d in (p.strip() for p in policy.split(";")) if d}


def _assert_hardened(response) -> None:
    csp = _csp(response)
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"]
    assert csp["default-src"] == "default-src 'self'"
    assert csp["script-src"] == "script-src 'self'"
    assert csp["frame-ancestors"] == "frame-ancestors 'none'"
    assert csp["object-src"] == "object-src 'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] in ("no-referrer", "same-origin")


def test_every_page_carries_the_security_headers(app, world, make, signin, browser):
    case = make.case(world("MX", Role.CASEWORKER))
    staff = signin(world("MX", Role.CASEWORKER))
    admin = signin(world("MX", Role.ADMIN))
    for client, url in [(browser, "/login"), (staff, "/cases"), (staff, f"/cases/{case.id}"),
                        (staff, f"/cases/{case.id}/edit"), (staff, "/cases/new"),
                        (admin, "/admin/users"), (staff, "/admin/users"),
                        (staff, "/cases/00000000-0000-0000-0000-000000000000")]:
        response = client.get(url)
        assert response.status_code in (200, 403, 404), url
        _assert_hardened(response)


def test_pages_have_no_inline_script_for_the_csp_to_block(app, world, make, signin):
    case = make.case(world("MX", Role.CASEWORKER))
    staff = signin(world("MX", Role.CASEWORKER))
    for url in ("/cases", f"/cases/{case.id}", f"/cases/{case.id}/edit", "/cases/new"):
        html = staff.get(url).get_data(as_text=True)
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag, (url, tag)
        assert not re.search(r"\son[a-z]+\s*=", html), url  # no onclick= and the like
        assert "style=" not in html, url  # style-src 'self' would block it


def test_case_pages_and_lists_are_never_cached(app, world, make, signin):
    case = make.case(world("MX", Role.CASEWORKER))
    staff = signin(world("MX", Role.CASEWORKER))
    for method, url in [("GET", "/cases"), ("POST", "/cases"), ("GET", f"/cases/{case.id}"),
                        ("GET", f"/cases/{case.id}/edit"), ("GET", "/cases/new")]:
        response = staff.open(url, method=method, data={"q": "Ana"} if method == "POST" else None)
        assert response.status_code == 200, url
        assert "no-store" in response.headers["Cache-Control"], url


def test_static_files_may_be_cached_and_are_served_locally(app, browser):
    css = browser.get("/static/casework.css")
    assert css.status_code == 200
    assert "no-store" not in css.headers.get("Cache-Control", "")
    login = browser.get("/login").get_data(as_text=True)
    assert "cdn." not in login and "https://" not in login  # Bootstrap served from here


def test_session_cookie_is_httponly_and_samesite(app, world, browser):
    user = world("MX", Role.CASEWORKER)
    response = browser.post("/login", data={"email": user.email, "password": "correct horse "
                                            "battery staple"})
    assert response.status_code == 302
    cookies = [c for c in response.headers.getlist("Set-Cookie")
               if c.startswith(app.config["SESSION_COOKIE_NAME"] + "=")]
    assert len(cookies) == 1
    attrs = {a.strip().split("=")[0].lower(): a.strip() for a in cookies[0].split(";")[1:]}
    assert "httponly" in attrs
    assert attrs["samesite"].lower() in ("samesite=lax", "samesite=strict")
    assert "expires" not in attrs and "max-age" not in attrs  # ends with the browser
    # And no remember-me cookie that would outlive the server-side session.
    assert not any(c.startswith("remember_token") for c in response.headers.getlist("Set-Cookie"))


@pytest.fixture
def production_env(tmp_path, monkeypatch):
    """The environment of a production server, with a real (non-development) keyring."""
    from casework.crypto.keyring import KEY_BYTES

    keyring = Keyring(primary_kek_id="k1", keks={"k1": b"\x01" * KEY_BYTES},
                      blind_index_key_id="b1", blind_index_keys={"b1": b"\x02" * KEY_BYTES},
                      source="test", is_development=False)
    path = tmp_path / "keyring.json"
    write_keyring(path, keyring)
    monkeypatch.setenv("CASEWORK_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("CASEWORK_KEYRING", str(path))
    monkeypatch.setenv("SECRET_KEY", "p" * 48)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.sqlite3'}")
    monkeypatch.setenv("CASEWORK_CONFIG", "production")
    return tmp_path


def test_production_cookie_is_secure_and_host_prefixed(production_env):
    prod = create_app("production")
    assert prod.config["SESSION_COOKIE_SECURE"] is True
    assert prod.config["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert prod.config["WTF_CSRF_ENABLED"] is True
    assert not prod.debug and not prod.testing
    # The login page puts a CSRF token in the session: the cookie is set, as production sets it.
    response = prod.test_client().get("/login", base_url="https://casework.example")
    assert response.status_code == 200
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("__Host-"))
    parts = [p.strip().lower() for p in cookie.split(";")]
    assert "secure" in parts and "httponly" in parts and "path=/" in parts
    assert not any(p.startswith("domain=") for p in parts)  # __Host- forbids a Domain
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    _dispose(prod)


# -- error pages -------------------------------------------------------------------------


@pytest.fixture
def failing_app():
    """A fresh app with public routes that fail in each way, with a secret in the error."""
    fresh = create_app("testing")

    def fail(exc):
        @public
        def view():
            raise exc
        return view

    for code, exc in [(400, BadRequest(SECRET_DETAIL)), (403, Forbidden(SECRET_DETAIL)),
                      (404, NotFound(SECRET_DETAIL)), (409, Conflict(SECRET_DETAIL)),
                      (500, RuntimeError(f"database said: {SECRET_DETAIL}"))]:
        fresh.add_url_rule(f"/fail/{code}", f"fail_{code}", fail(exc))
    yield fresh
    _dispose(fresh)


@pytest.mark.parametrize("code", [400, 403, 404, 409, 500])
def test_error_pages_leak_no_detail(failing_app, caplog, monkeypatch, code):
    # Alembic's fileConfig may have disabled the app's logger in this process.
    monkeypatch.setattr(failing_app.logger, "disabled", False)
    response = failing_app.test_client().get(f"/fail/{code}")
    assert response.status_code == code
    html = response.get_data(as_text=True)
    for leak in (SECRET_DETAIL, "Traceback", "RuntimeError", "werkzeug", 'File "', ".py"):
        assert leak not in html, leak
    assert f"Error {code}" in html
    assert "no-store" in response.headers["Cache-Control"]
    _assert_hardened(response)
    if code == 500:
        # The traceback goes to the log, for the operators, and nowhere else.
        assert any(r.exc_info for r in caplog.records if r.levelname == "ERROR")


def test_real_error_pages_leak_nothing(app, world, make, signin, monkeypatch):
    case = make.case(world("MX", Role.CASEWORKER))
    staff, admin = signin(world("US", Role.CASEWORKER)), signin(world("MX", Role.ADMIN))
    not_found = staff.get(f"/cases/{case.id}")
    forbidden = admin.get(f"/cases/{case.id}")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    bad = staff.post("/cases/new", data={"given_names": "X"})
    for response, code in [(not_found, 404), (forbidden, 403), (bad, 400)]:
        assert response.status_code == code
        html = response.get_data(as_text=True)
        assert case.number not in html and "Ana" not in html and "Traceback" not in html
        assert "CSRF" not in html  # the library's own wording does not reach the page


def _dispose(other_app) -> None:
    with other_app.app_context():
        db.session.remove()
        db.engine.dispose()
