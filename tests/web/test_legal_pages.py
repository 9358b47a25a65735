"""The legal pages through HTTP: who may read and who may record (from the catalogue),
forms that reject bad input beside the field and save nothing, valid records, the gate on
filings, pages that do not apply to a case, the case page's legal panel and My calendar."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from casework.accounts.roles import Role
from casework.audit.models import AuditEvent
from casework.extensions import db
from casework.legal import services as legal
from casework.legal.models import (
    AddressChange,
    ComarClaim,
    Eoir33Filing,
    Hearing,
    KnowYourRights,
    LegalScreening,
    ReliefFiling,
    RemovalProceeding,
    Representation,
)
from casework.workflow.models import CaseCheckpoint


def today() -> date:
    return datetime.now(UTC).date()


def day(n: int = 0) -> str:
    return (today() - timedelta(days=n)).isoformat()


def beside(html: str, field_id: str, message: str) -> bool:
    """The message is in the error block that belongs to this field."""
    m = re.search(rf'id="{re.escape(field_id)}-errors"[^>]*>([^<]*)<', html)
    return bool(m) and message in m.group(1)


def page_html(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


# --- who may read and record -------------------------------------------------------------

# path, country of the case, roles that may read it (GET), roles that may record (POST).
# Legal staff read every legal page; the screening's result and representation stay the
# attorney's, and so do US filings (POLICY.md); a COMAR claim is an attorney's or a
# caseworker's; a paralegal enters know-your-rights sessions and hearings.
LEGAL_AND_SUP = {Role.PARALEGAL, Role.ATTORNEY, Role.SUPERVISOR}
ACCESS = [
    ("know-your-rights", "MX", LEGAL_AND_SUP, {Role.PARALEGAL, Role.SUPERVISOR}),
    ("legal-screening", "US", LEGAL_AND_SUP, {Role.ATTORNEY}),
    ("representation", "US", LEGAL_AND_SUP, {Role.ATTORNEY}),
    ("proceedings", "US", LEGAL_AND_SUP, {Role.PARALEGAL, Role.ATTORNEY}),
    ("relief", "US", LEGAL_AND_SUP, {Role.ATTORNEY}),
    ("comar", "MX", LEGAL_AND_SUP | {Role.CASEWORKER},
     {Role.ATTORNEY, Role.CASEWORKER, Role.SUPERVISOR}),
    ("legal-notes", "US", {Role.PARALEGAL, Role.ATTORNEY}, {Role.PARALEGAL, Role.ATTORNEY}),
]


@pytest.mark.parametrize(("path", "country", "readers", "recorders"), ACCESS,
                         ids=[a[0] for a in ACCESS])
def test_each_page_answers_the_roles_the_catalogue_names(client, world, make, path, country,
                                                         readers, recorders):
    case = make.case(world(country, Role.CASEWORKER))
    url = f"/cases/{case.id}/{path}"
    for role in Role:
        make.switch_user(client, world(country, role))
        got = client.get(url).status_code
        assert got == (200 if role in readers else 403), (role, got)
        posted = client.post(url, data={}).status_code
        assert (posted != 403) is (role in recorders), (role, posted)
    for model in (KnowYourRights, LegalScreening, Representation, RemovalProceeding,
                  ReliefFiling, ComarClaim):
        assert make.count(model) == 0


def test_a_reader_sees_the_records_but_no_form(client, world, make):
    case = make.case(world("US", Role.CASEWORKER))
    make.legal_screening(case, world("US", Role.ATTORNEY), identified=["asylum"])
    make.switch_user(client, world("US", Role.SUPERVISOR))
    html = page_html(client, f"/cases/{case.id}/legal-screening")
    assert "Your role can read these records but not add one." in html
    assert "Possible relief identified" in html and 'name="considered"' not in html


def test_a_case_of_another_office_is_not_found(client, world, make):
    case = make.case(world("MX", Role.CASEWORKER))
    make.switch_user(client, world("US", Role.ATTORNEY))
    for path in ("legal-screening", "representation", "relief", "legal-notes"):
        assert client.get(f"/cases/{case.id}/{path}").status_code == 404
        assert client.post(f"/cases/{case.id}/{path}", data={}).status_code == 404


# --- bad input: a message beside the field, what was typed kept, nothing saved -------------

@dataclass
class Bad:
    name: str
    country: str
    role: Role
    path: str
    data: dict
    field_id: str
    message: str
    kept: str
    model: type
    case: dict | None = None
    setup: str = ""  # what the case needs first: "representation", "proceeding"


BAD = [
    Bad("hearing in the past marked as upcoming", "US", Role.PARALEGAL, "proceedings/hearings",
        {"hearing-kind": "master_calendar", "hearing-judge": "Judge Rosa Park",
         "hearing-outcome": ""},
        "hearing-scheduled_at", "A hearing in the past cannot be upcoming",
        "Judge Rosa Park", Hearing, setup="proceeding"),
    Bad("I-360 after the 21st birthday", "US", Role.ATTORNEY, "relief",
        {"kind": "sijs_i360", "filed_on": day(0), "receipt_number": "IOE0999888777"},
        "filed_on", "before the 21st birthday", "IOE0999888777", ReliefFiling,
        case={"birth_date": date(today().year - 22, 6, 15)}, setup="representation"),
    Bad("G-28 before intake", "US", Role.ATTORNEY, "representation",
        {"kind": "attorney_of_record", "started_on": day(0), "g28_on": day(5),
         "eoir28_on": day(0)},
        "g28_on", "before the child's intake", day(0), Representation),
    Bad("COMAR claim filed late without the reason", "MX", Role.CASEWORKER, "comar",
        {"entered_on": day(70), "filed_on": day(0), "reference": "COMAR-TAP-2026-77"},
        "late_reason", "give the reason for filing late", "COMAR-TAP-2026-77", ComarClaim,
        case={"encountered_at": None}, setup="representation"),
    Bad("relief identified that was not considered", "US", Role.ATTORNEY, "legal-screening",
        {"considered": ["asylum"], "identified": ["t_visa"], "analysis": "Worked in a field",
         "wishes_to_apply": "y"},
        "identified", "only among the relief considered", "Worked in a field", LegalScreening),
    Bad("A-number with too few digits", "US", Role.PARALEGAL, "proceedings",
        {"a_number": "A-12-34", "court": "Houston Immigration Court", "nta_on": day(0)},
        "a_number", "8 or 9 digits", "Houston Immigration Court", RemovalProceeding),
    Bad("address change in the future", "US", Role.PARALEGAL, "proceedings/address",
        {"address-changed_on": day(-3), "address-reason": "release",
         "address-address": "12 Elm Street, Austin"},
        "address-changed_on", "cannot be in the future", "12 Elm Street, Austin",
        AddressChange, setup="proceeding"),
    Bad("EOIR-33 before the notice to appear", "US", Role.PARALEGAL, "proceedings/eoir-33",
        {"eoir33-filed_on": day(1), "eoir33-confirmation": "ECAS-5551"},
        "eoir33-filed_on", "after the notice to appear", "ECAS-5551", Eoir33Filing,
        setup="proceeding"),
]


@pytest.mark.parametrize("bad", BAD, ids=[b.name for b in BAD])
def test_bad_input_is_refused_beside_the_field_and_nothing_is_saved(client, world, make, bad):
    overrides = dict(bad.case or {})
    if "encountered_at" in overrides:
        overrides["encountered_at"] = make.recent(days=60)
    case = make.case(world(bad.country, Role.CASEWORKER), **overrides)
    if bad.setup == "representation":
        make.representation(case, world(bad.country, Role.ATTORNEY))
    if bad.setup == "proceeding":
        make.proceeding(case, world(bad.country, Role.PARALEGAL))
    db.session.commit()
    before = make.count(bad.model)
    make.switch_user(client, world(bad.country, bad.role))
    data = dict(bad.data)
    if bad.field_id == "hearing-scheduled_at":
        data["hearing-scheduled_at"] = make.form_time(hours=2)
    response = client.post(f"/cases/{case.id}/{bad.path}", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert beside(html, bad.field_id, bad.message), html[html.find("invalid-feedback") - 300:][
        :900]
    assert bad.kept in html
    assert 'aria-invalid="true"' in html
    db.session.rollback()
    assert make.count(bad.model) == before


# --- valid records ---------------------------------------------------------------------------

def test_an_attorney_records_representation_and_joins_the_team(client, world, make):
    attorney = world("US", Role.ATTORNEY)
    case = make.case(world("US", Role.CASEWORKER))
    make.switch_user(client, attorney)
    html = page_html(client, f"/cases/{case.id}/representation")
    assert f'<option selected value="{attorney.id}">' in html
    response = client.post(f"/cases/{case.id}/representation", data={
        "kind": "attorney_of_record", "attorney_id": str(attorney.id), "started_on": day(0),
        "g28_on": day(0), "eoir28_on": "", "l3a_on": ""})
    assert response.status_code == 302
    db.session.rollback()
    rep = db.session.scalars(sa.select(Representation)).one()
    assert (rep.attorney_id, rep.g28_on) == (attorney.id, today())
    db.session.refresh(case)
    assert attorney.id in {m.user_id for m in case.team}
    state = db.session.scalar(sa.select(CaseCheckpoint.state).where(
        CaseCheckpoint.case_id == case.id, CaseCheckpoint.key == "legal.representation"))
    assert state == "met"


def test_a_referral_is_updated_then_withdrawn(client, world, make):
    attorney = world("MX", Role.ATTORNEY)
    case = make.case(world("MX", Role.CASEWORKER))
    rep = make.representation(case, attorney, kind="pro_bono_referral", attorney_id=None,
                              counsel="Clínica Jurídica Tijuana", referral_status="referred")
    db.session.commit()
    make.switch_user(client, attorney)
    prefix = f"r-{rep.id.hex}-"
    stale = client.post(f"/cases/{case.id}/representation/update", data={
        "record": str(rep.id), prefix + "referral_status": "accepted",
        prefix + "accepted_on": day(0), prefix + "version": str(rep.version + 5)})
    assert stale.status_code == 409
    assert "Someone else changed this record" in stale.get_data(as_text=True)
    ok = client.post(f"/cases/{case.id}/representation/update", data={
        "record": str(rep.id), prefix + "referral_status": "accepted",
        prefix + "accepted_on": day(0), prefix + "version": str(rep.version)})
    assert ok.status_code == 302
    db.session.rollback()
    assert db.session.get(Representation, rep.id).referral_status == "accepted"
    html = page_html(client, f"/cases/{case.id}/representation")
    assert "data-confirm=" in html  # the withdrawal asks first
    wprefix = f"w-{rep.id.hex}-"
    missing_reason = client.post(f"/cases/{case.id}/representation/withdraw", data={
        "record": str(rep.id), wprefix + "withdrawn_on": day(0), wprefix + "reason": ""})
    assert beside(missing_reason.get_data(as_text=True), wprefix + "reason",
                  "Give the reason for the withdrawal.")
    done = client.post(f"/cases/{case.id}/representation/withdraw", data={
        "record": str(rep.id), wprefix + "withdrawn_on": day(0),
        wprefix + "reason": "The clinic closed its children's program."})
    assert done.status_code == 302
    db.session.rollback()
    assert db.session.get(Representation, rep.id).withdrawn_on == today()
    assert b"clinic closed" not in make.raw_values("legal_representation",
                                                   "withdrawal_reason")[0]


def test_an_unknown_record_id_is_refused_without_a_trace_of_another_case(client, world, make):
    attorney = world("US", Role.ATTORNEY)
    mine, other = make.case(world("US", Role.CASEWORKER)), make.case(world("US", Role.CASEWORKER))
    theirs = make.representation(other, attorney)
    db.session.commit()
    make.switch_user(client, attorney)
    response = client.post(f"/cases/{mine.id}/representation/withdraw", data={
        "record": str(theirs.id), f"w-{theirs.id.hex}-withdrawn_on": day(0),
        f"w-{theirs.id.hex}-reason": "Trying another case's record."})
    assert response.status_code == 302
    db.session.rollback()
    assert db.session.get(Representation, theirs.id).withdrawn_on is None


def test_a_paralegal_records_proceedings_a_hearing_and_its_outcome(client, world, make):
    paralegal = world("US", Role.PARALEGAL)
    case = make.case(world("US", Role.CASEWORKER), a_number="012345678")
    make.switch_user(client, paralegal)
    html = page_html(client, f"/cases/{case.id}/proceedings")
    assert 'value="012345678"' in html  # the case's A-number, offered
    assert client.post(f"/cases/{case.id}/proceedings", data={
        "a_number": "012345678", "court": "Chicago Immigration Court",
        "nta_on": day(0)}).status_code == 302
    upcoming = (today() + timedelta(days=21)).isoformat() + "T14:30"
    assert client.post(f"/cases/{case.id}/proceedings/hearings", data={
        "hearing-kind": "master_calendar", "hearing-scheduled_at": upcoming,
        "hearing-judge": "Judge Amaya", "hearing-outcome": ""}).status_code == 302
    html = page_html(client, f"/cases/{case.id}/proceedings")
    assert "Chicago Immigration Court" in html and "Upcoming" in html
    db.session.rollback()
    hearing = db.session.scalars(sa.select(Hearing)).one()
    hearing.scheduled_at = make.recent(hours=3)  # time passes
    db.session.commit()
    html = page_html(client, f"/cases/{case.id}/proceedings")
    assert "Outcome not recorded" in html
    prefix = f"h-{hearing.id.hex}-"
    next_at = (today() + timedelta(days=90)).isoformat() + "T09:00"
    assert client.post(f"/cases/{case.id}/proceedings/outcome", data={
        "record": str(hearing.id), prefix + "outcome": "continued", prefix + "next_at": next_at,
        prefix + "next_kind": "individual_merits"}).status_code == 302
    db.session.rollback()
    assert sorted((h.outcome or "") for h in db.session.scalars(sa.select(Hearing))) == [
        "", "continued"]


def test_a_filing_without_counsel_is_refused_with_its_reason(client, world, make):
    case = make.case(world("US", Role.CASEWORKER))
    make.switch_user(client, world("US", Role.ATTORNEY))
    html = page_html(client, f"/cases/{case.id}/relief")
    assert "A filing will be refused until" in html
    response = client.post(f"/cases/{case.id}/relief", data={
        "kind": "asylum_i589", "filed_on": day(0)})
    assert response.status_code == 409
    assert "Attorney of record" in response.get_data(as_text=True)
    assert make.count(ReliefFiling) == 0
    refused = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "action.refused")).one()
    assert refused.details["action"] == "file-relief" and refused.outcome == "refused"


def test_a_mexican_case_has_no_proceedings_to_record(client, world, make):
    case = make.case(world("MX", Role.CASEWORKER))
    make.switch_user(client, world("MX", Role.PARALEGAL))
    html = page_html(client, f"/cases/{case.id}/proceedings")
    assert "recorded on cases of a US office" in html
    assert 'name="a_number"' not in html
    response = client.post(f"/cases/{case.id}/proceedings", data={
        "a_number": "012345678", "court": "Tijuana", "nta_on": day(0)})
    assert response.status_code == 409
    assert make.count(RemovalProceeding) == 0


# --- the case page's legal panel -------------------------------------------------------------

def test_the_case_page_flags_a_child_without_counsel(client, world, make):
    case = make.case(world("US", Role.CASEWORKER))
    make.switch_user(client, world("US", Role.CASEWORKER))
    html = page_html(client, f"/cases/{case.id}")
    assert 'data-flag="no-attorney"' in html
    attorney = world("US", Role.ATTORNEY)
    make.representation(case, attorney)
    make.proceeding(case, world("US", Role.PARALEGAL))
    make.hearing(case, world("US", Role.PARALEGAL))
    db.session.commit()
    html = page_html(client, f"/cases/{case.id}")
    assert 'data-flag="no-attorney"' not in html
    assert attorney.name in html and "Next hearing" in html
    assert "San Antonio Immigration Court" in html


def test_the_case_page_shows_an_age_out_alert(client, world, make):
    turning = today() + timedelta(days=30)
    case = make.case(world("MX", Role.CASEWORKER),
                     birth_date=legal.birthday(turning, -18))
    make.switch_user(client, world("MX", Role.CASEWORKER))
    assert 'data-age-out="18"' in page_html(client, f"/cases/{case.id}")


# --- My calendar --------------------------------------------------------------------------

def test_my_calendar_lists_the_users_cases_in_date_order(client, world, make):
    attorney, paralegal = world("US", Role.ATTORNEY), world("US", Role.PARALEGAL)
    first = make.case(world("US", Role.CASEWORKER))
    second = make.case(world("US", Role.CASEWORKER))
    not_mine = make.case(world("US", Role.CASEWORKER))
    for case, days in ((first, 40), (second, 10), (not_mine, 5)):
        make.proceeding(case, paralegal)
        make.hearing(case, paralegal,
                     scheduled_at=make.recent(minutes=0) + timedelta(days=days))
    make.on_team(first, attorney)
    make.on_team(second, attorney)
    make.switch_user(client, attorney)
    html = page_html(client, "/cases/calendar")
    rows = re.findall(r'<tr data-kind="(\w+)".*?(US-\d{4}-\d{5})', html, flags=re.S)
    hearings = [number for kind, number in rows if kind == "hearing"]
    assert hearings == [second.number, first.number]
    assert not_mine.number not in html
    whens = re.findall(r'<tr data-kind="\w+"[^>]*>\s*<td class="nowrap">([^<]+)<', html)
    assert len(whens) == len(rows)
    # The deadlines of the same cases are on it too, and nothing of another's case.
    assert "Due: Know-your-rights orientation" in html


def test_my_calendar_is_for_legal_staff_and_in_their_menu(client, world, make):
    for role in Role:
        make.switch_user(client, world("MX", role))
        allowed = role in (Role.PARALEGAL, Role.ATTORNEY)
        assert client.get("/cases/calendar").status_code == (200 if allowed else 403)
        menu = client.get("/account/password").get_data(as_text=True)
        assert ('href="/cases/calendar"' in menu) is allowed


def test_an_empty_calendar_says_so(client, world, make):
    make.switch_user(client, world("US", Role.PARALEGAL))
    assert "Nothing on your calendar" in page_html(client, "/cases/calendar")


def test_the_calendar_links_only_to_pages_the_role_may_open(client, world, make):
    paralegal = world("US", Role.PARALEGAL)
    turning = today() + timedelta(days=20)
    case = make.case(world("US", Role.CASEWORKER),
                     birth_date=legal.birthday(turning, -18))
    make.orientation(case, paralegal)  # the legal screening falls due: an attorney's form
    make.proceeding(case, paralegal)
    make.hearing(case, paralegal)
    make.on_team(case, paralegal)
    make.switch_user(client, paralegal)
    html = page_html(client, "/cases/calendar")
    kinds = re.findall(r'<tr data-kind="(\w+)"', html)
    assert {"hearing", "deadline", "age_out"} <= set(kinds)
    assert "Due: Legal relief screening" in html
    # An attorney records the screening; a paralegal may read the page, so it is linked.
    assert f'href="/cases/{case.id}/legal-screening"' in html
    assert f'href="/cases/{case.id}/proceedings"' in html
    assert f'href="/cases/{case.id}"' in html


def test_per_record_forms_show_their_errors_beside_their_fields(client, world, make):
    attorney, paralegal = world("US", Role.ATTORNEY), world("US", Role.PARALEGAL)
    case = make.case(world("US", Role.CASEWORKER))
    make.representation(case, attorney)
    filing = make.relief_filing(case, attorney)
    make.proceeding(case, paralegal)
    hearing = make.hearing(case, paralegal)
    hearing.scheduled_at = make.recent(hours=2)
    db.session.commit()
    make.switch_user(client, attorney)
    f = f"f-{filing.id.hex}-"
    response = client.post(f"/cases/{case.id}/relief/update", data={
        "record": str(filing.id), f + "decision": "granted", f + "receipt_number": "EAC123"})
    html = response.get_data(as_text=True)
    assert beside(html, f + "decided_on", "Give the day of the decision.")
    assert 'value="EAC123"' in html
    h = f"h-{hearing.id.hex}-"
    response = client.post(f"/cases/{case.id}/proceedings/outcome", data={
        "record": str(hearing.id), h + "outcome": "held",
        h + "next_at": make.form_time(hours=1), h + "next_kind": "other"})
    assert beside(response.get_data(as_text=True), h + "next_at",
                  "The next hearing is in the future.")
    db.session.rollback()
    assert db.session.get(Hearing, hearing.id).outcome is None
    assert db.session.get(ReliefFiling, filing.id).decision is None


def test_an_ended_representation_is_not_changed(client, world, make):
    attorney = world("US", Role.ATTORNEY)
    case = make.case(world("US", Role.CASEWORKER))
    rep = make.representation(case, attorney)
    legal.withdraw_representation(case, rep.id, today(), "Moved.", actor=attorney)
    db.session.commit()
    make.switch_user(client, attorney)
    response = client.post(f"/cases/{case.id}/representation/update", data={
        "record": str(rep.id), f"r-{rep.id.hex}-eoir28_on": day(0)}, follow_redirects=True)
    assert "This representation has ended" in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.get(Representation, rep.id).eoir28_on is None
