"""Recording assessments, case plans and BIDs. They flush and audit; the view commits.

The rules of the BID live here, so that they hold whoever calls (a page, a
replayed POST, a command, a test): a panel of at least three members, none of
them the drafter, each with a signed confidentiality undertaking; approval by a
supervisor who did not draft it; a reopened BID is superseded for ever.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from casework.accounts.models import User
from casework.accounts.roles import Role
from casework.audit.services import record
from casework.best_interests.choices import (
    BIA_AREAS,
    MIN_PANEL,
    MIN_REOPEN_REASON,
    SHORT_BIA_AREAS,
    AssessmentKind,
    BidQuestion,
    BidStatus,
    Solution,
    Vote,
    solutions_for,
)
from casework.best_interests.models import (
    BestInterestsAssessment,
    BestInterestsDetermination,
    BidVote,
    CasePlan,
)
from casework.cases.models import Case
from casework.errors import NotPermitted
from casework.extensions import db
from casework.models import utcnow
from casework.web.access import CASE_STAFF
from casework.workflow import engine, policy
from casework.workflow.deadlines import due_date
from casework.workflow.policy import Deadline

# The BID panel is staff (policy.PANEL): any case-staff role, never the drafter.
PANEL_ROLES = frozenset(CASE_STAFF)
MIN_WITHOUT_BIA_REASON = 20


def _clean(text: str | None) -> str | None:
    return (text or "").strip() or None


def _check_when(when: datetime) -> None:
    if when.tzinfo is None:
        raise TypeError("a naive datetime: record times are aware UTC")
    if when > utcnow():
        raise ValueError(_l("A record cannot be dated in the future."))


def _roles(key: str, *, signers: bool = False) -> frozenset[Role]:
    cp = engine.checkpoint(key)
    roles = set(cp.completed_by)
    if signers:
        roles |= {r for r in cp.signed_off_by if isinstance(r, Role)}
    return frozenset(roles)


def has_assessment(case: Case) -> bool:
    return db.session.scalar(sa.select(sa.exists().where(
        BestInterestsAssessment.case_id == case.id))) or False


def _without_bia_reason(case: Case, reason: str | None) -> str | None:
    """POLICY.md: the BIA comes before the case plan and the BID (a soft block)."""
    if has_assessment(case):
        return None
    reason = _clean(reason)
    if not reason or len(reason) < MIN_WITHOUT_BIA_REASON:
        raise ValueError(_l("No best interests assessment is recorded yet. Record it first, "
                            "or say why this cannot wait (at least %(n)d characters).",
                            n=MIN_WITHOUT_BIA_REASON))
    return reason


# --- assessment --------------------------------------------------------------

@dataclass
class AssessmentDetails:
    kind: str
    assessed_at: datetime
    areas: dict[str, str] = field(default_factory=dict)
    conclusions: str | None = None
    interpreter_used: bool = False


def assessment_problems(d: AssessmentDetails) -> dict[str, object]:
    """Area code -> message for every area the kind needs and that is empty."""
    kind = AssessmentKind(d.kind)
    needed = BIA_AREAS if kind == AssessmentKind.COMPREHENSIVE else SHORT_BIA_AREAS
    message = (_l("A comprehensive assessment covers every area.")
               if kind == AssessmentKind.COMPREHENSIVE
               else _l("Even a short assessment records this."))
    return {area: message for area in needed if not _clean(d.areas.get(area))}


def record_assessment(case: Case, d: AssessmentDetails, *, actor: User
                      ) -> BestInterestsAssessment:
    if actor.role not in _roles("bi.bia", signers=True):
        raise NotPermitted(_l("Your role cannot record a best interests assessment."))
    _check_when(d.assessed_at)
    problems = assessment_problems(d)
    if problems:
        raise ValueError(next(iter(problems.values())))
    areas = {k: v for k in BIA_AREAS if (v := _clean(d.areas.get(k)))}
    bia = BestInterestsAssessment(id=uuid.uuid4(), case=case, case_id=case.id,
                                  kind=AssessmentKind(d.kind), assessed_at=d.assessed_at,
                                  interpreter_used=bool(d.interpreter_used),
                                  recorded_by_id=actor.id)
    bia.areas = areas
    bia.conclusions = _clean(d.conclusions)
    db.session.add(bia)
    db.session.flush()
    engine.refresh(case)
    record("bia.record", actor_id=actor.id, case_id=case.id,
           details={"assessment": str(bia.id), "kind": bia.kind.value})
    return bia


# --- case plan ---------------------------------------------------------------

@dataclass
class Measure:
    measure: str
    responsible: str
    due: date | None = None


@dataclass
class PlanDetails:
    made_at: datetime
    review_on: date
    measures: list[Measure] = field(default_factory=list)
    reference: str | None = None
    without_bia_reason: str | None = None


def review_rule() -> Deadline:
    """How soon a plan is reviewed: the catalogue's bi.plan review clock (every 90 days)."""
    return engine.checkpoint("bi.plan").clock("review").deadline


