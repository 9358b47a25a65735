"""The family checkpoints against real records: release refused without verification or a
required home study, contact with the country of origin refused for a child with a
protection claim and no consent, sibling separation needing a justification, and the
home-study rule following each trigger of POLICY.md."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from casework.accounts.roles import Role
from casework.errors import NotPermitted
from casework.extensions import db
from casework.models import utcnow
from casework.reunification import conditions, services
from casework.reunification.choices import HomeStudyTrigger
from casework.reunification.models import Release, SiblingLink, TracingEntry
from casework.workflow import engine
from casework.workflow.engine import CheckpointBlocked
from casework.workflow.models import ActionRecord, CaseCheckpoint, State
from casework.workflow.policy import Action, Block
from casework.workflow.registry import CONDITIONS, FactBatch, Facts, Met


def check(name: str, case):
    return CONDITIONS[name](Facts(case=case, now=utcnow(), _batch=FactBatch([case.id])))


def keys(case, action) -> dict[str, Block]:
    return {r.key: r.block for r in engine.blockers(case, action)}


def row(case, key: str) -> CaseCheckpoint:
    return db.session.scalars(sa.select(CaseCheckpoint).where(
        CaseCheckpoint.case_id == case.id, CaseCheckpoint.key == key)).one()


def born(years: int) -> date:
    today = utcnow().date()
    return today.replace(year=today.year - years, day=min(today.day, 28))


@pytest.fixture
def cw(world):
    return world("US", Role.CASEWORKER)


@pytest.fixture
def us_case(make, cw):
    """A Guatemalan child of 14 in a US office, trafficking screening done (no indicators)."""
    case = make.case(cw, encounter_type="port_of_entry", birth_date=born(14))
    make.screening(case, cw, "trafficking")
    return case


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# --- release: verification, sponsor assessment ---------------------------------------------

def test_a_fresh_case_does_not_show_the_reunification_checkpoints(make, us_case):
    for key in ("ftr.verify", "ftr.sponsor", "ftr.siblings", "ftr.followup"):
        assert row(us_case, key).state == State.NOT_APPLICABLE
    assert row(us_case, "ftr.trace").state == State.PENDING


def test_a_sponsor_assessment_makes_verify_and_sponsor_apply_so_they_can_be_signed_off(
        make, us_case, cw):
    member = make.family_member(us_case, cw)
    make.sponsor_assessment(us_case, cw, member)
    assert row(us_case, "ftr.verify").state == State.PENDING
    assert row(us_case, "ftr.sponsor").state == State.PENDING
    make.verification(us_case, cw, member)
    assert row(us_case, "ftr.verify").state == State.AWAITING_SIGN_OFF


def test_release_is_allowed_once_the_family_checkpoints_are_met(make, us_case, cw):
    make.sponsor_ready(us_case, cw)
    assert keys(us_case, Action.RELEASE_TO_SPONSOR) == {}


def test_release_refused_without_verification(make, us_case, cw, world):
    member = make.family_member(us_case, cw)
    make.sponsor_assessment(us_case, cw, member)
    for kind in ("application", "identity", "background"):
        make.sponsor_check(us_case, cw, kind)
    blocked = keys(us_case, Action.RELEASE_TO_SPONSOR)
    assert blocked == {"ftr.verify": Block.HARD, "ftr.sponsor": Block.HARD}
    with pytest.raises(CheckpointBlocked):
        make.release(us_case, cw)
    assert count(Release) == 0 and count(ActionRecord) == 0
    with pytest.raises(NotPermitted):
        engine.override(us_case, Action.RELEASE_TO_SPONSOR, "ftr.verify",
                        "Supervisor wants the release today.", actor=world("US", Role.SUPERVISOR))


@pytest.mark.parametrize("change", [
    {"outcome": "not_verified", "documents_seen": False, "documents": None},
    {"outcome": "inconclusive"},
    {"child_wish": "does_not_want"},
    {"family_wish": "unsure"},
], ids=["not-verified", "inconclusive", "child-does-not-want", "relative-unsure"])
def test_release_refused_when_the_latest_verification_does_not_pass(make, us_case, cw, change):
    member = make.sponsor_ready(us_case, cw)
    make.verification(us_case, cw, member, **change)  # a later verification supersedes
    assert keys(us_case, Action.RELEASE_TO_SPONSOR)["ftr.verify"] == Block.HARD


def test_verifying_another_relative_does_not_verify_the_sponsor(make, us_case, cw):
    sponsor = make.family_member(us_case, cw)
    aunt = make.family_member(us_case, cw, kinship="aunt_uncle", given_names="Elvira")
    make.verification(us_case, cw, aunt)
    make.sponsor_assessment(us_case, cw, sponsor)
    assert check("family.relationship_verified", us_case) is None
    v = make.verification(us_case, cw, sponsor)
    assert check("family.relationship_verified", us_case) == Met(v.verified_at, cw.id)


def test_a_verification_needs_documents_or_both_interviews(make, us_case, cw):
    member = make.family_member(us_case, cw)
    with pytest.raises(ValueError, match="documents, or by interviews"):
        make.verification(us_case, cw, member, documents_seen=False, documents=None,
                          family_interviewed=False)
    with pytest.raises(ValueError, match="which documents"):
        make.verification(us_case, cw, member, documents=None)


def test_a_failed_check_blocks_until_a_later_one_passes(make, us_case, cw):
    make.sponsor_ready(us_case, cw)
    make.sponsor_check(us_case, cw, "background", passed=False,
                       details="Open child-welfare case in Harris County.")
    assert keys(us_case, Action.RELEASE_TO_SPONSOR) == {"ftr.sponsor": Block.HARD}
    with pytest.raises(ValueError, match="what was found"):
        make.sponsor_check(us_case, cw, "identity", passed=False)
    make.sponsor_check(us_case, cw, "background", details="Case closed, no findings.")
    assert keys(us_case, Action.RELEASE_TO_SPONSOR) == {}


def test_category_4_means_no_release(make, us_case, cw):
    make.sponsor_ready(us_case, cw)
    make.sponsor_assessment(us_case, cw, None, category="4", household=None)
    assert "ftr.sponsor" in keys(us_case, Action.RELEASE_TO_SPONSOR)
    with pytest.raises(ValueError, match="first"):
        make.sponsor_check(us_case, cw, "identity")


def test_the_assessed_sponsor_met_when_and_by_whom(make, us_case, cw, world):
    other = world("US", Role.SUPERVISOR)
    member = make.sponsor_ready(us_case, cw)
    last = make.sponsor_check(us_case, other, "background",
                              completed_at=make.recent(minutes=1))
    assert member.id == last.member_id
    assert check("family.sponsor_assessed", us_case) == Met(last.completed_at, other.id)


# --- the home-study rule: one test per trigger of POLICY.md --------------------------------

TRIGGERS = {
    # name: (case overrides, assessment overrides, screenings to record)
    "trafficking-victim": ({}, {"child_trafficking_victim": True}, []),
    "trafficking-screening": ({}, {}, [("trafficking", {
        "outcome": "indicators_referred", "referral_made": True,
        "referral_to": "Anti-trafficking unit"})]),
    "abuse-victim": ({}, {"child_abuse_victim": True}, []),
    "disability": ({}, {"child_disability": True}, []),
    "under-12-category-3": ({"birth_date": born(10)},
                            {"category": "3", "sponsor_related": True}, []),
    "unrelated-several-children": ({}, {"category": "3", "sponsor_related": False,
                                        "children_sponsored": 2}, []),
    "unrelated-sponsored-before": ({}, {"category": "3", "sponsor_related": False,
                                        "sponsored_before": True}, []),
}
EXPECTED = {
    "trafficking-victim": HomeStudyTrigger.TRAFFICKING,
    "trafficking-screening": HomeStudyTrigger.TRAFFICKING,
    "abuse-victim": HomeStudyTrigger.ABUSE,
    "disability": HomeStudyTrigger.DISABILITY,
    "under-12-category-3": HomeStudyTrigger.UNDER_12_CATEGORY_3,
    "unrelated-several-children": HomeStudyTrigger.UNRELATED_SEVERAL,
    "unrelated-sponsored-before": HomeStudyTrigger.UNRELATED_SEVERAL,
}


def _triggers(case):
    facts = Facts(case=case, now=utcnow(), _batch=FactBatch([case.id]))
    return conditions.home_study_triggers(
        conditions.current_assessment(facts),
        trafficking_screened=conditions.trafficking_indicated(facts))


@pytest.mark.parametrize("name", sorted(TRIGGERS))
def test_each_trigger_requires_a_home_study_before_release(make, cw, name):
    case_overrides, assessment, screenings = TRIGGERS[name]
    case = make.case(cw, encounter_type="port_of_entry",
                     **{"birth_date": born(14), **case_overrides})
    make.screening(case, cw, "trafficking")
    for kind, values in screenings:
        make.screening(case, cw, kind, **values)
    make.sponsor_ready(case, cw, **assessment)
    assert _triggers(case) == {EXPECTED[name]}
    assert keys(case, Action.RELEASE_TO_SPONSOR) == {"ftr.sponsor": Block.HARD}
    with pytest.raises(CheckpointBlocked):
        make.release(case, cw)
    make.sponsor_check(case, cw, "home_study", passed=False, details="Overcrowded, no bed.")
    assert keys(case, Action.RELEASE_TO_SPONSOR) == {"ftr.sponsor": Block.HARD}
    make.sponsor_check(case, cw, "home_study", details="Bedroom ready; school nearby.")
    assert keys(case, Action.RELEASE_TO_SPONSOR) == {}
    make.release(case, cw)
    db.session.commit()
    assert count(Release) == 1


def test_a_contiguous_screening_trafficking_risk_is_the_trafficking_trigger(make, world):
    pl = world("US", Role.PARALEGAL)
    case = make.case(pl, nationality="MX", encounter_type="port_of_entry", birth_date=born(15))
    make.screening(case, pl, "contiguous", trafficking_risk=True, can_decide=False)
    make.sponsor_ready(case, world("US", Role.CASEWORKER))
    assert _triggers(case) == {HomeStudyTrigger.TRAFFICKING}


@pytest.mark.parametrize("case_overrides, assessment", [
    ({}, {}),  # a parent, a child of 14, no trigger
    ({"birth_date": born(10)}, {"category": "1"}),  # under 12, but a parent
    ({"birth_date": born(13)}, {"category": "3", "sponsor_related": True}),  # category 3, 13
    ({}, {"category": "3", "sponsor_related": False}),  # unrelated, one child, first time
    ({}, {"category": "3", "sponsor_related": True, "children_sponsored": 3}),  # related
    ({}, {"category": "2B", "sponsored_before": True}),  # a relative who sponsored before
], ids=["parent", "under-12-parent", "category-3-aged-13", "unrelated-first-child",
        "related-several", "relative-before"])
def test_no_trigger_no_home_study(make, cw, case_overrides, assessment):
    case = make.case(cw, encounter_type="port_of_entry",
                     **{"birth_date": born(14), **case_overrides})
    make.screening(case, cw, "trafficking")
    make.sponsor_ready(case, cw, **assessment)
    assert _triggers(case) == frozenset()
    assert keys(case, Action.RELEASE_TO_SPONSOR) == {}


def test_a_family_friend_is_unrelated_whatever_the_form_says(make, us_case, cw):
    friend = make.family_member(us_case, cw, kinship="family_friend", given_names="Julia")
    make.verification(us_case, cw, friend)
    make.sponsor_assessment(us_case, cw, friend, category="3", sponsor_related=True,
                            sponsored_before=True)
    assert _triggers(us_case) == {HomeStudyTrigger.UNRELATED_SEVERAL}


def test_an_unknown_age_counts_as_under_12():
    assert conditions.under_12(None) and conditions.under_12(11)
    assert not conditions.under_12(12)


# --- contact with the country of origin ---------------------------------------------------

@pytest.fixture
def claimant(make, world):
    """A Guatemalan child in Mexico with a protection need and consent that does not cover
    contact with the country of origin."""
    cw = world("MX", Role.CASEWORKER)
    case = make.case(cw)
    make.consent(case, cw)
    make.screening(case, world("MX", Role.ATTORNEY), "protection",
                   outcome="fear_or_need_identified", findings="Fears the gang in Zone 18.")
    return case


@pytest.mark.parametrize("how", ["consulate", "relative-in-origin", "ticked"])
def test_contact_with_the_origin_country_is_refused_for_a_claimant_without_consent(
        make, world, claimant, how):
    cw = world("MX", Role.CASEWORKER)
    member = make.family_member(claimant, cw, country="GT", place="Quetzaltenango")
    values = {"consulate": {"channel": "consulate"},
              "relative-in-origin": {"member_id": member.id},
              "ticked": {"channel": "social_media", "in_origin_country": True}}[how]
    db.session.commit()
    with pytest.raises(CheckpointBlocked) as refused:
        make.tracing(claimant, cw, **values)
    reasons = refused.value.reasons
    assert refused.value.action == Action.CONTACT_ORIGIN_COUNTRY
    assert [r.block for r in reasons] == [Block.HARD] and "R7" in reasons[0].recommendations
    db.session.rollback()
    assert count(TracingEntry) == 0 and count(ActionRecord) == 0


def test_tracing_a_relative_outside_the_origin_country_is_not_origin_contact(
        make, world, claimant):
    cw = world("MX", Role.CASEWORKER)
    mother = make.family_member(claimant, cw)  # lives in the US
    entry = make.tracing(claimant, cw, member_id=mother.id)
    assert not entry.in_origin_country and entry.action_id is None


def test_with_consent_the_contact_is_recorded_as_the_gated_action(make, world, claimant):
    cw = world("MX", Role.CASEWORKER)
    make.consent(claimant, cw, may_contact_origin_country=True,
                 sharing_scope=["consulate_of_origin"])
    entry = make.tracing(claimant, cw, channel="consulate", result="pending")
    db.session.commit()
    assert entry.in_origin_country
    action = db.session.get(ActionRecord, entry.action_id)
    assert action.action == Action.CONTACT_ORIGIN_COUNTRY


def test_without_consent_recorded_the_contact_is_a_soft_block(make, world):
    cw = world("MX", Role.CASEWORKER)
    case = make.case(cw)
    with pytest.raises(CheckpointBlocked) as refused:
        make.tracing(case, cw, channel="consulate")
    assert {r.key: r.block for r in refused.value.reasons} == {"intake.consent": Block.SOFT}


def test_a_relative_the_child_does_not_want_contacted_is_not_traced(make, us_case, cw):
    father = make.family_member(us_case, cw, kinship="father", wants_contact="no")
    with pytest.raises(ValueError, match="does not want this person contacted"):
        make.tracing(us_case, cw, member_id=father.id)
    entry = make.tracing(us_case, cw, member_id=father.id, result="not_pursued")
    assert entry.result == "not_pursued"


def test_tracing_needs_the_confidentiality_check(make, us_case, cw):
    with pytest.raises(ValueError, match="protection claim"):
        make.tracing(us_case, cw, confidentiality_confirmed=False)


def test_tracing_is_opened_by_its_first_action_within_48_hours(make, us_case, cw, world):
    first = make.tracing(us_case, cw, occurred_at=make.recent(hours=3))
    make.tracing(us_case, world("US", Role.SUPERVISOR), occurred_at=make.recent(hours=1))
    assert check("family.tracing_opened", us_case) == Met(first.occurred_at, cw.id)
    r = row(us_case, "ftr.trace")
    assert r.due_at == us_case.opened_at + timedelta(hours=48)
    assert r.state == State.AWAITING_SIGN_OFF


# --- siblings -----------------------------------------------------------------------------

def test_a_release_that_separates_siblings_needs_a_written_justification(make, us_case, cw,
                                                                        world):
    brother = make.case(cw, given_names="Mateo", encounter_type="port_of_entry")
    make.sponsor_ready(us_case, cw)
    assert keys(us_case, Action.RELEASE_TO_SPONSOR) == {}
    services.link_siblings(us_case, brother, actor=cw)
    assert keys(us_case, Action.RELEASE_TO_SPONSOR) == {"ftr.siblings": Block.SOFT}
    assert row(brother, "ftr.siblings").state == State.PENDING  # both cases know it
    with pytest.raises(ValueError, match="justification"):
        services.record_sibling_decision(us_case, services.SiblingDecisionDetails(
            decided_at=make.recent(), together=False, justification="Better."), actor=cw)
    services.record_sibling_decision(us_case, services.SiblingDecisionDetails(
        decided_at=make.recent(), together=False,
        justification="Mateo is 17 and goes to a specialised programme for older boys; "
                      "weekly video calls are arranged."), actor=cw)
    assert keys(us_case, Action.RELEASE_TO_SPONSOR) == {}
    # A sibling linked after the decision needs a new decision.
    sister = make.case(cw, given_names="Lucía", encounter_type="port_of_entry")
    services.link_siblings(sister, us_case, actor=cw)
    assert keys(us_case, Action.RELEASE_TO_SPONSOR) == {"ftr.siblings": Block.SOFT}
    services.record_sibling_decision(us_case, services.SiblingDecisionDetails(
        decided_at=make.recent(), together=True), actor=cw)
    assert keys(us_case, Action.RELEASE_TO_SPONSOR) == {}


def test_a_supervisor_can_override_the_sibling_block_with_a_reason(make, us_case, cw, world):
    brother = make.case(cw, given_names="Mateo", encounter_type="port_of_entry")
    make.sponsor_ready(us_case, cw)
    services.link_siblings(us_case, brother, actor=cw)
    engine.override(us_case, Action.RELEASE_TO_SPONSOR, "ftr.siblings",
                    "Emergency release ordered; decision to follow.",
                    actor=world("US", Role.SUPERVISOR))
    assert keys(us_case, Action.RELEASE_TO_SPONSOR) == {}


def test_linking_is_once_per_pair_and_never_to_itself(make, us_case, cw):
    other = make.case(cw, given_names="Mateo")
    services.link_siblings(other, us_case, actor=cw)
    with pytest.raises(ValueError, match="already linked"):
        services.link_siblings(us_case, other, actor=cw)
    with pytest.raises(ValueError, match="itself"):
        services.link_siblings(us_case, us_case, actor=cw)
    with pytest.raises(ValueError, match="Link the siblings"):
        services.record_sibling_decision(make.case(cw), services.SiblingDecisionDetails(
            decided_at=make.recent(), together=True), actor=cw)
    services.unlink_siblings(us_case, other, actor=cw)
    assert count(SiblingLink) == 0
    assert row(us_case, "ftr.siblings").state == State.NOT_APPLICABLE


# --- release and follow-up ------------------------------------------------------------------

def test_the_release_records_date_and_address_and_moves_the_custodian(make, us_case, cw):
    member = make.sponsor_ready(us_case, cw)
    when = make.recent(hours=2)
    release = make.release(us_case, cw, released_at=when, note="Flew to Houston with escort.")
    db.session.commit()
    assert release.address_changed_on == when.date()
    assert release.member_id == member.id and release.released_at == when
    action = db.session.get(ActionRecord, release.action_id)
    assert action.action == Action.RELEASE_TO_SPONSOR and action.occurred_at == when
    assert us_case.custodian == "Rosa Amalia Tzoc Ajanel"
    assert us_case.custodian_location == release.address
    stored = b"".join(v or b"" for v in make.raw_values("family_release", "address"))
    assert b"Main St" not in stored


def test_follow_up_applies_after_release_and_the_30_day_call_meets_it(make, cw):
    case = make.case(cw, encounter_type="port_of_entry", birth_date=born(14),
                     encountered_at=make.recent(days=45))
    make.screening(case, cw, "trafficking")
    make.sponsor_ready(case, cw)
    assert row(case, "ftr.followup").state == State.NOT_APPLICABLE
    with pytest.raises(ValueError, match="after the child's release"):
        services.record_follow_up(case, services.FollowUpDetails(
            contacted_at=make.recent(), kind="safety_call", reached=True,
            school="enrolled"), actor=cw)
    released = make.recent(days=35)
    make.release(case, cw, released_at=released)
    r = row(case, "ftr.followup")
    assert r.state == State.PENDING and r.due_at == released + timedelta(days=30)
    assert keys(case, Action.CLOSE_CASE)["ftr.followup"] == Block.SOFT
    with pytest.raises(ValueError, match="before the release"):
        services.record_follow_up(case, services.FollowUpDetails(
            contacted_at=make.recent(days=36), kind="safety_call", reached=True,
            school="enrolled"), actor=cw)
    with pytest.raises(ValueError, match="concerns"):
        services.record_follow_up(case, services.FollowUpDetails(
            contacted_at=make.recent(days=1), kind="safety_call", reached=True,
            school="enrolled", concerns=True), actor=cw)
    # Not reached: the call did not happen.
    services.record_follow_up(case, services.FollowUpDetails(
        contacted_at=make.recent(days=2), kind="safety_call", reached=False,
        school="unknown"), actor=cw)
    assert check("family.safety_call_made", case) is None
    call = services.record_follow_up(case, services.FollowUpDetails(
        contacted_at=make.recent(days=1), kind="safety_call", reached=True,
        school="enrolled", notes="Doing well."), actor=cw)
    assert check("family.safety_call_made", case) == Met(call.contacted_at, cw.id)
    r = row(case, "ftr.followup")
    assert r.state == State.AWAITING_SIGN_OFF and r.late  # made after the 30 days
    assert "ftr.followup" not in keys(case, Action.CLOSE_CASE)
