"""An attorney records representation and a hearing; the hearing is on their calendar.

Every locator goes by label or role, as a screen reader would.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from casework.accounts.roles import Role
from casework.extensions import db
from tests import factories
from tests.browser.conftest import SHOTS

pytestmark = pytest.mark.browser

COURT = "San Diego Immigration Court"


def test_attorney_records_representation_and_a_hearing_that_reaches_the_calendar(
        page, app, live_server, problems):
    with app.app_context():
        office = factories.office("US")
        attorney = factories.user(Role.ATTORNEY, office, name="Alma Attorney")
        caseworker = factories.user(Role.CASEWORKER, office, name="Carlos Caseworker")
        db.session.commit()
        case = factories.case(caseworker, nationality="HN", encounter_type="between_ports")
        case_id, number, email = case.id, case.number, attorney.email
        attorney_id = str(attorney.id)
        db.session.remove()
    SHOTS.mkdir(parents=True, exist_ok=True)
    today = datetime.now(UTC).date().isoformat()
    hearing_at = (datetime.now(UTC) + timedelta(days=12)).replace(hour=15, minute=30)

    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"/cases/{case_id}")

    # The case has no counsel, and the legal panel says so.
    legal = page.get_by_role("region", name="Legal")
    expect(legal).to_contain_text("No attorney of record")

    # --- Representation: the attorney of record, with the G-28 filed today.
    legal.get_by_role("link", name="Attorney of record").click()
    expect(page.get_by_role("heading", name="Attorney of record", level=1)).to_be_visible()
    page.get_by_label("Attorney of record (our organisation)").check()
    page.get_by_label("Representation or referral began").fill(today)
    # The attorney filling in the form is offered as the attorney of record.
    expect(page.get_by_label("Attorney", exact=True)).to_have_value(attorney_id)
    page.get_by_label("G-28 filed (DHS / USCIS)").fill(today)
    page.get_by_role("button", name="Record the representation").click()
    expect(page.get_by_role("status").first).to_contain_text("Representation recorded.")
    expect(page.get_by_role("main")).to_contain_text("Represents the child")

    # --- Proceedings, then a hearing, first typed in the past as if it were upcoming.
    page.goto(f"/cases/{case_id}")
    page.get_by_role("region", name="Legal").get_by_role(
        "link", name="Hearings and address current").click()
    page.get_by_label("A-number").fill("A-208-114-093")
    page.get_by_label("Immigration court").fill(COURT)
    page.get_by_label("Notice to appear: date").fill(today)
    page.get_by_role("button", name="Record the proceedings").click()
    expect(page.get_by_role("status").first).to_contain_text("Proceedings recorded.")

    page.get_by_label("Type of hearing").select_option(label="Master calendar hearing")
    page.get_by_label("Date and time").fill(
        (datetime.now(UTC) - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Immigration judge").fill("Judge Ruth Okafor")
    page.get_by_role("button", name="Record the hearing").click()
    expect(page.get_by_text("A hearing in the past cannot be upcoming")).to_be_visible()
    expect(page.get_by_label("Immigration judge")).to_have_value("Judge Ruth Okafor")
    page.get_by_label("Date and time").fill(hearing_at.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Record the hearing").click()
    expect(page.get_by_role("status").first).to_contain_text("Hearing recorded.")
    expect(page.get_by_role("region", name="Hearings")).to_contain_text("Upcoming")

    # --- My calendar, from the menu: the hearing, with its court and case.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My calendar").click()
    expect(page.get_by_role("heading", name="My calendar")).to_be_visible()
    row = page.locator("tr[data-kind='hearing']")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Master calendar hearing")
    expect(row).to_contain_text(COURT)
    expect(row).to_contain_text(number)
    expect(row).to_contain_text("due in 1")  # in 11 or 12 days, whatever the hour now
    row.get_by_role("link", name="Open").click()
    expect(page.get_by_role("heading", name="Hearings and address current")).to_be_visible()
    page.screenshot(path=str(SHOTS / "legal-calendar-flow.png"), full_page=True)
    assert problems.all() == []
