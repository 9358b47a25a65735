"""Synthetic case closures (see casework/synthetic): a closed case has its closing record."""

from __future__ import annotations

from casework.accounts.roles import Role
from casework.synthetic import synthetic_records
from casework.workflow.models import ActionRecord
from casework.workflow.policy import Action

OUTCOMES = {
    "US": {"reunified_us": 70, "aged_out": 8, "handed_over": 10, "returned": 4,
           "local_integration": 3, "whereabouts_unknown": 5},
    "MX": {"reunified_mx": 20, "transferred_us": 25, "returned": 25, "local_integration": 15,
           "reunified_abroad": 5, "handed_over": 5, "whereabouts_unknown": 5},
}


@synthetic_records(order=90)
def closures(batch, rng) -> None:
    for case in batch.cases:
        if case.closed_at is None:
            continue
        outcomes = OUTCOMES[case.country]
        outcome = rng.choices(list(outcomes), weights=list(outcomes.values()))[0]
        batch.add(ActionRecord, case, action=Action.CLOSE_CASE.value,
                  occurred_at=case.closed_at, recorded_by_id=case.staff(Role.CASEWORKER, rng),
                  recorded_at=case.closed_at, outcome=outcome, note=None,
                  details={"follow_ups_done": True,
                           "proceedings": "closed" if case.country == "US" else "none",
                           "turning_18_plan": ""})
        if rng.random() < 0.9:
            batch.sign_off(case, "case.closure", case.closed_at,
                           case.staff(Role.SUPERVISOR, rng), rng)
