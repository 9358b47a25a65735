"""Conditions and anchors of the transfer, return and reintegration checkpoints.

A plan counts only when it was made on the case's approved, current BID that
recommends the action (so a superseded BID can never be acted on), and only once:
a plan already carried out does not let the same action through again.
"""

from __future__ import annotations

import sqlalchemy as sa

from casework.best_interests.conditions import approved_bid_recommending
from casework.extensions import db
from casework.transfers.models import (
    ReintegrationFollowUp,
    ReturnHandover,
    ReturnPlan,
    TransferPlan,
)
from casework.transfers.services import earliest_departure, follow_up_months, start_of
from casework.workflow.policy import Action
from casework.workflow.registry import Met, anchor, condition, fact_source, group_by_case, in_batch


@fact_source("transfers.plans", keyed_by=TransferPlan.case_id)
def load_transfer_plans(case_ids):
    P = TransferPlan
    return group_by_case(db.session.execute(
        sa.select(P.case_id, P.id, P.bid_id, P.planned_at, P.recorded_by_id, P.transferred_at,
                  P.handed_over_at)
        .where(in_batch(P.case_id, case_ids)).order_by(P.planned_at, P.recorded_at)
    ))


@fact_source("transfers.return_plans", keyed_by=ReturnPlan.case_id)
def load_return_plans(case_ids):
    P = ReturnPlan
    return group_by_case(db.session.execute(
        sa.select(P.case_id, P.id, P.bid_id, P.planned_at, P.recorded_by_id, P.referral_made_on,
                  P.departure_on, P.returned_at)
        .where(in_batch(P.case_id, case_ids)).order_by(P.planned_at, P.recorded_at)
    ))


@fact_source("transfers.return_handovers", keyed_by=ReturnHandover.case_id)
def load_return_handovers(case_ids):
    H = ReturnHandover
    return group_by_case(db.session.execute(
        sa.select(H.case_id, H.return_plan_id, H.handed_over_at, H.recorded_by_id)
        .where(in_batch(H.case_id, case_ids)).order_by(H.handed_over_at)
    ))


@fact_source("transfers.follow_ups", keyed_by=ReintegrationFollowUp.case_id)
def load_follow_ups(case_ids):
    F = ReintegrationFollowUp
    return group_by_case(db.session.execute(
        sa.select(F.case_id, F.month, F.contacted_at, F.recorded_by_id)
        .where(in_batch(F.case_id, case_ids)).order_by(F.contacted_at, F.recorded_at)
    ))


def _ready(facts, plans: list, action: Action, done_attr: str):
    """The latest plan, if made on the approved current BID recommending the action, and
    not yet carried out when that action is the one being attempted."""
    if not plans:
        return None
    plan = plans[-1]
    bid = approved_bid_recommending(facts, action)
    if bid is None or plan.bid_id != bid.id:
        return None
    if action in facts.proposed and (getattr(plan, done_attr) is not None
                                     or _carried_out_since(facts, action, plan.planned_at)):
        return None
    return plan


def _carried_out_since(facts, action: Action, since) -> bool:
    """The action was recorded after the plan was made, even by a direct call of
    workflow.services.perform that skipped this module's effect: a plan is used once."""
    return any(r.action == action and r.occurred_at >= since
               for r in facts.records("workflow.actions"))


# --- transfer --------------------------------------------------------------------------

@condition("transfer.proposed")
def transfer_proposed(facts) -> bool:
    """Being attempted, recommended by the approved current BID, or being planned."""
    return (Action.RECORD_TRANSFER in facts.proposed
            or approved_bid_recommending(facts, Action.RECORD_TRANSFER) is not None
            or bool(facts.records("transfers.plans")))


@condition("transfer.plan_ready")
def transfer_plan_ready(facts) -> Met | None:
    plan = _ready(facts, facts.records("transfers.plans"), Action.RECORD_TRANSFER,
                  "transferred_at")
    return Met(plan.planned_at, plan.recorded_by_id) if plan else None


# --- return ----------------------------------------------------------------------------

def _returns(facts) -> list:
    return [p for p in facts.records("transfers.return_plans") if p.returned_at is not None]


@condition("return.proposed")
def return_proposed(facts) -> bool:
    """Being attempted, recommended by the approved current BID, or being planned."""
    return (Action.RECORD_RETURN in facts.proposed
            or approved_bid_recommending(facts, Action.RECORD_RETURN) is not None
            or bool(facts.records("transfers.return_plans")))


@condition("return.plan_ready")
def return_plan_ready(facts) -> Met | None:
    plan = _ready(facts, facts.records("transfers.return_plans"), Action.RECORD_RETURN,
                  "returned_at")
    if plan is None or plan.departure_on < earliest_departure(plan.referral_made_on):
        return None
    return Met(plan.planned_at, plan.recorded_by_id)


@anchor("return.referral_made")
def referral_made(facts):
    """The return.plan rule counts from the reintegration referral: its due date is the
    earliest departure. It is a minimum notice, not a time limit for the plan, so once the
    plan is ready (its departure honours the notice) there is nothing left to be late for."""
    plans = facts.records("transfers.return_plans")
    if not plans or return_plan_ready(facts) is not None:
        return None
    return start_of(plans[-1].referral_made_on)


@condition("return.recorded")
def return_recorded(facts) -> bool:
    return bool(_returns(facts))


@anchor("return.recorded")
def returned(facts):
    returns = _returns(facts)
    return max(p.returned_at for p in returns) if returns else None


def _last_return(facts):
    returns = _returns(facts)
    return max(returns, key=lambda p: p.returned_at) if returns else None


@condition("return.handed_over")
def return_handed_over(facts) -> Met | None:
    last = _last_return(facts)
    handovers = [h for h in facts.records("transfers.return_handovers")
                 if last is not None and h.return_plan_id == last.id]
    return Met(handovers[-1].handed_over_at, handovers[-1].recorded_by_id) if handovers else None


def _follow_ups_since_return(facts) -> dict[int, object]:
    """Month -> the first follow-up recorded for it after the last return."""
    last = _last_return(facts)
    done: dict[int, object] = {}
    if last is None:
        return done
    for f in facts.records("transfers.follow_ups"):  # ordered by contact time
        if f.contacted_at >= last.returned_at:
            done.setdefault(f.month, f)
    return done


@condition("reint.followup_recorded")
def followup_recorded(facts) -> Met | None:
    """The milestone of one follow-up clock (`facts.clock`): its month's follow-up."""
    f = _follow_ups_since_return(facts).get(facts.clock.deadline.amount)
    return Met(f.contacted_at, f.recorded_by_id) if f else None


@condition("reint.followups_done")
def followups_done(facts) -> Met | None:
    """Every follow-up (1, 3, 6 and 12 months) after the last return is recorded."""
    done = _follow_ups_since_return(facts)
    months = follow_up_months()
    if not done or not set(months) <= set(done):
        return None
    final = max((done[m] for m in months), key=lambda f: f.contacted_at)
    return Met(final.contacted_at, final.recorded_by_id)
