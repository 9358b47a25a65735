"""Conditions of the best-interests checkpoints.

The BID records themselves arrive with the best-interests module (issue 5).
Until then no case has an approved BID, so every action that needs one is
refused: the safe reading of R5 ("returns only after a BID").
"""

from casework.workflow.policy import Action
from casework.workflow.registry import condition

# POLICY.md: a BID is required whenever one of these is proposed.
NEEDS_BID = frozenset({Action.RECORD_RETURN, Action.RECORD_TRANSFER, Action.REUNIFY_ABROAD})


@condition("bid.proposed")
def bid_proposed(facts) -> bool:
    return bool(NEEDS_BID & facts.proposed)


@condition("bid.approved_current")
def bid_approved_current(facts):
    return None  # no BID can be recorded yet: never met (see the module docstring)
