"""Checkpoint conditions and deadline anchors that read the case itself."""

from casework.cases.choices import CaseStatus
from casework.workflow.policy import Action
from casework.workflow.registry import Met, anchor, condition

# A Mexican or Canadian child in the US is screened within 48 hours (8 U.S.C. 1232(a)(2)).
CONTIGUOUS_NATIONALITIES = frozenset({"MX", "CA"})


@condition("always")
def always(facts) -> bool:
    return True


@condition("case.open")
def case_open(facts) -> bool:
    return facts.case.status == CaseStatus.OPEN


@condition("case.closed")
def case_closed(facts) -> bool:
    return facts.case.status == CaseStatus.CLOSED


@condition("case.closing")
def case_closing(facts) -> bool:
    return facts.case.status == CaseStatus.CLOSED or Action.CLOSE_CASE in facts.proposed


@condition("case.contiguous_in_us")
def contiguous_in_us(facts) -> bool:
    return (facts.case.office.country.value == "US"
            and facts.case.nationality in CONTIGUOUS_NATIONALITIES)


@condition("intake.registered")
def intake_registered(facts) -> Met | None:
    case = facts.case
    if case.intake_completed_at is None:
        return None
    return Met(case.intake_completed_at, case.intake_completed_by_id)


@anchor("case.opened")
def opened(facts):
    return facts.case.opened_at


@anchor("case.encountered")
def encountered(facts):
    return facts.case.encountered_at
