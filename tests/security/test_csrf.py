"""CSRF on every form: every POST route refuses a request without a token.

The routes come from `app.url_map`. Each is posted with data that would succeed with
a token, by a user who may use it; without the token the answer is 400 and the
database is unchanged. The same request with the session's token is then accepted,
so the refusal is the token's doing and not a form error.
"""

from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa

from casework.accounts.roles import Role
from casework.audit.models import AuditEvent
from casework.extensions import db
from casework.web.access import ANY_USER, MFA_STEP, PUBLIC, declaration
from tests import factories

_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
# Columns that a request may touch without changing anything: the session's last
# activity is written at most once a minute.
_VOLATILE = {("user_session", "last_seen_at")}


@pytest.fixture
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


@pytest.fixture
def scene(world, make):
    cw = world("MX", Role.CASEWORKER)
    return {"case": make.case(cw), "world": world}


def _payloads(scene) -> dict[str, dict]:
    w, case = scene["world"], scene["case"]
    return {
        "accounts.login": {"email": w("MX", Role.ATTORNEY).email, "password": factories.PASSWORD},
        "accounts.logout": {},
        "accounts.password": {"current": factories.PASSWORD, "new": factories.PASSWORD,
                              "confirm": factories.PASSWORD},
        "home.set_language": {"language": "es"},
        "admin.new_user": {"email": "new.person@example.org", "name": "New Person",
                           "role": "caseworker", "office": str(w.mx.id), "active": "y",
                           "password": "a long enough password"},
        "admin.edit_user": {"email": w("MX", Role.ATTORNEY).email, "name": "Renamed",
                            "role": "attorney", "office": str(w.mx.id), "active": "y"},
        "admin.new_office": {"code": "MX-NEW", "name": "New office", "country": "MX",
                             "active": "y"},
        "admin.edit_office": {"code": w.mx.code, "name": "Renamed office", "country": "MX",
                              "active": "y"},
        "cases.list_cases": {"q": "Ixcoy"},
        "cases.new_case": factories.intake_form(given_names="Other", confirm_not_duplicate="y"),
        "cases.edit": factories.edit_form(case, custodian="Changed custodian"),
        "cases.add_member": {"user": str(w("MX", Role.PARALEGAL).id)},
        "cases.remove_member": {"user": str(w("MX", Role.CASEWORKER).id)},
    }


def _actor(app, scene, endpoint):
    """Who would be allowed to post here: None for public routes."""
    rule = declaration(app, endpoint)
    if rule == PUBLIC:
        return None
    w = scene["world"]
    if rule in (ANY_USER, MFA_STEP):
        return w("MX", Role.ATTORNEY)
    for role in (Role.CASEWORKER, Role.ADMIN, Role.SUPERVISOR, Role.ATTORNEY, Role.PARALEGAL):
        if role in rule:
            return w("MX", role)
    raise AssertionError(f"no role may post to {endpoint}")


def _post_rules(app):
    return sorted((r for r in app.url_map.iter_rules() if "POST" in r.methods),
                  key=lambda r: r.rule)


def _url(rule, scene) -> str:
    w = scene["world"]
    ids = {"case_id": scene["case"].id, "user_id": w("MX", Role.ATTORNEY).id,
           "office_id": w.mx.id, "action_name": "close-case", "key": "screen.safety"}
    # CSRF is checked before the view runs: an id the scene lacks may be any UUID.
    return _ARGUMENT.sub(lambda m: str(ids.get(m.group(1), uuid.uuid4())), rule.rule)


def _snapshot() -> dict:
    """Every row of every table but the audit trail (refusals are audited)."""
    db.session.rollback()
    state = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            if table.name == "audit_event":
                continue
            cols = [c for c in table.columns if (table.name, c.name) not in _VOLATILE]
            rows = conn.execute(sa.select(*cols)).all()
            state[table.name] = sorted(map(repr, rows))
    return state


def test_every_post_route_refuses_a_missing_token(app, scene, csrf_on, new_browser, browser):
    payloads = _payloads(scene)
    rules = _post_rules(app)
    assert {r.endpoint for r in rules} >= set(payloads) - {"cases.list_cases"}

    # Sign everyone in first (with a token, as their browsers would).
    browsers = {}
    for rule in rules:
        user = _actor(app, scene, rule.endpoint)
        if user is not None and user.id not in browsers:
            browsers[user.id] = _signin_with_token(new_browser, user)
    before = _snapshot()
    refusals_before = _count("csrf.refused")

    for rule in rules:
        user = _actor(app, scene, rule.endpoint)
        client = browsers[user.id] if user is not None else browser
        data = payloads.get(rule.endpoint, {})
        response = client.post(_url(rule, scene), data=data)
        assert response.status_code == 400, (rule.rule, response.status_code)
        # The same token in the wrong place (a header that was never set) does not help.
        forged = client.post(_url(rule, scene), data={**data, "csrf_token": "forged"})
        assert forged.status_code == 400, rule.rule

    assert _snapshot() == before
    assert _count("csrf.refused") - refusals_before == 2 * len(rules)
    # The signed-in browsers were not signed out by the refused logouts.
    for client in browsers.values():
        assert client.get("/account/password").status_code == 200


@pytest.mark.parametrize("endpoint", [
    "accounts.login", "accounts.logout", "accounts.password", "home.set_language",
    "admin.new_user", "admin.edit_user", "admin.new_office", "admin.edit_office",
    "cases.list_cases", "cases.new_case", "cases.edit", "cases.add_member",
    "cases.remove_member",
])
def test_the_same_post_with_the_sessions_token_is_accepted(app, scene, csrf_on, new_browser,
                                                          endpoint):
    rule = next(r for r in _post_rules(app) if r.endpoint == endpoint)
    user = _actor(app, scene, endpoint)
    client = _signin_with_token(new_browser, user) if user else new_browser()
    token = _token(client, "/login" if user is None else "/account/password")
    data = {**_payloads(scene)[endpoint], "csrf_token": token}
    response = client.post(_url(rule, scene), data=data)
    assert response.status_code in (200, 302), (endpoint, response.status_code)
    # A successful form post redirects (post/redirect/get); the search answers a page.
    if endpoint not in ("cases.list_cases",):
        assert response.status_code == 302, endpoint


def _count(action: str) -> int:
    db.session.rollback()
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


def _token(client, page: str) -> str:
    match = _TOKEN.search(client.get(page).get_data(as_text=True))
    assert match, f"no CSRF token on {page}"
    return match.group(1)


def _signin_with_token(new_browser, user):
    client = new_browser()
    token = _token(client, "/login")
    response = client.post("/login", data={"email": user.email, "password": factories.PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302
    return client
