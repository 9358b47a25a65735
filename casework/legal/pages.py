"""The legal pages besides know-your-rights: relief screening, representation,
proceedings and hearings, US relief, COMAR, privileged notes, My calendar, and the
legal panel of the case page. Thin: a form in, one service out, one commit.

Each record page answers GET to the roles that may read it and POST to the roles
that may record, both read from the catalogue (`legal_roles`), as two endpoints on
one URL, so every endpoint declares exactly who may use it. A page with several
forms posts each to its own URL and, on a mistake, shows that form again with its
errors beside the fields and what was typed.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from casework.accounts.models import User
from casework.accounts.roles import Country, Role
from casework.audit.services import record
from casework.cases.panels import case_panel
from casework.cases.queries import assignable_staff
from casework.errors import NotPermitted, StaleEdit
from casework.extensions import db
from casework.legal import choices, queries, services
from casework.legal.forms import (
    AddressChangeForm,
    ClaimForm,
    ClaimUpdateForm,
    ConclusionForm,
    Eoir33Form,
    FilingForm,
    FilingUpdateForm,
    HearingForm,
    LegalScreeningForm,
    NoteForm,
    OutcomeForm,
    ProceedingForm,
    RepresentationForm,
    RepresentationUpdateForm,
    WithdrawalForm,
)
from casework.legal.models import ComarClaim, Hearing, ReliefFiling, Representation
from casework.legal.views import bp, legal_roles
from casework.models import utcnow
from casework.screening.views import refused
from casework.web.access import LEGAL_STAFF, declaration, get_case_or_404, refuse, roles
from casework.web.audited import audited
from casework.workflow import actions, engine
from casework.workflow.engine import CheckpointBlocked
from casework.workflow.policy import BY_KEY, Action

SCREENING = legal_roles("legal.screening")
REPRESENTATION = legal_roles("legal.representation")
HEARINGS = legal_roles("legal.hearings")
RELIEF = legal_roles("protection.claim_us")
COMAR = legal_roles("protection.claim_mx")

LABELS = {name: getattr(choices, name) for name in dir(choices) if name.endswith("_LABELS")}


def _page(template: str, case, key: str, access, event: str, *, status: int = 200,
          applicable: bool = True, **context):
    """Audit the reading (ids only), then the page with its checkpoint's status."""
    record(event, actor_id=current_user.id, case_id=case.id)
    db.session.commit()
    row = engine.rows_for(case).get(key)
    return render_template(
        template, case=case, checkpoint=engine.checkpoint(key), row=row,
        status=engine.status_of(row) if row else None, status_labels=engine.STATUS_LABELS,
        may_record=access.may_record(current_user), applicable=applicable,
        labels=LABELS, **context,
    ), status


def _done(case, message: str, endpoint: str, anchor: str = ""):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(endpoint, case_id=case.id) + anchor)


def _attempt(form, action):
    """Run the service when the form is valid. None when saved; else the status to show."""
    if not form.validate_on_submit():
        return 200
    try:
        action()
    except (ValueError, NotPermitted) as exc:
        return refused(form, exc)
    except StaleEdit:
        db.session.rollback()
        form.form_errors.append(_("Someone else changed this record since you opened the "
                                  "page. Check it below and enter your change again."))
        return 409
    return None


def _blocked(case, form, blocked: CheckpointBlocked) -> int:
    """A gated filing refused: audited, nothing saved, the reasons shown."""
    refuse("action.refused", case_id=case.id,
           details={"action": blocked.action.value,
                    "checkpoints": [r.key for r in blocked.reasons if r.key]})
    for reason in blocked.reasons:
        form.form_errors.append(_("Refused until this is met: %(title)s (%(recs)s).",
                                  title=reason.title, recs=" ".join(reason.recommendations)))
    return 409


# --- legal.screening --------------------------------------------------------------

def _screening_page(case, form, status=200):
    return _page("legal/screening.html", case, "legal.screening", SCREENING,
                 "legal_screening.view", status=status, form=form,
                 records=queries.screenings(case), mexico=case.country == Country.MX)


@bp.get("/<case_id>/legal-screening")
@roles(*SCREENING.view)
def screening(case_id):
    case = get_case_or_404(case_id)
    return _screening_page(case, LegalScreeningForm(case=case, formdata=None))


