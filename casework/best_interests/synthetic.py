"""Synthetic best-interests assessments, case plans and BIDs (see casework/synthetic).

Assessments and plans follow the bi.bia and bi.plan clocks (initial assessment within
5 days, comprehensive within 30, first plan within 30 and a new one every 90), each
drawn so that some are late, some still due and some overdue. A BID is made where a
case needs one: every returned, transferred or abroad-reunified case has an approved,
explained BID recommending that very solution before its closing, and a few open cases
heading for a return have one with the panel or already approved. A BID looks as the
services leave it: a panel of three or more members other than the drafter, each vote
with its undertaking, a majority concurring, approval by a supervisor.

Facts left for later makers (transfers dates its plans after the approval):
`bid_approved_at` (aware UTC datetime of the approval), `bid_id` and
`bid_recommendation` (a Solution value) of the approved current BID, and
`bid_explained_at` once it was explained to the child (an action on it comes after).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from casework.accounts.roles import Role
from casework.best_interests.choices import (
    BIA_AREAS,
    SHORT_BIA_AREAS,
    AssessmentKind,
    BidQuestion,
    BidStatus,
    Solution,
    Vote,
)
from casework.best_interests.models import (
    BestInterestsAssessment,
    BestInterestsDetermination,
    BidVote,
    CasePlan,
)
from casework.synthetic import synthetic_records

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
AREA_TEXTS = {
    "child_views": ("Wants to live with the mother and go back to school.",
                    "Says they feel safe at the shelter and want to stay with their aunt.",
                    "Misses the grandmother; does not want to go back to the village.",
                    "Wants to work to help the family; understands school comes first."),
    "family": ("Mother and two younger siblings at home; father left years ago.",
               "Raised by the grandmother; the mother lives abroad and sends money.",
               "An aunt is willing to care for the child; the parents agree."),
    "safety": ("Threats from a gang in the neighbourhood of origin.",
               "No current risk identified; the journey was hard.",
               "Violence at home from a step-parent; the child is afraid to return."),
    "development": ("Age-appropriate development; some signs of stress after the journey.",
                    "Sleeps badly; seen by the psychologist weekly."),
    "identity": ("Speaks the family's Maya language at home and Spanish at school.",
                 "Catholic family; asks to go to mass on Sundays.",
                 "Identifies strongly with the home community."),
    "health": ("Vaccinations brought up to date; no chronic conditions.",
               "Treated for a skin infection; recovering well.",
               "Asthma, controlled with an inhaler."),
    "education": ("Finished sixth grade; attends classes at the shelter.",
                  "Left school at twelve to work; wants to learn to read better.",
                  "Was in secondary school; wants to continue."),
}
CONCLUSIONS = ("Family-based care is in the child's best interests; pursue tracing.",
               "The child needs protection; refer for a legal screening and continue tracing.",
               "Reunification with the relative named by the child appears safe; verify it.",
               None)
MEASURES = (
    ("Family tracing and verification of the relative named by the child", Role.CASEWORKER),
    ("Psychological support, weekly sessions", Role.CASEWORKER),
    ("School enrolment at the shelter", Role.CASEWORKER),
    ("Legal relief screening and know-your-rights orientation", Role.ATTORNEY),
    ("Medical check-up and vaccinations", Role.CASEWORKER),
    ("Contact with the consulate for identity documents", Role.PARALEGAL),
    ("Regular calls with the family", Role.CASEWORKER),
)
RESPONSIBLE = {Role.CASEWORKER: "Caseworker", Role.ATTORNEY: "Attorney",
               Role.PARALEGAL: "Paralegal"}
WITHOUT_BIA = ("Urgent: the hearing is next week and the assessment is scheduled after it.",
               "The child was moved between shelters; the assessment could not be done yet.")
CHILD_VIEWS = {
    Solution.RETURN: "Wants to go home to the grandmother and return to school there.",
    Solution.TRANSFER_US: "Wants to join the mother in the United States.",
    Solution.REUNIFICATION_THIRD: "Wants to live with the father, who has settled abroad.",
}
REASONS = {
    Solution.RETURN: "The family is safe and able to care for the child; reintegration "
                     "services are in place; no protection need was found.",
    Solution.TRANSFER_US: "The mother is verified and able to care for the child; a legal "
                          "pathway exists; staying in Mexico alone is not in the child's "
                          "best interests.",
    Solution.REUNIFICATION_THIRD: "The father is verified, wants the child with him and has "
                                  "a stable home; the child wants it.",
}
OPTIONS = ("Options weighed: family reunification, foster care, return with services. "
           "Family care keeps the child's ties and was preferred.")
VIEWS_WEIGHT = ("The child is mature enough to weigh the options; their wish was given "
                "great weight and is consistent with the other evidence.")
EXPLANATIONS = ("Explained with the interpreter; the child asked questions and agreed.",
                "Explained in Spanish with drawings; the child was relieved and happy.",
                "Explained to the child and, by phone, to the mother; both agreed.")
DISSENTS = ("The family's ability to protect the child is not yet shown; I would wait for "
            "the home assessment.",)
REOPEN_REASONS = ("New facts: the relative withdrew the offer of care.",
                  "The child asked to reconsider after talking with the mother.")
# Closed cases whose ending needs a BID (policy NEEDS_BID), and what it recommends.
OUTCOME_BIDS = {
    "returned": (BidQuestion.RETURN, Solution.RETURN),
    "transferred_us": (BidQuestion.TRANSFER, Solution.TRANSFER_US),
    "reunified_abroad": (BidQuestion.REUNIFICATION_ABROAD, Solution.REUNIFICATION_THIRD),
}
# Open cases heading for a return, by the office's country.
HEADING_FOR_RETURN = {"MX": 0.06, "US": 0.015}
PANEL_ROLES = (Role.CASEWORKER, Role.PARALEGAL, Role.ATTORNEY)


def _later(rng, at: datetime, now: datetime, most_minutes: int = 300) -> datetime:
    """When a record made at `at` was entered: soon after, never after now."""
    return min(at + timedelta(minutes=rng.randint(5, most_minutes)), now)


def _when(case, rng, after: datetime, hours: float, now: datetime) -> datetime | None:
    """A moment about `hours` after `after`; a closed case that got this far did it before
    closing (squeezed in), so closed cases look finished."""
    at = case.moment(rng, after, hours, now)
    if at is None and not case.open and after < case.closed_at:
        at = (after + (case.closed_at - after) * rng.uniform(0.2, 0.9)).replace(microsecond=0)
    return at


@synthetic_records(order=40)
def best_interests(batch, rng) -> None:
    for case in batch.cases:
        caseworker = case.staff(Role.CASEWORKER, rng)
        supervisor = case.staff(Role.SUPERVISOR, rng)
        first = _assessments(batch, case, rng, caseworker, supervisor)
        _plans(batch, case, rng, caseworker, supervisor, first)
        _determination(batch, case, rng, caseworker, supervisor, first)


def _areas(rng, areas) -> dict[str, str]:
    return {area: rng.choice(AREA_TEXTS[area]) for area in areas}


def _assessments(batch, case, rng, by, supervisor) -> datetime | None:
    """A short assessment in the first days, a comprehensive one within weeks, and for a
    few long cases a new comprehensive one; returns the first assessment's time."""
    now, closed = batch.now, not case.open
    made: list[tuple[AssessmentKind, datetime]] = []
    if rng.random() < (0.97 if closed else 0.85):
        at = _when(case, rng, case.opened_at, 24 * 3.5, now)
        if at:
            made.append((AssessmentKind.SHORT, at))
    if rng.random() < (0.95 if closed else 0.75):
        at = _when(case, rng, made[-1][1] if made else case.opened_at, 24 * 18, now)
        while at is not None:
            made.append((AssessmentKind.COMPREHENSIVE, at))
            if rng.random() > 0.15:
                break
            at = case.moment(rng, at + 100 * DAY, 24 * 30, now)
    for kind, at in made:
        areas = BIA_AREAS if kind == AssessmentKind.COMPREHENSIVE else (
            SHORT_BIA_AREAS + (("family",) if rng.random() < 0.5 else ()))
        batch.add(BestInterestsAssessment, case, kind=kind, assessed_at=at,
                  interpreter_used=case.interpreter_needed, recorded_by_id=by,
                  recorded_at=_later(rng, at, now), areas=_areas(rng, areas),
                  conclusions=rng.choice(CONCLUSIONS)
                  if kind == AssessmentKind.COMPREHENSIVE else None)
        if kind == AssessmentKind.COMPREHENSIVE and rng.random() < 0.8:
            batch.sign_off(case, "bi.bia", at, supervisor, rng)
    return made[0][1] if made else None


