"""The rules the screening services keep, whoever calls them: nothing incoherent is saved."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from casework.accounts.roles import Role
from casework.errors import NotPermitted
from casework.extensions import db
from casework.screening.models import Consent, Screening
from casework.screening.services import ScreeningDetails, screening_problems
from tests.factories import recent

# (kind, details beyond kind and time, the fields reported as wrong)
PROBLEMS = [
    ("safety", {"outcome": "no_urgent_needs"}, set()),
    ("safety", {"outcome": None}, {"outcome"}),
    ("safety", {"outcome": "no_indicators"}, {"outcome"}),  # another kind's outcome
    ("safety", {"outcome": "needs_addressed"}, {"findings"}),
    ("safety", {"outcome": "needs_addressed", "findings": "  "}, {"findings"}),
    ("safety", {"outcome": "needs_addressed", "findings": "Wound dressed"}, set()),
    ("safety", {"outcome": "referred"}, {"referral_made"}),
    ("safety", {"outcome": "referred", "referral_made": True}, {"referral_to"}),
    ("safety", {"outcome": "referred", "referral_made": True, "referral_to": "Clinic"}, set()),
    ("trafficking", {"outcome": "no_indicators"}, set()),
    ("trafficking", {"outcome": "indicators_referred"}, {"referral_made"}),
    ("trafficking", {"outcome": "indicators_referred", "referral_made": True,
                     "referral_to": "Anti-trafficking unit"}, set()),
    ("trafficking", {"outcome": "indicators_no_referral"}, {"findings"}),
    ("trafficking", {"outcome": "no_indicators", "referral_to": "Someone"}, {"referral_to"}),
    ("protection", {"outcome": "no_fear"}, set()),
    ("protection", {"outcome": "fear_or_need_identified"}, {"findings"}),
    ("protection", {"outcome": "fear_or_need_identified", "findings": "Fears MS-13"}, set()),
    ("contiguous", {"trafficking_risk": False, "credible_fear": False, "can_decide": True,
                    "outcome": "may_withdraw"}, set()),
    ("contiguous", {"trafficking_risk": None, "credible_fear": False, "can_decide": None},
     {"trafficking_risk", "can_decide"}),
]


@pytest.mark.parametrize(("kind", "values", "wrong"), PROBLEMS)
def test_screening_rules(kind, values, wrong):
    details = ScreeningDetails(kind=kind, completed_at=recent(), **values)
    assert set(screening_problems(details)) == wrong


@pytest.mark.parametrize(("found", "outcome"), [
    ((False, False, True), "may_withdraw"),
    ((True, False, True), "transfer_to_hhs"),
    ((False, True, True), "transfer_to_hhs"),
    ((False, False, False), "transfer_to_hhs"),
])
def test_the_contiguous_outcome_follows_from_the_three_findings(world, make, found, outcome):
    case = make.case(world("US", Role.PARALEGAL), nationality="CA")
    risk, fear, decide = found
    screening = make.screening(case, world("US", Role.PARALEGAL), "contiguous",
                               trafficking_risk=risk, credible_fear=fear, can_decide=decide)
    assert screening.outcome == outcome


def test_an_incoherent_screening_is_refused_and_nothing_is_saved(world, make):
    actor = world("MX", Role.CASEWORKER)
    case = make.case(actor)
    with pytest.raises(ValueError):
        make.screening(case, actor, "trafficking", outcome="indicators_referred")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Screening)) == 0


def test_a_contiguous_screening_is_refused_where_it_does_not_apply(world, make):
    actor = world("MX", Role.PARALEGAL)
    case = make.case(actor, nationality="MX")  # a Mexican child, but in Mexico
    with pytest.raises(NotPermitted):
        make.screening(case, actor, "contiguous")


@pytest.mark.parametrize("values", [
    {"never_share_with_origin": True, "may_contact_origin_country": True},
    {"never_share_with_origin": True, "sharing_scope": ["consulate_of_origin"]},
    {"interpreter_used": True, "interpreter_name": " "},
    {"language": ""},
    {"given_at": recent(days=-1)},  # tomorrow
])
def test_incoherent_consent_is_refused(world, make, values):
    actor = world("MX", Role.CASEWORKER)
    case = make.case(actor)
    with pytest.raises(ValueError):
        make.consent(case, actor, **values)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Consent)) == 0


def test_the_interpreters_name_is_kept_only_when_one_was_used(world, make):
    actor = world("MX", Role.CASEWORKER)
    case = make.case(actor)
    consent = make.consent(case, actor, interpreter_used=False, interpreter_name="Ana Tum")
    assert consent.interpreter_name is None
