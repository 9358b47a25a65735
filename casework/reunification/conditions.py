"""Conditions of the family checkpoints.

Verification and sponsor assessment records arrive with the reunification
module (issue 6); until then no relationship is verified and no sponsor is
assessed, so release and reunification stay refused.
"""

from casework.workflow.policy import Action
from casework.workflow.registry import condition


@condition("family.reunification_proposed")
def reunification_proposed(facts) -> bool:
    return bool({Action.RELEASE_TO_SPONSOR, Action.REUNIFY_ABROAD} & facts.proposed)


@condition("family.us_release_proposed")
def us_release_proposed(facts) -> bool:
    return Action.RELEASE_TO_SPONSOR in facts.proposed


@condition("family.relationship_verified")
def relationship_verified(facts):
    return None  # no verification can be recorded yet


@condition("family.sponsor_assessed")
def sponsor_assessed(facts):
    return None  # no sponsor assessment can be recorded yet
