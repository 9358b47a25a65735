"""Privileged attorney-client notes: a planted marker reaches legal staff on the case team
and no one else, through any page; it is stored encrypted and kept out of every history."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa

from casework.accounts.roles import Role
from casework.audit.models import AuditEvent
from casework.extensions import db
from casework.legal.models import LegalNote
from casework.workflow.policy import Action

MARKER = "PRIVILEGED-MARKER-5c1e9b"


def readable_urls(app, case) -> list[str]:
    """Every page a GET can reach about this case, and every page without arguments."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static" or "static" in rule.endpoint:
            continue
        args = set(rule.arguments)
        if args == {"case_id"}:
            urls.append(rule.rule.replace("<case_id>", str(case.id)))
        elif args == {"case_id", "action_name"}:
            urls += [rule.rule.replace("<case_id>", str(case.id))
                     .replace("<action_name>", a.value) for a in Action]
        elif not args:
            urls.append(rule.rule)
    return urls


@pytest.fixture
def planted(world, make):
    """A US case whose team has a caseworker, a paralegal and an attorney; the attorney
    wrote a privileged note carrying the marker."""
    caseworker = world("US", Role.CASEWORKER)
    case = make.case(caseworker)
    attorney = world("US", Role.ATTORNEY)
    make.representation(case, attorney)  # the attorney of record joins the team
    make.on_team(case, world("US", Role.PARALEGAL))
    db.session.refresh(case)
    make.legal_note(case, attorney, f"{MARKER}: the child disclosed abuse by the smuggler.")
    db.session.commit()
    return case


def test_the_marker_never_reaches_anyone_outside_the_legal_team(app, client, world, make,
                                                                planted, caplog):
    caplog.set_level(logging.DEBUG)
    outsiders = [world("US", Role.CASEWORKER),  # on the case team, not legal staff
                 world("US", Role.SUPERVISOR),  # sees every case of the office
                 world("MX", Role.ATTORNEY),  # legal staff of another office
                 world("US", Role.ADMIN)]
    extra = make.user(Role.PARALEGAL, world.us)  # legal staff of the office, not on the team
    db.session.commit()
    urls = readable_urls(app, planted)
    assert any("legal-notes" in u for u in urls) and any(u.endswith(str(planted.id))
                                                         for u in urls)
    for user in [*outsiders, extra]:
        make.switch_user(client, user)
        for url in urls:
            response = client.get(url, follow_redirects=True)
            assert MARKER not in response.get_data(as_text=True), (user.role, url)
        still = client.get("/account/password").get_data(as_text=True)
        assert f"{user.name} · " in still, "the loop must not have signed the user out"
    # A legal member of the team does see it, on the case page and on the notes page:
    # the check above would have caught a leak.
    for member in (world("US", Role.ATTORNEY), world("US", Role.PARALEGAL)):
        make.switch_user(client, member)
        assert MARKER in client.get(f"/cases/{planted.id}").get_data(as_text=True)
        assert MARKER in client.get(f"/cases/{planted.id}/legal-notes").get_data(as_text=True)
    assert all(MARKER not in r.getMessage() for r in caplog.records)


def test_the_marker_is_stored_encrypted_and_out_of_the_audit_trail(world, make, planted):
    assert make.count(LegalNote) == 1
    assert MARKER.encode() not in make.raw_values("legal_note", "body")[0]
    for details in db.session.scalars(sa.select(AuditEvent.details)):
        assert MARKER not in str(details)
    written = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "legal_note.write")).one()
    assert set(written.details) == {"note"}


def test_outsiders_cannot_write_notes(client, world, make, planted):
    outsider = make.user(Role.PARALEGAL, world.us)
    db.session.commit()
    make.switch_user(client, outsider)
    url = f"/cases/{planted.id}/legal-notes"
    page = client.get(url)
    assert page.status_code == 200
    assert "You are not on this case's team" in page.get_data(as_text=True)
    assert 'name="body"' not in page.get_data(as_text=True)
    assert client.post(url, data={"body": "An outsider's note"}).status_code == 409
    make.switch_user(client, world("US", Role.CASEWORKER))
    assert client.get(url).status_code == 403
    assert client.post(url, data={"body": "A caseworker's note"}).status_code == 403
    db.session.rollback()
    assert make.count(LegalNote) == 1
    refusals = db.session.scalars(sa.select(AuditEvent.action).where(
        AuditEvent.outcome == "refused")).all()
    assert "legal_note.refused" in refusals and "access.forbidden" in refusals


def test_a_team_member_writes_a_note_and_an_empty_one_is_refused(client, world, make, planted):
    paralegal = world("US", Role.PARALEGAL)
    make.switch_user(client, paralegal)
    url = f"/cases/{planted.id}/legal-notes"
    empty = client.post(url, data={"body": "   "})
    assert empty.status_code == 200
    assert 'id="body-errors"' in empty.get_data(as_text=True)
    assert client.post(url, data={"body": "Met the child with an interpreter."}
                       ).status_code == 302
    db.session.rollback()
    assert make.count(LegalNote) == 2
    html = client.get(url).get_data(as_text=True)
    assert html.index("Met the child with an interpreter.") < html.index(MARKER)
