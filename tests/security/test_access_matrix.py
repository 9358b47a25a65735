"""Deny by default, proved over every route of `app.url_map`.

The route list is never written out by hand: a new route is in these tables the
moment it is registered, and fails them if it forgot its access declaration.
"""

from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa
from flask import Blueprint

from casework import create_app
from casework.accounts.roles import Role
from casework.audit.models import AuditEvent
from casework.cases.models import Case, CaseTeamMember
from casework.extensions import db
from casework.web.access import (
    ANY_USER,
    MFA_STEP,
    PUBLIC,
    check_declarations,
    declaration,
    signed_in,
)
from tests import factories

STAFF_ROLES = [Role.CASEWORKER, Role.PARALEGAL, Role.ATTORNEY, Role.SUPERVISOR]
# OPTIONS is answered by Flask itself, identically for any id: it shows nothing.
SKIPPED_METHODS = {"OPTIONS"}
_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def _rules(app):
    return sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))


def _methods(rule) -> list[str]:
    return sorted(rule.methods - SKIPPED_METHODS)


def _build(rule, values: dict) -> str:
    """The path of `rule` with its arguments filled (not url_for: ids may be malformed)."""
    return _ARGUMENT.sub(lambda m: str(values[m.group(1)]), rule.rule)


class _Ids(dict):
    """Route arguments by name; an argument no test knows gets a harmless placeholder."""

    def __init__(self, **known):
        super().__init__(**{"filename": "casework.css", "action_name": "close-case",
                            "key": "screen.safety", **known})

    def __missing__(self, key):
        return "unknown"


def _call(client, method: str, url: str):
    return client.open(url, method=method, data={} if method == "POST" else None)


def _case_rules(app):
    return [r for r in _rules(app) if "case_id" in r.arguments]


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and response.location.split("?")[0].endswith("/login")


# -- declarations ------------------------------------------------------------------------


def test_every_endpoint_declares_who_may_use_it(app):
    undeclared = [e for e in app.view_functions if declaration(app, e) is None]
    assert undeclared == []
    check_declarations(app)  # and the start-up check agrees


def test_the_start_up_check_refuses_an_undeclared_route(world):
    fresh = create_app("testing")
    throwaway = Blueprint("throwaway", __name__)

    @throwaway.route("/throwaway/declared")
    @signed_in
    def declared():
        return "fine"

    fresh.register_blueprint(throwaway)
    check_declarations(fresh)  # declared routes pass

    @fresh.route("/throwaway/forgot")
    def forgot():
        return "children's data"

    with pytest.raises(RuntimeError, match="forgot"):
        check_declarations(fresh)

    # And at run time an undeclared endpoint is refused, never served.
    response = fresh.test_client().get("/throwaway/forgot")
    assert _is_login_redirect(response)
    assert "children" not in response.get_data(as_text=True)
    signed_in_browser = fresh.test_client()
    factories.login(signed_in_browser, world("MX", Role.SUPERVISOR))
    assert signed_in_browser.get("/throwaway/declared").status_code == 200
    assert signed_in_browser.get("/throwaway/forgot").status_code == 403
    _dispose(fresh)


def _dispose(other_app) -> None:
    with other_app.app_context():
        db.session.remove()
        db.engine.dispose()


# -- anonymous ---------------------------------------------------------------------------


def test_anonymous_is_sent_to_login_from_every_non_public_route(app, world, browser):
    checked = 0
    for rule in _rules(app):
        if declaration(app, rule.endpoint) == PUBLIC:
            continue
        for method in _methods(rule):
            url = _build(rule, {a: uuid.uuid4() for a in rule.arguments})
            response = _call(browser, method, url)
            assert _is_login_redirect(response), (method, rule.rule, response.status_code)
            checked += 1
    assert checked >= 15


def test_public_routes_are_only_the_expected_ones(app):
    public_endpoints = {r.endpoint for r in _rules(app) if declaration(app, r.endpoint) == PUBLIC}
    assert public_endpoints == {"static", "bootstrap.static", "accounts.login",
                                "home.set_language", "home.healthz"}


# -- role checks on every endpoint -------------------------------------------------------


def _real_ids(world, case) -> dict:
    return _Ids(case_id=case.id, user_id=world("MX", Role.CASEWORKER).id,
                office_id=world.mx.id)


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_each_role_is_refused_exactly_where_its_role_is_not_declared(app, world, make, signin,
                                                                     role):
    case = make.case(world("MX", Role.CASEWORKER))
    ids = _real_ids(world, case)
    browser = signin(world("MX", role))
    refused = allowed = 0
    for rule in _rules(app):
        if declaration(app, rule.endpoint) in (PUBLIC, ANY_USER, MFA_STEP):
            continue
        for method in _methods(rule):
            rule_decl = declaration(app, rule.endpoint, method)
            response = _call(browser, method, _build(rule, ids))
            if role in rule_decl:
                assert response.status_code not in (401, 403), (method, rule.rule)
                allowed += 1
            else:
                assert response.status_code == 403, (method, rule.rule, response.status_code)
                refused += 1
    assert refused
    assert allowed or role == Role.ADMIN  # admins may use no role-declared case route
    if refused:
        events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "access.forbidden",
                                        AuditEvent.actor_id == world("MX", role).id)
        ).all()
        assert len(events) == refused
        assert all(e.outcome == "refused" for e in events)


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMIN], ids=str)
def test_admin_routes_refuse_every_other_role(app, world, signin, make, role):
    case = make.case(world("MX", Role.CASEWORKER))
    ids = _real_ids(world, case)
    browser = signin(world("MX", role))
    admin_rules = [r for r in _rules(app) if r.endpoint.startswith("admin.")]
    assert len(admin_rules) >= 6
    for rule in admin_rules:
        assert declaration(app, rule.endpoint) == frozenset({Role.ADMIN})
        for method in _methods(rule):
            url = _build(rule, ids)
            assert _call(browser, method, url).status_code == 403, (method, rule.rule)


