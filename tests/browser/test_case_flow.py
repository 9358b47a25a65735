"""A caseworker's first day, in a real browser: sign in, register, find, open, edit.

Every locator goes by label or role, as a screen reader would: a field that cannot be
found that way is an accessibility bug, not a reason to reach for a CSS selector.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from playwright.sync_api import expect

from casework.accounts.models import User
from casework.extensions import db
from tests import factories
from tests.browser.conftest import SHOTS

pytestmark = pytest.mark.browser

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
GIVEN, FAMILY = "Xochitl Maribel", "Ajpop Quiej"
TOKEN = "Ajpop"  # the one name token the caseworker searches for


def _born_years_ago(years: int) -> date:
    today = datetime.now(UTC).date()
    return today.replace(year=today.year - years, day=min(today.day, 28))


def test_caseworker_registers_finds_and_edits_a_case(page, app, caseworker, live_server,
                                                     problems):
    # Another child in the same office, so the search has something to leave out.
    with app.app_context():
        factories.case(db.session.get(User, caseworker.user_id))
        db.session.remove()
    SHOTS.mkdir(parents=True, exist_ok=True)

    # --- Sign in through the login page, with CSRF on.
    page.goto("/login")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_role("main").locator("input[name=csrf_token]")).to_have_value(re.compile(r".{20,}"))
    page.get_by_label("Email").fill(caseworker.email)
    page.get_by_label("Password").fill(caseworker.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}/cases")
    expect(page.get_by_role("navigation", name="Main")).to_contain_text(caseworker.name)

    # --- Intake: the form, first with a mistake.
    page.get_by_role("link", name="Register a child").first.click()
    expect(page.get_by_role("heading", name="Register a child", level=1)).to_be_visible()
    born = _born_years_ago(14)
    encountered = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(days=1)

    page.get_by_label("Given names").fill(GIVEN)
    # Family names left empty on purpose: the form must say so and keep the rest.
    page.get_by_label("Date of birth", exact=True).fill(born.isoformat())
    page.get_by_label("How the age was assessed").select_option(label="Interview with the child")
    page.get_by_label("Sex", exact=True).select_option(label="Female")
    page.get_by_label("Nationality").select_option(label="Guatemala")
    page.get_by_label("K'iche'", exact=True).check()
    page.get_by_label("Spanish", exact=True).check()
    page.get_by_label("Needs an interpreter").check()
    page.get_by_role("radio", name=re.compile(r"^Unaccompanied")).check()
    page.get_by_label("Date and time of encounter").fill(
        encountered.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Where the child was encountered").select_option(label="In Mexico")
    page.get_by_label("Place of encounter").fill("Estación migratoria Siglo XXI, Tapachula")
    page.get_by_label("Current custodian").fill("DIF Chiapas")
    page.get_by_label("Current location").fill("Tapachula, Chiapas")
    page.get_by_label("A-number (US)").fill("A012345678")
    page.get_by_role("button", name="Register the child").click()

    expect(page.get_by_role("alert")).to_contain_text("Please correct the fields marked below")
    family = page.get_by_label("Family names")
    expect(family).to_have_attribute("aria-invalid", "true")
    expect(family).to_have_accessible_description(re.compile(r"\S"))
    expect(page.get_by_label("Given names")).to_have_value(GIVEN)  # nothing typed was lost
    expect(page.get_by_label("K'iche'", exact=True)).to_be_checked()
    expect(page.get_by_role("radio", name=re.compile(r"^Unaccompanied"))).to_be_checked()
    page.screenshot(path=str(SHOTS / "intake-validation-error.png"), full_page=True)

    family.fill(FAMILY)
    page.get_by_role("button", name="Register the child").click()

    # --- The case page.
    expect(page).to_have_url(re.compile(rf"/cases/{UUID}$"))
    case_url = page.url
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{GIVEN} {FAMILY}")
    flash = page.get_by_role("status").filter(has_text="registered")
    expect(flash).to_contain_text(re.compile(r"Case MX-\d{4}-\d{5} registered"))
    number = re.search(r"MX-\d{4}-\d{5}", flash.inner_text()).group(0)
    custody = page.get_by_role("region", name="Encounter and custody")
    expect(custody).to_contain_text("DIF Chiapas · Tapachula, Chiapas")
    expect(custody).to_contain_text("A-012-345-678")
    page.screenshot(path=str(SHOTS / "case-page.png"), full_page=True)

    # --- Find it by one name token; the search posts, so no name reaches the URL.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cases").click()
    page.get_by_role("textbox", name="Search").fill(TOKEN)
    with page.expect_response(lambda r: r.request.method == "POST"
                              and r.url == f"{live_server.url}/cases") as searched:
        page.get_by_role("button", name="Search").click()
    assert searched.value.status == 200
    results = page.get_by_role("table", name="Cases you can see")
    expect(results.get_by_role("link", name=number)).to_be_visible()
    expect(results).to_contain_text(f"{GIVEN} {FAMILY}")
    expect(results).not_to_contain_text("Ixcoy")  # the other child does not match
    for token in (GIVEN + " " + FAMILY).split():
        assert token.lower() not in page.url.lower(), page.url
    expect(page).to_have_url(f"{live_server.url}/cases")

    # --- Open it.
    results.get_by_role("link", name=number).click()
    expect(page).to_have_url(case_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{GIVEN} {FAMILY}")

    # --- Edit it: the child has been moved to a shelter.
    page.get_by_role("link", name="Edit", exact=True).click()
    expect(page.get_by_role("heading", name=f"Edit case {number}")).to_be_visible()
    expect(page.get_by_label("Given names")).to_have_value(GIVEN)
    location = page.get_by_label("Current location")
    expect(location).to_have_value("Tapachula, Chiapas")
    location.fill("Casa hogar, Tuxtla Gutiérrez")
    page.get_by_role("button", name="Save changes").click()

    expect(page).to_have_url(case_url)
    expect(page.get_by_role("status").filter(has_text="saved")).to_contain_text(
        f"Changes to case {number} saved.")
    custody = page.get_by_role("region", name="Encounter and custody")
    expect(custody).to_contain_text("DIF Chiapas · Casa hogar, Tuxtla Gutiérrez")
    expect(custody).not_to_contain_text("Tapachula, Chiapas")

    # --- CSRF really was on: the same search without its token is refused.
    refused = page.request.post("/cases", form={"q": TOKEN})
    assert refused.status == 400

    # --- And nothing went wrong behind the scenes.
    assert problems.all() == [], problems


def test_the_age_estimate_shows_only_when_the_birth_date_is_unknown(page, caseworker,
                                                                     live_server, problems):
    page.goto("/login")
    page.get_by_label("Email").fill(caseworker.email)
    page.get_by_label("Password").fill(caseworker.password)
    page.get_by_role("button", name="Sign in").click()
    page.goto("/cases/new")
    expect(page.get_by_label("Date of birth", exact=True)).to_be_visible()
    expect(page.get_by_label("Estimated age in years")).to_be_hidden()
    page.get_by_label("The date of birth is known").uncheck()
    expect(page.get_by_label("Estimated age in years")).to_be_visible()
    expect(page.get_by_label("Date of birth", exact=True)).to_be_hidden()
    assert problems.all() == []
