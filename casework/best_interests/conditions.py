"""Conditions of the best-interests checkpoints, read from the BIA, plan and BID records.

R5 and R4 on the server: a return, a transfer or a reunification abroad needs the
case's current BID (the latest; never a superseded one) to be decided by a panel
of at least three members other than its drafter, approved by a supervisor,
explained to the child, and to recommend that very action.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from casework.best_interests.choices import (
    MIN_PANEL,
    AssessmentKind,
    BidStatus,
    Vote,
    supports,
)
from casework.best_interests.models import (
    BestInterestsAssessment,
    BestInterestsDetermination,
    BidVote,
    CasePlan,
)
from casework.extensions import db
from casework.workflow.models import CaseCheckpoint, State
from casework.workflow.policy import Action
from casework.workflow.registry import (
    Met,
    anchor,
    clock,
    condition,
    fact_source,
    group_by_case,
    in_batch,
)

# POLICY.md: a BID is required whenever one of these is proposed.
NEEDS_BID = frozenset({Action.RECORD_RETURN, Action.RECORD_TRANSFER, Action.REUNIFY_ABROAD})


@fact_source("bi.assessments", keyed_by=BestInterestsAssessment.case_id)
def load_assessments(case_ids):
    return group_by_case(db.session.execute(
        sa.select(BestInterestsAssessment.case_id, BestInterestsAssessment.kind,
                  BestInterestsAssessment.assessed_at, BestInterestsAssessment.recorded_by_id)
        .where(in_batch(BestInterestsAssessment.case_id, case_ids))
        .order_by(BestInterestsAssessment.assessed_at, BestInterestsAssessment.recorded_at)
    ))


@fact_source("bi.plans", keyed_by=CasePlan.case_id)
def load_plans(case_ids):
    return group_by_case(db.session.execute(
        sa.select(CasePlan.case_id, CasePlan.made_at, CasePlan.review_on,
                  CasePlan.recorded_by_id)
        .where(in_batch(CasePlan.case_id, case_ids))
        .order_by(CasePlan.made_at, CasePlan.recorded_at)
    ))


@fact_source("bi.bids", keyed_by=BestInterestsDetermination.case_id)
def load_bids(case_ids):
    D = BestInterestsDetermination
    return group_by_case(db.session.execute(
        sa.select(D.case_id, D.id, D.recommendation, D.status, D.drafted_by_id, D.drafted_at,
                  D.approved_at, D.approved_by_id, D.explained_at, D.superseded_at)
        .where(in_batch(D.case_id, case_ids))
        .order_by(D.drafted_at)
    ))


@fact_source("bi.votes", keyed_by=BidVote.case_id)
def load_votes(case_ids):
    return group_by_case(db.session.execute(
        sa.select(BidVote.case_id, BidVote.bid_id, BidVote.member_id, BidVote.vote,
                  BidVote.confidentiality_signed_at)
        .where(in_batch(BidVote.case_id, case_ids))
    ))


# --- the current BID -------------------------------------------------------------

def current_bid(facts):
    """The latest BID, unless it was superseded (then the case has no current BID)."""
    bids = facts.records("bi.bids")
    if not bids or bids[-1].status == BidStatus.SUPERSEDED:
        return None
    return bids[-1]


def panel_decided(facts, bid) -> bool:
    """At least three members other than the drafter voted, undertakings signed, and a
    majority concurred. Checked here too, not only when the supervisor approves."""
    votes = [v for v in facts.records("bi.votes")
             if v.bid_id == bid.id and v.member_id != bid.drafted_by_id
             and v.confidentiality_signed_at is not None]
    members = {v.member_id for v in votes}
    concur = sum(v.vote == Vote.CONCUR for v in votes)
    return len(members) >= MIN_PANEL and concur * 2 > len(votes)


def approved_bid(facts):
    """The current BID when it can be acted on: decided, approved, explained to the child."""
    bid = current_bid(facts)
    if (bid is None or bid.status != BidStatus.APPROVED or bid.approved_at is None
            or bid.explained_at is None or not panel_decided(facts, bid)):
        return None
    return bid


def approved_bid_recommending(facts, action: Action):
    bid = approved_bid(facts)
    if bid is not None and supports(bid.recommendation, action, facts.case.office.country):
        return bid
    return None


# --- conditions --------------------------------------------------------------------

def _met(record, at: str) -> Met:
    return Met(getattr(record, at), record.recorded_by_id)


def _comprehensive(facts) -> list:
    return [a for a in facts.records("bi.assessments") if a.kind == AssessmentKind.COMPREHENSIVE]


@condition("bia.initial_done")
def bia_initial_done(facts) -> Met | None:
    """The initial-assessment clock: the first assessment of either kind."""
    assessments = facts.records("bi.assessments")
    return _met(assessments[0], "assessed_at") if assessments else None


@condition("bia.comprehensive_done")
def bia_comprehensive_done(facts) -> Met | None:
    """The comprehensive-assessment clock: the first comprehensive assessment."""
    done = _comprehensive(facts)
    return _met(done[0], "assessed_at") if done else None


@condition("bia.recorded")
def bia_recorded(facts) -> Met | None:
    """The checkpoint: the latest comprehensive assessment, which the supervisor signs off.
    A short one alone unblocks the plan and the BID (services) but leaves this pending."""
    done = _comprehensive(facts)
    return _met(done[-1], "assessed_at") if done else None


@condition("plan.current")
def plan_current(facts) -> Met | None:
    """The latest plan, until its review date passes without a new one."""
    plans = facts.records("bi.plans")
    if not plans or _review_due(facts, plans[-1]):
        return None
    return _met(plans[-1], "made_at")


def _review_due(facts, plan) -> bool:
    return facts.now.date() > plan.review_on


@condition("plan.first_made")
def plan_first_made(facts) -> Met | None:
    """The first-plan clock."""
    plans = facts.records("bi.plans")
    return _met(plans[0], "made_at") if plans else None


@anchor("plan.under_review")
def plan_under_review(facts):
    """The review clock counts from the plan being reviewed: the latest plan once its review
    date has passed; before that, the plan the latest one replaced (so a late review shows
    as met late). A first plan not yet due for review has no review clock running."""
    plans = facts.records("bi.plans")
    if plans and _review_due(facts, plans[-1]):
        return plans[-1].made_at
    return plans[-2].made_at if len(plans) > 1 else None


@condition("plan.reviewed")
def plan_reviewed(facts) -> Met | None:
    """The review clock's milestone: the plan that replaced the one under review."""
    plans = facts.records("bi.plans")
    if len(plans) < 2 or _review_due(facts, plans[-1]):
        return None
    return _met(plans[-1], "made_at")


