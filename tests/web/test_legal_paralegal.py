"""What a paralegal may do on the legal side of a case: read every legal page; record
what POLICY.md gives paralegals (know-your-rights, hearings, privileged notes); never
record what it gives attorneys (the relief screening's result, the representation, a US
filing) or attorneys and caseworkers (a COMAR claim)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from casework.accounts.roles import Role
from casework.extensions import db
from casework.legal.models import ComarClaim, LegalScreening, ReliefFiling, Representation
from casework.workflow import engine
from casework.workflow.models import CaseCheckpoint, State


def today(n: int = 0) -> str:
    return (datetime.now(UTC).date() - timedelta(days=n)).isoformat()


# page, country, may the paralegal record on it, a field of the form that records
MATRIX = [
    ("know-your-rights", "MX", True, "presenter"),
    ("legal-screening", "US", False, "considered"),
    ("representation", "US", False, "attorney_id"),
    ("proceedings", "US", True, "a_number"),
    ("relief", "US", False, "receipt_number"),
    ("comar", "MX", False, "late_reason"),
    ("legal-notes", "US", True, "body"),
]


@pytest.mark.parametrize(("path", "country", "records", "field"), MATRIX,
                         ids=[m[0] for m in MATRIX])
def test_the_paralegal_access_matrix(client, world, make, path, country, records, field):
    case = make.case(world(country, Role.CASEWORKER))
    paralegal = world(country, Role.PARALEGAL)
    make.on_team(case, paralegal)
    make.switch_user(client, paralegal)
    url = f"/cases/{case.id}/{path}"
    page = client.get(url)
    assert page.status_code == 200
    # The form is shown only to those who may record, and the server agrees.
    assert (f'name="{field}"' in page.get_data(as_text=True)) is records
    posted = client.post(url, data={})
    assert (posted.status_code != 403) is records, posted.status_code
    assert make.count(LegalScreening) == 0 and make.count(Representation) == 0


def test_a_paralegal_reads_the_screening_and_representation_but_records_neither(
        client, world, make):
    attorney, paralegal = world("US", Role.ATTORNEY), world("US", Role.PARALEGAL)
    case = make.case(world("US", Role.CASEWORKER))
    make.legal_screening(case, attorney, identified=["asylum"])
    make.representation(case, attorney)
    db.session.commit()
    make.switch_user(client, paralegal)
    screening = client.get(f"/cases/{case.id}/legal-screening").get_data(as_text=True)
    assert "Facts that support the relief." in screening
    assert 'name="considered"' not in screening  # no form: the result is the attorney's
    representation = client.get(f"/cases/{case.id}/representation").get_data(as_text=True)
    assert attorney.name in representation
    assert 'name="attorney_id"' not in representation
    refused = client.post(f"/cases/{case.id}/legal-screening", data={
        "screened_at": make.form_time(hours=1), "considered": ["asylum"]})
    assert refused.status_code == 403
    assert make.count(LegalScreening) == 1
    # The case page links every legal page for the paralegal.
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    for path in ("know-your-rights", "legal-screening", "representation", "proceedings",
                 "relief"):
        assert f'href="/cases/{case.id}/{path}"' in html, path


def test_a_paralegal_reads_filings_but_an_attorney_files_and_signs_off(client, world, make):
    attorney, paralegal = world("US", Role.ATTORNEY), world("US", Role.PARALEGAL)
    case = make.case(world("US", Role.CASEWORKER))
    make.legal_screening(case, attorney, identified=["asylum"])
    make.representation(case, attorney)
    db.session.commit()
    filing = {"kind": "asylum_i589", "filed_on": today(), "receipt_number": "IOE0999999999"}
    make.switch_user(client, paralegal)
    assert client.post(f"/cases/{case.id}/relief", data=filing).status_code == 403
    assert make.count(ReliefFiling) == 0
    make.switch_user(client, attorney)
    assert client.post(f"/cases/{case.id}/relief", data=filing).status_code == 302

    def state():
        db.session.expire_all()
        return db.session.scalar(sa.select(CaseCheckpoint.state).where(
            CaseCheckpoint.case_id == case.id, CaseCheckpoint.key == "protection.claim_us"))

    assert state() == State.AWAITING_SIGN_OFF
    make.switch_user(client, paralegal)  # a paralegal signs nothing off here
    client.post(f"/cases/{case.id}/checkpoints/protection.claim_us/sign-off")
    assert state() == State.AWAITING_SIGN_OFF
    page = client.get(f"/cases/{case.id}/relief").get_data(as_text=True)
    assert "IOE0999999999" in page  # but reads the filing


def test_a_paralegal_cannot_record_a_comar_claim(client, world, make):
    paralegal = world("MX", Role.PARALEGAL)
    case = make.case(world("MX", Role.CASEWORKER))
    make.representation(case, world("MX", Role.ATTORNEY))
    db.session.commit()
    make.switch_user(client, paralegal)
    response = client.post(f"/cases/{case.id}/comar", data={
        "entered_on": today(3), "filed_on": today()})
    assert response.status_code == 403
    assert make.count(ComarClaim) == 0
    assert engine.rows_for(case)["protection.claim_mx"].state != State.AWAITING_SIGN_OFF
