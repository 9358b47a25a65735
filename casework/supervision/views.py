"""Supervision pages: the case review form, the compliance dashboard and its drill-down
lists, the sign-off queue, overrides and refusals, and the CSV exports.

Thin: a form in, a query or a service out. The dashboard pages only read; each
view is audited (ids, keys and counts only) and committed once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    g,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from casework.accounts.models import Office
from casework.accounts.roles import Role
from casework.cases.queries import staff_in_scope
from casework.errors import NotPermitted
from casework.extensions import db
from casework.models import utcnow
from casework.screening.views import (
    form_roles,
    refused,
    render_record_page,
    saved,
)
from casework.supervision import charts, dashboard, exports, queries, queue, services
from casework.supervision.dashboard import COLUMN_LABELS, COLUMNS, UNASSIGNED
from casework.supervision.forms import DashboardFilterForm, OversightFilterForm, ReviewForm
from casework.web.access import get_case_or_404, roles
from casework.web.audited import audited
from casework.workflow.forms import SignOffForm
from casework.workflow.policy import ACTION_LABELS, BY_KEY, RECOMMENDATIONS, STAGE_LABELS

bp = Blueprint("supervision", __name__)

REVIEW = form_roles("case.review")
SUPERVISOR = Role.SUPERVISOR
PER_PAGE = 50
OVERSIGHT_DAYS = 30  # the default window of the overrides and refusals page


@bp.route("/cases/<case_id>/reviews", methods=["GET", "POST"])
@REVIEW.declare()
def review(case_id):
    case = get_case_or_404(case_id)
    form = ReviewForm(case=case)
    status = 200
    if form.validate_on_submit():
        try:
            services.record_review(case, form.details(), actor=current_user)
        except (ValueError, NotPermitted) as exc:
            status = refused(form, exc)
        else:
            return saved(case, _("Case review recorded."))
    return render_record_page(
        "supervision/review.html", case, "case.review", REVIEW, "review.view", status=status,
        form=form, records=queries.reviews(case),
    )


# --- the dashboard --------------------------------------------------------------------------


def _scope() -> set:
    return current_user.office_ids_in_scope()


def _offices() -> list[Office]:
    return list(db.session.scalars(
        sa.select(Office).where(Office.id.in_(_scope())).order_by(Office.code)))


def _filter_form(offices: list[Office]) -> DashboardFilterForm:
    return DashboardFilterForm(request.args, offices=offices, staff=staff_in_scope(current_user))


def _drill_args():
    """The drill-down's own arguments, checked against the catalogue and the columns."""
    key = request.args.get("key") or None
    column = request.args.get("status") or "applies"
    if (key is not None and key not in BY_KEY) or column not in COLUMNS:
        abort(404)
    return key, column


@bp.app_context_processor
def supervision_labels():
    # The labels translated once per page, not once per cell of the dashboard's tables.
    return {"COLUMN_LABELS": {c: str(label) for c, label in COLUMN_LABELS.items()},
            "DASHBOARD_COLUMNS": list(COLUMNS), "UNASSIGNED": UNASSIGNED,
            "drill_down_href": drill_down_href}


def drill_down_href(filters: dashboard.Filters, **changes) -> str:
    """The drill-down list behind one number of the dashboard. The route is built once
    per request and the filters appended: building it per cell (about 350 of them) was
    a tenth of the page's time."""
    if "drill_down_url" not in g:
        g.drill_down_url = url_for("supervision.drill_down")
    query = filters.query_string(**changes)
    return f"{g.drill_down_url}?{query}" if query else g.drill_down_url