def _without_bia(rng, first_bia: datetime | None, at: datetime) -> str | None:
    """The services' soft block: a plan or BID before any assessment says why."""
    if first_bia is not None and first_bia <= at:
        return None
    return rng.choice(WITHOUT_BIA)


def _plans(batch, case, rng, by, supervisor, first_bia) -> None:
    """The first plan within about a month, then a new one around each review date."""
    now = batch.now
    if rng.random() > (0.93 if not case.open else 0.8):
        return
    at = _when(case, rng, first_bia or case.opened_at, 24 * 12, now)
    count = 0
    while at is not None and count < 8:
        review_on = (at + timedelta(days=rng.choice((60, 90, 90, 90)))).date()
        measures = [{"measure": text, "responsible": RESPONSIBLE[role],
                     "due": (at + timedelta(days=rng.randint(7, 60))).date().isoformat()
                     if rng.random() < 0.7 else None}
                    for text, role in rng.sample(MEASURES, rng.randint(1, 4))]
        reference = (f"PRD/{case.office_code}/{at.year}/{rng.randint(100, 9999):04d}"
                     if case.country == "MX" and rng.random() < 0.8 else None)
        batch.add(CasePlan, case, made_at=at, review_on=review_on, recorded_by_id=by,
                  recorded_at=_later(rng, at, now), measures=measures, reference=reference,
                  without_bia_reason=_without_bia(rng, first_bia, at))
        if rng.random() < 0.75:
            batch.sign_off(case, "bi.plan", at, supervisor, rng)
        count += 1
        # Reviewed around its review date: some early, some late, some not yet.
        start = datetime.combine(review_on, at.timetz()) - timedelta(days=12)
        at = case.moment(rng, max(start, at + DAY), 24 * 10, now)


