"""The assessment, plan and BID pages through HTTP: who may use them, forms that keep what was
typed and save nothing on error, narratives stored encrypted, and the panel's rules refused
on the server whatever the page showed."""

from __future__ import annotations

import re

import sqlalchemy as sa

from casework.accounts.roles import Role
from casework.audit.models import AuditEvent
from casework.best_interests.models import BestInterestsAssessment, BestInterestsDetermination
from casework.extensions import db
from casework.workflow.models import CaseCheckpoint


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def test_who_may_open_and_post_each_page(client, world, make):
    cw = world("MX", Role.CASEWORKER)
    case = make.case(cw)
    pages = {"assessment": "best-interests/assessment", "plan": "best-interests/plan",
             "bid": "best-interests/determination"}
    expected = {  # role: (assessment, plan, bid page)
        Role.CASEWORKER: (200, 200, 200), Role.SUPERVISOR: (200, 200, 200),
        Role.PARALEGAL: (403, 403, 200), Role.ATTORNEY: (403, 403, 200),
        Role.ADMIN: (403, 403, 403),
    }
    for role, codes in expected.items():
        make.switch_user(client, world("MX", role))
        for path, code in zip(pages.values(), codes, strict=True):
            assert client.get(f"/cases/{case.id}/{path}").status_code == code, (role, path)
    # A panel member who is not a caseworker reads the BID page but cannot draft.
    make.switch_user(client, world("MX", Role.ATTORNEY))
    assert client.post(f"/cases/{case.id}/best-interests/determination",
                       data={"question": "return"}).status_code == 403
    # Another office's staff do not learn that the case exists.
    make.switch_user(client, world("US", Role.CASEWORKER))
    assert client.get(f"/cases/{case.id}/best-interests/determination").status_code == 404


def test_an_invalid_assessment_keeps_what_was_typed_and_saves_nothing(client, world, make):
    cw = world("MX", Role.CASEWORKER)
    case = make.case(cw)
    make.login(client, cw)
    words = "Dice que extraña a su abuela en Totonicapán"
    response = client.post(f"/cases/{case.id}/best-interests/assessment", data={
        "kind": "comprehensive", "assessed_at": make.form_time(hours=2), "child_views": words})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "A comprehensive assessment covers every area." in html and words in html
    assert make.count(BestInterestsAssessment) == 0
    response = client.post(f"/cases/{case.id}/best-interests/assessment", data={
        "kind": "short", "assessed_at": make.form_time(hours=2), "child_views": words,
        "safety": "Threats from a gang in her village"})
    assert response.status_code == 302
    stored = b"".join(make.raw_values("bi_assessment", "areas"))
    assert "Totonicapán".encode() not in stored and b"gang" not in stored
    row = db.session.scalar(sa.select(CaseCheckpoint).where(
        CaseCheckpoint.case_id == case.id, CaseCheckpoint.key == "bi.bia"))
    # A short assessment meets the initial clock; the comprehensive one is due next.
    assert row.state == "pending" and row.due_clock == "comprehensive"


def test_a_plan_needs_a_measure_with_who_is_responsible(client, world, make):
    cw = world("MX", Role.CASEWORKER)
    case = make.case(cw)
    make.assessment(case, cw)
    make.login(client, cw)
    made = make.recent(hours=1)
    data = {"made_at": make.form_time(hours=1),
            "review_on": (made.date().replace(day=1)).isoformat(),
            "measures-0-measure": "Enrol in the shelter's school"}
    response = client.post(f"/cases/{case.id}/best-interests/plan", data=data)
    html = response.get_data(as_text=True)
    assert "Say who is responsible for this measure." in html
    assert "Enrol in the shelter&#39;s school" in html or "Enrol in the shelter's school" in html
    from datetime import timedelta
    data.update({"measures-0-responsible": "Shelter teacher",
                 "review_on": (made + timedelta(days=30)).date().isoformat()})
    assert client.post(f"/cases/{case.id}/best-interests/plan", data=data).status_code == 302
    assert b"Shelter teacher" not in b"".join(make.raw_values("bi_case_plan", "measures"))


BID_FORM = {"question": "return", "recommendation": "return",
            "options": "Return to the grandmother; stay in a DIF shelter.",
            "child_views": "Quiere volver con su abuela.",
            "views_weight": "Decisive: she is 15 and consistent.",
            "reasons": "Safe family; school place; no protection need found."}


