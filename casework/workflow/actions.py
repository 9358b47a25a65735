"""The forms and effects of gated actions whose records belong to a feature module.

The action page (`views.action`, `/cases/<id>/actions/<action>`) is the workflow's:
it shows the reasons an action is blocked or its form, and audits refusals. What
recording a transfer or a return *does* belongs to the module that owns those
records (it moves the case, closes a plan...). So a module registers, for one
action, its form class and its effect, and the view looks the action up here:
workflow/ never imports a feature module, and an action nobody registered keeps
the generic form and `services.perform`.

    @action_handler(Action.RECORD_RETURN, form=ReturnActionForm)
    def record_return(case, form, *, actor): ...

The form is built with `form(case=case)` and validated by the view. The effect
must go through `services.perform` (which asks `engine.require` first), raise
CheckpointBlocked, ValueError or NotPermitted with nothing changed when it
refuses, and only flush; the view commits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from casework.workflow.policy import Action


@dataclass(frozen=True)
class ActionHandler:
    form: Callable  # form(case=case) -> a FlaskForm with occurred_at and note
    effect: Callable  # effect(case, form, *, actor)


HANDLERS: dict[Action, ActionHandler] = {}


def action_handler(action: Action, *, form: Callable):
    def register(effect: Callable) -> Callable:
        existing = HANDLERS.get(action)
        if existing is not None and existing.effect is not effect:
            raise RuntimeError(f"action {action} has two handlers")
        HANDLERS[action] = ActionHandler(form, effect)
        return effect

    return register
