"""Administrators manage offices and users in the browser; operators use the CLI."""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from casework.accounts.models import Office, User, UserSession
from casework.accounts.passwords import verify_password
from casework.accounts.roles import Country, Role
from casework.audit.models import AuditEvent
from casework.cases.models import Case
from casework.extensions import db
from tests import factories


def _field_errors(response) -> dict[str, str]:
    return {m.group(1): html.unescape(m.group(2)) for m in re.finditer(
        r'id="([\w-]+)-errors" class="invalid-feedback[^"]*">([^<]*)<',
        response.get_data(as_text=True))}


def _user(email: str) -> User | None:
    db.session.rollback()
    return db.session.scalar(sa.select(User).where(User.email == email))


def _office(code: str) -> Office | None:
    db.session.rollback()
    return db.session.scalar(sa.select(Office).where(Office.code == code))


def _count(model) -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def admin(world, signin):
    return signin(world("MX", Role.ADMIN))


def _new_user_form(world, **changes) -> dict:
    data = {"email": "Nueva.Persona@Example.org", "name": "Nueva Persona", "role": "paralegal",
            "office": str(world.us.id), "active": "y", "password": "a long enough password"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# -- offices -----------------------------------------------------------------------------


def test_admin_creates_an_office(world, admin):
    response = admin.post("/admin/offices/new", data={"code": "mx-cdmx", "name": "Ciudad de "
                                                      "México", "country": "MX", "active": "y"})
    assert response.status_code == 302 and response.location.endswith("/admin/offices")
    office = _office("MX-CDMX")
    assert office is not None and office.country == Country.MX and office.active
    assert "MX-CDMX" in admin.get("/admin/offices").get_data(as_text=True)


@pytest.mark.parametrize(("data", "field"), [
    ({"code": "", "name": "Nameless code", "country": "MX"}, "code"),
    ({"code": "MX-X", "name": "", "country": "MX"}, "name"),
    ({"code": "MX-X", "name": "Somewhere", "country": "GT"}, "country"),
    ({"code": "X" * 17, "name": "Too long a code", "country": "US"}, "code"),
], ids=["no-code", "no-name", "unknown-country", "long-code"])
def test_office_form_validation(world, admin, data, field):
    before = _count(Office)
    response = admin.post("/admin/offices/new", data=data)
    assert response.status_code == 200
    assert field in _field_errors(response)
    assert _count(Office) == before


def test_a_duplicate_office_code_is_refused_beside_the_code(world, admin):
    before = _count(Office)
    response = admin.post("/admin/offices/new", data={
        "code": world.mx.code.lower(), "name": "Imposter", "country": "MX"})
    assert response.status_code == 200
    assert "already exists" in _field_errors(response)["code"]
    assert 'value="Imposter"' in response.get_data(as_text=True)  # kept
    assert _count(Office) == before


def test_admin_edits_an_office(world, admin):
    response = admin.post(f"/admin/offices/{world.us.id}", data={
        "code": "CHANGED", "name": "San Diego", "country": "US"})
    assert response.status_code == 302
    office = _office(world.us.code)
    assert office.name == "San Diego" and not office.active  # the box was left unticked
    assert _office("CHANGED") is None  # the code is not editable


# -- users -------------------------------------------------------------------------------


def test_admin_creates_a_user_who_can_then_sign_in(world, admin, new_browser):
    response = admin.post("/admin/users/new", data=_new_user_form(world))
    assert response.status_code == 302 and response.location.endswith("/admin/users")
    user = _user("nueva.persona@example.org")  # stored normalised
    assert user.role == Role.PARALEGAL and user.office_id == world.us.id and user.active
    assert user.password_hash.startswith("$argon2id$")
    assert "a long enough password" not in user.password_hash
    factories.login(new_browser(), user, "a long enough password")
    assert "Nueva Persona" in admin.get("/admin/users").get_data(as_text=True)


def test_a_supervisor_is_created_with_the_offices_they_supervise(world, admin):
    response = admin.post("/admin/users/new", data={
        **_new_user_form(world, role="supervisor", office=str(world.mx.id)),
        "supervised": [str(world.mx.id), str(world.us.id)]})
    assert response.status_code == 302
    user = _user("nueva.persona@example.org")
    assert {o.id for o in user.supervised_offices} == {world.mx.id, world.us.id}


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"email": "user1@example.test"}, "email", None),  # set below to an existing address
    ({"password": "short"}, "password", "at least 12 characters"),
    ({"password": ""}, "password", "first password"),
    ({"email": "not an email"}, "email", None),
    ({"name": ""}, "name", None),
    ({"role": "superuser"}, "role", None),
    ({"office": "00000000-0000-0000-0000-000000000000"}, "office", None),
], ids=["duplicate-email", "short-password", "no-password", "bad-email", "no-name",
        "unknown-role", "unknown-office"])