@bp.route("/supervision")
@roles(SUPERVISOR)
def dashboard_page():
    offices = _offices()
    form = _filter_form(offices)
    now = utcnow()
    if not form.validate():
        page = render_template("supervision/dashboard.html", form=form, data=None,
                               offices=offices, now=now)
        return audited(page, "supervision.dashboard_view", status=400,
                       details={"invalid_filters": sorted(form.errors)})
    filters = form.filters()
    data = dashboard.build(_scope(), filters, now, offices=offices)
    review_row = data.group("by_checkpoint", "case.review")
    page = render_template(
        "supervision/dashboard.html", form=form, data=data, filters=filters, now=now,
        offices=offices, review_row=review_row, checkpoints=BY_KEY,
        stage_labels=STAGE_LABELS,
        rec_chart=charts.status_bars(
            data.by_recommendation, "rec-chart", described_by="rec-table-caption",
            title=_("Checkpoints by status, per recommendation")),
        office_chart=charts.status_bars(
            data.by_office, "office-chart", described_by="office-table-caption",
            title=_("Checkpoints by status, per office"), name=lambda g: str(g.label)),
        trend_chart=charts.trend_chart(data.trend, "trend-chart",
                                       described_by="trend-table-caption"),
    )
    return audited(page, "supervision.dashboard_view",
                   details={"filters": filters.audit_details()})


