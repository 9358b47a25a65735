"""The blocks of the legal checkpoints: no return while a protection claim is pending,
no closure while removal proceedings are pending (both hard, whoever asks), the return
gates of legal.screening and the claims, and the soft gate of representation on filings."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from casework.accounts.roles import Role
from casework.errors import NotPermitted
from casework.extensions import db
from casework.legal import services as legal
from casework.legal.models import ComarClaim, ReliefFiling
from casework.workflow import engine, services
from casework.workflow.engine import CheckpointBlocked
from casework.workflow.models import ActionRecord
from casework.workflow.policy import Action, Block
from casework.workflow.registry import CONDITIONS, Met

NOW = datetime.now(UTC)


@pytest.fixture
def satisfy(monkeypatch):
    """Make the named checkpoints' `met` conditions hold, as their records would."""
    def _satisfy(*keys):
        for key in keys:
            name = engine.checkpoint(key).met
            monkeypatch.setitem(CONDITIONS, name, lambda facts: Met(NOW, None))
    return _satisfy


def gate_keys(case, action):
    return {r.key: r.block for r in engine.blockers(case, action)}


RETURN_GATES = ("screen.trafficking", "screen.protection", "screen.contiguous", "bi.bid",
                "return.plan", "legal.screening", "protection.claim_us",
                "protection.claim_mx")


def test_no_return_while_a_us_claim_is_pending(world, make, satisfy):
    attorney = world("US", Role.ATTORNEY)
    case = make.case(world("US", Role.CASEWORKER))
    make.representation(case, attorney)
    filing = make.relief_filing(case, attorney)
    satisfy(*RETURN_GATES)
    reasons = engine.blockers(case, Action.RECORD_RETURN)
    assert len(reasons) == 1
    assert reasons[0].block == Block.HARD and not reasons[0].overridable
    assert reasons[0].recommendations == ("R7",)
    with pytest.raises(CheckpointBlocked):
        services.perform(case, Action.RECORD_RETURN, actor=world("US", Role.SUPERVISOR),
                         occurred_at=NOW)
    assert make.count(ActionRecord) == 0
    legal.update_filing(case, filing.id, receipt_on=None, receipt_number=None,
                        decision="denied", decided_on=make.days_ago(0), actor=attorney)
    assert engine.blockers(case, Action.RECORD_RETURN) == []


def test_no_return_while_a_comar_claim_is_pending(world, make, satisfy):
    attorney = world("MX", Role.ATTORNEY)
    case = make.case(world("MX", Role.CASEWORKER))
    make.representation(case, attorney)
    claim = make.comar_claim(case, attorney)
    satisfy(*RETURN_GATES)
    with pytest.raises(CheckpointBlocked) as refused:
        engine.require(case, Action.RECORD_RETURN)
    assert [r.block for r in refused.value.reasons] == [Block.HARD]
    legal.update_claim(case, claim.id, inm_notified_on=None, decision="withdrawn",
                       decided_on=make.days_ago(0), actor=attorney)
    engine.require(case, Action.RECORD_RETURN)


def test_an_identified_claim_not_yet_filed_blocks_the_return_hard(world, make):
    attorney = world("US", Role.ATTORNEY)
    case = make.case(world("US", Role.CASEWORKER))
    make.legal_screening(case, attorney, identified=["sijs"])
    assert gate_keys(case, Action.RECORD_RETURN)["protection.claim_us"] == Block.HARD
    with pytest.raises(NotPermitted):
        engine.override(case, Action.RECORD_RETURN, "protection.claim_us",
                        "The family insists on the return now.",
                        actor=world("US", Role.SUPERVISOR))


def test_the_legal_screening_blocks_the_return_hard(world, make):
    case = make.case(world("MX", Role.CASEWORKER))
    assert gate_keys(case, Action.RECORD_RETURN)["legal.screening"] == Block.HARD
    make.legal_screening(case, world("MX", Role.ATTORNEY))
    assert "legal.screening" not in gate_keys(case, Action.RECORD_RETURN)


def test_no_closure_while_removal_proceedings_are_pending(world, make, satisfy):
    paralegal = world("US", Role.PARALEGAL)
    case = make.case(world("US", Role.CASEWORKER))
    proceeding = make.proceeding(case, paralegal)
    satisfy("legal.kyr", "legal.hearings")
    reasons = engine.blockers(case, Action.CLOSE_CASE)
    assert [(r.key, r.block, r.recommendations) for r in reasons] == [
        (None, Block.HARD, ("R6",))]
    with pytest.raises(CheckpointBlocked):
        services.perform(case, Action.CLOSE_CASE, actor=world("US", Role.SUPERVISOR),
                         occurred_at=NOW, outcome="aged_out")
    assert case.status == "open"
    legal.conclude_proceeding(case, proceeding.id, make.days_ago(0), "handed_over",
                              actor=paralegal)
    services.perform(case, Action.CLOSE_CASE, actor=world("US", Role.CASEWORKER),
                     occurred_at=NOW, outcome="handed_over")
    assert case.status == "closed"