def test_the_bid_over_http_drafted_voted_approved_and_explained(client, world, make):
    cw, sup = world("MX", Role.CASEWORKER), world("MX", Role.SUPERVISOR)
    case = make.case(cw)
    make.assessment(case, cw)
    members = make.panel(world.mx)
    db.session.commit()
    base = f"/cases/{case.id}/best-interests/determination"
    make.login(client, cw)
    assert client.post(base, data=BID_FORM).status_code == 302
    bid = db.session.scalar(sa.select(BestInterestsDetermination))
    assert b"abuela" not in b"".join(make.raw_values("bi_determination", "child_views"))
    vote = {"vote": "concur", "confidentiality": "y"}

    # The drafter's own vote, posted by hand: refused, audited, nothing saved.
    response = client.post(f"{base}/{bid.id}/vote", data=vote)
    assert response.status_code == 409
    assert "The drafter of a BID cannot sit on its panel." in response.get_data(as_text=True)
    assert len(events("bid.vote_refused")) == 1 and not bid.votes
    # A caseworker cannot approve.
    assert client.post(f"{base}/{bid.id}/approve").status_code == 403

    make.switch_user(client, members[0])
    missing = client.post(f"{base}/{bid.id}/vote", data={"vote": "concur"})
    assert missing.status_code == 400 and "confidentiality undertaking" in missing.get_data(
        as_text=True)
    assert client.post(f"{base}/{bid.id}/vote", data=vote).status_code == 302
    # Approval with one vote: refused with the reason.
    make.switch_user(client, sup)
    early = client.post(f"{base}/{bid.id}/approve")
    assert early.status_code == 409 and "at least 3" in early.get_data(as_text=True)
    for member in members[1:]:
        make.switch_user(client, member)
        assert client.post(f"{base}/{bid.id}/vote", data=vote).status_code == 302
    make.switch_user(client, sup)
    assert client.post(f"{base}/{bid.id}/approve").status_code == 302
    make.switch_user(client, cw)
    assert client.post(f"{base}/{bid.id}/explain", data={
        "explained_at": make.form_time(minutes=0),
        "explanation": "Explained with a K'iche' interpreter."}).status_code == 302
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'data-bid-status="approved"' in page
    row = db.session.scalar(sa.select(CaseCheckpoint).where(
        CaseCheckpoint.case_id == case.id, CaseCheckpoint.key == "bi.bid"))
    assert row.state == "met"


def test_a_supervisor_reopens_a_bid_with_the_new_facts(client, world, make):
    cw, sup = world("MX", Role.CASEWORKER), world("MX", Role.SUPERVISOR)
    case = make.case(cw)
    make.assessment(case, cw)
    bid = make.approved_bid(case, cw, sup)
    db.session.commit()
    url = f"/cases/{case.id}/best-interests/determination/{bid.id}/reopen"
    make.login(client, cw)
    assert client.post(url, data={"reason": "x" * 30}).status_code == 403
    make.switch_user(client, sup)
    short = client.post(url, data={"reason": "new"})
    assert short.status_code == 400
    reason = "The mother has been located in Chiapas and wants to care for her."
    assert client.post(url, data={"reason": reason}).status_code == 302
    db.session.refresh(bid)
    assert bid.status == "superseded"
    html = client.get(f"/cases/{case.id}/best-interests/determination").get_data(as_text=True)
    assert "Superseded BIDs" in html and reason in html
    assert client.post(url, data={"reason": reason}).status_code == 409  # once only


def test_the_checklist_says_which_assessment_is_due(client, world, make):
    cw = world("MX", Role.CASEWORKER)
    case = make.case(cw)
    make.login(client, cw)

    def bia_row() -> str:
        page = client.get(f"/cases/{case.id}").get_data(as_text=True)
        return page.split('data-checkpoint="bi.bia"')[1].split("</tr>")[0]

    assert 'data-due-clock="initial"' in bia_row() and "Short (initial) assessment" in bia_row()
    make.assessment(case, cw)
    db.session.commit()
    row = bia_row()
    assert 'data-due-clock="comprehensive"' in row and "Comprehensive assessment" in row
    assert re.search(r"due in (29|30) days", row)