@clock("bi.plan_review_passed")
def plan_review_passed(now):
    """Cases whose stored plan is current but whose latest plan's review date has passed."""
    plan, later = aliased(CasePlan), aliased(CasePlan)
    stale = sa.select(plan.case_id).where(
        plan.review_on < now.date(),
        ~sa.exists().where(later.case_id == plan.case_id, later.made_at > plan.made_at))
    row = CaseCheckpoint
    return sa.select(row.case_id).where(
        row.key == "bi.plan", row.state.in_((State.MET, State.AWAITING_SIGN_OFF)),
        row.case_id.in_(stale))


@condition("bid.proposed")
def bid_proposed(facts) -> bool:
    """An action that needs a BID is being attempted, or a BID has been started."""
    return bool(NEEDS_BID & facts.proposed) or bool(facts.records("bi.bids"))


@condition("bid.approved_current")
def bid_approved_current(facts) -> Met | None:
    """Met only by an approved, current BID; for an attempted action, one that recommends it.

    The panel and the supervisor decide inside the BID (engine.needs_sign_off), so this
    is the approval itself, never a step before it.
    """
    bid = approved_bid(facts)
    if bid is None:
        return None
    country = facts.case.office.country
    if any(not supports(bid.recommendation, action, country)
           for action in NEEDS_BID & facts.proposed):
        return None
    return Met(bid.approved_at, bid.approved_by_id)


@condition("bid.exists")
def bid_exists(facts) -> bool:
    return bool(facts.records("bi.bids"))


@condition("bid.review_current")
def bid_review_current(facts) -> Met | None:
    """No reopening is waiting for a panel: after the last reopening, a BID was approved."""
    bids = facts.records("bi.bids")
    reopened = [b.superseded_at for b in bids if b.superseded_at is not None]
    if not bids:
        return None
    if not reopened:
        return Met(bids[0].drafted_at, None)
    latest = bids[-1]
    if (latest.status != BidStatus.APPROVED or latest.drafted_at < max(reopened)
            or not panel_decided(facts, latest)):
        return None
    return Met(latest.approved_at, latest.approved_by_id)
