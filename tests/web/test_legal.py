"""The know-your-rights page through HTTP."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from casework.accounts.roles import Role
from casework.extensions import db
from casework.legal.models import KnowYourRights
from casework.workflow.models import CaseCheckpoint, State


def valid(make, **changes) -> dict:
    data = {"delivered_at": make.form_time(hours=2), "language": "mam",
            "presenter": "Lic. Marta Ruiz Xun", "provider": "Legal aid partner",
            "session_format": "group"}
    data.update(changes)
    return data


@pytest.fixture
def case(world, make):
    return make.case(world("MX", Role.CASEWORKER))


@pytest.mark.parametrize("role", [Role.PARALEGAL, Role.SUPERVISOR])
def test_renders_for_the_roles_the_catalogue_names(client, world, make, case, role):
    make.switch_user(client, world("MX", role))
    html = client.get(f"/cases/{case.id}/know-your-rights").get_data(as_text=True)
    assert "No know-your-rights orientation recorded yet." in html
    assert 'for="presenter"' in html


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.ADMIN])
def test_refused_to_other_roles(client, world, make, case, role):
    make.switch_user(client, world("MX", role))
    url = f"/cases/{case.id}/know-your-rights"
    assert client.get(url).status_code == 403
    assert client.post(url, data=valid(make)).status_code == 403
    assert make.count(KnowYourRights) == 0


def test_an_attorney_reads_the_orientations_but_a_paralegal_records_them(client, world, make,
                                                                         case):
    make.orientation(case, world("MX", Role.PARALEGAL))
    db.session.commit()
    make.switch_user(client, world("MX", Role.ATTORNEY))
    url = f"/cases/{case.id}/know-your-rights"
    html = client.get(url).get_data(as_text=True)
    assert "Lic. Marta Ruiz" in html and 'for="presenter"' not in html
    assert client.post(url, data=valid(make)).status_code == 403
    assert make.count(KnowYourRights) == 1


def test_a_case_of_another_office_is_not_found(client, world, make, case):
    make.switch_user(client, world("US", Role.PARALEGAL))
    url = f"/cases/{case.id}/know-your-rights"
    assert client.get(url).status_code == 404
    assert client.post(url, data=valid(make)).status_code == 404


@pytest.mark.parametrize(("changes", "message", "kept"), [
    ({"presenter": ""}, "Give the presenter", "Legal aid partner"),
    ({"language": "other", "provider": "Kids Legal Aid"}, "Type the language.", "Kids Legal Aid"),
    ({"session_format": ""}, "Choose individual or group.", "Lic. Marta Ruiz Xun"),
    ({"delivered_at": "2020-01-01T10:00"}, "before the child was encountered",
     "Lic. Marta Ruiz Xun"),
])
def test_errors_keep_what_was_typed_and_save_nothing(client, world, make, case, changes,
                                                     message, kept):
    make.switch_user(client, world("MX", Role.PARALEGAL))
    response = client.post(f"/cases/{case.id}/know-your-rights", data=valid(make, **changes))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html and kept in html
    assert make.count(KnowYourRights) == 0


def test_a_valid_post_records_it_encrypted_and_awaits_sign_off(client, world, make, case):
    paralegal = world("MX", Role.PARALEGAL)
    make.switch_user(client, paralegal)
    data = valid(make, language="other", other_language="Tseltal")
    response = client.post(f"/cases/{case.id}/know-your-rights", data=data)
    assert response.status_code == 302
    entry = db.session.scalars(sa.select(KnowYourRights)).one()
    assert (entry.language, entry.presenter, entry.provider, entry.session_format) == (
        "Tseltal", "Lic. Marta Ruiz Xun", "Legal aid partner", "group")
    assert entry.recorded_by_id == paralegal.id
    for column, secret in (("presenter", b"Marta Ruiz"), ("language", b"Tseltal")):
        assert secret not in make.raw_values("kyr_orientation", column)[0]
    state = db.session.scalar(sa.select(CaseCheckpoint.state).where(
        CaseCheckpoint.case_id == case.id, CaseCheckpoint.key == "legal.kyr"))
    assert state == State.AWAITING_SIGN_OFF
    html = client.get(f"/cases/{case.id}/know-your-rights").get_data(as_text=True)
    assert "Tseltal" in html and "Lic. Marta Ruiz Xun" in html
