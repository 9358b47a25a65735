"""Gated actions through the browser's HTTP: the server refuses, whatever the page shows."""

import sqlalchemy as sa

from casework.accounts.roles import Role
from casework.audit.models import AuditEvent
from casework.extensions import db
from casework.workflow.models import ActionRecord, CaseCheckpoint, GateOverride
from casework.workflow.policy import Action

ACTION_FORM = {"occurred_at": "2026-01-10T10:00", "note": "Handed over at the shelter."}


def test_case_page_shows_the_checklist_grouped_by_stage(client, world, make):
    cw = world("MX", Role.CASEWORKER)
    case = make.case(cw)
    make.login(client, cw)
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Protection checklist" in html
    for title in ("Child registered", "Urgent safety, medical and protection needs",
                  "Fear of return and protection needs", "Supervisor case review"):
        assert title in html
    assert 'data-checkpoint="screen.contiguous"' not in html  # does not apply in Mexico
    assert "Best interests determination" not in html  # applies only once proposed
    assert "due in" in html or "overdue" in html


def test_every_action_page_shows_its_reasons_on_a_fresh_case(client, world, make):
    cw = world("MX", Role.CASEWORKER)
    case = make.case(cw)
    make.login(client, cw)
    for action in Action:
        page = client.get(f"/cases/{case.id}/actions/{action.value}")
        assert page.status_code == 200
        assert "This action is blocked" in page.get_data(as_text=True)
    html = client.get(f"/cases/{case.id}/actions/record-return").get_data(as_text=True)
    assert "Best interests determination" in html and "R5" in html
    assert client.get(f"/cases/{case.id}/actions/no-such-action").status_code == 404


def test_a_post_while_blocked_changes_nothing_and_answers_with_the_reasons(client, world, make):
    cw = world("MX", Role.CASEWORKER)
    case = make.case(cw)
    make.login(client, cw)
    response = client.post(f"/cases/{case.id}/actions/record-return", data=ACTION_FORM)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Refused" in html and "R5" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ActionRecord)) == 0
    refused = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "action.refused")).all()
    assert len(refused) == 1 and "bi.bid" in refused[0].details["checkpoints"]


def test_supervisor_overrides_a_soft_block_then_the_case_closes(client, world, make):
    cw, sup = world("MX", Role.CASEWORKER), world("MX", Role.SUPERVISOR)
    case = make.case(cw)
    make.login(client, cw)
    # A caseworker cannot override.
    assert client.post(f"/cases/{case.id}/actions/close-case/override",
                       data={"key": "legal.kyr", "reason": "x" * 30}).status_code == 403
    client.post("/logout")
    make.login(client, sup)
    short = client.post(f"/cases/{case.id}/actions/close-case/override",
                        data={"key": "legal.kyr", "reason": "too short"})
    assert short.status_code == 400
    hard = client.post(f"/cases/{case.id}/actions/record-return/override",
                       data={"key": "bi.bid", "reason": "Please let this one through now."})
    assert hard.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GateOverride)) == 0
    ok = client.post(f"/cases/{case.id}/actions/close-case/override",
                     data={"key": "legal.kyr",
                           "reason": "KYR given by partner organisation; record pending."})
    assert ok.status_code == 302
    closing = dict(ACTION_FORM, outcome="handed_over", proceedings="none", follow_ups_done="y")
    done = client.post(f"/cases/{case.id}/actions/close-case", data=closing)
    assert done.status_code == 302
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "KYR given by partner organisation" in html  # the override shows on the case
    assert "Closed" in html


def test_closure_needs_follow_ups_done(client, world, make, monkeypatch):
    sup = world("MX", Role.SUPERVISOR)
    case = make.case(world("MX", Role.CASEWORKER))
    make.login(client, sup)
    client.post(f"/cases/{case.id}/actions/close-case/override",
                data={"key": "legal.kyr", "reason": "KYR delivered by another provider."})
    page = client.post(f"/cases/{case.id}/actions/close-case",
                       data=dict(ACTION_FORM, outcome="handed_over", proceedings="none"))
    assert page.status_code == 200
    assert "follow-ups are done" in page.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ActionRecord)) == 0


def test_action_pages_are_404_outside_scope(client, world, make):
    case = make.case(world("MX", Role.CASEWORKER))
    make.login(client, world("US", Role.CASEWORKER))
    assert client.get(f"/cases/{case.id}/actions/close-case").status_code == 404
    assert client.post(f"/cases/{case.id}/actions/close-case", data=ACTION_FORM
                       ).status_code == 404


def test_checkpoint_rows_exist_from_registration(world, make):
    case = make.case(world("MX", Role.CASEWORKER))
    keys = set(db.session.scalars(
        sa.select(CaseCheckpoint.key).where(CaseCheckpoint.case_id == case.id)))
    from casework.workflow.engine import catalogue
    assert keys == {cp.key for cp in catalogue()}
