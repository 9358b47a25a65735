"""The family pages through HTTP: who may use them, forms that keep what was typed and
save nothing on an error, the release as the gated action's own form, sibling links
within the user's scope, and the case page section."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from casework.accounts.roles import Role
from casework.audit.models import AuditEvent
from casework.extensions import db
from casework.models import utcnow
from casework.reunification.models import (
    FamilyMember,
    Release,
    SiblingDecision,
    SiblingLink,
    SponsorAssessment,
    TracingEntry,
)
from casework.workflow.models import ActionRecord

PAGES = ["family/members/new", "family/tracing", "family/verification", "family/sponsor",
         "family/sponsor/checks", "family/siblings", "family/follow-ups"]


def born(years: int) -> date:
    today = utcnow().date()
    return today.replace(year=today.year - years, day=min(today.day, 28))


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def cw(world):
    return world("US", Role.CASEWORKER)


@pytest.fixture
def case(make, cw):
    case = make.case(cw, encounter_type="port_of_entry", birth_date=born(14))
    make.screening(case, cw, "trafficking")
    return case


@pytest.mark.parametrize("role, status", [
    (Role.CASEWORKER, 200), (Role.SUPERVISOR, 200), (Role.PARALEGAL, 403),
    (Role.ATTORNEY, 403), (Role.ADMIN, 403)])
def test_family_pages_belong_to_caseworkers_and_supervisors(client, world, make, case, role,
                                                           status):
    make.switch_user(client, world("US", role))
    for path in PAGES:
        assert client.get(f"/cases/{case.id}/{path}").status_code == status, path


def test_a_case_outside_the_scope_is_404(client, world, make, case):
    make.switch_user(client, world("MX", Role.CASEWORKER))
    assert client.get(f"/cases/{case.id}/family/tracing").status_code == 404


def test_adding_a_member_keeps_what_was_typed_and_saves_nothing_on_error(client, make, cw,
                                                                        case):
    make.login(client, cw)
    page = client.get(f"/cases/{case.id}/family/members/new").get_data(as_text=True)
    for name in ("kinship", "given_names", "family_names", "country", "contact"):
        assert f'for="{name}"' in page  # every field labelled
    bad = client.post(f"/cases/{case.id}/family/members/new",
                      data={"kinship": "mother", "country": "US",
                            "contact": "+1 713 555 0148", "wants_contact": "yes"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 200 and "Give at least one name" in html
    assert "+1 713 555 0148" in html and count(FamilyMember) == 0
    good = client.post(f"/cases/{case.id}/family/members/new",
                       data={"kinship": "mother", "given_names": "Rosa Amalia",
                             "family_names": "Tzoc Ajanel", "country": "US",
                             "place": "Houston", "contact": "+1 713 555 0148",
                             "wants_contact": "yes"})
    assert good.status_code == 302
    member = db.session.scalars(sa.select(FamilyMember)).one()
    assert good.headers["Location"].endswith(f"/family/members/{member.id}")
    assert "Rosa" not in good.headers["Location"]
    page = client.get(good.headers["Location"]).get_data(as_text=True)
    assert "Possible matches in other cases" in page and "No other case you can see" in page
    events = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action.like("family.%"))).all()
    assert {e.action for e in events} >= {"family.member_add", "family.member_view"}
    assert all("Rosa" not in str(e.details) for e in events)


def test_matches_are_shown_for_review_and_linked_only_on_request(client, world, make, cw,
                                                                 case):
    brother = make.case(cw, given_names="Mateo", family_names="Ixcoy Tzoc",
                        encounter_type="port_of_entry")
    member = make.family_member(case, cw, kinship="sibling", given_names="Mateo",
                                family_names="Ixcoy Tzoc")
    db.session.commit()
    make.login(client, cw)
    html = client.get(f"/cases/{case.id}/family/members/{member.id}").get_data(as_text=True)
    assert brother.number in html and "Link as sibling" in html and "data-confirm" in html
    assert count(SiblingLink) == 0  # shown, never linked automatically
    done = client.post(f"/cases/{case.id}/family/siblings/link",
                       data={"case_number": brother.number})
    assert done.status_code == 302 and count(SiblingLink) == 1
    html = client.get(f"/cases/{case.id}/family/members/{member.id}").get_data(as_text=True)
    assert "Linked as siblings" in html


def test_linking_a_case_outside_the_scope_is_refused_without_saying_it_exists(
        client, world, make, cw, case):
    elsewhere = make.case(world("MX", Role.CASEWORKER))
    make.login(client, cw)
    refused = client.post(f"/cases/{case.id}/family/siblings/link",
                          data={"case_number": elsewhere.number})
    assert refused.status_code == 400
    assert "no case with this number among the cases you can see" in refused.get_data(
        as_text=True)
    missing = client.post(f"/cases/{case.id}/family/siblings/link",
                          data={"case_number": "US-2020-99999"})
    assert missing.get_data(as_text=True).count("no case with this number") == 1
    assert count(SiblingLink) == 0
    # Unlinking goes through get_case_or_404 for the other case too.
    assert client.post(f"/cases/{case.id}/family/siblings/unlink",
                       data={"sibling": str(elsewhere.id)}).status_code == 404


def test_sibling_separation_through_the_pages(client, make, cw, case):
    brother = make.case(cw, given_names="Mateo", encounter_type="port_of_entry")
    make.sponsor_ready(case, cw)
    db.session.commit()
    make.login(client, cw)
    client.post(f"/cases/{case.id}/family/siblings/link", data={"case_number": brother.number})
    page = client.get(f"/cases/{case.id}/actions/release-to-sponsor").get_data(as_text=True)
    assert "This action is blocked" in page and "Siblings kept together" in page
    assert "Soft block" in page
    when = make.form_time(hours=1)
    bad = client.post(f"/cases/{case.id}/family/siblings",
                      data={"decided_at": when, "together": "no",
                            "justification": "Too old."})
    html = bad.get_data(as_text=True)
    assert "Write the justification" in html and "Too old." in html
    assert count(SiblingDecision) == 0
    ok = client.post(f"/cases/{case.id}/family/siblings",
                     data={"decided_at": when, "together": "no",
                           "justification": "Mateo is 17 and joins a programme for older "
                                            "boys; weekly calls are arranged."})
    assert ok.status_code == 302
    page = client.get(f"/cases/{case.id}/actions/release-to-sponsor").get_data(as_text=True)
    assert "Every checkpoint this action needs is met" in page
    unlink = client.post(f"/cases/{case.id}/family/siblings/unlink",
                         data={"sibling": str(brother.id)})
    assert unlink.status_code == 302 and count(SiblingLink) == 0


def test_the_release_page_is_the_release_form(client, make, cw, case):
    make.sponsor_ready(case, cw)
    db.session.commit()
    make.login(client, cw)
    url = f"/cases/{case.id}/actions/release-to-sponsor"
    page = client.get(url).get_data(as_text=True)
    assert "Release date and time" in page and 'for="address"' in page
    assert "Mother: Rosa Amalia Tzoc Ajanel" in page
    when = make.form_time(hours=1)
    bad = client.post(url, data={"occurred_at": when, "note": "Escorted by ORR staff."})
    assert bad.status_code == 200 and "Give the address." in bad.get_data(as_text=True)
    assert "Escorted by ORR staff." in bad.get_data(as_text=True)
    assert count(Release) == 0 and count(ActionRecord) == 0
    done = client.post(url, data={"occurred_at": when, "address": "1200 Main St, Houston",
                                  "note": "Escorted by ORR staff."})
    assert done.status_code == 302
    release = db.session.scalars(sa.select(Release)).one()
    assert release.address == "1200 Main St, Houston"
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Released to Mother: Rosa Amalia Tzoc Ajanel" in html
    assert 'data-checkpoint="ftr.followup"' in html


def test_a_release_without_verification_is_refused_by_the_server(client, make, cw, case):
    member = make.family_member(case, cw)
    make.sponsor_assessment(case, cw, member)
    db.session.commit()
    make.login(client, cw)
    response = client.post(f"/cases/{case.id}/actions/release-to-sponsor",
                           data={"occurred_at": make.form_time(hours=1),
                                 "address": "1200 Main St"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Relationship verified" in html and "Hard block" in html
    assert count(Release) == 0
    refused = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "action.refused")).all()
    assert "ftr.verify" in refused[-1].details["checkpoints"]


def test_origin_contact_refused_on_the_tracing_page(client, world, make):
    cw = world("MX", Role.CASEWORKER)
    case = make.case(cw)
    make.consent(case, cw)
    make.screening(case, world("MX", Role.ATTORNEY), "protection",
                   outcome="fear_or_need_identified", findings="Fears the gang.")
    db.session.commit()
    make.login(client, cw)
    response = client.post(f"/cases/{case.id}/family/tracing",
                           data={"occurred_at": make.form_time(hours=1),
                                 "channel": "consulate", "result": "pending",
                                 "notes": "Asked the consulate to find the mother.",
                                 "confidentiality_confirmed": "y"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Contact with the country of origin is refused" in html and "R7" in html
    assert "Asked the consulate to find the mother." in html  # nothing typed is lost
    assert count(TracingEntry) == 0 and count(ActionRecord) == 0
    # The same action page shows the tracing form once contact is allowed.
    make.consent(case, cw, may_contact_origin_country=True)
    db.session.commit()
    page = client.get(f"/cases/{case.id}/actions/contact-origin-country").get_data(
        as_text=True)
    assert "This records contact with the child's country of origin" in page
    done = client.post(f"/cases/{case.id}/actions/contact-origin-country",
                       data={"occurred_at": make.form_time(hours=1), "channel": "red_cross",
                             "result": "pending", "confidentiality_confirmed": "y"})
    assert done.status_code == 302
    entry = db.session.scalars(sa.select(TracingEntry)).one()
    assert entry.in_origin_country and entry.action_id is not None


def test_sponsor_assessment_page_shows_the_home_study_rule(client, make, cw, case):
    member = make.family_member(case, cw)
    db.session.commit()
    make.login(client, cw)
    bad = client.post(f"/cases/{case.id}/family/sponsor",
                      data={"assessed_at": make.form_time(hours=1), "category": "3",
                            "member_id": str(member.id), "children_sponsored": "2",
                            "household": "Lives alone."})
    assert "Answer yes or no for a category 3 sponsor" in bad.get_data(as_text=True)
    assert count(SponsorAssessment) == 0
    ok = client.post(f"/cases/{case.id}/family/sponsor",
                     data={"assessed_at": make.form_time(hours=1), "category": "3",
                           "member_id": str(member.id), "sponsor_related": "no",
                           "children_sponsored": "2", "household": "Lives alone."})
    assert ok.status_code == 302
    html = client.get(f"/cases/{case.id}/family/sponsor").get_data(as_text=True)
    assert "Home study" in html and "Required" in html
    assert "unrelated and is sponsoring several children" in html
    assert 'data-check="home_study"' in html


def test_the_case_page_section_shows_family_to_caseworkers_only(client, world, make, cw,
                                                               case):
    make.sponsor_ready(case, cw)
    make.release(case, cw)
    db.session.commit()
    make.login(client, cw)
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Family tracing and reunification" in html and "Houston, Texas" in html
    make.switch_user(client, world("US", Role.ATTORNEY))
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Released to Mother" in html  # the address matters for EOIR-33
    assert "Houston, Texas" not in html  # the family's details do not
    assert "shown to caseworkers and supervisors" in html


def test_stale_member_edit_keeps_what_was_typed(client, make, cw, case):
    member = make.family_member(case, cw)
    db.session.commit()
    make.login(client, cw)
    url = f"/cases/{case.id}/family/members/{member.id}/edit"
    assert 'value="Rosa Amalia"' in client.get(url).get_data(as_text=True)
    data = {"kinship": "mother", "given_names": "Rosa", "family_names": "Tzoc",
            "country": "US", "place": "Dallas", "wants_contact": "yes",
            "version": str(member.version - 1 if member.version > 1 else 99)}
    stale = client.post(url, data=data)
    assert stale.status_code == 409 and "Dallas" in stale.get_data(as_text=True)
    data["version"] = str(member.version)
    assert client.post(url, data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(FamilyMember, member.id).place == "Dallas"


def test_a_new_assessment_starts_from_the_one_in_force(client, make, cw, case):
    member = make.family_member(case, cw)
    make.sponsor_assessment(case, cw, member, category="2B", child_disability=True)
    db.session.commit()
    make.login(client, cw)
    html = client.get(f"/cases/{case.id}/family/sponsor").get_data(as_text=True)
    assert re.search(r'<input[^>]*checked[^>]*value="2B"|<input[^>]*value="2B"[^>]*checked',
                     html)
    assert re.search(rf'<option selected value="{member.id}"|'
                     rf'<option[^>]*value="{member.id}"[^>]*selected', html)
    assert re.search(r'id="child_disability"[^>]*checked|checked[^>]*id="child_disability"',
                     html)
    assert "Lives with her partner" in html
