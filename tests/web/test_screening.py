"""The consent, custody and screening pages through HTTP: who may use them, validation that
keeps what was typed and saves nothing, and records whose narrative is stored encrypted."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa

from casework.accounts.roles import Role
from casework.audit.models import AuditEvent
from casework.extensions import db
from casework.screening.models import Consent, CustodyEvent, Screening
from casework.workflow.models import CaseCheckpoint, State


@dataclass
class Page:
    endpoint: str
    path: str
    key: str  # the checkpoint it completes
    recorder: Role
    refused: tuple[Role, ...]
    time_field: str
    valid: dict
    invalid: dict
    error: str  # shown beside a field of the invalid post
    kept: str  # typed in the invalid post, still in the form
    model: type
    table: str
    secret_column: str
    empty: str
    country: str = "MX"
    case: dict = field(default_factory=dict)
    completes: bool = True  # one valid post meets the checkpoint

    def url(self, case) -> str:
        return f"/cases/{case.id}/{self.path}"

    def data(self, values: dict, make) -> dict:
        return {self.time_field: make.form_time(hours=1), **values}


PAGES = [
    Page("screening.consent", "consent", "intake.consent", Role.CASEWORKER,
         (Role.PARALEGAL, Role.ADMIN), "given_at",
         valid={"language": "quc", "interpreter_used": "y", "interpreter_name": "Ana Tum",
                "understood": "y", "sharing_scope": ["legal_service_provider", "family"],
                "notes": "Mother lives in Quetzaltenango"},
         invalid={"language": "es", "understood": "y", "never_share_with_origin": "y",
                  "may_contact_origin_country": "y", "notes": "Mother lives in Quetzaltenango"},
         error="This contradicts", kept="Mother lives in Quetzaltenango", model=Consent,
         table="consent", secret_column="notes", empty="No consent recorded yet."),
    Page("screening.custody", "custody", "custody.timeline", Role.CASEWORKER,
         (Role.PARALEGAL, Role.ATTORNEY, Role.ADMIN), "occurred_at",
         valid={"kind": "dif_handover", "details": "Acta DIF-77/2026, albergue Tijuana"},
         invalid={"kind": "dif_handover", "details": ""},
         error="Give the reference of the written record", kept="dif_handover",
         model=CustodyEvent, table="custody_event", secret_column="details",
         empty="No custody step recorded yet.", completes=False),
    Page("screening.safety", "screenings/safety", "screen.safety", Role.CASEWORKER,
         (Role.PARALEGAL, Role.ATTORNEY, Role.ADMIN), "completed_at",
         valid={"outcome": "needs_addressed", "findings": "Untreated wound on the left hand"},
         invalid={"outcome": "referred", "findings": "Untreated wound on the left hand"},
         error="This outcome needs a referral", kept="Untreated wound on the left hand",
         model=Screening, table="screening", secret_column="findings",
         empty="No screening recorded yet."),
    Page("screening.trafficking", "screenings/trafficking", "screen.trafficking",
         Role.CASEWORKER, (Role.PARALEGAL, Role.ATTORNEY, Role.ADMIN), "completed_at",
         valid={"outcome": "indicators_referred", "referral_made": "y",
                "referral_to": "Fiscalía contra la trata, Tapachula",
                "findings": "Was made to work in a bar in Tapachula"},
         invalid={"outcome": "indicators_referred",
                  "findings": "Was made to work in a bar in Tapachula"},
         error="This outcome needs a referral", kept="Was made to work in a bar in Tapachula",
         model=Screening, table="screening", secret_column="referral_to",
         empty="No screening recorded yet."),
    Page("screening.contiguous", "screenings/contiguous", "screen.contiguous", Role.PARALEGAL,
         (Role.CASEWORKER, Role.ADMIN), "completed_at",
         valid={"trafficking_risk": "no", "credible_fear": "yes", "can_decide": "no",
                "interpreter_used": "y", "findings": "Says the cartel killed his brother"},
         invalid={"credible_fear": "yes", "findings": "Says the cartel killed his brother"},
         error="Answer yes or no.", kept="Says the cartel killed his brother",
         model=Screening, table="screening", secret_column="findings",
         empty="No screening recorded yet.", country="US",
         case={"nationality": "MX", "encounter_type": "port_of_entry"}),
    Page("screening.protection", "screenings/protection", "screen.protection", Role.ATTORNEY,
         (Role.CASEWORKER, Role.ADMIN), "completed_at",
         valid={"outcome": "fear_or_need_identified",
                "findings": "Fears the gang that killed her father"},
         invalid={"outcome": "fear_or_need_identified", "referral_to": "Casa Alianza"},
         error="This outcome needs the findings", kept="Casa Alianza",
         model=Screening, table="screening", secret_column="findings",
         empty="No screening recorded yet."),
]
IDS = [p.endpoint for p in PAGES]


def setup(world, make, client, page: Page, role: Role | None = None):
    """A case of the page's country, and a signed-in user of `role` (default: recorder)."""
    case = make.case(world(page.country, Role.CASEWORKER), **page.case)
    make.switch_user(client, world(page.country, role or page.recorder))
    return case


