"""The codes the best-interests records store, and their translated labels.

Codes are plain (the checkpoint engine reads them without decrypting); labels
are what people see.
"""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l

from casework.accounts.roles import Country
from casework.workflow.policy import Action


class AssessmentKind(StrEnum):
    SHORT = "short"
    COMPREHENSIVE = "comprehensive"


ASSESSMENT_KIND_LABELS = {
    AssessmentKind.SHORT: _l("Short (initial) assessment"),
    AssessmentKind.COMPREHENSIVE: _l("Comprehensive assessment"),
}

# What a BIA covers (POLICY.md, bi.bia); each area is an encrypted narrative.
BIA_AREAS = {
    "child_views": _l("The child's views, in their own words"),
    "family": _l("Family and care"),
    "safety": _l("Safety and protection risks"),
    "development": _l("Development and well-being"),
    "identity": _l("Identity, culture and language"),
    "health": _l("Health"),
    "education": _l("Education"),
}
# A short assessment records at least these; a comprehensive one records every area.
SHORT_BIA_AREAS = ("child_views", "safety")

MAX_PLAN_MEASURES = 8


class BidQuestion(StrEnum):
    """What the BID is asked to decide: POLICY.md lists when a BID is needed."""

    RETURN = "return"
    TRANSFER = "transfer"
    REUNIFICATION_ABROAD = "reunification_abroad"
    SEPARATION = "separation"
    DURABLE_SOLUTION = "durable_solution"


QUESTION_LABELS = {
    BidQuestion.RETURN: _l("A return to the country of origin"),
    BidQuestion.TRANSFER: _l("A transfer from Mexico to the United States"),
    BidQuestion.REUNIFICATION_ABROAD: _l("A reunification with family in another country"),
    BidQuestion.SEPARATION: _l("A separation from parents against their will"),
    BidQuestion.DURABLE_SOLUTION: _l("A durable solution"),
}


class Solution(StrEnum):
    """The BID's recommendation."""

    REUNIFICATION_US = "reunification_us"
    REUNIFICATION_MX = "reunification_mx"
    REUNIFICATION_THIRD = "reunification_third"
    TRANSFER_US = "transfer_us"
    LOCAL_INTEGRATION = "local_integration"
    RETURN = "return"


SOLUTION_LABELS = {
    Solution.REUNIFICATION_US: _l("Reunification with family in the United States"),
    Solution.REUNIFICATION_MX: _l("Reunification with family in Mexico"),
    Solution.REUNIFICATION_THIRD: _l("Reunification with family in a third country"),
    Solution.TRANSFER_US: _l("Safe transfer from Mexico to the United States"),
    Solution.LOCAL_INTEGRATION: _l("Local integration"),
    Solution.RETURN: _l("Return to the country of origin, with reintegration services"),
}


def solutions_for(country) -> list[Solution]:
    """The recommendations open to a case of an office in this country."""
    if str(getattr(country, "value", country)) == Country.MX:
        return list(Solution)
    return [s for s in Solution if s != Solution.TRANSFER_US]  # the transfer is Mexico → US


def supports(solution: str, action: Action, country) -> bool:
    """Whether a BID recommending `solution` lets the case take `action` (R3, R4, R5)."""
    country = str(getattr(country, "value", country))
    if action == Action.RECORD_RETURN:
        return solution == Solution.RETURN
    if action == Action.RECORD_TRANSFER:
        # Only a case in Mexico can get this recommendation (solutions_for), and it stays
        # the same BID once the transfer has moved the case to the US.
        return solution == Solution.TRANSFER_US
    if action == Action.REUNIFY_ABROAD:
        abroad = {Country.MX: Solution.REUNIFICATION_US, Country.US: Solution.REUNIFICATION_MX}
        return solution in {Solution.REUNIFICATION_THIRD, abroad.get(country)}
    return False


class BidStatus(StrEnum):
    PANEL = "panel"  # drafted: the panel votes, then a supervisor approves
    APPROVED = "approved"
    SUPERSEDED = "superseded"  # reopened on new facts: never acted on again


BID_STATUS_LABELS = {
    BidStatus.PANEL: _l("With the panel"),
    BidStatus.APPROVED: _l("Approved"),
    BidStatus.SUPERSEDED: _l("Superseded (reopened)"),
}


class Vote(StrEnum):
    CONCUR = "concur"
    DISSENT = "dissent"


VOTE_LABELS = {
    Vote.CONCUR: _l("I concur with the recommendation"),
    Vote.DISSENT: _l("I dissent"),
}

# POLICY.md: "the BID panel: three or more staff, none of them the drafter".
MIN_PANEL = 3
MIN_REOPEN_REASON = 20
