"""Conditions of the family checkpoints (ftr.*), read from the reunification records.

The fact sources load plain columns only, for a whole batch of cases in one query each,
ordered so that the last record of a group is the latest. The home-study rule lives
here (`home_study_triggers`), once, and the pages show what it says.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from casework.extensions import db
from casework.reunification.choices import (
    ALWAYS_REQUIRED_CHECKS,
    HOME_STUDY_AGE,
    RELATED_CATEGORIES,
    CheckKind,
    FollowUpKind,
    HomeStudyTrigger,
    SponsorCategory,
    VerificationOutcome,
    Wish,
)
from casework.reunification.models import (
    FollowUp,
    SiblingDecision,
    SiblingLink,
    SponsorAssessment,
    SponsorCheck,
    TracingEntry,
    Verification,
)
from casework.screening.choices import ScreeningKind
from casework.screening.models import Screening
from casework.workflow.policy import Action
from casework.workflow.registry import Met, anchor, condition, fact_source, group_by_case, in_batch

# A release to a sponsor and a reunification abroad both end the child's separation.
REUNIFICATIONS = frozenset({Action.RELEASE_TO_SPONSOR, Action.REUNIFY_ABROAD})
# Trafficking screening outcomes that found indicators (screening/choices.py).
TRAFFICKING_INDICATED = frozenset({"indicators_referred", "indicators_no_referral"})


# --- fact sources -----------------------------------------------------------------------

@fact_source("family.tracing", keyed_by=TracingEntry.case_id)
def load_tracing(case_ids):
    return group_by_case(db.session.execute(
        sa.select(TracingEntry.case_id, TracingEntry.occurred_at, TracingEntry.recorded_by_id)
        .where(in_batch(TracingEntry.case_id, case_ids))
        .order_by(TracingEntry.occurred_at, TracingEntry.recorded_at)
    ))


@fact_source("family.verifications", keyed_by=Verification.case_id)
def load_verifications(case_ids):
    return group_by_case(db.session.execute(
        sa.select(Verification.case_id, Verification.member_id, Verification.verified_at,
                  Verification.outcome, Verification.child_wish, Verification.family_wish,
                  Verification.recorded_by_id)
        .where(in_batch(Verification.case_id, case_ids))
        .order_by(Verification.verified_at, Verification.recorded_at)
    ))


@fact_source("family.assessments", keyed_by=SponsorAssessment.case_id)
def load_assessments(case_ids):
    a = SponsorAssessment
    return group_by_case(db.session.execute(
        sa.select(a.case_id, a.member_id, a.assessed_at, a.category, a.sponsor_related,
                  a.children_sponsored, a.sponsored_before, a.child_trafficking_victim,
                  a.child_abuse_victim, a.child_disability, a.child_under_12,
                  a.recorded_by_id)
        .where(in_batch(a.case_id, case_ids))
        .order_by(a.assessed_at, a.recorded_at)
    ))


@fact_source("family.sponsor_checks", keyed_by=SponsorCheck.case_id)
def load_sponsor_checks(case_ids):
    return group_by_case(db.session.execute(
        sa.select(SponsorCheck.case_id, SponsorCheck.member_id, SponsorCheck.kind,
                  SponsorCheck.completed_at, SponsorCheck.passed, SponsorCheck.recorded_by_id)
        .where(in_batch(SponsorCheck.case_id, case_ids))
        .order_by(SponsorCheck.completed_at, SponsorCheck.recorded_at)
    ))


@fact_source("family.screenings", keyed_by=Screening.case_id)
def load_screenings(case_ids):
    """What the home-study rule reads of the screenings: trafficking indicators."""
    return group_by_case(db.session.execute(
        sa.select(Screening.case_id, Screening.kind, Screening.outcome,
                  Screening.trafficking_risk)
        .where(in_batch(Screening.case_id, case_ids),
               Screening.kind.in_([ScreeningKind.TRAFFICKING, ScreeningKind.CONTIGUOUS]))
        .order_by(Screening.completed_at, Screening.recorded_at)
    ))


@fact_source("family.sibling_links", keyed_by=(SiblingLink.case_id, SiblingLink.sibling_case_id))
def load_sibling_links(case_ids):
    """Each link, under both of its cases."""
    wanted = set(case_ids)
    out: dict[uuid.UUID, list] = {}
    rows = db.session.execute(
        sa.select(SiblingLink.case_id, SiblingLink.sibling_case_id, SiblingLink.linked_at)
        .where(sa.or_(in_batch(SiblingLink.case_id, case_ids),
                      in_batch(SiblingLink.sibling_case_id, case_ids)))
        .order_by(SiblingLink.linked_at)
    )
    for row in rows:
        for side in {row.case_id, row.sibling_case_id} & wanted:
            out.setdefault(side, []).append(row)
    return out


@fact_source("family.sibling_decisions", keyed_by=SiblingDecision.case_id)
def load_sibling_decisions(case_ids):
    return group_by_case(db.session.execute(
        sa.select(SiblingDecision.case_id, SiblingDecision.decided_at, SiblingDecision.together,
                  SiblingDecision.recorded_by_id, SiblingDecision.recorded_at)
        .where(in_batch(SiblingDecision.case_id, case_ids))
        .order_by(SiblingDecision.recorded_at)
    ))


@fact_source("family.follow_ups", keyed_by=FollowUp.case_id)
def load_follow_ups(case_ids):
    return group_by_case(db.session.execute(
        sa.select(FollowUp.case_id, FollowUp.contacted_at, FollowUp.kind, FollowUp.reached,
                  FollowUp.recorded_by_id)
        .where(in_batch(FollowUp.case_id, case_ids))
        .order_by(FollowUp.contacted_at, FollowUp.recorded_at)
    ))


# --- helpers (also used by the pages, so they show what the gates decide) --------------

def current_assessment(facts):
    assessments = facts.records("family.assessments")
    return assessments[-1] if assessments else None


def latest_verifications(facts) -> dict:
    """The latest verification of each family member."""
    return {v.member_id: v for v in facts.records("family.verifications")}


def verification_passes(v) -> bool:
    """Verified, and both the child and the relative want the child in the relative's care."""
    return (v is not None and v.outcome == VerificationOutcome.VERIFIED
            and v.child_wish == Wish.WANTS and v.family_wish == Wish.WANTS)