@bp.post("/<case_id>/legal-screening")
@roles(*SCREENING.record)
def record_screening(case_id):
    case = get_case_or_404(case_id)
    form = LegalScreeningForm(case=case)
    status = _attempt(form, lambda: services.record_screening(case, form.details(),
                                                              actor=current_user))
    if status is None:
        return _done(case, _("Legal screening recorded."), "cases.show")
    return _screening_page(get_case_or_404(case_id), form, status)


# --- legal.representation -----------------------------------------------------------

def _attorneys(case) -> list[User]:
    return [u for u in assignable_staff(case) if u.role == Role.ATTORNEY]


def _representation_page(case, *, form=None, bound=None, status=200):
    records = queries.representations(case)
    active = [r for r in records if r.active]
    forms = {}
    for rep in active:
        update = RepresentationUpdateForm(case=case, representation=rep, formdata=None)
        update.fill()
        withdraw = WithdrawalForm(case=case, representation=rep, formdata=None)
        withdraw.version.data = str(rep.version)
        forms[rep.id] = {"update": update, "withdraw": withdraw}
    if bound is not None:
        role, bound_form = bound
        forms.setdefault(bound_form.representation.id, {})[role] = bound_form
    if form is None:
        form = RepresentationForm(case=case, attorneys=_attorneys(case), formdata=None)
        if current_user.role == Role.ATTORNEY:
            form.attorney_id.data = str(current_user.id)
    return _page("legal/representation.html", case, "legal.representation", REPRESENTATION,
                 "representation.view", status=status, form=form, records=records,
                 record_forms=forms, us=case.country == Country.US)


@bp.get("/<case_id>/representation")
@roles(*REPRESENTATION.view)
def representation(case_id):
    return _representation_page(get_case_or_404(case_id))


@bp.post("/<case_id>/representation")
@roles(*REPRESENTATION.record)
def record_representation(case_id):
    case = get_case_or_404(case_id)
    form = RepresentationForm(case=case, attorneys=_attorneys(case))
    status = _attempt(form, lambda: services.record_representation(case, form.details(),
                                                                   actor=current_user))
    if status is None:
        return _done(case, _("Representation recorded."), "legal.representation")
    return _representation_page(get_case_or_404(case_id), form=form, status=status)


def _posted(case, model, field: str = "record"):
    """The record a form on the page is about (its id travels in the form, not the URL)."""
    try:
        return services.record_of(case, model, request.form.get(field))
    except NotPermitted:
        return None


def _gone(case, endpoint: str):
    flash(_("That record does not exist on this case."), "error")
    return redirect(url_for(endpoint, case_id=case.id))


def _ended(case):
    flash(_("This representation has ended; record a new one."), "error")
    return redirect(url_for("legal.representation", case_id=case.id))


@bp.post("/<case_id>/representation/update")
@roles(*REPRESENTATION.record)
def update_representation(case_id):
    case = get_case_or_404(case_id)
    rep = _posted(case, Representation)
    if rep is None:
        return _gone(case, "legal.representation")
    if not rep.active:
        return _ended(case)
    form = RepresentationUpdateForm(case=case, representation=rep)
    status = _attempt(form, lambda: services.update_representation(
        case, rep.id, form.details(), actor=current_user,
        expected_version=form.expected_version()))
    if status is None:
        return _done(case, _("Representation updated."), "legal.representation")
    return _representation_page(get_case_or_404(case_id), bound=("update", form), status=status)


@bp.post("/<case_id>/representation/withdraw")
@roles(*REPRESENTATION.record)
def withdraw_representation(case_id):
    case = get_case_or_404(case_id)
    rep = _posted(case, Representation)
    if rep is None:
        return _gone(case, "legal.representation")
    if not rep.active:
        return _ended(case)
    form = WithdrawalForm(case=case, representation=rep)
    status = _attempt(form, lambda: services.withdraw_representation(
        case, rep.id, form.withdrawn_on.data, form.reason.data, actor=current_user,
        expected_version=form.expected_version()))
    if status is None:
        return _done(case, _("Withdrawal recorded: the child has no attorney of record "
                             "from this representation."), "legal.representation")
    return _representation_page(get_case_or_404(case_id), bound=("withdraw", form),
                                status=status)


# --- legal.hearings -------------------------------------------------------------------

