"""The legal and protection checkpoints: each state of legal.kyr, legal.screening,
legal.representation, legal.hearings, protection.claim_us and protection.claim_mx, read
from real records through the fact sources, and the rows the engine stores."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from casework.accounts.roles import Role
from casework.extensions import db
from casework.legal import services as legal
from casework.legal.conditions import add_months, day_start
from casework.models import utcnow
from casework.workflow import engine
from casework.workflow.deadlines import add_business_days
from casework.workflow.models import ActionRecord, CaseCheckpoint, State
from casework.workflow.policy import Action
from casework.workflow.registry import ANCHORS, CONDITIONS, FactBatch, Facts, Met


def facts(case, now=None) -> Facts:
    return Facts(case=case, now=now or utcnow(), _batch=FactBatch([case.id]))


def check(name: str, case, now=None):
    return CONDITIONS[name](facts(case, now))


def anchor(name: str, case, now=None):
    return ANCHORS[name](facts(case, now))


def row(case, key: str) -> CaseCheckpoint:
    return db.session.scalars(sa.select(CaseCheckpoint).where(
        CaseCheckpoint.case_id == case.id, CaseCheckpoint.key == key)).one()


def action_record(case, actor, action: Action, at: datetime) -> None:
    """A carried-out action, as the modules that own it will record (release, transfer)."""
    db.session.add(ActionRecord(id=uuid.uuid4(), case=case, case_id=case.id,
                                action=action.value, occurred_at=at, recorded_by_id=actor.id))
    db.session.flush()
    engine.refresh(case)


@pytest.fixture
def us(world, make):
    return make.case(world("US", Role.CASEWORKER))


@pytest.fixture
def mx(world, make):
    return make.case(world("MX", Role.CASEWORKER))


# --- legal.kyr --------------------------------------------------------------------------

def test_kyr_counts_from_admission_to_orr(world, make, us):
    admitted = make.recent(hours=3)
    make.custody_event(us, world("US", Role.CASEWORKER), "orr_transfer", occurred_at=admitted)
    assert anchor("legal.kyr_due_from", us) == admitted
    assert row(us, "legal.kyr").due_at == add_business_days(admitted, 10)


def test_kyr_counts_from_the_dif_handover_in_mexico(world, make, mx):
    handed = make.recent(hours=2)
    make.custody_event(mx, world("MX", Role.CASEWORKER), "dif_handover", occurred_at=handed)
    assert row(mx, "legal.kyr").due_at == add_business_days(handed, 10)


def test_without_admission_kyr_counts_from_the_opening_of_the_case(us):
    assert anchor("legal.kyr_due_from", us) == us.opened_at


def test_an_orientation_before_a_later_admission_does_not_count(world, make, us):
    paralegal = world("US", Role.PARALEGAL)
    make.orientation(us, paralegal, delivered_at=make.recent(hours=5))
    assert check("legal.kyr_delivered", us) is not None
    make.custody_event(us, world("US", Role.CASEWORKER), "orr_transfer",
                       occurred_at=make.recent(hours=2))
    assert check("legal.kyr_delivered", us) is None
    assert row(us, "legal.kyr").state == State.PENDING
    given = make.recent(hours=1)
    make.orientation(us, paralegal, delivered_at=given)
    assert check("legal.kyr_delivered", us) == Met(given, paralegal.id)


def test_a_cross_border_transfer_starts_the_kyr_clock_again(world, make, mx):
    make.orientation(mx, world("MX", Role.PARALEGAL), delivered_at=make.recent(hours=5))
    moved = make.recent(hours=1)
    action_record(mx, world("MX", Role.CASEWORKER), Action.RECORD_TRANSFER, moved)
    assert check("legal.kyr_delivered", mx) is None
    assert row(mx, "legal.kyr").due_at == add_business_days(moved, 10)


def test_kyr_falls_due_again_six_months_on_while_unrepresented(world, make, us):
    given = make.recent(hours=1)
    paralegal = world("US", Role.PARALEGAL)
    make.orientation(us, paralegal, delivered_at=given)
    repeat = add_months(given, 6)
    assert check("legal.kyr_delivered", us, now=repeat - timedelta(hours=1)) == Met(
        given, paralegal.id)
    assert check("legal.kyr_delivered", us, now=repeat + timedelta(hours=1)) is None
    assert anchor("legal.kyr_due_from", us, now=repeat + timedelta(hours=1)) == repeat
    engine.refresh_many([us], now=repeat + timedelta(days=1))
    assert row(us, "legal.kyr").state == State.PENDING
    assert row(us, "legal.kyr").due_at == add_business_days(repeat, 10)


def test_an_attorney_of_record_ends_the_repeat_and_a_withdrawal_restarts_it(world, make, us):
    make.orientation(us, world("US", Role.PARALEGAL), delivered_at=make.recent(hours=1))
    later = utcnow() + timedelta(days=200)
    attorney = world("US", Role.ATTORNEY)
    rep = make.representation(us, attorney)
    assert check("legal.kyr_delivered", us, now=later) is not None
    legal.withdraw_representation(us, rep.id, make.days_ago(0), "The child moved away.",
                                  actor=attorney)
    assert check("legal.kyr_delivered", us, now=later) is None


def test_add_months_keeps_the_day_or_takes_the_last_of_a_short_month():
    assert add_months(datetime(2026, 8, 31, 9, tzinfo=UTC), 6) == datetime(2027, 2, 28, 9,
                                                                          tzinfo=UTC)
    assert add_months(datetime(2026, 11, 15, tzinfo=UTC), 6) == datetime(2027, 5, 15,
                                                                         tzinfo=UTC)


# --- legal.screening ----------------------------------------------------------------------

def test_legal_screening_is_due_ten_business_days_after_the_first_orientation(world, make, us):
    assert row(us, "legal.screening").due_at is None
    given = make.recent(hours=4)
    make.orientation(us, world("US", Role.PARALEGAL), delivered_at=given)
    make.orientation(us, world("US", Role.PARALEGAL), delivered_at=make.recent(hours=1))
    assert row(us, "legal.screening").due_at == add_business_days(given, 10)
    attorney = world("US", Role.ATTORNEY)
    screened = make.recent(minutes=30)
    make.legal_screening(us, attorney, screened_at=screened)
    assert check("legal.screening_done", us) == Met(screened, attorney.id)
    assert row(us, "legal.screening").state == State.AWAITING_SIGN_OFF
    engine.sign_off(us, "legal.screening", actor=attorney_two(world, make))
    assert row(us, "legal.screening").state == State.MET


def attorney_two(world, make):
    return make.user(Role.ATTORNEY, world.us)


# --- legal.representation ------------------------------------------------------------------

def test_an_attorney_of_record_meets_representation(world, make, us):
    assert check("legal.attorney_of_record", us) is None
    attorney = world("US", Role.ATTORNEY)
    make.representation(us, attorney, started_on=make.days_ago(0))
    assert check("legal.attorney_of_record", us) == Met(day_start(make.days_ago(0)),
                                                         attorney.id)
    assert row(us, "legal.representation").state == State.MET


@pytest.mark.parametrize(("status", "represented"), [
    ("referred", False), ("declined", False), ("accepted", True)])
def test_a_referral_counts_only_once_pro_bono_counsel_accepts(world, make, mx, status,
                                                              represented):
    make.representation(mx, world("MX", Role.ATTORNEY), kind="pro_bono_referral",
                        attorney_id=None, counsel="Pro bono partner", referral_status=status,
                        accepted_on=make.days_ago(0) if status == "accepted" else None)
    assert (check("legal.attorney_of_record", mx) is not None) is represented


def test_a_withdrawal_leaves_the_child_without_counsel(world, make, us):
    attorney = world("US", Role.ATTORNEY)
    rep = make.representation(us, attorney)
    legal.withdraw_representation(us, rep.id, make.days_ago(0), "Conflict of interest.",
                                  actor=attorney)
    assert check("legal.attorney_of_record", us) is None
    assert row(us, "legal.representation").state == State.PENDING


# --- legal.hearings ---------------------------------------------------------------------------

def test_hearings_apply_only_to_us_removal_proceedings(world, make, us, mx):
    assert row(us, "legal.hearings").state == State.NOT_APPLICABLE
    assert row(mx, "legal.hearings").state == State.NOT_APPLICABLE
    paralegal = world("US", Role.PARALEGAL)
    proceeding = make.proceeding(us, paralegal)
    assert row(us, "legal.hearings").state == State.AWAITING_SIGN_OFF
    assert check("legal.hearings_current", us) == Met(proceeding.recorded_at, paralegal.id)


def test_an_address_change_needs_an_eoir33_within_five_working_days(world, make, us):
    paralegal = world("US", Role.PARALEGAL)
    make.proceeding(us, paralegal, nta_on=make.days_ago(1))
    legal.record_address_change(us, make.days_ago(0), "placement_change", "Shelter 2",
                                actor=paralegal)
    changed = day_start(make.days_ago(0))
    assert check("legal.hearings_current", us) is None
    assert anchor("legal.address_changed", us) == changed
    assert row(us, "legal.hearings").due_at == add_business_days(changed, 5)
    assert row(us, "legal.hearings").state == State.PENDING
    legal.record_eoir33(us, make.days_ago(0), "ECAS 123", actor=paralegal)
    assert check("legal.hearings_current", us) == Met(changed, paralegal.id)
    assert row(us, "legal.hearings").late is False


def test_an_eoir33_filed_after_five_working_days_is_met_late(world, make):
    paralegal = world("US", Role.PARALEGAL)
    case = make.case(paralegal, encountered_at=make.recent(days=40))
    make.proceeding(case, paralegal, nta_on=make.days_ago(20))
    # Before the notice to appear the address is the court's only from the notice itself.
    legal.record_address_change(case, make.days_ago(25), "release", "Sponsor's home",
                                actor=paralegal)
    assert anchor("legal.address_changed", case) is None
    assert check("legal.hearings_current", case) is not None
    legal.record_address_change(case, make.days_ago(15), "sponsor_moved", "New home",
                                actor=paralegal)
    changed = day_start(make.days_ago(15))
    assert row(case, "legal.hearings").due_at == add_business_days(changed, 5)
    legal.record_eoir33(case, make.days_ago(0), None, actor=paralegal)
    cp = row(case, "legal.hearings")
    assert cp.state == State.AWAITING_SIGN_OFF
    assert cp.late is True
    assert engine.status_of(cp).value == "awaiting_sign_off"


def test_a_release_counts_as_an_address_change(world, make, us):
    paralegal = world("US", Role.PARALEGAL)
    make.proceeding(us, paralegal, nta_on=make.days_ago(1))
    released = make.recent(minutes=10)
    action_record(us, world("US", Role.CASEWORKER), Action.RELEASE_TO_SPONSOR, released)
    assert check("legal.hearings_current", us) is None
    assert row(us, "legal.hearings").due_at == add_business_days(day_start(released.date()), 5)


def test_a_hearing_that_passed_without_its_outcome_makes_the_record_stale(world, make, us):
    paralegal = world("US", Role.PARALEGAL)
    make.proceeding(us, paralegal)
    hearing = make.hearing(us, paralegal)
    met = check("legal.hearings_current", us)
    assert met is not None
    after = hearing.scheduled_at + timedelta(hours=2)
    assert check("legal.hearings_current", us, now=after) is None
    # Recording the outcome gives back the same completion, so a sign-off stays valid.
    hearing.scheduled_at = make.recent(hours=1)
    db.session.flush()
    legal.record_hearing_outcome(us, hearing.id, legal.HearingDetails(
        kind="master_calendar", scheduled_at=hearing.scheduled_at, outcome="held"),
        actor=paralegal)
    assert check("legal.hearings_current", us) == met


def test_concluded_proceedings_are_met_and_no_longer_pending(world, make, us):
    paralegal = world("US", Role.PARALEGAL)
    proceeding = make.proceeding(us, paralegal)
    assert check("legal.proceedings_pending", us) is True
    legal.conclude_proceeding(us, proceeding.id, make.days_ago(0), "terminated",
                              actor=paralegal)
    assert check("legal.proceedings_pending", us) is False
    assert check("legal.hearings_current", us) == Met(day_start(make.days_ago(0)), paralegal.id)


# --- protection.claim_us --------------------------------------------------------------------

def test_us_claim_applies_once_relief_is_identified_and_the_child_wishes_to_apply(world, make,
                                                                                  us):
    attorney = world("US", Role.ATTORNEY)
    assert row(us, "protection.claim_us").state == State.NOT_APPLICABLE
    make.legal_screening(us, attorney, identified=["asylum"], wishes_to_apply=False)
    assert row(us, "protection.claim_us").state == State.NOT_APPLICABLE
    make.legal_screening(us, attorney, identified=["asylum"])
    assert row(us, "protection.claim_us").state == State.PENDING
    make.representation(us, attorney)
    make.relief_filing(us, attorney, filed_on=make.days_ago(0))
    assert check("protection.us_relief_filed", us) == Met(day_start(make.days_ago(0)),
                                                           attorney.id)
    assert row(us, "protection.claim_us").state == State.AWAITING_SIGN_OFF


def test_relief_in_mexico_does_not_make_the_us_claim_apply(world, make, mx):
    make.legal_screening(mx, world("MX", Role.ATTORNEY), considered=["asylum", "comar"],
                         identified=["asylum"])
    assert row(mx, "protection.claim_us").state == State.NOT_APPLICABLE


# --- protection.claim_mx ------------------------------------------------------------------

def test_comar_claim_applies_when_the_child_wishes_to_claim_in_mexico(world, make, mx):
    attorney = world("MX", Role.ATTORNEY)
    make.legal_screening(mx, attorney, considered=["comar"], identified=["comar"],
                         entered_country_on=make.days_ago(6))
    assert row(mx, "protection.claim_mx").state == State.PENDING
    assert row(mx, "protection.claim_mx").due_at == add_business_days(
        day_start(make.days_ago(6)), 30)


def test_comar_deadline_counts_from_the_encounter_when_entry_is_unknown(world, make, mx):
    make.legal_screening(mx, world("MX", Role.ATTORNEY), considered=["comar"],
                         identified=["comar"])
    assert row(mx, "protection.claim_mx").due_at == add_business_days(mx.encountered_at, 30)


def test_a_comar_claim_meets_the_checkpoint_and_its_entry_date_rules(world, make, mx):
    attorney = world("MX", Role.ATTORNEY)
    make.representation(mx, attorney)
    make.comar_claim(mx, attorney, entered_on=make.days_ago(2), filed_on=make.days_ago(0))
    assert check("protection.comar_filed", mx) == Met(day_start(make.days_ago(0)), attorney.id)
    cp = row(mx, "protection.claim_mx")
    assert cp.state == State.AWAITING_SIGN_OFF and cp.late is False
    assert cp.due_at == add_business_days(day_start(make.days_ago(2)), 30)


def test_a_us_case_never_has_the_comar_checkpoint(world, make, us):
    make.legal_screening(us, world("US", Role.ATTORNEY), considered=["comar"],
                         identified=["comar"])
    assert row(us, "protection.claim_mx").state == State.NOT_APPLICABLE


# --- a pending claim ------------------------------------------------------------------------

def test_a_filing_is_pending_until_a_final_decision(world, make, us):
    attorney = world("US", Role.ATTORNEY)
    make.representation(us, attorney)
    filing = make.relief_filing(us, attorney)
    assert check("protection.claim_pending", us) is True
    legal.update_filing(us, filing.id, receipt_on=None, receipt_number=None,
                        decision="referred_to_court", decided_on=make.days_ago(0),
                        actor=attorney)
    assert check("protection.claim_pending", us) is True
    legal.update_filing(us, filing.id, receipt_on=None, receipt_number=None,
                        decision="denied", decided_on=make.days_ago(0), actor=attorney)
    assert check("protection.claim_pending", us) is False


def test_an_appealed_comar_rejection_is_still_pending(world, make, mx):
    attorney = world("MX", Role.ATTORNEY)
    make.representation(mx, attorney)
    claim = make.comar_claim(mx, attorney)
    legal.update_claim(mx, claim.id, inm_notified_on=make.days_ago(0), decision="appealed",
                       decided_on=make.days_ago(0), actor=attorney)
    assert check("protection.claim_pending", mx) is True
    legal.update_claim(mx, claim.id, inm_notified_on=None, decision="recognised",
                       decided_on=make.days_ago(0), actor=attorney)
    assert check("protection.claim_pending", mx) is False
