"""Pages whose reading is audited: the event goes in after the page is rendered."""

from __future__ import annotations

from flask_login import current_user

from casework.audit.services import record
from casework.extensions import db


def audited(page: str, action: str, *, status: int = 200, **event) -> tuple[str, int]:
    """`page`, rendered already, with its reading recorded (`action`, `event`: case_id,
    details) and committed.

    After rendering, because appending takes the audit chain's lock (SQLite's write lock,
    a PostgreSQL advisory lock) until the commit: recorded first, every other audited
    request waited while this page rendered, and the commit expired what was loaded (the
    user, their offices and session), which the page then loaded again. The same
    transaction either way: a page that fails to render records nothing.
    """
    record(action, actor_id=current_user.id, **event)
    db.session.commit()
    return page, status
