"""Case list, search, intake, case page, edit and case team. Thin: forms in, services out."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from casework.audit.services import record
from casework.cases import panels, queries, services
from casework.cases.choices import (
    AGE_METHODS,
    ENCOUNTER_LABELS,
    NATIONALITY_LABELS,
    SEPARATION_LABELS,
    STATUS_LABELS,
    language_label,
)
from casework.cases.forms import CaseFilterForm, ChildForm, TeamAddForm, TeamRemoveForm
from casework.errors import NotPermitted, StaleEdit
from casework.extensions import db
from casework.web.access import CASE_STAFF, get_case_or_404, roles
from casework.web.audited import audited
from casework.workflow import engine
from casework.workflow import queries as checklist_queries
from casework.workflow.policy import BY_KEY

bp = Blueprint("cases", __name__, url_prefix="/cases")


@bp.app_context_processor
def case_labels():
    return {
        "STATUS_LABELS": STATUS_LABELS,
        "ENCOUNTER_LABELS": ENCOUNTER_LABELS,
        "SEPARATION_LABELS": SEPARATION_LABELS,
        "NATIONALITY_LABELS": NATIONALITY_LABELS,
        "language_label": language_label,
        "AGE_METHOD_LABELS": dict(AGE_METHODS),
    }


@bp.app_template_filter("a_number")
def format_a_number(value: str | None) -> str:
    """A-012-345-678, the way the forms print it."""
    if not value:
        return ""
    return f"A-{value[:3]}-{value[3:6]}-{value[6:]}" if len(value) == 9 else value


@bp.route("", methods=["GET", "POST"])
@roles(*CASE_STAFF)
def list_cases():
    # The search box posts, so a child's name never lands in a URL, browser history or
    # access log; `GET /cases?q=` still works for scripts.
    form = CaseFilterForm(request.form if request.method == "POST" else request.args)
    staff = queries.staff_in_scope(current_user)
    form.assignee.choices = [("", _("Anyone"))] + [(str(u.id), u.name) for u in staff]
    filters = queries.CaseFilters()
    if form.validate():
        filters.q = form.q.data or ""
        filters.status = form.status.data or ""
        try:
            filters.assignee = uuid.UUID(form.assignee.data) if form.assignee.data else None
        except ValueError:
            filters.assignee = None
    page = queries.paginate_cases(
        queries.case_list_query(current_user, filters),
        page=request.values.get("page", 1, type=int),
        per_page=current_app.config["CASES_PER_PAGE"],
        cap=current_app.config["CASE_COUNT_CAP"],
    )
    kind = queries.search_kind(filters.q)
    cases = page.items
    if kind == "name":
        cases = [c for c in cases if queries.confirm_name_match(c, filters.q)]
    elif kind == "a_number":
        cases = [c for c in cases if queries.confirm_a_number_match(c, filters.q)]
    args = {k: v for k, v in request.args.items() if k not in ("page", "q") and v}
    html = render_template("cases/list.html", form=form, page=page, cases=cases,
                           searching=kind != "none", args=args, query=filters.q)
    if kind != "none":
        # The query itself may be a child's name: the event keeps only its kind and count
        # (past the cap, the cap + 1: "more than" the cap). Recorded after rendering, just
        # before the commit: appending takes the audit chain's lock until the commit.
        record("case.search", actor_id=current_user.id,
               details={"kind": kind, "results": page.total})
    # Committed after rendering: a commit expires every loaded case, and the page
    # would then reload each one (and its team) with a query of its own.
    db.session.commit()
    return html


@bp.route("/new", methods=["GET", "POST"])
@roles(*CASE_STAFF)
def new_case():
    form = ChildForm()
    duplicates = []
    if form.validate_on_submit():
        details = form.details()
        duplicates = queries.possible_duplicates(current_user, details)
        if duplicates and not form.confirm_not_duplicate.data:
            flash(_("This child may already have a case. Check the cases listed below before "
                    "saving."), "warning")
        else:
            case = services.register_case(details, office=current_user.office, actor=current_user)
            db.session.commit()
            flash(_("Case %(number)s registered.", number=case.number), "success")
            return redirect(url_for("cases.show", case_id=case.id))
    elif request.method == "GET":
        form.birth_date_known.data = True
    return render_template("cases/form.html", form=form, duplicates=duplicates, case=None)


@bp.route("/<case_id>")
@roles(*CASE_STAFF)
def show(case_id):
    case = get_case_or_404(case_id)
    read = checklist_queries.CaseRead(case)  # loaded once, for the checklist, gates and panels
    html = render_template(
        "cases/show.html", case=case, remove_form=TeamRemoveForm(),
        checklist=checklist_queries.checklist(case, read.now, rows=read.rows),
        action_reasons=engine.blockers_by_action(case, now=read.now, batch=read.batch,
                                                 overrides=read.overrides),
        overrides=read.overrides, checkpoints=BY_KEY,
        panels=panels.render_context(read),
        **_team_context(case),
    )
    return audited(html, "case.view", case_id=case.id)


@bp.route("/<case_id>/edit", methods=["GET", "POST"])
@roles(*CASE_STAFF)
def edit(case_id):
    case = get_case_or_404(case_id)
    form = ChildForm()
    if request.method == "GET":
        form.fill_from(services.ChildDetails.of(case), case.version)
    elif form.validate_on_submit():
        try:
            expected = int(form.version.data or 0)
        except ValueError:
            abort(400)
        try:
            services.update_case(case, form.details(), actor=current_user,
                                 expected_version=expected)
        except StaleEdit:
            db.session.rollback()
            return _conflict(case_id, form)
        db.session.commit()
        flash(_("Changes to case %(number)s saved.", number=case.number), "success")
        return redirect(url_for("cases.show", case_id=case.id))
    return render_template("cases/form.html", form=form, duplicates=[], case=case)


def _conflict(case_id, form: ChildForm):
    """Both versions side by side; the form keeps what this user typed."""
    case = get_case_or_404(case_id)
    current = services.ChildDetails.of(case)
    record("case.edit_conflict", actor_id=current_user.id, case_id=case.id)
    db.session.commit()
    form.version.data = str(case.version)
    return render_template("cases/form.html", form=form, duplicates=[], case=case,
                           conflict=current, mine=form.details()), 409


@bp.route("/<case_id>/team", methods=["POST"])
@roles(*CASE_STAFF)
def add_member(case_id):
    case = get_case_or_404(case_id)
    ctx = _team_context(case)
    form = ctx["team_form"]
    if form.validate_on_submit():
        user = next((u for u in ctx["candidates"] if str(u.id) == form.user.data), None)
        if user is None:
            flash(_("That person cannot be added to this case."), "error")
        else:
            try:
                services.add_team_member(case, user, actor=current_user)
            except NotPermitted:
                flash(_("That person cannot be added to this case."), "error")
            else:
                db.session.commit()
                flash(_("%(name)s added to the case team.", name=user.name), "success")
    return redirect(url_for("cases.show", case_id=case.id) + "#team")


@bp.route("/<case_id>/team/remove", methods=["POST"])
@roles(*CASE_STAFF)
def remove_member(case_id):
    case = get_case_or_404(case_id)
    form = TeamRemoveForm()
    if form.validate_on_submit():
        try:
            member = uuid.UUID(form.user.data)
        except ValueError:
            abort(400)
        services.remove_team_member(case, member, actor=current_user)
        db.session.commit()
        flash(_("Removed from the case team."), "success")
    return redirect(url_for("cases.show", case_id=case.id) + "#team")


def _team_context(case) -> dict:
    on_team = {m.user_id for m in case.team}
    candidates = [u for u in queries.assignable_staff(case) if u.id not in on_team]
    form = TeamAddForm()
    form.user.choices = [(str(u.id), f"{u.name} · {u.role.label}") for u in candidates]
    return {"team_form": form, "candidates": candidates}
