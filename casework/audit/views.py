"""The auditor pages: the trail of one case, and of one member of staff.

Events hold ids and kinds only, never field values, so an administrator (who sees no
case content) may read any user's trail; a supervisor reads the trails of the cases
and staff of the offices they supervise.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from casework.accounts.roles import Role
from casework.audit import queries
from casework.cases.panels import case_panel
from casework.extensions import db
from casework.web.access import get_case_or_404, roles
from casework.web.audited import audited

bp = Blueprint("audit", __name__, url_prefix="/audit")

PER_PAGE = 50


def _page(stmt) -> dict:
    page = db.paginate(stmt, page=request.args.get("page", 1, type=int), per_page=PER_PAGE,
                       error_out=False)
    names, numbers = queries.labels(page.items)
    return {"page": page, "names": names, "numbers": numbers}


@bp.route("/users")
@roles(Role.ADMIN, Role.SUPERVISOR)
def users():
    return render_template("audit/users.html",
                           page=db.paginate(queries.auditable_users(current_user),
                                            per_page=PER_PAGE, error_out=False))


@bp.route("/users/<user_id>")
@roles(Role.ADMIN, Role.SUPERVISOR)
def user_events(user_id):
    user = queries.auditable_user(current_user, user_id) or abort(404)
    return audited(render_template("audit/events.html", subject_user=user, case=None,
                                   show_case=current_user.role != Role.ADMIN,
                                   **_page(queries.events_query(actor_id=user.id))),
                   "audit.view", details={"user": str(user.id)})


@bp.route("/cases/<case_id>")
@roles(Role.SUPERVISOR)
def case_events(case_id):
    case = get_case_or_404(case_id)
    return audited(render_template("audit/events.html", subject_user=None, case=case,
                                   show_case=True, **_page(queries.events_query(case_id=case.id))),
                   "audit.view", case_id=case.id)


@case_panel("audit/_panel.html", order=90)
def audit_panel(case, _read):
    return {"show": current_user.role == Role.SUPERVISOR,
            "events_url_args": {"case_id": str(case.id)}}
