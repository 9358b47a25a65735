"""Conditions of the transfer and return checkpoints.

Transfer and return plans arrive with the transfers module (issue 5); until
then no plan is ready, so recording a transfer or a return stays refused.
"""

from casework.workflow.policy import Action
from casework.workflow.registry import condition


@condition("transfer.proposed")
def transfer_proposed(facts) -> bool:
    return Action.RECORD_TRANSFER in facts.proposed


@condition("transfer.plan_ready")
def transfer_plan_ready(facts):
    return None  # no transfer plan can be recorded yet


@condition("return.proposed")
def return_proposed(facts) -> bool:
    return Action.RECORD_RETURN in facts.proposed


@condition("return.plan_ready")
def return_plan_ready(facts):
    return None  # no return plan can be recorded yet