def latest_checks(facts, member_id) -> dict:
    """The latest check of each kind for one sponsor."""
    return {c.kind: c for c in facts.records("family.sponsor_checks")
            if c.member_id == member_id}


def trafficking_indicated(facts) -> bool:
    """The latest trafficking screening found indicators, or the contiguous one a risk."""
    latest = {s.kind: s for s in facts.records("family.screenings")}
    trafficking = latest.get(ScreeningKind.TRAFFICKING)
    contiguous = latest.get(ScreeningKind.CONTIGUOUS)
    return bool((trafficking is not None and trafficking.outcome in TRAFFICKING_INDICATED)
                or (contiguous is not None and contiguous.trafficking_risk))


def home_study_triggers(assessment, *, trafficking_screened: bool = False
                        ) -> frozenset[HomeStudyTrigger]:
    """Why a home study is required for this sponsor assessment (empty: not required).

    POLICY.md: the child is a trafficking victim, a victim of physical or sexual abuse,
    has a disability, is under 12 with a category 3 sponsor, or the sponsor is unrelated
    and sponsoring several children or has sponsored before. A screening that found
    trafficking indicators counts as the first trigger, whatever the assessment says.
    """
    found = set()
    if assessment.child_trafficking_victim or trafficking_screened:
        found.add(HomeStudyTrigger.TRAFFICKING)
    if assessment.child_abuse_victim:
        found.add(HomeStudyTrigger.ABUSE)
    if assessment.child_disability:
        found.add(HomeStudyTrigger.DISABILITY)
    if assessment.child_under_12 and assessment.category == SponsorCategory.DISTANT_OR_UNRELATED:
        found.add(HomeStudyTrigger.UNDER_12_CATEGORY_3)
    related = assessment.sponsor_related or assessment.category in RELATED_CATEGORIES
    if not related and (assessment.children_sponsored > 1 or assessment.sponsored_before):
        found.add(HomeStudyTrigger.UNRELATED_SEVERAL)
    return frozenset(found)


def under_12(age: int | None) -> bool:
    """An unknown age counts as under 12: the rule then asks for more, never less."""
    return age is None or age < HOME_STUDY_AGE


def required_checks(facts, assessment) -> tuple[CheckKind, ...]:
    if home_study_triggers(assessment, trafficking_screened=trafficking_indicated(facts)):
        return (*ALWAYS_REQUIRED_CHECKS, CheckKind.HOME_STUDY)
    return ALWAYS_REQUIRED_CHECKS


