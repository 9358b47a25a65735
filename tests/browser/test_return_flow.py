"""A return decided in the child's best interests, in a real browser (R5): the assessment,
a BID drafted by the caseworker, voted by a panel of three and approved by a supervisor,
explained to the child, the return plan, the return itself, the reception handover and
the first reintegration follow-up.

Locators go by label and role, as a screen reader would.
"""

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


def _login_of(user) -> Login:
    return Login(user.id, user.email, factories.PASSWORD, user.name, user.office.code)


def _sign_in(page, who: Login) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(who.email)
    page.get_by_label("Password").fill(who.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Main")).to_contain_text(who.name)


def _sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def _row(page, key):
    return page.locator(f"tr[data-checkpoint='{key}']")


def _this_minute() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M")


def _saved(page) -> None:
    expect(page.get_by_role("status").first).to_be_visible()


def test_a_return_decided_by_a_bid_through_to_the_first_follow_up(page, app, caseworker,
                                                                   live_server, problems):
    with app.app_context():
        cw = db.session.get(User, caseworker.user_id)
        case = factories.case(cw)
        # The screenings a return needs besides R5 are recorded already.
        factories.screening(case, cw, "trafficking")
        attorney = factories.user(Role.ATTORNEY, cw.office)
        factories.screening(case, attorney, "protection")
        factories.legal_screening(case, attorney)  # legal.screening gates a return (R6)
        supervisor = _login_of(factories.user(Role.SUPERVISOR, cw.office, name="Sara Supervisor"))
        panel = [_login_of(u) for u in factories.panel(cw.office)]
        db.session.commit()
        case_id = case.id
        db.session.remove()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.on("dialog", lambda dialog: dialog.accept())  # data-confirm before approving
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    today = now.date()

    # --- The caseworker assesses the child's best interests.
    _sign_in(page, caseworker)
    page.goto(f"/cases/{case_id}")
    expect(page.get_by_role("link", name="Record the return to the country of origin")
           ).to_be_visible()
    _row(page, "bi.bia").get_by_role("link", name="Open the form").click()
    page.get_by_label("Short (initial) assessment").check()
    page.get_by_label("When the assessment was completed").fill(
        (now - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("The child's views, in their own words").fill(
        "Quiere volver con su abuela en Momostenango.")
    page.get_by_label("Safety and protection risks").fill("No threats at the grandmother's.")
    page.get_by_role("button", name="Record the assessment").click()
    _saved(page)
    # The short assessment meets the initial clock; the comprehensive one is due next.
    expect(_row(page, "bi.bia")).to_have_attribute("data-status", "pending")
    expect(_row(page, "bi.bia").locator('[data-due-clock="comprehensive"]')).to_be_visible()

    # --- She drafts the BID, recommending return.
    page.get_by_role("link", name="BID page").click()
    page.get_by_label("What the BID decides").select_option(
        label="A return to the country of origin")
    page.get_by_label("Options considered, with their pros and cons").fill(
        "Return to the grandmother, or stay in a DIF shelter with no family.")
    page.get_by_label("The child's views, in their own words").fill("Wants to go home.")
    page.get_by_label("How the child's views were weighed").fill("Decisive: she is 15.")
    page.get_by_label("Return to the country of origin, with reintegration services").check()
    page.get_by_label("Reasons for the recommendation").fill(
        "Safe family, a school place, no protection need found.")
    page.get_by_role("button", name="Send the BID to the panel").click()
    expect(page.get_by_role("heading", name=re.compile("Current BID"))).to_contain_text(
        "With the panel")
    # The drafter is not offered a vote.
    expect(page.get_by_role("button", name="Record my vote")).to_have_count(0)
    _sign_out(page)

    # --- Three panel members vote, each signing the confidentiality undertaking.
    for member in panel:
        _sign_in(page, member)
        page.goto(f"/cases/{case_id}/best-interests/determination")
        page.get_by_label("I concur with the recommendation").check()
        page.get_by_label(re.compile("I undertake to keep confidential")).check()
        page.get_by_role("button", name="Record my vote").click()
        expect(page.get_by_role("cell", name=member.name)).to_be_visible()
        _sign_out(page)

    # --- The supervisor approves the panel's decision.
    _sign_in(page, supervisor)
    page.goto(f"/cases/{case_id}/best-interests/determination")
    page.get_by_role("button", name="Approve the BID").click()
    expect(page.get_by_role("heading", name=re.compile("Current BID"))).to_contain_text(
        "Approved")
    _sign_out(page)

    # --- The caseworker explains the decision to the child, then plans the return.
    _sign_in(page, caseworker)
    page.goto(f"/cases/{case_id}/best-interests/determination")
    page.get_by_label("When the decision was explained").fill(_this_minute())
    page.get_by_label("How the decision was explained to the child, and how they took it"
                      ).fill("In K'iche', with an interpreter; she asked about school.")
    page.get_by_role("button", name="Record the explanation").click()
    _saved(page)
    page.goto(f"/cases/{case_id}")
    expect(_row(page, "bi.bid")).to_have_attribute("data-status", "met")
    _row(page, "return.plan").get_by_role("link", name="Open the form").click()
    page.get_by_label("When the plan was agreed").fill(
        (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("combobox", name="Receiving authority").select_option(
        label="PGN (Guatemala)")
    page.get_by_label("Receiving authority notified on").fill(
        (today - timedelta(days=10)).isoformat())
    page.get_by_label("Family assessed in the country of origin on").fill(
        (today - timedelta(days=12)).isoformat())
    page.get_by_label("Family assessment: findings").fill("Grandmother's home visited: safe.")
    page.get_by_label("The travel documents are ready").check()
    page.get_by_label("Travel documents", exact=True).fill("Consular ID 2026-114")
    page.get_by_label("Specialised escort: name and organisation").fill("Lic. Rosa Pérez, DIF")
    page.get_by_label("Planned departure date").fill(today.isoformat())
    page.get_by_label("Reintegration referral made on").fill(
        (today - timedelta(days=14)).isoformat())
    page.get_by_label(re.compile("signed consent to the reintegration referral")).check()
    page.get_by_label("Referred to (reintegration partner)").fill("KIND Guatemala")
    page.get_by_label("Reintegration plan", exact=True).fill("School and counselling.")
    page.get_by_role("button", name="Record the plan").click()
    _saved(page)

    # --- The return itself, on the workflow's action page: now allowed.
    page.get_by_role("link", name="Record the return to the country of origin").click()
    expect(page.get_by_text("Every checkpoint this action needs is met.")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("Lic. Rosa Pérez, DIF")
    page.get_by_label("When the child left").fill(_this_minute())
    page.get_by_label(re.compile("left with the specialised escort")).check()
    page.get_by_label("The travel documents were checked").check()
    page.get_by_role("button", name=re.compile("^Record: ")).click()
    _saved(page)
    expect(page.locator("[data-return]")).to_have_attribute("data-return", "returned")

    # --- The reception handover, then the first reintegration follow-up.
    page.get_by_role("link", name="Record the reception handover").click()
    page.get_by_label("When the child was handed over").fill(_this_minute())
    page.get_by_label("Receiving entity").select_option(label="PGN (Guatemala)")
    page.get_by_label("Receiving officer: name and post").fill("Lic. Ana Coj, PGN Quetzaltenango")
    page.get_by_label("The child's condition", exact=True).select_option(label="Well")
    page.get_by_role("button", name="Record the handover").click()
    _saved(page)
    expect(_row(page, "return.handover")).to_have_attribute("data-status", "awaiting_sign_off")

    page.get_by_role("link", name="Record a follow-up").click()
    page.get_by_label("Follow-up", exact=True).select_option(label="1 month after return")
    page.get_by_label("When the child was seen").fill(_this_minute())
    page.get_by_label("Psychosocial support").fill("Weekly group at the Casa del Migrante.")
    page.get_by_label("School", exact=True).select_option(label="Attending school or training")
    page.get_by_label("Safety check").fill("No contact with the recruiters.")
    page.get_by_role("button", name="Record the follow-up").click()
    _saved(page)
    expect(page.locator("tr[data-follow-up='1']").first).to_have_attribute("data-state", "done")
    expect(page.locator("tr[data-follow-up='3']").first).to_have_attribute("data-state", "due")
    expect(_row(page, "reint.followup")).to_have_attribute("data-status", re.compile(
        "pending|due_soon"))
    page.screenshot(path=str(SHOTS / "return-after-first-follow-up.png"), full_page=True)
    assert problems.all() == []