def latest_review_date(made_at: datetime) -> date:
    return due_date(review_rule(), made_at).date()


def record_plan(case: Case, d: PlanDetails, *, actor: User) -> CasePlan:
    if actor.role not in _roles("bi.plan", signers=True):
        raise NotPermitted(_l("Your role cannot record a case plan."))
    _check_when(d.made_at)
    measures = [m for m in d.measures if _clean(m.measure)]
    if not measures:
        raise ValueError(_l("A plan has at least one measure."))
    if any(not _clean(m.responsible) for m in measures):
        raise ValueError(_l("Say who is responsible for each measure."))
    if not d.made_at.date() < d.review_on <= latest_review_date(d.made_at):
        raise ValueError(_l("The review date comes after the plan, and within %(n)d days.",
                            n=review_rule().amount))
    reason = _without_bia_reason(case, d.without_bia_reason)
    plan = CasePlan(id=uuid.uuid4(), case=case, case_id=case.id, made_at=d.made_at,
                    review_on=d.review_on, recorded_by_id=actor.id)
    plan.measures = [{"measure": _clean(m.measure), "responsible": _clean(m.responsible),
                      "due": m.due.isoformat() if m.due else None} for m in measures]
    plan.reference = _clean(d.reference)
    plan.without_bia_reason = reason
    db.session.add(plan)
    db.session.flush()
    engine.refresh(case)
    record("case_plan.record", actor_id=actor.id, case_id=case.id,
           details={"plan": str(plan.id), "measures": len(measures),
                    "without_bia": reason is not None})
    return plan


# --- determination -----------------------------------------------------------

def current_bid(case: Case) -> BestInterestsDetermination | None:
    """The case's latest BID (it may be superseded: then there is no current one)."""
    return db.session.scalar(
        sa.select(BestInterestsDetermination).where(BestInterestsDetermination.case_id == case.id)
        .order_by(BestInterestsDetermination.drafted_at.desc()).limit(1)
    )


def open_bid(case: Case) -> BestInterestsDetermination | None:
    bid = current_bid(case)
    return bid if bid is not None and bid.status != BidStatus.SUPERSEDED else None


@dataclass
class BidDraft:
    question: str
    recommendation: str
    options: str
    child_views: str
    views_weight: str
    reasons: str
    without_bia_reason: str | None = None


def bid_problems(case: Case, d: BidDraft) -> dict[str, object]:
    problems: dict[str, object] = {}
    if d.question not in set(BidQuestion):
        problems["question"] = _l("Choose what the BID decides.")
    if d.recommendation not in set(solutions_for(case.office.country)):
        problems["recommendation"] = _l("Choose a recommendation open to this case.")
    for name, message in (
        ("options", _l("Describe the options considered, with their pros and cons.")),
        ("child_views", _l("Record the child's views.")),
        ("views_weight", _l("Say how the child's views were weighed.")),
        ("reasons", _l("Give the reasons for the recommendation.")),
    ):
        if not _clean(getattr(d, name)):
            problems[name] = message
    return problems


