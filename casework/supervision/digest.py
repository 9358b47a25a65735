"""The daily digest: each supervisor's overdue and due-soon checkpoints, as plain text.

`flask casework digest` prints it (or writes it to a file) for a cron job or a
mail relay. One section per active supervisor, in their language, for the
offices they oversee; the same SQL as the dashboard's drill-down (so the same
numbers), with case numbers and checkpoint names only, never a child's name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, format_datetime, ngettext
from flask_babel import gettext as _

from casework.accounts.models import Office, User
from casework.accounts.roles import Role
from casework.extensions import db
from casework.supervision import dashboard
from casework.supervision.dashboard import Filters, Item
from casework.web.formatting import babel_locale, due_text
from casework.workflow import engine
from casework.workflow.deadlines import DUE_SOON


@dataclass
class SupervisorDigest:
    supervisor: User
    offices: list[Office]
    overdue: int = 0
    due_soon: int = 0
    items: list[Item] = field(default_factory=list)  # most urgent first, at most `limit`


def build(now: datetime, limit: int = 50) -> list[SupervisorDigest]:
    """A digest for every active supervisor, most urgent items first."""
    supervisors = db.session.scalars(
        sa.select(User).where(User.role == Role.SUPERVISOR, User.active.is_(True))
        .order_by(User.name)).unique().all()
    out = []
    for sup in supervisors:
        scope = sup.office_ids_in_scope()
        offices = db.session.scalars(
            sa.select(Office).where(Office.id.in_(scope)).order_by(Office.code)).all()
        digest = SupervisorDigest(sup, list(offices))
        for column in ("overdue", "due_soon"):
            items, total = dashboard.drill_down(scope, Filters(column=column), now,
                                                per_page=limit)
            setattr(digest, column, total)
            digest.items.extend(items)
        digest.items = digest.items[:limit]
        out.append(digest)
    return out


def render(digests: list[SupervisorDigest], now: datetime) -> str:
    """The digest as plain text, each supervisor's part in their own language."""
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(babel_locale(default)):
        lines = [_("casework daily digest, %(when)s UTC", when=format_datetime(now, "short")),
                 ""]
    for d in digests:
        with force_locale(babel_locale(d.supervisor.language)):
            lines += _section(d, now)
    return "\n".join(lines) + "\n"


def _section(d: SupervisorDigest, now: datetime) -> list[str]:
    codes = ", ".join(o.code for o in d.offices)
    lines = [f"== {d.supervisor.name} <{d.supervisor.email}> · {codes}",
             _("Overdue: %(overdue)d · Due within %(n)d days: %(soon)d", overdue=d.overdue,
               n=DUE_SOON.days, soon=d.due_soon)]
    if not d.items:
        lines += [_("Nothing overdue or due soon."), ""]
        return lines
    offices = {o.id: o.code for o in d.offices}
    for item in d.items:
        cp = engine.checkpoint(item.key)
        lines.append(f"  {item.number}  {offices.get(item.office_id, '')}  "
                     f"{item.key}  {cp.title} ({' '.join(cp.recommendations)})  "
                     f"{format_datetime(item.due_at, 'short')} UTC · "
                     f"{due_text(item.due_at, now)}")
    shown, total = len(d.items), d.overdue + d.due_soon
    if total > shown:
        lines.append("  " + ngettext("… and %(num)d more on the dashboard.",
                                     "… and %(num)d more on the dashboard.", total - shown))
    lines.append("")
    return lines
