"""The case review page through HTTP."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from casework.accounts.roles import Role
from casework.extensions import db
from casework.supervision.models import CaseReview
from casework.workflow.models import CaseCheckpoint


def valid(make, **changes) -> dict:
    data = {"reviewed_at": make.form_time(minutes=0), "note": "Aunt in Houston verified",
            "decisions": "Start the sponsor assessment this week"}
    data.update(changes)
    return data


@pytest.fixture
def case(world, make):
    return make.case(world("MX", Role.CASEWORKER))


def test_renders_for_a_supervisor(client, world, make, case):
    make.switch_user(client, world("MX", Role.SUPERVISOR))
    html = client.get(f"/cases/{case.id}/reviews").get_data(as_text=True)
    assert "No review recorded yet." in html and 'for="note"' in html


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.PARALEGAL, Role.ATTORNEY, Role.ADMIN])
def test_refused_to_other_roles(client, world, make, case, role):
    make.switch_user(client, world("MX", role))
    assert client.get(f"/cases/{case.id}/reviews").status_code == 403
    assert client.post(f"/cases/{case.id}/reviews", data=valid(make)).status_code == 403
    assert make.count(CaseReview) == 0


def test_a_case_of_an_office_not_supervised_is_not_found(client, world, make, case):
    make.switch_user(client, world("US", Role.SUPERVISOR))
    assert client.get(f"/cases/{case.id}/reviews").status_code == 404
    assert client.post(f"/cases/{case.id}/reviews", data=valid(make)).status_code == 404


@pytest.mark.parametrize(("changes", "message"), [
    ({"note": "  "}, "Write the review note."),
    ({"reviewed_at": "2020-01-01T10:00"}, "before the case was opened"),
    ({"reviewed_at": ""}, "Enter the date and time."),
])
def test_errors_keep_what_was_typed_and_save_nothing(client, world, make, case, changes,
                                                     message):
    make.switch_user(client, world("MX", Role.SUPERVISOR))
    html = client.post(f"/cases/{case.id}/reviews",
                       data=valid(make, **changes)).get_data(as_text=True)
    assert message in html and "Start the sponsor assessment this week" in html
    assert make.count(CaseReview) == 0


def test_a_valid_post_records_it_encrypted_and_sets_the_next_review(client, world, make, case):
    sup = world("MX", Role.SUPERVISOR)
    make.switch_user(client, sup)
    response = client.post(f"/cases/{case.id}/reviews", data=valid(make))
    assert response.status_code == 302
    review = db.session.scalars(sa.select(CaseReview)).one()
    assert review.note == "Aunt in Houston verified" and review.recorded_by_id == sup.id
    assert b"Houston" not in make.raw_values("case_review", "note")[0]
    assert b"sponsor" not in make.raw_values("case_review", "decisions")[0]
    row = db.session.scalars(sa.select(CaseCheckpoint).where(
        CaseCheckpoint.case_id == case.id, CaseCheckpoint.key == "case.review")).one()
    assert row.met_at == review.reviewed_at and row.completed_by_id == sup.id


def test_the_review_form_is_reached_from_the_case_page(client, world, make, case):
    make.switch_user(client, world("MX", Role.SUPERVISOR))
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    row = page.split('data-checkpoint="case.review"')[1].split("</tr>")[0]
    assert f'href="/cases/{case.id}/reviews"' in row
    assert client.get(f"/cases/{case.id}/reviews").status_code == 200


def test_the_checklist_links_only_forms_the_user_may_open(client, world, make, case):
    """A caseworker is not sent to the review form, which answers them 403; the links
    the checklist does show all open."""
    make.switch_user(client, world("MX", Role.CASEWORKER))
    assert client.get(f"/cases/{case.id}/reviews").status_code == 403
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    row = page.split('data-checkpoint="case.review"')[1].split("</tr>")[0]
    assert f'href="/cases/{case.id}/reviews"' not in row
    checklist = page.split('data-checkpoint=')[1:]
    links = {m for part in checklist for m in re.findall(
        rf'href="(/cases/{case.id}/[^"#?]+)"', part.split("</tr>")[0])}
    assert links
    for link in links:
        assert client.get(link).status_code == 200, link