def test_user_form_validation_shows_the_error_beside_its_field(world, admin, changes, field,
                                                               message):
    if field == "email" and changes["email"].startswith("user1"):
        factories.user(Role.ATTORNEY, world.mx, email="taken@example.org")
        db.session.commit()
        changes = {"email": "Taken@Example.org"}
        message = "already exists"
    before = _count(User)
    response = admin.post("/admin/users/new", data=_new_user_form(world, **changes))
    assert response.status_code == 200
    errors = _field_errors(response)
    assert set(errors) == {field}, errors
    if message:
        assert message in errors[field]
    page = response.get_data(as_text=True)
    assert 'value="Nueva Persona"' in page or field == "name"  # typed values are kept
    assert "a long enough password" not in page  # but a password is never sent back
    assert _count(User) == before


def test_admin_edits_a_user_and_a_role_change_ends_their_sessions(world, admin, signin):
    target = world("MX", Role.CASEWORKER)
    theirs = signin(target)
    form = admin.get(f"/admin/users/{target.id}").get_data(as_text=True)
    assert target.email in form and 'readonly' in form

    response = admin.post(f"/admin/users/{target.id}", data={
        "email": "ignored@example.org", "name": "Now A Paralegal", "role": "paralegal",
        "office": str(target.office_id), "active": "y", "password": ""})
    assert response.status_code == 302
    user = _user(target.email)
    assert user.role == Role.PARALEGAL and user.name == "Now A Paralegal"
    assert _user("ignored@example.org") is None
    assert verify_password(user.password_hash, factories.PASSWORD)  # unchanged
    assert theirs.get("/cases").status_code == 302  # signed out
    ended = db.session.scalars(sa.select(UserSession.ended_reason)
                               .where(UserSession.user_id == target.id)).all()
    assert ended == ["privileges-changed"]


def test_admin_moves_a_user_to_another_office(world, admin, signin, make):
    target = world("MX", Role.CASEWORKER)
    case = make.case(target)
    theirs = signin(target)
    assert theirs.get(f"/cases/{case.id}").status_code == 200
    response = admin.post(f"/admin/users/{target.id}", data={
        "name": target.name, "role": "caseworker", "office": str(world.us.id), "active": "y"})
    assert response.status_code == 302
    again = signin(target)
    # Still on the MX case's team, so the case stays visible (the team is part of scope).
    assert again.get(f"/cases/{case.id}").status_code == 200
    assert _user(target.email).office_id == world.us.id


def test_admin_cannot_remove_their_own_admin_role(world, admin):
    me = world("MX", Role.ADMIN)
    for change in ({"role": "supervisor", "active": "y"}, {"role": "admin"}):
        response = admin.post(f"/admin/users/{me.id}", data={
            "name": me.name, "office": str(me.office_id), **change})
        assert response.status_code == 200
        assert "your own administrator access" in html.unescape(
            response.get_data(as_text=True))
        assert "role" in _field_errors(response)
    user = _user(me.email)
    assert user.role == Role.ADMIN and user.active
    assert admin.get("/admin/users").status_code == 200  # still signed in, still admin


def test_admin_can_still_rename_themselves(world, admin):
    me = world("MX", Role.ADMIN)
    response = admin.post(f"/admin/users/{me.id}", data={
        "name": "Ada R. Admin", "role": "admin", "office": str(me.office_id), "active": "y"})
    assert response.status_code == 302
    assert _user(me.email).name == "Ada R. Admin"
    assert admin.get("/admin/users").status_code == 200


def test_admin_edits_a_user_with_a_test_domain_email(world, admin):
    """Demo users have .test addresses, which the email validator would refuse."""
    target = world("MX", Role.ATTORNEY)
    assert target.email.endswith(".test")
    response = admin.post(f"/admin/users/{target.id}", data={
        "email": target.email, "name": "Renamed", "role": "attorney",
        "office": str(target.office_id), "active": "y"})
    assert response.status_code == 302
    assert _user(target.email).name == "Renamed"