def _proceedings_page(case, status=200, **bound):
    pending = services.pending_proceeding(case)
    forms = {
        "proceeding": ProceedingForm(case=case, formdata=None),
        "hearing": HearingForm(case=case, proceeding=pending, formdata=None),
        "address": AddressChangeForm(case=case, formdata=None),
        "eoir33": Eoir33Form(case=case, proceeding=pending, formdata=None),
        "conclude": ConclusionForm(case=case, proceeding=pending, formdata=None)
        if pending else None,
    }
    if "proceeding" not in bound and case.a_number:
        forms["proceeding"].a_number.data = case.a_number
    outcome_forms = {}
    now = utcnow()
    for h in (pending.hearings if pending else []):
        if h.outcome is None and h.scheduled_at <= now:
            outcome_forms[h.id] = OutcomeForm(case=case, hearing=h, formdata=None)
    outcome = bound.pop("outcome", None)
    if outcome is not None:
        outcome_forms[outcome.hearing.id] = outcome
    forms.update(bound)
    return _page("legal/proceedings.html", case, "legal.hearings", HEARINGS,
                 "proceedings.view", status=status,
                 applicable=case.country == Country.US, forms=forms,
                 outcome_forms=outcome_forms, pending=pending,
                 records=queries.proceedings(case), changes=queries.address_changes(case),
                 eoir33s=queries.eoir33_filings(case), now=now)


@bp.get("/<case_id>/proceedings")
@roles(*HEARINGS.view)
def proceedings(case_id):
    return _proceedings_page(get_case_or_404(case_id))


def _hearings_post(case_id, name: str, build, save, message: str, anchor: str):
    case = get_case_or_404(case_id)
    form = build(case)
    if form is None:
        return _gone(case, "legal.proceedings")
    status = _attempt(form, lambda: save(case, form))
    if status is None:
        return _done(case, message, "legal.proceedings", anchor)
    return _proceedings_page(get_case_or_404(case_id), status=status, **{name: form})


@bp.post("/<case_id>/proceedings")
@roles(*HEARINGS.record)
def record_proceeding(case_id):
    return _hearings_post(
        case_id, "proceeding", lambda case: ProceedingForm(case=case),
        lambda case, f: services.record_proceeding(case, f.details(), actor=current_user),
        _("Proceedings recorded."), "#proceedings")


@bp.post("/<case_id>/proceedings/hearings")
@roles(*HEARINGS.record)
def record_hearing(case_id):
    return _hearings_post(
        case_id, "hearing",
        lambda case: HearingForm(case=case, proceeding=services.pending_proceeding(case)),
        lambda case, f: services.record_hearing(case, f.details(), actor=current_user),
        _("Hearing recorded."), "#hearings")


@bp.post("/<case_id>/proceedings/outcome")
@roles(*HEARINGS.record)
def record_outcome(case_id):
    def build(case):
        hearing = _posted(case, Hearing)
        if hearing is None or not hearing.proceeding.pending:
            return None  # gone, or its proceedings ended since the page was loaded
        return OutcomeForm(case=case, hearing=hearing)

    return _hearings_post(
        case_id, "outcome", build,
        lambda case, f: services.record_hearing_outcome(case, f.hearing.id, f.details(),
                                                        actor=current_user),
        _("Hearing outcome recorded."), "#hearings")


@bp.post("/<case_id>/proceedings/conclude")
@roles(*HEARINGS.record)
def conclude_proceeding(case_id):
    def build(case):
        pending = services.pending_proceeding(case)
        return ConclusionForm(case=case, proceeding=pending) if pending else None

    return _hearings_post(
        case_id, "conclude", build,
        lambda case, f: services.conclude_proceeding(
            case, f.proceeding.id, f.concluded_on.data, f.conclusion.data, actor=current_user),
        _("The end of the proceedings is recorded."), "#proceedings")


@bp.post("/<case_id>/proceedings/address")
@roles(*HEARINGS.record)
def record_address_change(case_id):
    return _hearings_post(
        case_id, "address", lambda case: AddressChangeForm(case=case),
        lambda case, f: services.record_address_change(
            case, f.changed_on.data, f.reason.data, f.address.data, actor=current_user),
        _("Change of address recorded: file the EOIR-33 within 5 working days."), "#address")


@bp.post("/<case_id>/proceedings/eoir-33")
@roles(*HEARINGS.record)
def record_eoir33(case_id):
    return _hearings_post(
        case_id, "eoir33",
        lambda case: Eoir33Form(case=case, proceeding=services.pending_proceeding(case)),
        lambda case, f: services.record_eoir33(case, f.filed_on.data, f.confirmation.data,
                                               actor=current_user),
        _("EOIR-33 filing recorded."), "#address")


# --- protection.claim_us ------------------------------------------------------------