@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_renders_for_a_recorder_with_its_empty_state(client, world, make, page):
    case = setup(world, make, client, page)
    response = client.get(page.url(case))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert page.empty in html
    assert f'name="{page.time_field}"' in html
    assert 'for="' + page.time_field + '"' in html  # labelled
    viewed = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.case_id == case.id)
                                .order_by(AuditEvent.seq.desc())).first()
    assert viewed.action.endswith(".view")


@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_refused_to_a_role_the_catalogue_does_not_name(client, world, make, page):
    case = make.case(world(page.country, Role.CASEWORKER), **page.case)
    for role in page.refused:
        make.switch_user(client, world(page.country, role))
        assert client.get(page.url(case)).status_code == 403
        assert client.post(page.url(case), data=page.data(page.valid, make)).status_code == 403
    assert make.count(page.model) == 0


@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_a_case_of_another_office_is_not_found(client, world, make, page):
    other = "US" if page.country == "MX" else "MX"
    case = make.case(world(page.country, Role.CASEWORKER), **page.case)
    make.switch_user(client, world(other, page.recorder))
    assert client.get(page.url(case)).status_code == 404
    assert client.post(page.url(case), data=page.data(page.valid, make)).status_code == 404
    assert make.count(page.model) == 0


@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_errors_keep_what_was_typed_and_save_nothing(client, world, make, page):
    case = setup(world, make, client, page)
    data = page.data(page.invalid, make)
    response = client.post(page.url(case), data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert page.error in html
    assert "Nothing you typed has been lost" in html
    assert page.kept in html
    assert data[page.time_field] in html
    assert 'aria-invalid="true"' in html or "invalid-feedback d-block" in html
    assert make.count(page.model) == 0


@pytest.mark.parametrize("page", PAGES, ids=IDS)
@pytest.mark.parametrize(("ago", "message"), [
    ({"hours": -2}, "cannot be in the future"),
    ({"days": 3}, "before the child was encountered"),
])
def test_dates_in_the_future_or_before_the_encounter_are_refused(client, world, make, page,
                                                                 ago, message):
    case = setup(world, make, client, page)
    data = {**page.data(page.valid, make), page.time_field: make.form_time(**ago)}
    html = client.post(page.url(case), data=data).get_data(as_text=True)
    assert message in html
    assert make.count(page.model) == 0


@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_a_valid_post_records_it_encrypted_and_updates_the_checkpoint(client, world, make,
                                                                     page):
    case = setup(world, make, client, page)
    response = client.post(page.url(case), data=page.data(page.valid, make))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/cases/{case.id}")
    assert make.count(page.model) == 1
    secret = page.valid[page.secret_column]
    stored = make.raw_values(page.table, page.secret_column)
    assert stored[0] is not None and secret.encode() not in stored[0]
    record = db.session.scalars(sa.select(page.model)).one()
    assert getattr(record, page.secret_column) == secret
    assert record.recorded_by_id == world(page.country, page.recorder).id
    state = db.session.scalar(sa.select(CaseCheckpoint.state).where(
        CaseCheckpoint.case_id == case.id, CaseCheckpoint.key == page.key))
    assert state == (State.AWAITING_SIGN_OFF if page.completes else State.PENDING)
    # The page now lists it instead of the empty state.
    assert page.empty not in client.get(page.url(case)).get_data(as_text=True)


def test_consent_stores_codes_plain_and_flags_as_given(client, world, make):
    page = PAGES[0]
    case = setup(world, make, client, page)
    client.post(page.url(case), data=page.data(page.valid, make))
    consent = db.session.scalars(sa.select(Consent)).one()
    assert consent.sharing_scope == ["legal_service_provider", "family"]
    assert consent.language == "quc" and consent.interpreter_name == "Ana Tum"
    assert consent.never_share_with_origin is False
    assert b"Ana Tum" not in make.raw_values("consent", "interpreter_name")[0]


def test_consent_refuses_the_consulate_when_nothing_may_be_shared_with_the_origin(
        client, world, make):
    page = PAGES[0]
    case = setup(world, make, client, page)
    data = page.data({**page.valid, "never_share_with_origin": "y",
                      "sharing_scope": ["consulate_of_origin"]}, make)
    html = client.post(page.url(case), data=data).get_data(as_text=True)
    assert "consulate of the country of origin cannot receive" in html
    assert make.count(Consent) == 0


def test_consent_needs_the_childs_understanding(client, world, make):
    page = PAGES[0]
    case = setup(world, make, client, page)
    data = page.data({k: v for k, v in page.valid.items() if k != "understood"}, make)
    html = client.post(page.url(case), data=data).get_data(as_text=True)
    assert "shown they understood" in html
    assert make.count(Consent) == 0


US_STEPS = ["uac_determination", "hhs_notified", "orr_transfer"]
MX_STEPS = ["procuraduria_notified", "dif_handover", "not_in_immigration_station"]


@pytest.mark.parametrize(("country", "offered", "not_offered"), [("US", US_STEPS, MX_STEPS),
                                                                 ("MX", MX_STEPS, US_STEPS)])
def test_custody_offers_the_steps_of_the_offices_country(client, world, make, country,
                                                          offered, not_offered):
    case = make.case(world(country, Role.CASEWORKER))
    make.switch_user(client, world(country, Role.CASEWORKER))
    html = client.get(f"/cases/{case.id}/custody").get_data(as_text=True)
    for kind in offered:
        assert f'value="{kind}"' in html
    for kind in not_offered:
        assert f'value="{kind}"' not in html
    assert "Still missing:" in html


def test_custody_is_awaiting_sign_off_once_every_step_is_recorded(client, world, make):
    case = make.case(world("MX", Role.CASEWORKER))
    make.switch_user(client, world("MX", Role.CASEWORKER))
    for hours, kind in zip((9, 8, 7), MX_STEPS, strict=True):
        response = client.post(f"/cases/{case.id}/custody", data={
            "kind": kind, "occurred_at": make.form_time(hours=hours), "details": "Ref. 12"})
        assert response.status_code == 302
    state = db.session.scalar(sa.select(CaseCheckpoint.state).where(
        CaseCheckpoint.case_id == case.id, CaseCheckpoint.key == "custody.timeline"))
    assert state == State.AWAITING_SIGN_OFF
    assert "Still missing:" not in client.get(f"/cases/{case.id}/custody").get_data(as_text=True)


def test_custody_refuses_a_step_of_the_other_country(client, world, make):
    case = make.case(world("US", Role.CASEWORKER))
    make.switch_user(client, world("US", Role.CASEWORKER))
    html = client.post(f"/cases/{case.id}/custody", data={
        "kind": "procuraduria_notified", "occurred_at": make.form_time(hours=1)},
    ).get_data(as_text=True)
    assert "Not a valid choice" in html
    assert make.count(CustodyEvent) == 0


def test_the_contiguous_screening_records_the_outcome_of_its_findings(client, world, make):
    page = PAGES[4]
    case = setup(world, make, client, page)
    client.post(page.url(case), data=page.data(page.valid, make))
    screening = db.session.scalars(sa.select(Screening)).one()
    assert (screening.trafficking_risk, screening.credible_fear, screening.can_decide) == (
        False, True, False)
    assert screening.outcome == "transfer_to_hhs" and screening.interpreter_used is True


def test_the_contiguous_screening_is_closed_where_it_does_not_apply(client, world, make):
    page = PAGES[4]
    case = make.case(world("US", Role.CASEWORKER), nationality="GT")
    make.switch_user(client, world("US", Role.PARALEGAL))
    html = client.get(page.url(case)).get_data(as_text=True)
    assert "does not apply to this case" in html
    assert 'name="credible_fear"' not in html
    response = client.post(page.url(case), data=page.data(page.valid, make))
    assert response.status_code == 409
    assert "does not apply" in response.get_data(as_text=True)
    assert make.count(Screening) == 0


LEGAL_SCREENINGS = [p for p in PAGES if p.endpoint in ("screening.contiguous",
                                                        "screening.protection")]


@pytest.mark.parametrize("page", LEGAL_SCREENINGS, ids=["contiguous", "protection"])
def test_a_supervisor_reads_legal_screenings_but_cannot_record_them(client, world, make, page):
    case = setup(world, make, client, page, role=Role.SUPERVISOR)
    html = client.get(page.url(case)).get_data(as_text=True)
    assert "can read these records but not add one" in html
    assert f'name="{page.time_field}"' not in html
    assert client.post(page.url(case), data=page.data(page.valid, make)).status_code == 403
    assert make.count(page.model) == 0


def test_a_supervisor_may_record_what_they_sign_off(client, world, make):
    page = PAGES[2]  # safety: signed off by a supervisor
    case = setup(world, make, client, page, role=Role.SUPERVISOR)
    assert client.post(page.url(case), data=page.data(page.valid, make)).status_code == 302
    assert make.count(Screening) == 1


def test_records_are_listed_newest_first(client, world, make):
    page = PAGES[2]
    case = setup(world, make, client, page)
    for hours, text in ((5, "Older finding"), (1, "Newer finding")):
        client.post(page.url(case), data={page.time_field: make.form_time(hours=hours),
                                          "outcome": "needs_addressed", "findings": text})
    html = client.get(page.url(case)).get_data(as_text=True)
    assert html.index("Newer finding") < html.index("Older finding")