def draft_bid(case: Case, d: BidDraft, *, actor: User) -> BestInterestsDetermination:
    if actor.role not in _roles("bi.bid"):
        raise NotPermitted(_l("A caseworker drafts the BID."))
    if open_bid(case) is not None:
        raise NotPermitted(_l("This case already has a BID. Reopen it to draft a new one."))
    problems = bid_problems(case, d)
    if problems:
        raise ValueError(next(iter(problems.values())))
    reason = _without_bia_reason(case, d.without_bia_reason)
    bid = BestInterestsDetermination(
        id=uuid.uuid4(), case=case, case_id=case.id, question=BidQuestion(d.question),
        recommendation=Solution(d.recommendation), status=BidStatus.PANEL,
        drafted_by_id=actor.id, drafted_at=utcnow(),
    )
    bid.options = _clean(d.options)
    bid.child_views = _clean(d.child_views)
    bid.views_weight = _clean(d.views_weight)
    bid.reasons = _clean(d.reasons)
    bid.without_bia_reason = reason
    db.session.add(bid)
    db.session.flush()
    engine.refresh(case)
    record("bid.draft", actor_id=actor.id, case_id=case.id,
           details={"bid": str(bid.id), "recommendation": bid.recommendation.value,
                    "without_bia": reason is not None})
    return bid


def _require_current(bid: BestInterestsDetermination, status: BidStatus, message) -> None:
    latest = current_bid(bid.case)
    if latest is None or latest.id != bid.id or bid.status != status:
        raise NotPermitted(message)


def panel_votes(bid: BestInterestsDetermination) -> list[BidVote]:
    """The votes that count: never the drafter's, each with its undertaking signed."""
    return [v for v in db.session.scalars(sa.select(BidVote).where(BidVote.bid_id == bid.id))
            if v.member_id != bid.drafted_by_id and v.confidentiality_signed_at is not None]


@dataclass
class VoteDetails:
    vote: str
    confidentiality_undertaking: bool
    dissent: str | None = None


def cast_vote(bid: BestInterestsDetermination, d: VoteDetails, *, actor: User) -> BidVote:
    if actor.role not in PANEL_ROLES:
        raise NotPermitted(_l("Only staff sit on a BID panel."))
    if actor.id == bid.drafted_by_id:
        raise NotPermitted(_l("The drafter of a BID cannot sit on its panel."))
    _require_current(bid, BidStatus.PANEL, _l("This BID is no longer open to the panel."))
    if db.session.scalar(sa.select(sa.exists().where(BidVote.bid_id == bid.id,
                                                     BidVote.member_id == actor.id))):
        raise NotPermitted(_l("You have already voted on this BID."))
    if not d.confidentiality_undertaking:
        raise ValueError(_l("Panel members sign the confidentiality undertaking to vote."))
    vote = Vote(d.vote)
    dissent = _clean(d.dissent)
    if vote == Vote.DISSENT and not dissent:
        raise ValueError(_l("Write your dissent: it is part of the BID report."))
    now = utcnow()
    row = BidVote(id=uuid.uuid4(), case=bid.case, case_id=bid.case_id, bid_id=bid.id,
                  member_id=actor.id, vote=vote, confidentiality_signed_at=now, voted_at=now)
    row.dissent = dissent
    db.session.add(row)
    db.session.flush()
    engine.refresh(bid.case)
    record("bid.vote", actor_id=actor.id, case_id=bid.case_id,
           details={"bid": str(bid.id), "vote": vote.value})
    return row


def approval_problem(bid: BestInterestsDetermination) -> object | None:
    """Why the panel's decision cannot be approved yet, or None."""
    votes = panel_votes(bid)
    if len(votes) < MIN_PANEL:
        return _l("A BID is decided by a panel of at least %(n)d members other than its "
                  "drafter: %(have)d voted so far.", n=MIN_PANEL, have=len(votes))
    concur = sum(v.vote == Vote.CONCUR for v in votes)
    if concur * 2 <= len(votes):
        return _l("The panel did not concur with the recommendation by a majority: reopen the "
                  "BID so that it is drafted again.")
    return None