def _relief_page(case, *, form=None, bound=None, status=200):
    records = queries.filings(case)
    updates = {f.id: FilingUpdateForm(case=case, filing=f, formdata=None)
               for f in records if queries.filing_pending(f)}
    if bound is not None:
        updates[bound.filing.id] = bound
    return _page("legal/relief.html", case, "protection.claim_us", RELIEF, "relief.view",
                 status=status, applicable=case.country == Country.US,
                 form=form or FilingForm(case=case, formdata=None), records=records,
                 updates=updates, pending=queries.filing_pending,
                 age_outs=queries.age_out_alerts(case),
                 gate=engine.blockers(case, Action.FILE_RELIEF))


@bp.get("/<case_id>/relief")
@roles(*RELIEF.view)
def relief(case_id):
    return _relief_page(get_case_or_404(case_id))


@bp.post("/<case_id>/relief")
@roles(*RELIEF.record)
def record_filing(case_id):
    case = get_case_or_404(case_id)
    form = FilingForm(case=case)
    try:
        status = _attempt(form, lambda: services.record_filing(case, form.details(),
                                                               actor=current_user))
    except CheckpointBlocked as blocked:
        status = _blocked(case, form, blocked)
    if status is None:
        return _done(case, _("Filing recorded."), "legal.relief")
    return _relief_page(get_case_or_404(case_id), form=form, status=status)


@bp.post("/<case_id>/relief/update")
@roles(*RELIEF.record)
def update_filing(case_id):
    case = get_case_or_404(case_id)
    filing = _posted(case, ReliefFiling)
    if filing is None:
        return _gone(case, "legal.relief")
    form = FilingUpdateForm(case=case, filing=filing)
    status = _attempt(form, lambda: services.update_filing(
        case, filing.id, receipt_on=form.receipt_on.data,
        receipt_number=form.receipt_number.data, decision=form.decision.data or None,
        decided_on=form.decided_on.data, actor=current_user))
    if status is None:
        return _done(case, _("Filing updated."), "legal.relief")
    return _relief_page(get_case_or_404(case_id), bound=form, status=status)


# --- protection.claim_mx ----------------------------------------------------------

def _comar_page(case, *, form=None, bound=None, status=200):
    records = queries.claims(case)
    updates = {c.id: ClaimUpdateForm(case=case, claim=c, formdata=None)
               for c in records if queries.claim_pending(c)}
    if bound is not None:
        updates[bound.claim.id] = bound
    if form is None:
        form = ClaimForm(case=case, formdata=None)
        latest = next(iter(queries.screenings(case)), None)
        if latest is not None and latest.entered_country_on:
            form.entered_on.data = latest.entered_country_on
    return _page("legal/comar.html", case, "protection.claim_mx", COMAR, "comar.view",
                 status=status, applicable=case.country == Country.MX, form=form,
                 records=records, updates=updates, pending=queries.claim_pending,
                 decision_due=queries.comar_decision_due,
                 filing_due=services.comar_filing_due,
                 gate=engine.blockers(case, Action.FILE_RELIEF))


@bp.get("/<case_id>/comar")
@roles(*COMAR.view)
def comar(case_id):
    return _comar_page(get_case_or_404(case_id))


@bp.post("/<case_id>/comar")
@roles(*COMAR.record)
def record_claim(case_id):
    case = get_case_or_404(case_id)
    form = ClaimForm(case=case)
    try:
        status = _attempt(form, lambda: services.record_claim(case, form.details(),
                                                              actor=current_user))
    except CheckpointBlocked as blocked:
        status = _blocked(case, form, blocked)
    if status is None:
        return _done(case, _("COMAR claim recorded."), "legal.comar")
    return _comar_page(get_case_or_404(case_id), form=form, status=status)


@bp.post("/<case_id>/comar/update")
@roles(*COMAR.record)
def update_claim(case_id):
    case = get_case_or_404(case_id)
    claim = _posted(case, ComarClaim)
    if claim is None:
        return _gone(case, "legal.comar")
    form = ClaimUpdateForm(case=case, claim=claim)
    status = _attempt(form, lambda: services.update_claim(
        case, claim.id, inm_notified_on=form.inm_notified_on.data,
        decision=form.decision.data or None, decided_on=form.decided_on.data,
        actor=current_user))
    if status is None:
        return _done(case, _("COMAR claim updated."), "legal.comar")
    return _comar_page(get_case_or_404(case_id), bound=form, status=status)


