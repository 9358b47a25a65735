"""A supervisor's morning, in a real browser: the dashboard, an overdue number, the cases
behind it, one case, and a sign-off there."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from casework.accounts.roles import Role
from casework.extensions import db
from tests import factories
from tests.browser.conftest import SHOTS
from tests.supervision_scenario import backdate

pytestmark = pytest.mark.browser


@pytest.fixture
def morning(app):
    """An office with a supervisor, a caseworker and three children: one case opened five
    days ago with its safety screening done (awaiting sign-off) and its custody handover
    overdue, and two opened today."""
    with app.app_context():
        office = factories.office("MX")
        cw = factories.user(Role.CASEWORKER, office, name="Carmen Caseworker")
        sup = factories.user(Role.SUPERVISOR, office, name="Sofía Supervisor")
        old = factories.case(cw, encountered_at=factories.recent(days=6))
        backdate(old, 5)
        factories.screening(old, cw, "safety", completed_at=factories.recent(days=3))
        db.session.commit()
        factories.case(cw)
        factories.case(cw)
        data = {"email": sup.email, "number": old.number, "case_id": old.id,
                "office": office.code}
        db.session.remove()
    return data


def test_supervisor_follows_an_overdue_number_to_a_case_and_signs_off(page, morning,
                                                                       live_server, problems):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto("/login")
    page.get_by_label("Email").fill(morning["email"])
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # --- The dashboard, from the menu.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Supervision").click()
    expect(page.get_by_role("heading", name="Compliance dashboard", level=1)).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("per recommendation"))).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("met on time, by the week"))).to_be_visible()
    custody = page.locator("#checkpoint-table tr[data-group='custody.timeline']")
    expect(custody.locator("td[data-column='overdue']")).to_have_text(re.compile(r"^1\b"))
    page.screenshot(path=str(SHOTS / "supervision-dashboard.png"), full_page=True)

    # --- The overdue number of the custody handover opens its cases.
    custody.locator("td[data-column='overdue']").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Overdue: 1 checkpoint")
    expect(page.get_by_text("Checkpoint: Custody handover on time")).to_be_visible()
    row = page.locator(f"tr[data-case='{morning['number']}']")
    expect(row).to_contain_text("Carmen Caseworker")
    expect(row).to_contain_text(re.compile(r"\d+ days? overdue"))
    page.screenshot(path=str(SHOTS / "supervision-drill-down.png"), full_page=True)

    # --- Open the case; its safety screening waits for this supervisor's sign-off.
    row.get_by_role("link", name=morning["number"]).click()
    expect(page).to_have_url(re.compile(rf"/cases/{morning['case_id']}"))
    safety = page.locator("tr[data-checkpoint='screen.safety']")
    expect(safety).to_have_attribute("data-status", "awaiting_sign_off")
    safety.get_by_role("button", name="Sign off").click()
    expect(page.get_by_role("status").filter(has_text="Signed off")).to_contain_text(
        "Signed off: Urgent safety, medical and protection needs.")
    # Screened three days ago, a day after its 24-hour deadline: signed off, met late.
    expect(page.locator("tr[data-checkpoint='screen.safety']")).to_have_attribute(
        "data-status", "met_late")

    # --- Back on the dashboard, the queue is one shorter and the met-late count one longer.
    page.goto("/supervision")
    safety_row = page.locator("#checkpoint-table tr[data-group='screen.safety']")
    expect(safety_row.locator("td[data-column='met_late']")).to_have_text(re.compile(r"^1\b"))
    expect(safety_row.locator("td[data-column='awaiting_sign_off']")).to_have_text("0")
    assert problems.all() == [], problems
