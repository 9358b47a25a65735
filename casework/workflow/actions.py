"""The forms and effects of gated actions whose records belong to a feature module.

The action page (`views.action`, `/cases/<id>/actions/<action>`) is the workflow's:
it shows the reasons an action is blocked or its form, and audits refusals. What
recording a release, a transfer or a return *does* belongs to the module that owns
those records. So a module registers, for one action, its form class, its effect and
(optionally) the template of its fields, and the view looks the action up here:
workflow/ never imports a feature module, and an action nobody registered keeps the
generic form and `services.perform`.

    @action_handler(Action.RECORD_RETURN, form=ReturnActionForm,
                    fields="transfers/_return_fields.html")
    def record_return(case, form, *, actor): ...

The form is built with `form(case=case)` and validated by the view. The effect is
called as `effect(case, form, actor=actor)`; it must go through `services.perform`
(which asks `engine.require` first), raise CheckpointBlocked, ValueError or
NotPermitted with nothing changed when it refuses, and only flush; the view commits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from casework.workflow.policy import Action


@dataclass(frozen=True)
class ActionHandler:
    form: Callable  # form(case=case) -> a FlaskForm with occurred_at and note
    effect: Callable  # effect(case, form, *, actor)
    fields: str | None = None  # template of the form's fields; None: the generic fields


HANDLERS: dict[Action, ActionHandler] = {}


def register(action: Action, *, form: Callable, effect: Callable,
             fields: str | None = None) -> None:
    existing = HANDLERS.get(action)
    if existing is not None and (existing.effect is not effect or existing.fields != fields):
        raise RuntimeError(f"action {action} has two handlers")
    HANDLERS[action] = ActionHandler(form, effect, fields)


def action_handler(action: Action, *, form: Callable, fields: str | None = None):
    def decorate(effect: Callable) -> Callable:
        register(action, form=form, effect=effect, fields=fields)
        return effect

    return decorate


def handler_for(action: Action) -> ActionHandler | None:
    return HANDLERS.get(action)