# --- the gated action `file-relief` (workflow/actions.py) --------------------------------
# Its action page (/cases/<id>/actions/file-relief) shows why a filing is refused and takes
# a supervisor's override; once allowed, it files with the same form and the same service
# as the relief or COMAR page, so a filing through the gate is a real filing record and
# there is one way to file: services.record_filing / record_claim, which ask the gate.

def _filing_roles(case):
    return RELIEF if case.country == Country.US else COMAR


def _file_relief_form(case, **kw):
    if case.country == Country.US:
        form = FilingForm(case=case, **kw)
    else:
        form = ClaimForm(case=case, **kw)
        latest = next(iter(queries.screenings(case)), None)
        if (request.method == "GET" and latest is not None and latest.entered_country_on
                and form.entered_on.data is None):
            form.entered_on.data = latest.entered_country_on
    form.may_record = _filing_roles(case).may_record(current_user)
    return form


def _file_relief(case, form, *, actor):
    if not _filing_roles(case).may_record(actor):
        raise NotPermitted(_("Your role cannot record this filing."))
    if case.country == Country.US:
        services.record_filing(case, form.details(), actor=actor)
    else:
        services.record_claim(case, form.details(), actor=actor)


actions.register(Action.FILE_RELIEF, form=_file_relief_form, effect=_file_relief,
                 fields="legal/_file_relief_fields.html")


# --- privileged notes ------------------------------------------------------------------

def _notes_page(case, form, status=200):
    allowed = services.may_use_notes(case, current_user)
    page = render_template("legal/notes.html", case=case, form=form, allowed=allowed,
                           notes=queries.notes(case, current_user))
    if allowed:
        return audited(page, "legal_note.view", status=status, case_id=case.id)
    return page, status


def _not_on_team(case):
    refuse("legal_note.refused", case_id=case.id, details={"endpoint": request.endpoint})


@bp.get("/<case_id>/legal-notes")
@roles(*LEGAL_STAFF)
def notes(case_id):
    case = get_case_or_404(case_id)
    if not services.may_use_notes(case, current_user):
        _not_on_team(case)
    return _notes_page(case, NoteForm(formdata=None))


@bp.post("/<case_id>/legal-notes")
@roles(*LEGAL_STAFF)
def write_note(case_id):
    case = get_case_or_404(case_id)
    form = NoteForm()
    if not services.may_use_notes(case, current_user):
        # Not on the case team: refused before reading what was sent.
        _not_on_team(case)
        return _notes_page(get_case_or_404(case_id), NoteForm(formdata=None), 409)
    status = _attempt(form, lambda: services.write_note(case, form.body.data,
                                                        actor=current_user))
    if status is None:
        return _done(case, _("Privileged note saved."), "legal.notes")
    return _notes_page(get_case_or_404(case_id), form, status)


# --- My calendar --------------------------------------------------------------------------

@bp.get("/calendar")
@roles(*LEGAL_STAFF)
def calendar():
    items = queries.calendar(current_user)
    return audited(render_template("legal/calendar.html", items=items, may_open=_may_open),
                   "legal.calendar_view", details={"items": len(items)})


def _may_open(endpoint: str | None) -> bool:
    """Link only to the pages the user's role may read."""
    rule = declaration(current_app, endpoint) if endpoint else None
    return isinstance(rule, frozenset) and current_user.role in rule


# --- the case page's legal panel ---------------------------------------------------------

PAGES = (("legal.kyr", "legal.kyr"), ("legal.screening", "legal.screening"),
         ("legal.representation", "legal.representation"),
         ("legal.hearings", "legal.proceedings"), ("protection.claim_us", "legal.relief"),
         ("protection.claim_mx", "legal.comar"))


@case_panel("legal/_panel.html", order=20)
def legal_panel(case, read) -> dict:
    """What the legal side of the case looks like, for everyone on the case; the
    privileged notes only for legal staff on the case team (never loaded otherwise)."""
    links = []
    for key, endpoint in PAGES:
        if current_user.role in legal_roles(key).view:
            links.append((BY_KEY[key].title, endpoint))
    may_notes = services.may_use_notes(case, current_user)
    return {
        "summary": queries.summary(case, read),
        "links": links, "labels": LABELS,
        "us": case.country == Country.US, "may_notes": may_notes,
        "notes": queries.notes(case, current_user, limit=3) if may_notes else [],
        "legal_staff": current_user.role in LEGAL_STAFF,
    }