def _determination(batch, case, rng, drafter, supervisor, first_bia) -> None:
    now = batch.now
    if not case.open:
        if case.outcome not in OUTCOME_BIDS:
            return
        question, solution = OUTCOME_BIDS[case.outcome]
        # Drafted a third of the way into the case; decided and explained well before
        # its closing, so the return or transfer has time to be planned and carried out.
        life = case.closed_at - case.opened_at
        drafted = (case.opened_at + life * rng.uniform(0.2, 0.45)).replace(microsecond=0)
        if rng.random() < 0.06:  # reopened once on new facts, then decided again
            earlier = (case.opened_at + (drafted - case.opened_at) * 0.4).replace(microsecond=0)
            _bid(batch, case, rng, question, solution, drafter, supervisor, first_bia, earlier,
                 end=drafted - (drafted - earlier) * 0.1, superseded=True)
        _bid(batch, case, rng, question, solution, drafter, supervisor, first_bia, drafted,
             end=drafted + (case.closed_at - drafted) * 0.5)
        return
    if rng.random() >= HEADING_FOR_RETURN[case.country]:
        return
    drafted = case.moment(rng, case.opened_at + 7 * DAY, 24 * 20, now)
    if drafted is None:
        return
    if rng.random() < 0.06:
        earlier = case.opened_at + (drafted - case.opened_at) * 0.5
        _bid(batch, case, rng, BidQuestion.RETURN, Solution.RETURN, drafter, supervisor,
             first_bia, earlier.replace(microsecond=0), end=drafted - HOUR, superseded=True)
    _bid(batch, case, rng, BidQuestion.RETURN, Solution.RETURN, drafter, supervisor,
         first_bia, drafted, end=None)


