"""Family tracing and reunification pages. Thin: forms in, services out.

Who may use a page comes from the checkpoint catalogue (`form_roles`): the family pages
belong to the ftr.* checkpoints (caseworkers record, supervisors sign off). The release
is the gated action `release-to-sponsor`: this module gives it its form and effect
through workflow/actions.py, and the same for `contact-origin-country` (a tracing action
that contacts the country of origin).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from casework.cases.panels import case_panel
from casework.errors import NotPermitted, StaleEdit
from casework.extensions import db
from casework.reunification import choices, conditions, queries, services
from casework.reunification.forms import (
    AssessmentForm,
    CheckForm,
    FollowUpForm,
    MemberForm,
    ReleaseForm,
    SiblingDecisionForm,
    SiblingLinkForm,
    SiblingUnlinkForm,
    TracingForm,
    VerificationForm,
    member_label,
)
from casework.screening.views import (
    form_roles,
    refused,
    render_record_page,
    saved,
)
from casework.web.access import get_case_or_404, refuse, roles
from casework.web.audited import audited
from casework.workflow import actions
from casework.workflow.engine import CheckpointBlocked
from casework.workflow.policy import BY_KEY, Action

bp = Blueprint("reunification", __name__, url_prefix="/cases")

TRACE = form_roles("ftr.trace")  # family members are the tracing's evidence
VERIFY = form_roles("ftr.verify")
SIBLINGS = form_roles("ftr.siblings")
SPONSOR = form_roles("ftr.sponsor")
FOLLOW_UP = form_roles("ftr.followup")


@bp.app_context_processor
def reunification_labels():
    return {"FAMILY": choices, "member_label": member_label}


def blocked(form, exc: CheckpointBlocked, case) -> int:
    """A gate refused the action: audit the refusal, save nothing, list the reasons."""
    refuse("action.refused", case_id=case.id,
           details={"action": exc.action.value,
                    "checkpoints": [r.key for r in exc.reasons if r.key]})
    form.form_errors.append(_("Refused: nothing was recorded. The reasons are listed below."))
    return 409


# --- the case page section ---------------------------------------------------------------

@case_panel("reunification/_panel.html", order=40)
def family_panel(case, read) -> dict:
    may_view = current_user.role in TRACE.view
    context = {"may_view": may_view, "releases": queries.releases(case)}
    if not may_view:
        return context
    facts = read.facts()
    assessment = conditions.current_assessment(facts)
    latest = conditions.latest_verifications(facts)
    context.update(
        members=queries.members(case),
        verified={m for m, v in latest.items() if conditions.verification_passes(v)},
        tracing_count=len(facts.records("family.tracing")),
        sibling_count=len(facts.records("family.sibling_links")),
        assessment=assessment,
        triggers=(conditions.home_study_triggers(
            assessment, trafficking_screened=conditions.trafficking_indicated(facts))
            if assessment is not None else frozenset()),
        follow_up_count=len(facts.records("family.follow_ups")),
        may_record=current_user.role in TRACE.record,
    )
    return context


# --- family members --------------------------------------------------------------------

@bp.route("/<case_id>/family/members/new", methods=["GET", "POST"])
@TRACE.declare()
def add_member(case_id):
    case = get_case_or_404(case_id)
    form = MemberForm()
    status = 200
    if form.validate_on_submit():
        try:
            member = services.add_member(case, form.details(), actor=current_user)
        except (ValueError, NotPermitted) as exc:
            status = refused(form, exc)
        else:
            db.session.commit()
            flash(_("Family member added. Check the possible matches below."), "success")
            return redirect(url_for("reunification.member", case_id=case.id,
                                    member_id=member.id))
    return render_template("reunification/member_form.html", case=case, form=form,
                           member=None), status


def _member_or_404(case, member_id):
    member = queries.member(case, member_id)
    if member is None:
        abort(404)
    return member


@bp.route("/<case_id>/family/members/<member_id>")
@roles(*TRACE.view)
def member(case_id, member_id):
    case = get_case_or_404(case_id)
    person = _member_or_404(case, member_id)
    candidates = queries.match_candidates(person, current_user)
    return audited(render_template(
        "reunification/member.html", case=case, member=person, candidates=candidates,
        link_form=SiblingLinkForm(formdata=None), may_record=TRACE.may_record(current_user),
        may_link=SIBLINGS.may_record(current_user),
    ), "family.member_view", case_id=case.id,
        # Ids and counts only: never the names that matched.
        details={"member": str(person.id), "candidates": len(candidates)})


@bp.route("/<case_id>/family/members/<member_id>/edit", methods=["GET", "POST"])
@TRACE.declare()
def edit_member(case_id, member_id):
    case = get_case_or_404(case_id)
    person = _member_or_404(case, member_id)
    form = MemberForm()
    status = 200
    if request.method == "GET":
        form.fill_from(services.MemberDetails.of(person), person.version)
    elif form.validate_on_submit():
        try:
            expected = int(form.version.data or 0)
        except ValueError:
            abort(400)
        try:
            services.update_member(person, form.details(), actor=current_user,
                                   expected_version=expected)
        except StaleEdit:
            db.session.rollback()
            person = _member_or_404(get_case_or_404(case_id), member_id)
            form.version.data = str(person.version)
            form.form_errors.append(_("Someone else changed this person's details while you "
                                      "were editing. Their version is shown on the person's "
                                      "page; what you typed is still here: save again to "
                                      "replace it."))
            status = 409
        except (ValueError, NotPermitted) as exc:
            status = refused(form, exc)
        else:
            db.session.commit()
            flash(_("Family member's details saved."), "success")
            return redirect(url_for("reunification.member", case_id=case.id,
                                    member_id=person.id))
    return render_template("reunification/member_form.html", case=case, form=form,
                           member=person), status


# --- tracing ---------------------------------------------------------------------------------

@bp.route("/<case_id>/family/tracing", methods=["GET", "POST"])
@TRACE.declare()
def tracing(case_id):
    case = get_case_or_404(case_id)
    form = TracingForm(case=case)
    status, reasons = 200, []
    if form.validate_on_submit():
        try:
            services.record_tracing(case, form.details(), actor=current_user)
        except CheckpointBlocked as exc:
            status, reasons = blocked(form, exc, case), exc.reasons
            case = get_case_or_404(case_id)
        except (ValueError, NotPermitted) as exc:
            status = refused(form, exc)
        else:
            return saved(case, _("Tracing action recorded."))
    return render_record_page(
        "reunification/tracing.html", case, "ftr.trace", TRACE, "family.tracing_view",
        status=status, form=form, records=queries.tracing_entries(case),
        members=queries.members(case), reasons=reasons, checkpoints=BY_KEY,
    )


# --- verification -------------------------------------------------------------------------

@bp.route("/<case_id>/family/verification", methods=["GET", "POST"])
@VERIFY.declare()
def verification(case_id):
    case = get_case_or_404(case_id)
    form = VerificationForm(case=case)
    status = 200
    if form.validate_on_submit():
        try:
            services.record_verification(case, form.details(), actor=current_user)
        except (ValueError, NotPermitted) as exc:
            status = refused(form, exc)
        else:
            return saved(case, _("Verification recorded."))
    return render_record_page(
        "reunification/verification.html", case, "ftr.verify", VERIFY,
        "family.verification_view", status=status, form=form,
        records=queries.verifications(case), has_members=bool(queries.members(case)),
    )


# --- sponsor assessment ---------------------------------------------------------------------

def _sponsor_context(case) -> dict:
    facts = services.facts_of(case)
    assessment = conditions.current_assessment(facts)
    if assessment is None:
        return {"current": None}
    triggers = conditions.home_study_triggers(
        assessment, trafficking_screened=conditions.trafficking_indicated(facts))
    latest = conditions.latest_checks(facts, assessment.member_id)
    verification = conditions.latest_verifications(facts).get(assessment.member_id)
    return {
        "current": queries.assessments(case)[0], "triggers": triggers,
        "required": conditions.required_checks(facts, assessment), "latest_checks": latest,
        "sponsor_verification": verification,
        "assessed": conditions.sponsor_assessed(facts) is not None,
    }


@bp.route("/<case_id>/family/sponsor", methods=["GET", "POST"])
@SPONSOR.declare()
def sponsor(case_id):
    case = get_case_or_404(case_id)
    form = AssessmentForm(case=case)
    status = 200
    if form.validate_on_submit():
        try:
            services.record_assessment(case, form.details(), actor=current_user)
        except (ValueError, NotPermitted) as exc:
            status = refused(form, exc)
        else:
            flash(_("Sponsor assessment recorded. Record the checks it needs."), "success")
            db.session.commit()
            return redirect(url_for("reunification.sponsor", case_id=case.id))
    elif request.method == "GET":
        form.fill_from(services.current_assessment(case))
    return render_record_page(
        "reunification/sponsor.html", case, "ftr.sponsor", SPONSOR, "sponsor.view",
        status=status, form=form, records=queries.assessments(case),
        has_members=bool(queries.members(case)), **_sponsor_context(case),
    )


@bp.route("/<case_id>/family/sponsor/checks", methods=["GET", "POST"])
@SPONSOR.declare()
def sponsor_checks(case_id):
    case = get_case_or_404(case_id)
    form = CheckForm(case=case)
    status = 200
    if form.validate_on_submit():
        try:
            services.record_check(case, form.check(), actor=current_user)
        except (ValueError, NotPermitted) as exc:
            status = refused(form, exc)
        else:
            flash(_("Sponsor check recorded."), "success")
            db.session.commit()
            return redirect(url_for("reunification.sponsor", case_id=case.id))
    context = _sponsor_context(case)
    current = context["current"]
    applicable = current is not None and current.member_id is not None
    return render_record_page(
        "reunification/sponsor_checks.html", case, "ftr.sponsor", SPONSOR,
        "sponsor.checks_view", status=status, form=form, applicable=applicable,
        records=queries.checks(case, current.member_id) if applicable else [], **context,
    )


# --- siblings ---------------------------------------------------------------------------------

def _siblings_page(case, form, status=200, link_form=None):
    return render_record_page(
        "reunification/siblings.html", case, "ftr.siblings", SIBLINGS, "family.siblings_view",
        status=status, form=form, records=queries.sibling_decisions(case),
        siblings=queries.siblings(case, current_user),
        link_form=link_form or SiblingLinkForm(formdata=None),
        unlink_form=SiblingUnlinkForm(formdata=None),
        applicable=conditions.siblings_known(services.facts_of(case)),
    )


@bp.route("/<case_id>/family/siblings", methods=["GET", "POST"])
@SIBLINGS.declare()
def siblings(case_id):
    case = get_case_or_404(case_id)
    form = SiblingDecisionForm(case=case)
    status = 200
    if form.validate_on_submit():
        try:
            services.record_sibling_decision(case, form.details(), actor=current_user)
        except (ValueError, NotPermitted) as exc:
            status = refused(form, exc)
        else:
            return saved(case, _("Decision about the siblings recorded."))
    return _siblings_page(case, form, status)


@bp.route("/<case_id>/family/siblings/link", methods=["POST"])
@roles(*SIBLINGS.record)
def link_sibling(case_id):
    case = get_case_or_404(case_id)
    link_form = SiblingLinkForm()
    if link_form.validate_on_submit():
        other = queries.find_visible_by_number(current_user, link_form.case_number.data)
        if other is None:
            link_form.case_number.errors.append(
                _("There is no case with this number among the cases you can see."))
        else:
            try:
                services.link_siblings(case, other, actor=current_user)
            except ValueError as exc:
                db.session.rollback()
                link_form.case_number.errors.append(str(exc))
            else:
                return saved(case, _("Cases linked as siblings. Record whether they stay "
                                     "together."))
    case = get_case_or_404(case_id)
    return _siblings_page(case, SiblingDecisionForm(case=case, formdata=None), 400, link_form)


@bp.route("/<case_id>/family/siblings/unlink", methods=["POST"])
@roles(*SIBLINGS.record)
def unlink_sibling(case_id):
    case = get_case_or_404(case_id)
    form = SiblingUnlinkForm()
    if not form.validate_on_submit():
        abort(400)
    other = get_case_or_404(form.sibling.data)  # both cases within the user's scope
    try:
        services.unlink_siblings(case, other, actor=current_user)
    except ValueError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("reunification.siblings", case_id=case.id))
    db.session.commit()
    flash(_("The sibling link was removed."), "success")
    return redirect(url_for("reunification.siblings", case_id=case.id))


# --- follow-up ----------------------------------------------------------------------------------

@bp.route("/<case_id>/family/follow-ups", methods=["GET", "POST"])
@FOLLOW_UP.declare()
def follow_ups(case_id):
    case = get_case_or_404(case_id)
    form = FollowUpForm(case=case)
    status = 200
    if form.validate_on_submit():
        try:
            services.record_follow_up(case, form.details(), actor=current_user)
        except (ValueError, NotPermitted) as exc:
            status = refused(form, exc)
        else:
            return saved(case, _("Follow-up recorded."))
    return render_record_page(
        "reunification/follow_ups.html", case, "ftr.followup", FOLLOW_UP,
        "family.follow_ups_view", status=status, form=form, records=queries.follow_ups(case),
        releases=queries.releases(case),
        applicable=conditions.released(services.facts_of(case)),
    )


# --- the gated actions' own forms (workflow/actions.py) ----------------------------------

def _release(case, form, actor):
    return services.release_to_sponsor(case, form.details(), actor=actor)


def _origin_contact_form(case, **kw):
    return TracingForm(case=case, origin_contact=True, **kw)


def _origin_contact(case, form, actor):
    return services.record_tracing(case, form.details(), actor=actor)


actions.register(Action.RELEASE_TO_SPONSOR, form=ReleaseForm, effect=_release,
                 fields="reunification/_release_fields.html")
actions.register(Action.CONTACT_ORIGIN_COUNTRY, form=_origin_contact_form,
                 effect=_origin_contact, fields="reunification/_tracing_fields.html")