def test_closure_waits_for_the_hearings_record_while_it_applies(world, make, satisfy):
    paralegal = world("US", Role.PARALEGAL)
    case = make.case(world("US", Role.CASEWORKER))
    make.proceeding(case, paralegal, nta_on=make.days_ago(1))
    legal.record_address_change(case, make.days_ago(0), "release", "Sponsor", actor=paralegal)
    assert gate_keys(case, Action.CLOSE_CASE)["legal.hearings"] == Block.HARD


def test_a_us_filing_without_an_attorney_of_record_is_refused_until_overridden(world, make):
    attorney = world("US", Role.ATTORNEY)
    case = make.case(world("US", Role.CASEWORKER))
    with pytest.raises(CheckpointBlocked) as refused:
        make.relief_filing(case, attorney)
    assert [(r.key, r.block) for r in refused.value.reasons] == [
        ("legal.representation", Block.SOFT)]
    db.session.rollback()
    assert make.count(ReliefFiling) == 0
    engine.override(case, Action.FILE_RELIEF, "legal.representation",
                    "Counsel is being found; the asylum clock cannot wait.",
                    actor=world("US", Role.SUPERVISOR))
    make.relief_filing(case, attorney)
    assert make.count(ReliefFiling) == 1


def test_a_comar_claim_without_counsel_is_refused_too(world, make):
    case = make.case(world("MX", Role.CASEWORKER))
    with pytest.raises(CheckpointBlocked):
        make.comar_claim(case, world("MX", Role.CASEWORKER))
    db.session.rollback()
    assert make.count(ComarClaim) == 0
    make.representation(case, world("MX", Role.ATTORNEY))
    make.comar_claim(case, world("MX", Role.CASEWORKER))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ComarClaim)) == 1


# --- a pending protection claim and contact with the country of origin ----------------------

def origin_rule(case):
    """The hard refusal of contact with the country of origin (an action rule, no key)."""
    return [r for r in engine.blockers(case, Action.CONTACT_ORIGIN_COUNTRY) if r.key is None]


@pytest.mark.parametrize("country", ["US", "MX"])
def test_a_pending_claim_forbids_contact_with_the_origin_country_without_consent(
        world, make, country):
    attorney, cw = world(country, Role.ATTORNEY), world(country, Role.CASEWORKER)
    case = make.case(cw)
    make.consent(case, cw)  # consent recorded, contact with the origin country not agreed
    make.representation(case, attorney)
    assert origin_rule(case) == []  # no claim, no protection need found: tracing may go on
    if country == "US":
        filing = make.relief_filing(case, attorney)
        decide = lambda: legal.update_filing(  # noqa: E731
            case, filing.id, receipt_on=None, receipt_number=None, decision="denied",
            decided_on=make.days_ago(0), actor=attorney)
    else:
        claim = make.comar_claim(case, attorney)
        decide = lambda: legal.update_claim(  # noqa: E731
            case, claim.id, inm_notified_on=None, decision="rejected",
            decided_on=make.days_ago(0), actor=attorney)
    db.session.commit()
    [reason] = origin_rule(case)
    assert reason.block == Block.HARD and not reason.overridable
    assert "R7" in reason.recommendations
    with pytest.raises(CheckpointBlocked):
        services.perform(case, Action.CONTACT_ORIGIN_COUNTRY,
                         actor=world(country, Role.SUPERVISOR), occurred_at=NOW)
    db.session.rollback()
    assert make.count(ActionRecord) == 0
    decide()  # decided: no longer pending, and no protection need was screened
    assert origin_rule(case) == []


def test_with_consent_to_contact_the_origin_country_a_pending_claim_does_not_forbid_it(
        world, make):
    attorney, cw = world("US", Role.ATTORNEY), world("US", Role.CASEWORKER)
    case = make.case(cw)
    make.representation(case, attorney)
    make.relief_filing(case, attorney)
    make.consent(case, cw)
    assert len(origin_rule(case)) == 1
    make.consent(case, cw, may_contact_origin_country=True,
                 sharing_scope=["consulate_of_origin"])
    assert origin_rule(case) == []
    make.consent(case, cw, never_share_with_origin=True)
    assert len(origin_rule(case)) == 1