@bp.route("/supervision/cases")
@roles(SUPERVISOR)
def drill_down():
    offices = _offices()
    form = _filter_form(offices)
    key, column = _drill_args()
    now = utcnow()
    if not form.validate():
        page = render_template("supervision/drill_down.html", form=form, items=None, now=now)
        return audited(page, "supervision.drill_down", status=400,
                       details={"invalid_filters": sorted(form.errors)})
    filters = form.filters().with_(key=key, column=column)
    number = max(request.args.get("page", 1, type=int), 1)
    items, total = dashboard.drill_down(_scope(), filters, now, page=number, per_page=PER_PAGE)
    if not items and number > 1 and total:  # past the end (the list got shorter): the last page
        number = -(-total // PER_PAGE)
        items, total = dashboard.drill_down(_scope(), filters, now, page=number,
                                            per_page=PER_PAGE, total=total)
    staff_name = next((label for value, label in form.staff.choices
                       if value and value == form.staff.data), None)
    page = render_template(
        "supervision/drill_down.html", form=form, filters=filters, items=items, total=total,
        page=number, pages=max(1, -(-total // PER_PAGE)), now=now, checkpoints=BY_KEY,
        offices={o.id: o for o in offices}, staff_name=staff_name,
        recommendation=RECOMMENDATIONS.get(filters.recommendation),
        stage_label=STAGE_LABELS.get(filters.stage) if filters.stage else None,
        signable=set(queue.signable_keys(current_user)), sign_off_form=SignOffForm(),
    )
    return audited(page, "supervision.drill_down",
                   details={"filters": filters.audit_details(), "results": total})


# --- exports --------------------------------------------------------------------------------


def _csv(lines, name: str) -> Response:
    return Response(lines, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _with_staff() -> bool:
    return request.args.get("with_staff") == "1"


@bp.route("/supervision/export/dashboard.csv")
@roles(SUPERVISOR)
def export_dashboard():
    form = _filter_form(_offices())
    if not form.validate():
        abort(400)
    filters, now, with_staff = form.filters(), utcnow(), _with_staff()
    data = dashboard.build(_scope(), filters, now)
    rows = list(exports.dashboard_rows(data, with_staff=with_staff))
    services.record_export("dashboard", actor=current_user, rows=len(rows) - 1,
                           filters=filters.audit_details(), with_staff=with_staff)
    db.session.commit()
    return _csv(list(exports.csv_lines(rows)), f"compliance-{now:%Y%m%d-%H%M}.csv")


@bp.route("/supervision/export/cases.csv")
@roles(SUPERVISOR)
def export_cases():
    offices = _offices()
    form = _filter_form(offices)
    codes = {o.id: o.code for o in offices}  # read before the commit expires them
    key, column = _drill_args()
    if not form.validate():
        abort(400)
    filters = form.filters().with_(key=key, column=column)
    now, with_staff, scope = utcnow(), _with_staff(), _scope()
    total = db.session.scalar(sa.select(sa.func.count()).select_from(
        dashboard.drill_down_query(scope, filters, now).subquery()))
    services.record_export("cases", actor=current_user, rows=total,
                           filters=filters.audit_details(), with_staff=with_staff)
    db.session.commit()
    items = dashboard.iter_drill_down(scope, filters, now, with_staff=with_staff)
    rows = exports.case_rows(items, codes, now, with_staff=with_staff)
    # Written while it is read: a national export is too long to hold in memory.
    return _csv(stream_with_context(exports.csv_lines(rows)),
                f"checkpoints-{column}-{now:%Y%m%d-%H%M}.csv")


# --- sign-off queue ------------------------------------------------------------------------


@bp.route("/supervision/sign-offs")
@roles(*sorted(queue.signer_roles()))
def sign_offs():
    page = max(request.args.get("page", 1, type=int), 1)
    items = queue.sign_off_queue(current_user, limit=PER_PAGE + 1, offset=(page - 1) * PER_PAGE)
    shown = items[:PER_PAGE]
    return audited(
        render_template("supervision/sign_offs.html", items=shown, page=page,
                        has_next=len(items) > PER_PAGE, form=SignOffForm()),
        "supervision.queue_view",
        details={"page": page, "items": len(shown), "sources": sorted({i.source for i in shown})})


# --- overrides and refusals ---------------------------------------------------------------


@bp.route("/supervision/overrides")
@roles(SUPERVISOR)
def oversight():
    offices = _offices()
    form = OversightFilterForm(request.args, offices=offices)
    now = utcnow()
    if not form.validate():
        page = render_template("supervision/oversight.html", form=form, offices=None)
        return audited(page, "supervision.oversight_view", status=400,
                       details={"invalid_filters": sorted(form.errors)})
    since = dashboard.start_of(form.due_from.data) if form.due_from.data \
        else now - timedelta(days=OVERSIGHT_DAYS)
    until = dashboard.start_of(form.due_to.data + timedelta(days=1)) if form.due_to.data \
        else now
    scope = _scope()
    if form.office_id():
        scope &= {form.office_id()}
    per_office = queries.oversight_by_office([o for o in offices if o.id in scope], since,
                                             until)
    overrides = _listing("overrides_page", sum(o.overrides for o in per_office))
    refusals = _listing("refusals_page", sum(o.refusals for o in per_office))
    overrides.items = queries.overrides(scope, since, until, limit=PER_PAGE,
                                        offset=overrides.offset)
    refusals.items = queries.refusals(scope, since, until, limit=PER_PAGE,
                                      offset=refusals.offset)
    # Each list pages on its own; its links keep the filters and the other list's page.
    args = {k: v for k, v in request.args.items() if k in ("office", "due_from", "due_to") and v}
    args |= {overrides.arg: overrides.page, refusals.arg: refusals.page}
    for listing in (overrides, refusals):
        listing.link(lambda changes: url_for("supervision.oversight", **(args | changes)))
    page = render_template(
        "supervision/oversight.html", form=form, since=since, until=until,
        offices=per_office, overrides=overrides, refusals=refusals,
        checkpoints=BY_KEY, action_labels=ACTION_LABELS,
    )
    return audited(page, "supervision.oversight_view",
                   details={"office": form.office.data or None, "overrides": overrides.total,
                            "refusals": refusals.total})


@dataclass
class Listing:
    """One page of a list: which page (from the request argument `arg`), of how many."""

    arg: str
    total: int
    page: int
    pages: int
    items: list = field(default_factory=list)
    prev_url: str | None = None
    next_url: str | None = None

    @property
    def offset(self) -> int:
        return (self.page - 1) * PER_PAGE

    def link(self, url) -> None:
        """`url(changes)`: this page's address with some arguments changed."""
        if self.page > 1:
            self.prev_url = url({self.arg: self.page - 1})
        if self.page < self.pages:
            self.next_url = url({self.arg: self.page + 1})


def _listing(arg: str, total: int) -> Listing:
    """The page the request asks for, within the pages there are."""
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(request.args.get(arg, 1, type=int), 1), pages)
    return Listing(arg, total, page, pages)
