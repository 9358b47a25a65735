"""Synthetic case closures (see casework/synthetic): a closed case has its closing record."""

from __future__ import annotations

from casework.accounts.roles import Role
from casework.synthetic import synthetic_records
from casework.workflow.models import ActionRecord
from casework.workflow.policy import Action


@synthetic_records(order=90)
def closures(batch, rng) -> None:
    for case in batch.cases:
        if case.closed_at is None:
            continue
        batch.add(ActionRecord, case, action=Action.CLOSE_CASE.value,
                  occurred_at=case.closed_at, recorded_by_id=case.staff(Role.CASEWORKER, rng),
                  recorded_at=case.closed_at, outcome=case.outcome, note=None,
                  details={"follow_ups_done": True,
                           "proceedings": "closed" if case.country == "US" else "none",
                           "turning_18_plan": ""})
        if rng.random() < 0.9:
            batch.sign_off(case, "case.closure", case.closed_at,
                           case.staff(Role.SUPERVISOR, rng), rng)