def _bid(batch, case, rng, question, solution, drafter, supervisor, first_bia,
         drafted: datetime, *, end: datetime | None, superseded: bool = False) -> None:
    """One BID drafted at `drafted`. With `end`, it is decided, approved and explained
    before then (or superseded there); without, each step happens when its time has come
    by now, so an open case's BID may still be with the panel."""
    now = batch.now
    members = [m for role in PANEL_ROLES for m in case.office_staff.get(role, ())
               if m != drafter]
    panel = rng.sample(members, min(len(members), rng.choice((3, 3, 3, 4, 5))))
    span = (end - drafted) if end else None
    votes: list[tuple] = []
    for member in panel:
        if span is not None:
            at = drafted + span * rng.uniform(0.05, 0.6)
        else:
            at = case.moment(rng, drafted, 24 * 3, now)
        if at is not None:
            votes.append((member, at.replace(microsecond=0)))
    dissenter = votes[0][0] if len(votes) >= 3 and rng.random() < 0.12 else None
    decided = len(votes) >= 3 and len(votes) == len(panel)
    approved = explained = superseded_at = None
    if decided and not (superseded and rng.random() < 0.5):
        last_vote = max(at for _, at in votes)
        if span is not None:
            approved = last_vote + (drafted + span * 0.75 - last_vote) * rng.uniform(0.2, 1)
            explained = approved + (drafted + span - approved) * rng.uniform(0.1, 0.8)
        else:
            approved = case.moment(rng, last_vote, 24 * 2, now)
            explained = approved and case.moment(rng, approved, 24 * 1.5, now)
        approved = approved and approved.replace(microsecond=0)
        explained = explained and explained.replace(microsecond=0)
    if superseded:
        superseded_at = end.replace(microsecond=0)
        explained = None if explained is None or explained > superseded_at else explained
    status = (BidStatus.SUPERSEDED if superseded
              else BidStatus.APPROVED if approved else BidStatus.PANEL)
    bid = batch.add(
        BestInterestsDetermination, case, question=question, recommendation=solution,
        status=status, drafted_by_id=drafter, drafted_at=drafted,
        approved_by_id=supervisor if approved else None, approved_at=approved,
        explained_by_id=drafter if explained else None, explained_at=explained,
        superseded_by_id=supervisor if superseded else None, superseded_at=superseded_at,
        options=OPTIONS, child_views=CHILD_VIEWS[solution], views_weight=VIEWS_WEIGHT,
        reasons=REASONS[solution], without_bia_reason=_without_bia(rng, first_bia, drafted),
        explanation=rng.choice(EXPLANATIONS) if explained else None,
        reopen_reason=rng.choice(REOPEN_REASONS) if superseded else None,
    )
    for member, at in votes:
        dissent = member == dissenter
        batch.add(BidVote, case, bid_id=bid["id"], member_id=member,
                  vote=Vote.DISSENT if dissent else Vote.CONCUR,
                  confidentiality_signed_at=at, voted_at=at,
                  dissent=rng.choice(DISSENTS) if dissent else None)
    if approved and not superseded:
        case.facts["bid_approved_at"] = approved
        case.facts["bid_id"] = bid["id"]
        case.facts["bid_recommendation"] = solution.value
        if explained:
            case.facts["bid_explained_at"] = explained
