"""The feature modules, in one list.

Each has the same few files (DESIGN.md): models.py, conditions.py, views.py (with
a blueprint named `bp`) and queue.py (its items for the supervisors' sign-off
queue) are loaded from here when the module has them, so adding a module is one
line, and no table, condition, page or queue item is forgotten.
"""

from __future__ import annotations

import importlib
import importlib.util

FEATURE_MODULES = (
    "accounts",
    "audit",
    "cases",
    "workflow",
    "screening",
    "legal",
    "best_interests",
    "reunification",
    "transfers",
    "supervision",
)


def load(part: str) -> list:
    """Import `casework.<module>.<part>` for every module that has it."""
    loaded = []
    for name in FEATURE_MODULES:
        dotted = f"casework.{name}.{part}"
        if importlib.util.find_spec(f"casework.{name}") and importlib.util.find_spec(dotted):
            loaded.append(importlib.import_module(dotted))
    return loaded


def blueprints() -> list:
    return [m.bp for m in load("views") if hasattr(m, "bp")]
