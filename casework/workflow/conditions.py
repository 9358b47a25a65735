"""Conditions that read the workflow's own records: carried-out actions."""

import sqlalchemy as sa

from casework.extensions import db
from casework.workflow.models import ActionRecord
from casework.workflow.policy import Action
from casework.workflow.registry import Met, condition, fact_source, group_by_case, in_batch


@fact_source("workflow.actions", keyed_by=ActionRecord.case_id)
def load_actions(case_ids):
    return group_by_case(db.session.execute(
        sa.select(ActionRecord.case_id, ActionRecord.action, ActionRecord.occurred_at,
                  ActionRecord.recorded_by_id, ActionRecord.outcome)
        .where(in_batch(ActionRecord.case_id, case_ids))
        .order_by(ActionRecord.occurred_at)
    ))


@condition("closure.recorded")
def closure_recorded(facts):
    closures = [r for r in facts.records("workflow.actions") if r.action == Action.CLOSE_CASE]
    return Met(closures[-1].occurred_at, closures[-1].recorded_by_id) if closures else None
