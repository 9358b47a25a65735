"""Return, transfer and reintegration through HTTP: the gated actions' real forms on the
workflow's action page, refused on the server however the request is made."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from casework.accounts.roles import Role
from casework.best_interests import services as bi
from casework.extensions import db
from casework.transfers.models import ReturnPlan, TransferPlan
from casework.workflow.models import ActionRecord

RETURN_FORM = {"escort_confirmed": "y", "documents_checked": "y",
               "note": "Left from Tapachula airport with the DIF escort."}


def actions() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(ActionRecord))


def return_ready(world, make):
    cw, sup = world("MX", Role.CASEWORKER), world("MX", Role.SUPERVISOR)
    case = make.case(cw)
    make.screening(case, cw, "trafficking")
    make.screening(case, world("MX", Role.ATTORNEY), "protection")
    make.legal_screening(case, world("MX", Role.ATTORNEY))  # legal.screening gates a return
    make.assessment(case, cw)
    make.case_plan(case, cw)
    make.approved_bid(case, cw, sup)
    db.session.commit()
    return case


def test_a_return_plan_page_refuses_without_the_bid_and_records_with_it(client, world, make):
    cw = world("MX", Role.CASEWORKER)
    bare = make.case(cw)
    make.login(client, cw)
    html = client.get(f"/cases/{bare.id}/return").get_data(as_text=True)
    assert "approved, current BID that recommends it (R5)" in html
    assert 'name="escort"' not in html  # no form to fill in
    case = return_ready(world, make)
    today = make.recent(minutes=0).date()
    data = {"planned_at": make.form_time(hours=1), "receiving_authority": "pgn",
            "authority_notified_on": today.isoformat(),
            "family_assessed_on": today.isoformat(),
            "family_assessment": "Grandmother in Momostenango; safe home visited.",
            "travel_documents_ready": "y", "travel_documents": "Consular ID",
            "escort": "Lic. Rosa Pérez, DIF", "referral_made_on": today.isoformat(),
            "referral_consent": "y", "reintegration_partner": "KIND Guatemala",
            "reintegration_plan": "School and counselling.", "departure_on": today.isoformat()}
    early = client.post(f"/cases/{case.id}/return", data=data)
    assert early.status_code == 200 and "earliest departure" in early.get_data(as_text=True)
    assert "Momostenango" in early.get_data(as_text=True)  # kept
    assert make.count(ReturnPlan) == 0
    data["referral_made_on"] = (today - timedelta(days=10)).isoformat()
    assert client.post(f"/cases/{case.id}/return", data=data).status_code == 302
    assert b"Momostenango" not in b"".join(make.raw_values("return_plan", "family_assessment"))


def test_the_return_through_its_form_then_a_replayed_post(client, world, make):
    case = return_ready(world, make)
    cw = world("MX", Role.CASEWORKER)
    make.return_plan(case, cw)
    db.session.commit()
    url = f"/cases/{case.id}/actions/record-return"
    make.login(client, cw)
    page = client.get(url).get_data(as_text=True)
    assert "Every checkpoint this action needs is met." in page
    assert "Lic. Rosa Pérez, DIF" in page  # what the return acts on: the plan's escort
    form = dict(RETURN_FORM, occurred_at=make.form_time(minutes=1))
    incomplete = client.post(url, data={"occurred_at": form["occurred_at"]})
    assert incomplete.status_code == 200 and actions() == 0  # the checks are ticked first
    assert client.post(url, data=form).status_code == 302
    assert actions() == 1
    replay = client.post(url, data=form)
    assert replay.status_code == 409 and actions() == 1
    assert "Return plan" in replay.get_data(as_text=True)


def test_a_return_posted_after_the_bid_was_reopened_is_refused(client, world, make):
    case = return_ready(world, make)
    cw, sup = world("MX", Role.CASEWORKER), world("MX", Role.SUPERVISOR)
    make.return_plan(case, cw)
    bi.reopen_bid(bi.current_bid(case), "The child disclosed abuse at home yesterday.",
                  actor=sup)
    db.session.commit()
    make.login(client, sup)
    response = client.post(f"/cases/{case.id}/actions/record-return",
                           data=dict(RETURN_FORM, occurred_at=make.form_time(minutes=1)))
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "BID still current" in html and "R5" in html
    assert actions() == 0


def test_a_transfer_through_its_form_moves_the_case_and_the_handover_closes_it(client, world,
                                                                              make):
    mx_cw, sup = world("MX", Role.CASEWORKER), world("MX", Role.SUPERVISOR)
    us_cw, mx_pl = world("US", Role.CASEWORKER), world("MX", Role.PARALEGAL)
    case = make.case(mx_cw)
    make.consent(case, mx_cw)
    make.assessment(case, mx_cw)
    make.case_plan(case, mx_cw)
    make.approved_bid(case, mx_cw, sup, recommendation="transfer_us")
    db.session.commit()
    make.login(client, mx_cw)
    today = make.recent(minutes=0).date().isoformat()
    plan = {"planned_at": make.form_time(hours=3), "to_office": str(world.us.id),
            "family": "Aunt in Houston, verified by home visit", "legal_pathway": "parole",
            "measure_on": today, "measure": "Medida PPNNA-12/2026", "escort": "Lic. Ruiz, DIF",
            "mx_authorities_notified_on": today, "us_authorities_notified_on": today,
            "consulates_notified_on": today}
    assert client.post(f"/cases/{case.id}/transfer", data=plan).status_code == 302
    assert b"Houston" not in b"".join(make.raw_values("transfer_plan", "family"))
    url = f"/cases/{case.id}/actions/record-transfer"
    assert world.us.name in client.get(url).get_data(as_text=True)
    assert client.post(url, data={"occurred_at": make.form_time(hours=1),
                                  "escort_confirmed": "y"}).status_code == 302
    db.session.refresh(case)
    assert case.office_id == world.us.id
    # Both offices see it during the handover, and the page says so.
    for user in (mx_pl, us_cw):
        make.switch_user(client, user)
        page = client.get(f"/cases/{case.id}")
        assert page.status_code == 200
        assert 'data-transfer="in_transfer"' in page.get_data(as_text=True)
    handover = {"handed_over_at": make.form_time(minutes=1),
                "received_by": "Officer Lee, ORR Houston", "child_condition": "well"}
    make.switch_user(client, mx_pl)
    assert client.post(f"/cases/{case.id}/transfer/handover",
                       data=handover).status_code == 403  # a paralegal does not record it
    make.switch_user(client, mx_cw)
    refused = client.post(f"/cases/{case.id}/transfer/handover", data=handover)
    assert "The receiving office records the handover." in refused.get_data(as_text=True)
    make.switch_user(client, us_cw)
    assert client.post(f"/cases/{case.id}/transfer/handover",
                       data=handover).status_code == 302
    assert db.session.scalar(sa.select(TransferPlan.handed_over_at)) is not None
    make.switch_user(client, mx_pl)
    assert client.get(f"/cases/{case.id}").status_code == 404


def test_reintegration_follow_ups_after_a_return(client, world, make):
    from casework.transfers import services as tr

    case = return_ready(world, make)
    cw = world("MX", Role.CASEWORKER)
    make.login(client, cw)
    assert "come after a recorded return" in client.get(
        f"/cases/{case.id}/reintegration").get_data(as_text=True)
    make.return_plan(case, cw)
    tr.record_return(case, tr.ActionDetails(make.recent(minutes=0)), actor=cw)
    db.session.commit()
    data = {"month": "1", "contacted_at": make.form_time(minutes=0),
            "psychosocial": "Group sessions at the Casa del Migrante",
            "school": "enrolled", "safety": ""}
    bad = client.post(f"/cases/{case.id}/reintegration", data=data)
    assert "Record the safety check." in bad.get_data(as_text=True)
    data["safety"] = "No contact with the recruiters."
    assert client.post(f"/cases/{case.id}/reintegration", data=data).status_code == 302
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'data-follow-up="1" data-state="done"' in page
    assert 'data-follow-up="3" data-state="due"' in page
    assert b"recruiters" not in b"".join(make.raw_values("reintegration_follow_up", "safety"))


def test_an_overdue_follow_up_shows_on_the_case_page_and_the_dashboard(client, world, make,
                                                                       signin):
    from casework.models import utcnow
    from casework.transfers import services as tr
    from casework.workflow import engine

    case = return_ready(world, make)
    cw, sup = world("MX", Role.CASEWORKER), world("MX", Role.SUPERVISOR)
    make.return_plan(case, cw)
    tr.record_return(case, tr.ActionDetails(make.recent(minutes=0)), actor=cw)
    # Backdated, as records cannot be dated in the future: returned 100 days ago.
    tr.last_return(case).returned_at = utcnow() - timedelta(days=100)
    db.session.flush()
    engine.refresh(case)
    tr.record_follow_up(case, tr.FollowUpDetails(1, make.recent(minutes=5), "Seen.",
                                                 "enrolled", "Safe."), actor=cw)
    db.session.commit()
    make.login(client, cw)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    reint = page.split('data-checkpoint="reint.followup"')[1].split("</tr>")[0]
    # The 1-month follow-up is done; the 3-month one (about 91 days) is the overdue one.
    assert 'data-status="overdue"' in reint
    assert 'data-due-clock="m3"' in reint and "3 months after return" in reint
    assert re.search(r"\d+ days? overdue", reint)
    assert 'data-follow-up="3" data-state="overdue"' in page
    form = client.get(f"/cases/{case.id}/reintegration").get_data(as_text=True)
    assert "3 months after return: Due" in form
    browser = signin(sup)
    listed = browser.get("/supervision/cases?key=reint.followup&status=overdue").get_data(
        as_text=True)
    assert case.number in listed
    dashboard = browser.get("/supervision").get_data(as_text=True)
    cells = re.findall(r'data-column="overdue"><a href="([^"]+)">(\d+)<span', dashboard)
    assert ("key=reint.followup", "1") in {(h.split("&amp;")[0].split("?")[1], n)
                                            for h, n in cells}
