"""The BID module's part of the supervisors' sign-off queue: BIDs awaiting approval.

Loaded at start-up with the other modules' `queue.py` (casework/modules.py), so the
supervision module lists these without importing this one. A BID is approved on its
own page, with its form and the panel's votes in view: the item links there and has
no sign-off button.
"""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from casework.accounts.models import User
from casework.best_interests.queries import bids_awaiting_approval
from casework.supervision.queue import QueueItem, queue_source
from casework.workflow import engine

SOURCE = "best_interests.bids"


@queue_source(SOURCE)
def bids_to_approve(user: User, limit: int) -> list[QueueItem]:
    """BIDs the panel has decided, in the user's scope, that this user may approve."""
    rows = bids_awaiting_approval(user, limit)
    if not rows:
        return []
    cp = engine.checkpoint("bi.bid")
    return [
        QueueItem(
            source=SOURCE, kind=_l("BID approval"), case_id=row.case_id,
            case_number=row.case_number, office_code=row.office_code, title=cp.title,
            recommendations=cp.recommendations, since=row.since, by=row.drafted_by,
            open_url=url_for(cp.form, case_id=row.case_id) + "#approve-h",
        )
        for row in rows
    ]