# -- case routes: in scope, out of scope, missing, malformed ------------------------------


def _case_state(case_id) -> tuple:
    """What a request could change about a case: its row and its team."""
    db.session.rollback()
    row = db.session.execute(sa.select(Case.__table__).where(Case.id == case_id)).one()
    team = db.session.scalars(sa.select(CaseTeamMember.user_id)
                              .where(CaseTeamMember.case_id == case_id)).all()
    return tuple(row), sorted(map(str, team))


@pytest.mark.parametrize("role", STAFF_ROLES, ids=str)
def test_case_routes_in_scope_out_of_scope_and_missing(app, world, make, signin, role):
    case = make.case(world("MX", Role.CASEWORKER))
    inside, outside = signin(world("MX", role)), signin(world("US", role))
    rules = _case_rules(app)
    assert {r.endpoint for r in rules} >= {"cases.show", "cases.edit", "cases.add_member",
                                           "cases.remove_member"}
    # What each would post: a real change, so that a leak would show in the database.
    posted = {"cases.edit": factories.edit_form(case, custodian="Changed by an outsider"),
              "cases.add_member": {"user": str(world("MX", Role.ATTORNEY).id)},
              "cases.remove_member": {"user": str(world("MX", Role.CASEWORKER).id)}}

    def call(client, method, rule, case_id):
        data = posted.get(rule.endpoint, {}) if method == "POST" else None
        return client.open(_build(rule, _Ids(case_id=case_id)), method=method, data=data)

    def allowed(rule, method) -> bool:
        return role in declaration(app, rule.endpoint, method)

    before = _case_state(case.id)
    for rule in rules:
        for method in _methods(rule):
            refused = call(outside, method, rule, case.id)
            assert refused.status_code == (404 if allowed(rule, method) else 403), (
                method, rule.rule, refused.status_code)
            assert case.number not in refused.get_data(as_text=True)
            for missing in (uuid.uuid4(), "not-a-case", "1%20OR%201=1", "0", "%00"):
                response = call(inside, method, rule, missing)
                assert response.status_code == (404 if allowed(rule, method) else 403), (
                    method, rule.rule, missing)
    assert _case_state(case.id) == before  # nothing an outsider sent reached the case

    # The refusals are audited against the case, for the auditors, not for the refused.
    not_found = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "case.not_found",
                                    AuditEvent.actor_id == world("US", role).id)
    ).all()
    assert not_found and all(e.case_id == case.id and e.outcome == "refused" for e in not_found)

    for rule in rules:
        # A record inside the case that this test did not make (a family member, say)
        # is rightly not found; what matters here is that access is not refused.
        inner_ids = set(rule.arguments) - {"case_id", "action_name", "key"}
        for method in _methods(rule):
            got = call(inside, method, rule, case.id)
            expected_refusal = () if allowed(rule, method) else (403,)
            if inner_ids:
                expected_refusal = (*expected_refusal, 404)
            assert got.status_code not in {403, 404} - set(expected_refusal), (
                method, rule.rule, got.status_code)
            assert got.status_code < 500, (method, rule.rule)


def test_the_case_team_brings_a_case_into_scope(app, world, make, signin):
    """A member of another office on the case team (a cross-border transfer) sees it."""
    case = make.case(world("MX", Role.CASEWORKER))
    partner = world("US", Role.ATTORNEY)
    browser = signin(partner)
    assert browser.get(f"/cases/{case.id}").status_code == 404
    db.session.add(CaseTeamMember(case_id=case.id, user_id=partner.id))
    db.session.commit()
    assert browser.get(f"/cases/{case.id}").status_code == 200
    assert str(case.id) in browser.get("/cases").get_data(as_text=True)
    assert signin(world("US", Role.PARALEGAL)).get(f"/cases/{case.id}").status_code == 404


@pytest.mark.parametrize("country", ["MX", "US"])
def test_admins_get_403_on_every_case_route_in_any_office(app, world, make, signin, country):
    case = make.case(world("MX", Role.CASEWORKER))
    admin = signin(world(country, Role.ADMIN))
    for rule in _case_rules(app):
        for method in _methods(rule):
            for case_id in (str(case.id), str(uuid.uuid4())):
                response = _call(admin, method, _build(rule, _Ids(case_id=case_id)))
                assert response.status_code == 403, (method, rule.rule)
                assert case.number not in response.get_data(as_text=True)


def test_admins_see_no_case_in_any_list(app, world, make, signin):
    case = make.case(world("MX", Role.CASEWORKER))
    admin = signin(world("MX", Role.ADMIN))
    for url in ("/", "/admin/users", "/admin/offices"):
        response = admin.get(url, follow_redirects=True)
        assert response.status_code == 200
        assert case.number not in response.get_data(as_text=True)
        assert "Ana Lucía" not in response.get_data(as_text=True)
