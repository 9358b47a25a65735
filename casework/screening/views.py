"""Consent, custody timeline and screening pages. Thin: forms in, services out.

Who may use a form comes from the checkpoint catalogue (`form_roles`): the
roles that complete the checkpoint and the staff roles that sign it off may
record; supervisors may also read.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from casework.accounts.roles import Role
from casework.audit.services import record
from casework.errors import NotPermitted
from casework.extensions import db
from casework.screening import queries, services
from casework.screening.choices import (
    CUSTODY_LABELS,
    OUTCOME_LABELS,
    SCREENING_CHECKPOINTS,
    SHARING_LABELS,
    ScreeningKind,
)
from casework.screening.forms import ConsentForm, CustodyEventForm, screening_form
from casework.web.access import get_case_or_404, roles
from casework.workflow import engine, policy

bp = Blueprint("screening", __name__, url_prefix="/cases")


@dataclass(frozen=True)
class FormRoles:
    record: frozenset[Role]  # may add a record
    view: frozenset[Role]  # may read the page

    def may_record(self, user) -> bool:
        return user.role in self.record

    def declare(self):
        """The access declaration of the form's view: readers GET, recorders POST."""
        return roles(*self.view, post=self.record)


def form_roles(key: str) -> FormRoles:
    """The roles of a checkpoint's form, read from the catalogue, never restated."""
    cp = policy.BY_KEY[key]
    staff_signers = (r for r in cp.signed_off_by if isinstance(r, Role))
    recorders = frozenset({*cp.completed_by, *staff_signers})
    return FormRoles(record=recorders, view=recorders | {Role.SUPERVISOR})


def render_record_page(template: str, case, key: str, access: FormRoles, event: str, *,
                       details: dict | None = None, status: int = 200, **context):
    """A checkpoint's form page: its status, the form (for recorders) and the records.

    Reading the records is audited as `event` (ids and kinds only).
    """
    record(event, actor_id=current_user.id, case_id=case.id, details=details)
    row = engine.rows_for(case).get(key)
    context.setdefault("applicable", True)
    html = render_template(
        template, case=case, checkpoint=engine.checkpoint(key), row=row,
        status=engine.status_of(row) if row else None, status_labels=engine.STATUS_LABELS,
        may_record=access.may_record(current_user), **context,
    )
    # Committed after rendering: a commit expires the records, which the page would
    # then reload one query at a time.
    db.session.commit()
    return html, status


def saved(case, message: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("cases.show", case_id=case.id))


def refused(form, exc: Exception) -> int:
    """A rule the service enforces that the form did not catch: nothing is saved."""
    db.session.rollback()
    form.form_errors.append(str(exc))
    return 409


# --- consent ---------------------------------------------------------------

CONSENT = form_roles("intake.consent")


@bp.route("/<case_id>/consent", methods=["GET", "POST"])
@CONSENT.declare()
def consent(case_id):
    case = get_case_or_404(case_id)
    form = ConsentForm(case=case)
    status = 200
    if form.validate_on_submit():
        try:
            services.record_consent(case, form.details(), actor=current_user)
        except (ValueError, NotPermitted) as exc:
            status = refused(form, exc)
        else:
            return saved(case, _("Consent recorded."))
    elif request.method == "GET":
        form.fill_language((case.languages or [None])[0])
    return render_record_page(
        "screening/consent.html", case, "intake.consent", CONSENT,
        "consent.view", status=status, form=form, records=queries.consents(case),
        sharing_labels=SHARING_LABELS,
    )


# --- custody timeline ------------------------------------------------------

CUSTODY = form_roles("custody.timeline")


@bp.route("/<case_id>/custody", methods=["GET", "POST"])
@CUSTODY.declare()
def custody(case_id):
    case = get_case_or_404(case_id)
    form = CustodyEventForm(case=case)
    status = 200
    if form.validate_on_submit():
        try:
            services.record_custody_event(case, form.event(), actor=current_user)
        except (ValueError, NotPermitted) as exc:
            status = refused(form, exc)
        else:
            return saved(case, _("Custody step recorded."))
    events = queries.custody_events(case)
    return render_record_page(
        "screening/custody.html", case, "custody.timeline", CUSTODY,
        "custody.view", status=status, form=form, records=events,
        missing=queries.missing_custody_steps(case, events), custody_labels=CUSTODY_LABELS,
    )


# --- screenings ------------------------------------------------------------

SCREENING_ROLES = {kind: form_roles(key) for kind, key in SCREENING_CHECKPOINTS.items()}


def _screening_page(case_id, kind: ScreeningKind):
    access = SCREENING_ROLES[kind]
    key = SCREENING_CHECKPOINTS[kind]
    case = get_case_or_404(case_id)
    form = screening_form(kind, case)
    status = 200
    if form.validate_on_submit():
        try:
            services.record_screening(case, form.details(), actor=current_user)
        except (ValueError, NotPermitted) as exc:
            status = refused(form, exc)
        else:
            return saved(case, _("Screening recorded."))
    return render_record_page(
        "screening/screening.html", case, key, access,
        "screening.view", details={"kind": kind.value}, status=status, form=form, kind=kind,
        records=queries.screenings(case, kind), outcome_labels=OUTCOME_LABELS,
        applicable=services.checkpoint_applies(case, key),
    )


@bp.route("/<case_id>/screenings/safety", methods=["GET", "POST"])
@SCREENING_ROLES[ScreeningKind.SAFETY].declare()
def safety(case_id):
    return _screening_page(case_id, ScreeningKind.SAFETY)


@bp.route("/<case_id>/screenings/trafficking", methods=["GET", "POST"])
@SCREENING_ROLES[ScreeningKind.TRAFFICKING].declare()
def trafficking(case_id):
    return _screening_page(case_id, ScreeningKind.TRAFFICKING)


@bp.route("/<case_id>/screenings/contiguous", methods=["GET", "POST"])
@SCREENING_ROLES[ScreeningKind.CONTIGUOUS].declare()
def contiguous(case_id):
    return _screening_page(case_id, ScreeningKind.CONTIGUOUS)


@bp.route("/<case_id>/screenings/protection", methods=["GET", "POST"])
@SCREENING_ROLES[ScreeningKind.PROTECTION].declare()
def protection(case_id):
    return _screening_page(case_id, ScreeningKind.PROTECTION)
