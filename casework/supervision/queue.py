"""The sign-off queue: everything awaiting this user's sign-off or approval, oldest first.

Each kind of item comes from a *source*, registered with `@queue_source("name")`:
a function `(user, limit) -> list[QueueItem]` giving at most `limit` items in the
user's scope that this user may sign off or approve now. The queue merges the
sources and sorts by `since`. Checkpoint sign-offs are the first source (below).

Another module adds its own items without editing this one, from a `queue.py` of
its own that create_app loads (casework/modules.py); this module imports none of
them. The BID module's (casework/best_interests/queue.py) adds "BIDs awaiting
approval": one query scoped with `cases.queries.visible_to(user)`, items with
`sign_off_url=None`, because a BID is approved on its own page with its form.

An item with a `sign_off_url` is signed off from the list (a POST with the CSRF
token and `next` back to the queue); one without is approved on its `open_url`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l

from casework.accounts.models import Office, User
from casework.accounts.roles import Role
from casework.cases.models import Case
from casework.cases.queries import visible_to
from casework.extensions import db
from casework.workflow import engine, policy
from casework.workflow.models import CaseCheckpoint, State


@dataclass(frozen=True)
class QueueItem:
    source: str
    kind: object  # what sort of approval, for the reader
    case_id: uuid.UUID
    case_number: str
    office_code: str
    title: object  # what awaits
    recommendations: tuple[str, ...]
    since: datetime  # waiting since: the queue is oldest first
    by: str | None  # who completed it (a member of staff), when one person did
    open_url: str  # where to read it before signing
    sign_off_url: str | None = None  # POST here to sign off from the list


QueueSource = Callable[[User, int], list[QueueItem]]
QUEUE_SOURCES: dict[str, QueueSource] = {}


def queue_source(name: str) -> Callable[[QueueSource], QueueSource]:
    def register(fn: QueueSource) -> QueueSource:
        if name in QUEUE_SOURCES and QUEUE_SOURCES[name] is not fn:
            raise RuntimeError(f"sign-off queue source {name!r} registered twice")
        QUEUE_SOURCES[name] = fn
        return fn

    return register


def sign_off_queue(user: User, limit: int = 200, offset: int = 0) -> list[QueueItem]:
    """Every source's items for `user`, oldest first: at most `limit` from `offset` on.

    Each source gives its oldest `offset + limit`, so the merged page is exact (a page
    far down costs more rows per source, never a wrong order)."""
    want = offset + limit
    items = [item for source in QUEUE_SOURCES.values() for item in source(user, want)]
    items.sort(key=lambda i: (i.since, i.case_number, str(i.title)))
    return items[offset:want]


def signer_roles() -> frozenset:
    """The staff roles that sign off some checkpoint of the catalogue."""
    return frozenset(r for cp in policy.CATALOGUE if engine.needs_sign_off(cp)
                     for r in cp.signed_off_by if isinstance(r, Role))


# --- checkpoint sign-offs ----------------------------------------------------------------


def signable_keys(user: User) -> list[str]:
    """The checkpoints whose sign-off this user's role gives (engine.sign_off checks it
    again, with the rule that no one signs off what they completed)."""
    return [cp.key for cp in engine.catalogue()
            if engine.needs_sign_off(cp) and user.role in cp.signed_off_by]


@queue_source("workflow.checkpoints")
def checkpoints_awaiting_sign_off(user: User, limit: int) -> list[QueueItem]:
    """Checkpoints awaiting a sign-off this user's role may give, on cases the user sees,
    that the user did not complete (no one signs off their own work)."""
    keys = signable_keys(user)
    if not keys:
        return []
    cc = CaseCheckpoint
    rows = db.session.execute(
        sa.select(cc.case_id, cc.key, cc.met_at, Case.number, Office.code, User.name)
        .join(Case, Case.id == cc.case_id)
        .join(Office, Office.id == Case.office_id)
        .outerjoin(User, User.id == cc.completed_by_id)
        .where(cc.state == State.AWAITING_SIGN_OFF, cc.key.in_(keys), visible_to(user),
               sa.or_(cc.completed_by_id.is_(None), cc.completed_by_id != user.id))
        .order_by(cc.met_at, Case.number)
        .limit(limit)
    )
    out = []
    for case_id, key, met_at, number, office_code, by in rows:
        cp = engine.checkpoint(key)
        out.append(QueueItem(
            source="workflow.checkpoints", kind=_l("Checkpoint sign-off"), case_id=case_id,
            case_number=number, office_code=office_code, title=cp.title,
            recommendations=cp.recommendations, since=met_at, by=by,
            open_url=url_for(cp.form, case_id=case_id) if cp.form
            else url_for("cases.show", case_id=case_id) + "#checklist",
            sign_off_url=url_for("workflow.sign_off", case_id=case_id, key=key),
        ))
    return out
