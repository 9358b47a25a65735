"""The A-number of removal proceedings reaches the case, so search by A-number finds the
child: through the blind index only, never in a URL, the audit trail or the database in
plaintext."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from casework.accounts.roles import Role
from casework.audit.models import AuditEvent
from casework.cases import queries
from casework.cases.models import Case, CaseSearchToken
from casework.extensions import db


def found(client, query: str) -> set[str]:
    response = client.post("/cases", data={"q": query})
    assert response.status_code == 200
    return set(re.findall(r'href="/cases/([0-9a-f-]{36})"', response.get_data(as_text=True)))


SPELLINGS = ["A-098-765-432", "A098765432", "098765432", "098-765-432", "a 098 765 432",
             "98765432"]


def test_proceedings_recorded_on_the_page_make_the_case_findable_by_a_number(
        app, client, world, make, signin):
    paralegal = world("US", Role.PARALEGAL)
    case = make.case(world("US", Role.CASEWORKER), given_names="Yeni", family_names="Cux")
    other = make.case(world("US", Role.CASEWORKER), given_names="Otro", family_names="Niño")
    db.session.commit()
    assert case.a_number is None
    staff = signin(world("US", Role.CASEWORKER))
    assert found(staff, "A-098-765-432") == set()

    make.switch_user(client, paralegal)
    response = client.post(f"/cases/{case.id}/proceedings", data={
        "a_number": "A-098-765-432", "court": "Houston Immigration Court",
        "nta_on": datetime.now(UTC).date().isoformat()})
    assert response.status_code == 302
    assert "098" not in response.location

    db.session.expire_all()
    assert db.session.get(Case, case.id).a_number == "098765432"
    for spelling in SPELLINGS:
        assert found(staff, spelling) == {str(case.id)}, spelling
    assert found(staff, "A-098-765-433") == set()
    assert str(other.id) not in found(staff, "A-098-765-432")
    # Out of scope stays out of scope.
    assert found(signin(world("MX", Role.CASEWORKER)), "A-098-765-432") == set()

    # Stored encrypted, indexed by a digest, and named nowhere in the audit trail.
    stored = make.raw_values("child_case", "a_number")
    assert stored and all(b"098765432" not in (raw or b"") for raw in stored)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseSearchToken).where(
        CaseSearchToken.case_id == case.id, CaseSearchToken.index_name == "a_number")) == 1
    for event in db.session.scalars(sa.select(AuditEvent)):
        assert "098765432" not in str(event.details or "")
        assert "098-765-432" not in str(event.details or "")


def test_the_notice_to_appear_corrects_the_a_number_taken_at_intake(world, make, signin):
    case = make.case(world("US", Role.CASEWORKER), a_number="A-011-111-111")
    make.proceeding(case, world("US", Role.PARALEGAL), a_number="A-022-222-222")
    db.session.commit()
    staff = signin(world("US", Role.ATTORNEY))
    assert found(staff, "022222222") == {str(case.id)}
    assert found(staff, "011111111") == set()  # the old number is no longer indexed
    assert case.a_number == "022222222"


def test_the_same_a_number_again_changes_nothing_on_the_case(world, make):
    case = make.case(world("US", Role.CASEWORKER), a_number="022222222")
    db.session.commit()
    version = case.version
    make.proceeding(case, world("US", Role.PARALEGAL), a_number="A-022-222-222")
    db.session.commit()
    assert case.version == version  # an edit open in another tab is not made stale


@pytest.mark.parametrize(("stored", "query", "match"), [
    ("022222222", "A-022-222-222", True), ("022222222", "22222222", True),
    ("022222222", "A-022-222-223", False), (None, "A-022-222-222", False)])
def test_an_a_number_hit_is_confirmed_against_the_decrypted_number(world, make, stored,
                                                                    query, match):
    case = make.case(world("US", Role.CASEWORKER), a_number=stored)
    assert queries.confirm_a_number_match(case, query) is match
