"""The legal services' rules, whoever calls them, and the age-out alerts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from casework.accounts.roles import Role
from casework.audit.models import AuditEvent
from casework.cases.models import CaseTeamMember
from casework.errors import NotPermitted
from casework.extensions import db
from casework.legal import queries
from casework.legal import services as legal
from casework.legal.models import (
    ComarClaim,
    Hearing,
    LegalNote,
    ReliefFiling,
    Representation,
)


@pytest.fixture
def us(world, make):
    return make.case(world("US", Role.CASEWORKER))


# --- representation ------------------------------------------------------------------------

def test_a_g28_before_intake_is_refused(world, make, us):
    with pytest.raises(ValueError, match="intake"):
        make.representation(us, world("US", Role.ATTORNEY), g28_on=make.days_ago(3))
    db.session.rollback()
    assert make.count(Representation) == 0


def test_a_us_attorney_of_record_needs_an_entry_of_appearance(world, make, us):
    with pytest.raises(ValueError, match="G-28"):
        make.representation(us, world("US", Role.ATTORNEY), g28_on=None)


def test_the_attorney_of_record_joins_the_case_team(world, make, us):
    attorney = world("US", Role.ATTORNEY)
    make.representation(us, attorney)
    assert attorney.id in {m.user_id for m in us.team}


def test_only_an_attorney_of_the_office_can_be_attorney_of_record(world, make, us):
    with pytest.raises(NotPermitted):
        make.representation(us, world("US", Role.ATTORNEY),
                            attorney_id=world("US", Role.PARALEGAL).id)
    with pytest.raises(NotPermitted):
        make.representation(us, world("US", Role.ATTORNEY),
                            attorney_id=world("MX", Role.ATTORNEY).id)


def test_forms_filed_later_are_added_and_a_stale_edit_is_refused(world, make, us):
    from casework.errors import StaleEdit

    attorney = world("US", Role.ATTORNEY)
    rep = make.representation(us, attorney)
    version = rep.version
    legal.update_representation(us, rep.id, legal.RepresentationDetails(
        kind=rep.kind, started_on=rep.started_on, g28_on=rep.g28_on,
        eoir28_on=make.days_ago(0)), actor=attorney, expected_version=version)
    db.session.commit()
    assert rep.eoir28_on == make.days_ago(0)
    with pytest.raises(StaleEdit):
        legal.update_representation(us, rep.id, legal.RepresentationDetails(
            kind=rep.kind, started_on=rep.started_on, g28_on=rep.g28_on),
            actor=attorney, expected_version=version)


def test_a_withdrawal_needs_a_reason_and_a_date_after_the_start(world, make, us):
    attorney = world("US", Role.ATTORNEY)
    rep = make.representation(us, attorney)
    with pytest.raises(ValueError):
        legal.withdraw_representation(us, rep.id, make.days_ago(0), "  ", actor=attorney)
    with pytest.raises(ValueError):
        legal.withdraw_representation(us, rep.id, make.days_ago(5), "Moved.", actor=attorney)
    with pytest.raises(NotPermitted):
        legal.withdraw_representation(us, "not-an-id", make.days_ago(0), "Moved.",
                                      actor=attorney)
    assert rep.active


# --- proceedings and hearings ---------------------------------------------------------------

def test_proceedings_are_recorded_in_us_cases_one_pending_at_a_time(world, make, us):
    paralegal = world("US", Role.PARALEGAL)
    with pytest.raises(NotPermitted):
        make.proceeding(make.case(world("MX", Role.CASEWORKER)), world("MX", Role.PARALEGAL))
    with pytest.raises(ValueError, match="A-number"):
        make.proceeding(us, paralegal, a_number="12-34")
    proceeding = make.proceeding(us, paralegal, a_number="A 12 345 678")
    assert proceeding.a_number == "012345678"
    assert b"345" not in make.raw_values("removal_proceeding", "a_number")[0]
    with pytest.raises(NotPermitted):
        make.proceeding(us, paralegal)


def test_a_hearing_in_the_past_cannot_be_upcoming(world, make, us):
    paralegal = world("US", Role.PARALEGAL)
    make.proceeding(us, paralegal, nta_on=make.days_ago(1))
    with pytest.raises(ValueError, match="past"):
        make.hearing(us, paralegal, scheduled_at=make.recent(hours=2))
    with pytest.raises(ValueError, match="taken place"):
        make.hearing(us, paralegal, outcome="held")
    assert make.count(Hearing) == 0


def test_an_outcome_can_set_the_next_hearing(world, make, us):
    paralegal = world("US", Role.PARALEGAL)
    make.proceeding(us, paralegal, nta_on=make.days_ago(1))
    next_at = make.recent(minutes=0) + timedelta(days=60)
    held_at = make.recent(hours=3)
    held = make.hearing(us, paralegal, scheduled_at=held_at, outcome="continued",
                        judge="Judge Doe", next_at=next_at, next_kind="individual_merits")
    hearings = db.session.scalars(sa.select(Hearing).order_by(Hearing.scheduled_at)).all()
    assert [(h.id == held.id, h.outcome, h.scheduled_at) for h in hearings] == [
        (True, "continued", held_at), (False, None, next_at)]
    assert hearings[1].judge == "Judge Doe"
    with pytest.raises(ValueError, match="future"):
        make.hearing(us, paralegal, scheduled_at=make.recent(hours=1), outcome="held",
                     next_at=make.recent(hours=1), next_kind="other")


def test_an_outcome_is_recorded_once_and_after_the_hearing(world, make, us):
    paralegal = world("US", Role.PARALEGAL)
    make.proceeding(us, paralegal)
    upcoming = make.hearing(us, paralegal)
    details = legal.HearingDetails(kind="master_calendar", scheduled_at=upcoming.scheduled_at,
                                   outcome="held")
    with pytest.raises(ValueError):
        legal.record_hearing_outcome(us, upcoming.id, details, actor=paralegal)
    upcoming.scheduled_at = make.recent(hours=1)
    legal.record_hearing_outcome(us, upcoming.id, details, actor=paralegal)
    with pytest.raises(NotPermitted):
        legal.record_hearing_outcome(us, upcoming.id, details, actor=paralegal)


def test_an_eoir33_needs_pending_proceedings(world, make, us):
    with pytest.raises(NotPermitted):
        legal.record_eoir33(us, make.days_ago(0), None, actor=world("US", Role.PARALEGAL))


# --- relief filings -----------------------------------------------------------------------

def _twenty_one_on(case) -> date:
    return legal.birthday(case.birth_date, 21)


def test_an_i360_after_the_21st_birthday_is_refused(world, make):
    attorney = world("US", Role.ATTORNEY)
    today = make.days_ago(0)
    case = make.case(world("US", Role.CASEWORKER), birth_date=date(today.year - 22, 6, 15))
    make.representation(case, attorney)
    assert _twenty_one_on(case) < today
    with pytest.raises(ValueError, match="21st birthday"):
        make.relief_filing(case, attorney, kind="sijs_i360")
    assert make.count(ReliefFiling) == 0


def test_an_i360_needs_the_granted_state_court_order_first(world, make, us):
    attorney = world("US", Role.ATTORNEY)
    make.representation(us, attorney)
    with pytest.raises(ValueError, match="state-court"):
        make.relief_filing(us, attorney, kind="sijs_i360")
    order = make.relief_filing(us, attorney, kind="sijs_state_order")
    legal.update_filing(us, order.id, receipt_on=None, receipt_number=None, decision="granted",
                        decided_on=make.days_ago(0), actor=attorney)
    make.relief_filing(us, attorney, kind="sijs_i360", receipt_number="IOE0123456789")
    kinds = set(db.session.scalars(sa.select(ReliefFiling.kind)))
    assert kinds == {"sijs_state_order", "sijs_i360"}


def test_a_decision_comes_after_the_filing_and_only_once(world, make, us):
    attorney = world("US", Role.ATTORNEY)
    make.representation(us, attorney)
    filing = make.relief_filing(us, attorney)
    with pytest.raises(ValueError):
        legal.update_filing(us, filing.id, receipt_on=None, receipt_number=None,
                            decision="granted", decided_on=make.days_ago(3), actor=attorney)
    with pytest.raises(ValueError):
        legal.update_filing(us, filing.id, receipt_on=None, receipt_number=None,
                            decision="granted", decided_on=None, actor=attorney)
    legal.update_filing(us, filing.id, receipt_on=None, receipt_number=None,
                        decision="granted", decided_on=make.days_ago(0), actor=attorney)
    with pytest.raises(NotPermitted):
        legal.update_filing(us, filing.id, receipt_on=None, receipt_number=None,
                            decision="denied", decided_on=make.days_ago(0), actor=attorney)


def test_us_relief_is_not_filed_on_a_mexican_case(world, make):
    with pytest.raises(NotPermitted):
        make.relief_filing(make.case(world("MX", Role.CASEWORKER)), world("MX", Role.ATTORNEY))


# --- COMAR ----------------------------------------------------------------------------------

def test_a_comar_claim_after_30_business_days_needs_the_reason(world, make):
    attorney = world("MX", Role.ATTORNEY)
    case = make.case(world("MX", Role.CASEWORKER), encountered_at=make.recent(days=60))
    make.representation(case, attorney)
    entered = make.days_ago(70)
    assert legal.comar_filing_due(entered).date() < make.days_ago(0)
    with pytest.raises(ValueError, match="reason"):
        make.comar_claim(case, attorney, entered_on=entered)
    claim = make.comar_claim(case, attorney, entered_on=entered,
                             late_reason="The child disclosed the threats only last week.")
    assert claim.late_reason.startswith("The child")
    assert b"threats" not in make.raw_values("comar_claim", "late_reason")[0]


def test_comar_decision_clock_is_45_business_days(world, make):
    from casework.workflow.deadlines import add_business_days

    attorney = world("MX", Role.ATTORNEY)
    case = make.case(world("MX", Role.CASEWORKER))
    make.representation(case, attorney)
    claim = make.comar_claim(case, attorney)
    assert queries.comar_decision_due(claim) == add_business_days(
        legal.day_start(claim.filed_on), 45)


def test_comar_claims_are_recorded_on_mexican_cases_only(world, make, us):
    with pytest.raises(NotPermitted):
        make.comar_claim(us, world("US", Role.ATTORNEY))
    assert make.count(ComarClaim) == 0


# --- privileged notes ---------------------------------------------------------------------

def test_only_legal_staff_on_the_case_team_write_notes(world, make, us):
    paralegal, caseworker = world("US", Role.PARALEGAL), world("US", Role.CASEWORKER)
    with pytest.raises(NotPermitted):
        make.legal_note(us, paralegal)  # legal, but not on the team
    make.on_team(us, paralegal, caseworker)
    db.session.refresh(us)
    with pytest.raises(NotPermitted):
        make.legal_note(us, caseworker)  # on the team, but not legal
    note = make.legal_note(us, paralegal, "MARKER-7f3a the child fears her uncle")
    assert queries.notes(us, caseworker) == []
    assert queries.notes(us, world("US", Role.SUPERVISOR)) == []
    assert [n.id for n in queries.notes(us, paralegal)] == [note.id]
    assert b"MARKER-7f3a" not in make.raw_values("legal_note", "body")[0]
    details = db.session.scalars(sa.select(AuditEvent.details)).all()
    assert all("MARKER" not in str(d) for d in details)
    assert make.count(LegalNote) == 1


def test_leaving_the_team_ends_access_to_notes(world, make, us):
    attorney = world("US", Role.ATTORNEY)
    make.on_team(us, attorney)
    db.session.refresh(us)
    make.legal_note(us, attorney)
    db.session.execute(sa.delete(CaseTeamMember).where(CaseTeamMember.user_id == attorney.id))
    db.session.refresh(us)
    assert queries.notes(us, attorney) == []


# --- age-out alerts ---------------------------------------------------------------------

def test_age_out_alerts_before_the_18th_and_the_21st_birthdays(world, make):
    today = make.days_ago(0)
    turning_18 = today + timedelta(days=40)
    case = make.case(world("US", Role.CASEWORKER),
                     birth_date=legal.birthday(turning_18, -18))
    assert [(a.age, a.on, a.days_left) for a in queries.age_out_alerts(case, today)] == [
        (18, turning_18, 40)]
    assert queries.age_out_alerts(case, today - timedelta(days=200)) == []
    assert queries.age_out_alerts(case, turning_18 + timedelta(days=1)) == []
    turning_21 = today + timedelta(days=300)
    older = make.case(world("US", Role.CASEWORKER), birth_date=legal.birthday(turning_21, -21))
    assert [a.age for a in queries.age_out_alerts(older, today)] == [21]
    in_mexico = make.case(world("MX", Role.CASEWORKER),
                          birth_date=legal.birthday(turning_21, -21))
    assert queries.age_out_alerts(in_mexico, today) == []


def test_no_21st_birthday_alert_once_the_i360_is_filed(world, make):
    today = make.days_ago(0)
    attorney = world("US", Role.ATTORNEY)
    case = make.case(world("US", Role.CASEWORKER),
                     birth_date=legal.birthday(today + timedelta(days=100), -21))
    make.representation(case, attorney)
    order = make.relief_filing(case, attorney, kind="sijs_state_order")
    legal.update_filing(case, order.id, receipt_on=None, receipt_number=None,
                        decision="granted", decided_on=today, actor=attorney)
    assert [a.age for a in queries.age_out_alerts(case, today)] == [21]
    make.relief_filing(case, attorney, kind="sijs_i360")
    assert queries.age_out_alerts(case, today) == []


def test_an_estimated_age_warns_without_a_date(world, make):
    case = make.case(world("MX", Role.CASEWORKER), birth_date=None, age_estimate=17)
    assert [(a.age, a.on) for a in queries.age_out_alerts(case)] == [(18, None)]
    younger = make.case(world("MX", Role.CASEWORKER), birth_date=None, age_estimate=15)
    assert queries.age_out_alerts(younger) == []


def test_a_29_february_birthday_falls_on_28_february():
    assert legal.birthday(date(2008, 2, 29), 18) == date(2026, 2, 28)
    assert legal.birthday(date(2008, 2, 29), 20) == date(2028, 2, 29)


def test_nothing_derived_from_the_birth_date_is_stored_in_plain(app):
    """Age-outs are computed when shown: no plain column holds a birth date or an age."""
    plain = [(t.name, c.name) for t in db.metadata.sorted_tables for c in t.columns
             if not isinstance(c.type, sa.LargeBinary)]
    words = ("birth", "age_", "turns", "_18", "_21")
    assert [tc for tc in plain if any(w in tc[1] for w in words)] == []
