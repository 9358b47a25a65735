"""Per-action forms and effects, so an action's page can do the real work of its module.

By default a gated action's page (workflow/views.py) records when it happened and a note
(`services.perform`). The module that owns an action's real effect registers, from its
views.py (which the app loads at start-up), the form and the one service call the page
uses instead, so workflow/ never imports that module:

    actions.register(Action.RELEASE_TO_SPONSOR, form=ReleaseForm,
                     perform=lambda case, form, actor: services.release(
                         case, form.details(), actor=actor),
                     fields="reunification/_release_fields.html")

- `form(case=case)` builds the form (a FlaskForm);
- `perform(case, form, actor)` is the page's one service call with the validated form. It
  must pass the gate (`workflow.services.perform` does), flush only, and raise
  CheckpointBlocked, or ValueError / NotPermitted with a message for the user;
- `fields` is the template that renders the form's fields on the action page (it gets
  `form` and `case`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from casework.workflow.policy import Action


@dataclass(frozen=True)
class ActionHandler:
    form: Callable
    perform: Callable
    fields: str


HANDLERS: dict[Action, ActionHandler] = {}


def register(action: Action, *, form: Callable, perform: Callable, fields: str) -> None:
    handler = ActionHandler(form=form, perform=perform, fields=fields)
    existing = HANDLERS.get(action)
    if existing is not None and existing.fields != fields:
        raise RuntimeError(f"action {action} has two handlers")
    HANDLERS[action] = handler


def handler_for(action: Action) -> ActionHandler | None:
    return HANDLERS.get(action)
