"""Sections that feature modules add to the case page, without editing it.

A module's views.py calls `case_panel("legal/_panel.html", order=20)` on a
function that takes the case and the page's shared read of it (a
workflow.queries.CaseRead: its checkpoint rows and the records the conditions
read, loaded once for the checklist, the gates and every panel) and returns the
template's context. The case page renders every panel in order; each panel
loads only what it shows, and takes from the shared read what is already there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Panel:
    template: str
    order: int
    context: Callable


PANELS: list[Panel] = []


def case_panel(template: str, order: int = 50):
    def register(fn: Callable) -> Callable:
        if all(p.template != template for p in PANELS):
            PANELS.append(Panel(template, order, fn))
            PANELS.sort(key=lambda p: p.order)
        return fn

    return register


def render_context(read) -> list[tuple[str, dict]]:
    return [(p.template, p.context(read.case, read)) for p in PANELS]