def releases(facts) -> list:
    """Releases and reunifications carried out, oldest first (workflow's action records)."""
    return [r for r in facts.records("workflow.actions") if r.action in REUNIFICATIONS]


# --- applies ------------------------------------------------------------------------------

@condition("family.reunification_proposed")
def reunification_proposed(facts) -> bool:
    """A release or reunification is being attempted, prepared (a sponsor assessment or a
    verification exists) or was carried out."""
    return bool(REUNIFICATIONS & facts.proposed
                or facts.records("family.assessments")
                or facts.records("family.verifications")
                or releases(facts))


@condition("family.us_release_proposed")
def us_release_proposed(facts) -> bool:
    """A release to a sponsor is being attempted, prepared (a sponsor assessment exists) or
    was carried out. The action is ORR's release to a sponsor; a Mexican office that
    releases a child to a family member passes the same assessment."""
    return bool(Action.RELEASE_TO_SPONSOR in facts.proposed
                or facts.records("family.assessments")
                or any(r.action == Action.RELEASE_TO_SPONSOR
                       for r in facts.records("workflow.actions")))


@condition("family.siblings_known")
def siblings_known(facts) -> bool:
    return bool(facts.records("family.sibling_links"))


@condition("family.released")
def released(facts) -> bool:
    return bool(releases(facts))


@anchor("family.released")
def released_at(facts):
    done = releases(facts)
    return done[-1].occurred_at if done else None


# --- met ----------------------------------------------------------------------------------

@condition("family.tracing_opened")
def tracing_opened(facts) -> Met | None:
    """Tracing is opened by its first recorded action."""
    entries = facts.records("family.tracing")
    return Met(entries[0].occurred_at, entries[0].recorded_by_id) if entries else None


@condition("family.relationship_verified")
def relationship_verified(facts) -> Met | None:
    """The relationship with the person the child would go to is verified, and both sides
    want it. That person is the sponsor of the assessment in force; without a sponsor,
    any verified relative (a reunification abroad)."""
    latest = latest_verifications(facts)
    assessment = current_assessment(facts)
    if assessment is not None and assessment.member_id is not None:
        candidates = [latest.get(assessment.member_id)]
    else:
        candidates = list(latest.values())
    passing = [v for v in candidates if verification_passes(v)]
    if not passing:
        return None
    best = max(passing, key=lambda v: v.verified_at)
    return Met(best.verified_at, best.recorded_by_id)


@condition("family.sponsor_assessed")
def sponsor_assessed(facts) -> Met | None:
    """The assessment in force names a sponsor whose relationship is verified and who
    passed every required check, the home study included when the rule requires one."""
    assessment = current_assessment(facts)
    if assessment is None or assessment.member_id is None:
        return None
    verification = latest_verifications(facts).get(assessment.member_id)
    if verification is None or verification.outcome != VerificationOutcome.VERIFIED:
        return None
    checks = latest_checks(facts, assessment.member_id)
    done = []
    for kind in required_checks(facts, assessment):
        check = checks.get(kind)
        if check is None or not check.passed:
            return None
        done.append((check.completed_at, check.recorded_by_id))
    steps = [(assessment.assessed_at, assessment.recorded_by_id),
             (verification.verified_at, verification.recorded_by_id), *done]
    at, by = max(steps, key=lambda step: step[0])
    return Met(at, by)


@condition("family.siblings_together")
def siblings_together(facts) -> Met | None:
    """A decision (kept together, or separated with a written justification) recorded
    after the last sibling link."""
    links = facts.records("family.sibling_links")
    decisions = facts.records("family.sibling_decisions")
    if not decisions:
        return None
    latest = decisions[-1]
    if links and latest.recorded_at < max(link.linked_at for link in links):
        return None  # a sibling was linked after the decision: decide again
    return Met(latest.decided_at, latest.recorded_by_id)


@condition("family.safety_call_made")
def safety_call_made(facts) -> Met | None:
    """The child and sponsor were reached by a safety and well-being call after the
    latest release."""
    since = released_at(facts)
    if since is None:
        return None
    calls = [f for f in facts.records("family.follow_ups")
             if f.kind == FollowUpKind.SAFETY_CALL and f.reached and f.contacted_at >= since]
    return Met(calls[0].contacted_at, calls[0].recorded_by_id) if calls else None