def test_admin_resets_a_password(world, admin, signin, new_browser):
    target = world("MX", Role.ATTORNEY)
    theirs = signin(target)
    response = admin.post(f"/admin/users/{target.id}", data={
        "name": target.name, "role": "attorney", "office": str(target.office_id),
        "active": "y", "password": "the administrator's new one"})
    assert response.status_code == 302
    assert theirs.get("/cases").status_code == 302
    factories.login(new_browser(), target, "the administrator's new one")
    short = admin.post(f"/admin/users/{target.id}", data={
        "name": target.name, "role": "attorney", "office": str(target.office_id),
        "active": "y", "password": "short"})
    assert short.status_code == 200 and "password" in _field_errors(short)


def test_unknown_user_or_office_is_404(world, admin):
    for url in ("/admin/users/00000000-0000-0000-0000-000000000000", "/admin/users/nope",
                "/admin/offices/00000000-0000-0000-0000-000000000000", "/admin/offices/x"):
        assert admin.get(url).status_code == 404, url


def test_user_management_is_audited(world, admin):
    admin.post("/admin/users/new", data=_new_user_form(world))
    admin.post("/admin/offices/new", data={"code": "US-ELP", "name": "El Paso", "country": "US",
                                           "active": "y"})
    db.session.rollback()
    actions = db.session.scalars(sa.select(AuditEvent.action).where(
        AuditEvent.actor_id == world("MX", Role.ADMIN).id)).all()
    assert "user.create" in actions and "office.create" in actions


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMIN], ids=str)
def test_non_admins_get_403(world, signin, role):
    browser = signin(world("MX", role))
    before = _count(Office), _count(User)
    for method, url, data in [
        ("GET", "/admin/users", None), ("GET", "/admin/offices", None),
        ("POST", "/admin/offices/new", {"code": "EVIL", "name": "Evil", "country": "MX"}),
        ("POST", "/admin/users/new", _new_user_form(world, role="admin")),
        ("POST", f"/admin/users/{world(  'MX', role).id}", {"role": "admin", "name": "Me",
                                                          "office": str(world.mx.id)}),
    ]:
        assert browser.open(url, method=method, data=data).status_code == 403, url
    assert (_count(Office), _count(User)) == before
    assert _user(world("MX", role).email).role == role
    assert "/admin/users" not in browser.get("/cases").get_data(as_text=True)  # not in the menu


# -- the command line --------------------------------------------------------------------


@pytest.fixture
def cli(app, ctx):
    """`flask casework ...`, each run in its own application context, as from a shell."""
    runner = app.test_cli_runner()

    def run(*args, input=None):
        with app.app_context():
            result = runner.invoke(args=["casework", *args], input=input)
        db.session.rollback()
        return result

    return run


def test_the_casework_command_group_lists_its_commands(cli):
    result = cli("--help")
    assert result.exit_code == 0
    for command in ("create-office", "create-user", "seed-demo", "audit"):
        assert command in result.output


def test_create_office_and_user_from_the_command_line(ctx, cli, new_browser):
    result = cli("create-office", "--code", "mx-tij", "--name", "Tijuana", "--country", "MX")
    assert result.exit_code == 0, result.output
    assert _office("MX-TIJ").country == Country.MX

    result = cli("create-user", "--email", "First.Admin@Example.org", "--name", "First Admin",
                 "--role", "admin", "--office", "MX-TIJ", "--password-stdin",
                 input="the first admin's password\n")
    assert result.exit_code == 0, result.output
    user = _user("first.admin@example.org")
    assert user.role == Role.ADMIN
    assert "the first admin's password" not in result.output
    browser = new_browser()
    factories.login(browser, user, "the first admin's password")
    assert browser.get("/admin/users").status_code == 200


def test_create_user_prompts_for_the_password_without_password_stdin(ctx, cli):
    cli("create-office", "--code", "US-SAN", "--name", "San Diego", "--country", "US")
    result = cli("create-user", "--email", "p@example.org", "--name", "P", "--role",
                 "caseworker", "--office", "US-SAN",
                 input="a typed password\na typed password\n")
    assert result.exit_code == 0, result.output
    assert verify_password(_user("p@example.org").password_hash, "a typed password")


