"""A caseworker completes the screenings of a new case and watches the checklist change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from casework.accounts.models import User
from casework.extensions import db
from tests import factories
from tests.browser.conftest import SHOTS

pytestmark = pytest.mark.browser


def _row(page, key):
    return page.locator(f"tr[data-checkpoint='{key}']")


def test_caseworker_completes_screenings_and_sees_the_checklist_change(
        page, app, caseworker, live_server, problems):
    with app.app_context():
        case = factories.case(db.session.get(User, caseworker.user_id))
        case_id = case.id
        db.session.remove()
    SHOTS.mkdir(parents=True, exist_ok=True)

    page.goto("/login")
    page.get_by_label("Email").fill(caseworker.email)
    page.get_by_label("Password").fill(caseworker.password)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"/cases/{case_id}")
    expect(page.get_by_role("heading", name="Protection checklist")).to_be_visible()
    for key in ("screen.safety", "screen.trafficking"):
        expect(_row(page, key)).to_have_attribute("data-status", "due_soon")

    # The return is blocked, and the page says why, naming R5.
    page.get_by_role("link", name="Record the return to the country of origin").click()
    expect(page.get_by_text("This action is blocked")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("Best interests determination")
    expect(page.get_by_role("main")).to_contain_text("R5")
    page.go_back()

    when = (datetime.now(UTC) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    for key, outcome in (("screen.safety", "No urgent needs found"),
                         ("screen.trafficking", "No indicators of trafficking or exploitation")):
        _row(page, key).get_by_role("link", name="Open the form").click()
        page.get_by_label("When the screening was completed").fill(when)
        page.get_by_label(outcome).check()
        page.get_by_role("button", name="Record the screening").click()
        expect(page.get_by_role("status").first).to_be_visible()
        expect(_row(page, key)).to_have_attribute("data-status", "awaiting_sign_off")
        expect(_row(page, key)).to_contain_text(caseworker.name)
    page.screenshot(path=str(SHOTS / "checklist-after-screenings.png"), full_page=True)
    assert problems.all() == []