def bid_approvers() -> frozenset[Role]:
    """The staff roles that approve a BID: the catalogue's signers of `bi.bid` that are roles
    (the panel decides; a supervisor approves)."""
    return frozenset(r for r in policy.BY_KEY["bi.bid"].signed_off_by if isinstance(r, Role))


def approve_bid(bid: BestInterestsDetermination, *, actor: User) -> None:
    if actor.role not in bid_approvers():
        raise NotPermitted(_l("A supervisor approves the BID."))
    if actor.id == bid.drafted_by_id:
        raise NotPermitted(_l("The drafter of a BID cannot approve it."))
    _require_current(bid, BidStatus.PANEL, _l("This BID is not awaiting approval."))
    problem = approval_problem(bid)
    if problem:
        raise NotPermitted(problem)
    bid.status = BidStatus.APPROVED
    bid.approved_at, bid.approved_by_id = utcnow(), actor.id
    db.session.flush()
    engine.refresh(bid.case)
    record("bid.approve", actor_id=actor.id, case_id=bid.case_id, details={"bid": str(bid.id)})


@dataclass
class ExplanationDetails:
    explained_at: datetime
    explanation: str


def record_explanation(bid: BestInterestsDetermination, d: ExplanationDetails, *,
                       actor: User) -> None:
    if actor.role not in _roles("bi.bid", signers=True):
        raise NotPermitted(_l("Your role cannot record how the decision was explained."))
    _require_current(bid, BidStatus.APPROVED, _l("Only an approved, current BID is explained "
                                                 "to the child."))
    if bid.explained_at is not None:
        raise NotPermitted(_l("How the decision was explained is already recorded."))
    _check_when(d.explained_at)
    if d.explained_at < bid.approved_at.replace(second=0, microsecond=0):
        raise ValueError(_l("The decision is explained after it is approved."))
    explanation = _clean(d.explanation)
    if not explanation:
        raise ValueError(_l("Say how the decision was explained to the child, and how they "
                            "took it."))
    bid.explanation = explanation
    bid.explained_at, bid.explained_by_id = d.explained_at, actor.id
    db.session.flush()
    engine.refresh(bid.case)
    record("bid.explain", actor_id=actor.id, case_id=bid.case_id, details={"bid": str(bid.id)})


def reopen_bid(bid: BestInterestsDetermination, reason: str, *, actor: User) -> None:
    """New facts or a request: the BID is superseded for ever and a new one is drafted."""
    if actor.role not in _roles("bi.bid_review"):
        raise NotPermitted(_l("A supervisor reopens a BID."))
    if bid.status == BidStatus.SUPERSEDED:
        raise NotPermitted(_l("This BID is already superseded."))
    reason = _clean(reason)
    if not reason or len(reason) < MIN_REOPEN_REASON:
        raise ValueError(_l("Write the new facts or the request that reopen the BID (at least "
                            "%(n)d characters).", n=MIN_REOPEN_REASON))
    bid.status = BidStatus.SUPERSEDED
    bid.superseded_at, bid.superseded_by_id = utcnow(), actor.id
    bid.reopen_reason = reason
    db.session.flush()
    engine.refresh(bid.case)
    record("bid.reopen", actor_id=actor.id, case_id=bid.case_id, details={"bid": str(bid.id)})


def approved_bid_for(case: Case, action) -> BestInterestsDetermination | None:
    """The case's approved, current BID when it recommends `action`; else None.

    The same test as the `bid.approved_current` condition, so that a plan is only ever
    made on the BID the gate will accept.
    """
    from casework.best_interests.conditions import approved_bid_recommending
    from casework.workflow.registry import FactBatch, Facts

    facts = Facts(case=case, now=utcnow(), _batch=FactBatch([case.id]))
    found = approved_bid_recommending(facts, action)
    return db.session.get(BestInterestsDetermination, found.id) if found else None
