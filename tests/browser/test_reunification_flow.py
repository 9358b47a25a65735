"""A caseworker in a US office reunites a child with her mother, in a real browser: adds the
mother (in the US), records tracing and verification, completes the sponsor assessment and
releases the child. Locators go by label or role, as a screen reader would."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from casework.accounts.models import User
from casework.accounts.roles import Role
from casework.extensions import db
from tests import factories
from tests.browser.conftest import SHOTS, Login

pytestmark = pytest.mark.browser

MOTHER = ("Rosa Amalia", "Tzoc Ajanel")
ADDRESS = "1200 Main St, Apt 4, Houston, TX 77002"


def _when(hours: int) -> str:
    return (datetime.now(UTC) - timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def us_caseworker(app) -> Login:
    with app.app_context():
        office = factories.office("US")
        user = factories.user(Role.CASEWORKER, office, name="Ursula Caseworker")
        db.session.commit()
        login = Login(user.id, user.email, factories.PASSWORD, user.name, office.code)
        db.session.remove()
    return login


def test_caseworker_traces_verifies_assesses_and_releases_to_a_parent(
        page, app, us_caseworker, live_server, problems):
    with app.app_context():
        cw = db.session.get(User, us_caseworker.user_id)
        case = factories.case(cw, encounter_type="port_of_entry",
                              encountered_at=datetime.now(UTC) - timedelta(days=3))
        factories.screening(case, cw, "trafficking")
        # Another child whose file names the same mother: the matching help shows it.
        other = factories.case(cw, given_names="Mateo", encounter_type="port_of_entry")
        factories.family_member(other, cw, given_names="Rosa", family_names="Tzoc")
        db.session.commit()
        case_id, other_number = case.id, other.number
        db.session.remove()
    SHOTS.mkdir(parents=True, exist_ok=True)

    page.goto("/login")
    page.get_by_label("Email").fill(us_caseworker.email)
    page.get_by_label("Password").fill(us_caseworker.password)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"/cases/{case_id}")
    case_url = page.url
    family = page.get_by_role("region", name="Family tracing and reunification")
    expect(family).to_contain_text("No family member recorded yet")
    expect(page.locator("tr[data-checkpoint='ftr.trace']")).to_have_attribute(
        "data-status", "due_soon")

    # --- The child names her mother, who lives in Houston.
    family.get_by_role("link", name="Add a family member").click()
    page.get_by_label("Relationship to the child").select_option(label="Mother")
    page.get_by_label("Given names").fill(MOTHER[0])
    page.get_by_label("Family names").fill(MOTHER[1])
    page.get_by_label("Country where they live").select_option(label="United States")
    page.get_by_label("Town, city or region").fill("Houston, Texas")
    page.get_by_label("Contact details").fill("+1 713 555 0148")
    page.get_by_label("Yes, the child wants contact").check()
    page.get_by_role("button", name="Add the family member").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Mother: {' '.join(MOTHER)}")
    matches = page.get_by_role("region", name="Possible matches in other cases")
    expect(matches).to_contain_text(other_number)
    expect(matches.get_by_role("button", name="Link as sibling's case")).to_be_visible()
    for token in MOTHER[0].split() + MOTHER[1].split():
        assert token.lower() not in page.url.lower()
    page.screenshot(path=str(SHOTS / "family-member-matches.png"), full_page=True)

    # --- Tracing: a phone call to the number the child gave.
    page.goto(case_url)
    page.locator("tr[data-checkpoint='ftr.trace']").get_by_role(
        "link", name="Open the form").click()
    page.get_by_label("When").fill(_when(6))
    page.get_by_label("Relative traced").select_option(label=f"Mother: {' '.join(MOTHER)}")
    page.get_by_label("Channel").select_option(label="Phone")
    page.get_by_label("Contact made with the relative").check()
    page.get_by_label("What was done, with whom, and any reference").fill(
        "Spoke with the mother; she confirmed the child's name and birth date.")
    page.get_by_label(re.compile("^Nothing about the child's protection claim")).check()
    page.get_by_role("button", name="Record the tracing action").click()
    expect(page).to_have_url(case_url)
    expect(page.locator("tr[data-checkpoint='ftr.trace']")).to_have_attribute(
        "data-status", "awaiting_sign_off")

    # --- Verification: documents and both interviews; both want the reunification.
    family = page.get_by_role("region", name="Family tracing and reunification")
    family.get_by_role("link", name="Verification").click()
    page.get_by_label("Relative", exact=True).select_option(label=f"Mother: {' '.join(MOTHER)}")
    page.get_by_label("When the verification was concluded").fill(_when(5))
    page.get_by_label("Documents were seen").check()
    page.get_by_label("Which documents").fill("Birth certificate naming the mother; her ID.")
    page.get_by_label("The child was interviewed").check()
    page.get_by_label("The relative was interviewed").check()
    page.get_by_label("The child wants to live with this person").check()
    page.get_by_label("The relative wants to care for the child").check()
    page.get_by_label("Relationship verified", exact=True).check()
    page.get_by_role("button", name="Record the verification").click()
    expect(page).to_have_url(case_url)

    # --- Sponsor assessment: category 1, then the three checks it needs.
    family = page.get_by_role("region", name="Family tracing and reunification")
    family.get_by_role("link", name="Sponsor assessment").click()
    page.get_by_label("When the assessment was made").fill(_when(4))
    page.get_by_label("Category 1: parent or legal guardian").check()
    page.get_by_label("Sponsor", exact=True).select_option(label=f"Mother: {' '.join(MOTHER)}")
    page.get_by_label("Household members").fill("Her partner (41) and a son (9).")
    page.get_by_role("button", name="Record the assessment").click()
    expect(page.get_by_role("main")).to_contain_text("Not required: none of the triggers")
    for label, hours in (("Sponsor application received and complete", 3),
                         ("Sponsor's identity verified", 3),
                         ("Background checks (sponsor and adult household members)", 2)):
        page.get_by_role("link", name="Record a check").click()
        page.get_by_label("Check", exact=True).select_option(label=label)
        page.get_by_label("When it was completed").fill(_when(hours))
        page.get_by_label(re.compile("^Passed")).check()
        page.get_by_role("button", name="Record the check").click()
        expect(page.get_by_role("status").first).to_contain_text("Sponsor check recorded.")
    expect(page.get_by_role("main")).to_contain_text("Assessment complete")
    page.screenshot(path=str(SHOTS / "sponsor-assessment.png"), full_page=True)

    # --- The release: now allowed; date and address.
    page.goto(case_url)
    actions = page.get_by_role("region", name="Case actions")
    release = actions.get_by_role("listitem").filter(has_text="Release to a sponsor")
    expect(release).to_contain_text("Allowed")
    release.get_by_role("link", name="Release to a sponsor").click()
    expect(page.get_by_role("main")).to_contain_text(f"Sponsor: Mother: {' '.join(MOTHER)}")
    page.get_by_label("Release date and time").fill(_when(1))
    page.get_by_label("Address the child is released to").fill(ADDRESS)
    page.get_by_role("button", name="Record: Release to a sponsor").click()

    expect(page).to_have_url(case_url)
    expect(page.get_by_role("status").filter(has_text="recorded")).to_contain_text(
        "Release to a sponsor: recorded.")
    family = page.get_by_role("region", name="Family tracing and reunification")
    expect(family).to_contain_text(f"Released to Mother: {' '.join(MOTHER)}")
    expect(family).to_contain_text(ADDRESS)
    custody = page.get_by_role("region", name="Encounter and custody")
    expect(custody).to_contain_text(f"{' '.join(MOTHER)} · {ADDRESS}")
    expect(page.locator("tr[data-checkpoint='ftr.followup']")).to_have_attribute(
        "data-status", "pending")
    page.screenshot(path=str(SHOTS / "released.png"), full_page=True)
    assert problems.all() == [], problems