@pytest.mark.parametrize(("args", "stdin", "message"), [
    (["--office", "NOPE"], "long enough password\n", "no office"),
    (["--office", "MX-TIJ"], "short\n", "at least 12"),
    (["--office", "MX-TIJ", "--email", "taken@example.org"], "long enough password\n",
     "already exists"),
])
def test_create_user_refuses_bad_input(ctx, cli, args, stdin, message):
    cli("create-office", "--code", "MX-TIJ", "--name", "Tijuana", "--country", "MX")
    cli("create-user", "--email", "taken@example.org", "--name", "T", "--role", "admin",
        "--office", "MX-TIJ", "--password-stdin", input="long enough password\n")
    before = _count(User)
    base = {"--email": "new@example.org", "--name": "N", "--role": "admin"}
    for i in range(0, len(args), 2):
        base[args[i]] = args[i + 1]
    argv = [x for kv in base.items() for x in kv]
    result = cli("create-user", *argv, "--password-stdin", input=stdin)
    assert result.exit_code != 0
    assert message in result.output
    assert _count(User) == before


def test_duplicate_office_code_from_the_command_line(ctx, cli):
    assert cli("create-office", "--code", "MX-TIJ", "--name", "A", "--country", "MX").exit_code == 0
    result = cli("create-office", "--code", "mx-tij", "--name", "B", "--country", "MX")
    assert result.exit_code != 0 and "already exists" in result.output
    assert _count(Office) == 1


def test_seed_demo_creates_offices_users_and_cases_once(ctx, cli, new_browser):
    result = cli("seed-demo")
    assert result.exit_code == 0, result.output
    assert "admin@demo.casework.test" in result.output
    assert {o.code for o in db.session.scalars(sa.select(Office))} == {"MX-TIJ", "US-SAN"}
    roles = {u.role for u in db.session.scalars(sa.select(User))}
    assert roles == set(Role)
    cases = _count(Case)
    assert cases >= 4
    # A demo login printed by the command works.
    email = re.search(r"caseworker\s+(\S+@demo\.casework\.test)", result.output).group(1)
    password = re.search(r"password for all: ([^)]+)\)", result.output).group(1)
    browser = new_browser()
    factories.login(browser, _user(email), password)
    assert browser.get("/cases").status_code == 200

    again = cli("seed-demo")
    assert again.exit_code == 0 and "already present" in again.output
    assert _count(Case) == cases


def test_audit_verify_passes_on_a_clean_chain_and_fails_after_tampering(world, make, cli):
    make.case(world("MX", Role.CASEWORKER))
    clean = cli("audit", "verify")
    assert clean.exit_code == 0, clean.output
    assert "intact" in clean.output

    db.session.rollback()
    victim = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.seq)).all()[2]
    with make.attacker_connection() as conn:
        conn.execute(sa.update(AuditEvent.__table__)
                     .where(AuditEvent.__table__.c.seq == victim.seq)
                     .values(action="case.view"))
    tampered = cli("audit", "verify")
    assert tampered.exit_code == 1
    assert "BROKEN" in tampered.output and str(victim.seq) in tampered.output


def test_audit_verify_detects_a_removed_event(world, make, cli):
    make.case(world("MX", Role.CASEWORKER))
    db.session.rollback()
    seqs = db.session.scalars(sa.select(AuditEvent.seq).order_by(AuditEvent.seq)).all()
    with make.attacker_connection() as conn:
        conn.execute(sa.delete(AuditEvent.__table__).where(
            AuditEvent.__table__.c.seq == seqs[1]))
    assert cli("audit", "verify").exit_code == 1


def test_verify_reads_the_stored_events_not_the_sessions_copies(world, make):
    from casework.audit.services import verify_chain

    make.case(world("MX", Role.CASEWORKER))
    db.session.rollback()
    loaded = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.seq)).all()
    assert verify_chain()[1] == []
    loaded = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.seq)).all()
    with make.attacker_connection() as conn:  # edited behind the session's back
        conn.execute(sa.update(AuditEvent.__table__)
                     .where(AuditEvent.__table__.c.seq == loaded[-1].seq)
                     .values(details={"forged": True}))
    assert verify_chain()[1] == [loaded[-1].seq]
