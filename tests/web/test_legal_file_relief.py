"""The gated action `file-relief` files for real: its action page uses the relief (US) or
COMAR (Mexico) form and service, refuses while the gate refuses (the page, a replayed
POST, a direct service call) and, once allowed, records the filing itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from casework.accounts.roles import Role
from casework.audit.models import AuditEvent
from casework.extensions import db
from casework.legal import services as legal
from casework.legal.models import ComarClaim, ReliefFiling
from casework.workflow import actions
from casework.workflow.engine import CheckpointBlocked
from casework.workflow.models import ActionRecord
from casework.workflow.policy import Action


def day(n: int = 0) -> str:
    return (datetime.now(UTC).date() - timedelta(days=n)).isoformat()


def url(case) -> str:
    return f"/cases/{case.id}/actions/file-relief"


US_FILING = {"kind": "asylum_i589", "filed_on": day(0), "receipt_number": "IOE0123456789"}
MX_CLAIM = {"entered_on": day(5), "filed_on": day(0), "reference": "COMAR/TAP/0042"}


def refusals(case) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "action.refused", AuditEvent.case_id == case.id)))


def test_the_action_has_its_own_handler(app):
    handler = actions.handler_for(Action.FILE_RELIEF)
    assert handler is not None and handler.fields == "legal/_file_relief_fields.html"


def test_a_blocked_us_case_is_refused_on_the_page_by_post_and_in_the_service(
        client, world, make):
    attorney = world("US", Role.ATTORNEY)
    case = make.case(world("US", Role.CASEWORKER))  # no attorney of record: the gate refuses
    db.session.commit()
    make.switch_user(client, attorney)
    page = client.get(url(case)).get_data(as_text=True)
    assert "This action is blocked" in page and "Attorney of record" in page
    assert 'name="kind"' not in page  # no form while blocked
    response = client.post(url(case), data=US_FILING)
    assert response.status_code == 409
    assert "Attorney of record" in response.get_data(as_text=True)
    assert make.count(ReliefFiling) == 0 and make.count(ActionRecord) == 0
    assert [e.details["action"] for e in refusals(case)] == ["file-relief"]
    # The service asks the gate itself, whoever calls it.
    with pytest.raises(CheckpointBlocked):
        legal.record_filing(case, legal.FilingDetails(kind="asylum_i589",
                                                      filed_on=datetime.now(UTC).date()),
                            actor=attorney)
    db.session.rollback()
    assert make.count(ReliefFiling) == 0


def test_an_allowed_us_case_files_the_real_filing_through_the_gate(client, world, make):
    attorney = world("US", Role.ATTORNEY)
    case = make.case(world("US", Role.CASEWORKER))
    make.representation(case, attorney)
    db.session.commit()
    make.switch_user(client, attorney)
    page = client.get(url(case)).get_data(as_text=True)
    assert "Every checkpoint this action needs is met." in page
    assert 'name="kind"' in page and 'name="receipt_number"' in page
    assert 'name="occurred_at"' not in page  # not the generic form
    response = client.post(url(case), data=US_FILING)
    assert response.status_code == 302
    filing = db.session.scalars(sa.select(ReliefFiling)).one()
    assert (filing.kind, filing.receipt_number, filing.recorded_by_id) == (
        "asylum_i589", "IOE0123456789", attorney.id)
    assert make.count(ActionRecord) == 0  # the filing is the record, nothing generic
    relief = client.get(f"/cases/{case.id}/relief").get_data(as_text=True)
    assert "IOE0123456789" in relief


def test_a_replayed_post_after_the_gate_closes_again_is_refused(client, world, make):
    attorney = world("US", Role.ATTORNEY)
    case = make.case(world("US", Role.CASEWORKER))
    rep = make.representation(case, attorney)
    db.session.commit()
    make.switch_user(client, attorney)
    assert client.post(url(case), data=US_FILING).status_code == 302
    legal.withdraw_representation(case, rep.id, datetime.now(UTC).date(), "Conflict.",
                                  actor=attorney)
    db.session.commit()
    replay = client.post(url(case), data=dict(US_FILING, kind="t_visa_i914"))
    assert replay.status_code == 409
    assert make.count(ReliefFiling) == 1
    assert len(refusals(case)) == 1


def test_bad_input_on_the_action_page_is_shown_beside_the_field_and_saves_nothing(
        client, world, make):
    attorney = world("US", Role.ATTORNEY)
    case = make.case(world("US", Role.CASEWORKER))
    make.representation(case, attorney)
    db.session.commit()
    make.switch_user(client, attorney)
    response = client.post(url(case), data=dict(US_FILING, filed_on=day(-3)))
    html = response.get_data(as_text=True)
    assert 'id="filed_on-errors"' in html and "This cannot be in the future." in html
    assert 'value="IOE0123456789"' in html  # what was typed stays
    assert make.count(ReliefFiling) == 0


def test_a_supervisors_override_lets_the_filing_through_the_same_page(client, world, make):
    attorney, supervisor = world("US", Role.ATTORNEY), world("US", Role.SUPERVISOR)
    case = make.case(world("US", Role.CASEWORKER))
    db.session.commit()
    make.switch_user(client, supervisor)
    client.post(f"{url(case)}/override", data={
        "key": "legal.representation",
        "reason": "Counsel is being found; the asylum one-year clock cannot wait."})
    make.switch_user(client, attorney)
    assert client.post(url(case), data=US_FILING).status_code == 302
    assert make.count(ReliefFiling) == 1


def test_a_caseworker_cannot_file_us_relief_through_the_action_page(client, world, make):
    case = make.case(world("US", Role.CASEWORKER))
    make.representation(case, world("US", Role.ATTORNEY))
    db.session.commit()
    make.switch_user(client, world("US", Role.CASEWORKER))
    page = client.get(url(case)).get_data(as_text=True)
    assert "Your role cannot record this filing" in page
    response = client.post(url(case), data=US_FILING)
    assert response.status_code == 409
    assert make.count(ReliefFiling) == 0
    assert len(refusals(case)) == 1


@pytest.mark.parametrize("role", [Role.ATTORNEY, Role.CASEWORKER])
def test_a_mexican_case_files_a_comar_claim_through_the_gate(client, world, make, role):
    case = make.case(world("MX", Role.CASEWORKER))
    db.session.commit()
    make.switch_user(client, world("MX", role))
    assert client.post(url(case), data=MX_CLAIM).status_code == 409  # no counsel yet
    assert make.count(ComarClaim) == 0
    make.representation(case, world("MX", Role.ATTORNEY))
    db.session.commit()
    page = client.get(url(case)).get_data(as_text=True)
    assert 'name="entered_on"' in page and 'name="kind"' not in page
    assert client.post(url(case), data=MX_CLAIM).status_code == 302
    claim = db.session.scalars(sa.select(ComarClaim)).one()
    assert (claim.reference, claim.recorded_by_id) == ("COMAR/TAP/0042", world("MX", role).id)
    assert make.count(ActionRecord) == 0


def test_a_paralegal_is_refused_a_comar_claim_through_the_gate(client, world, make):
    """POLICY.md: a COMAR claim is recorded by an attorney or a caseworker."""
    case = make.case(world("MX", Role.CASEWORKER))
    make.representation(case, world("MX", Role.ATTORNEY))
    db.session.commit()
    make.switch_user(client, world("MX", Role.PARALEGAL))
    assert client.post(url(case), data=MX_CLAIM).status_code == 409
    assert make.count(ComarClaim) == 0
