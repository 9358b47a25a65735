"""Best-interests pages: assessment, case plan, and the BID with its panel. Thin views.

Who may use a form comes from the catalogue: the roles that complete a checkpoint
and the staff roles that sign it off. The BID is read by the whole panel (staff);
a caseworker drafts it, a supervisor approves or reopens it. The services check
the same rules again, so a replayed or hand-made POST is refused just the same.
"""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from casework.best_interests import queries, services
from casework.best_interests.choices import (
    ASSESSMENT_KIND_LABELS,
    BIA_AREAS,
    BID_STATUS_LABELS,
    QUESTION_LABELS,
    SOLUTION_LABELS,
    VOTE_LABELS,
    BidStatus,
)
from casework.best_interests.forms import (
    ApproveForm,
    AssessmentForm,
    BidDraftForm,
    ExplanationForm,
    PlanForm,
    ReopenForm,
    VoteForm,
)
from casework.cases.panels import case_panel
from casework.errors import NotPermitted
from casework.extensions import db
from casework.screening.views import (
    form_roles,
    refused,
    render_record_page,
    saved,
)
from casework.web.access import get_case_or_404, refuse, roles
from casework.web.audited import audited
from casework.workflow import engine, policy

bp = Blueprint("best_interests", __name__, url_prefix="/cases")

BIA = form_roles("bi.bia")
PLAN = form_roles("bi.plan")
_BID = policy.BY_KEY["bi.bid"]
BID_DRAFTERS = frozenset(_BID.completed_by)
BID_APPROVERS = services.bid_approvers()
BID_EXPLAINERS = BID_DRAFTERS | BID_APPROVERS
BID_REOPENERS = frozenset(policy.BY_KEY["bi.bid_review"].completed_by)
PANEL_ROLES = services.PANEL_ROLES


@bp.app_context_processor
def best_interests_labels():
    return {"SOLUTION_LABELS": SOLUTION_LABELS, "BID_STATUS_LABELS": BID_STATUS_LABELS}


# --- assessment ----------------------------------------------------------------

@bp.route("/<case_id>/best-interests/assessment", methods=["GET", "POST"])
@BIA.declare()
def assessment(case_id):
    case = get_case_or_404(case_id)
    form = AssessmentForm(case=case)
    status = 200
    if form.validate_on_submit():
        try:
            services.record_assessment(case, form.details(), actor=current_user)
        except (ValueError, NotPermitted) as exc:
            status = refused(form, exc)
        else:
            return saved(case, _("Best interests assessment recorded."))
    return render_record_page(
        "best_interests/assessment.html", case, "bi.bia", BIA, "bia.view", status=status,
        form=form, records=queries.assessments(case), areas=BIA_AREAS,
        kind_labels=ASSESSMENT_KIND_LABELS,
    )


# --- case plan ---------------------------------------------------------------------

@bp.route("/<case_id>/best-interests/plan", methods=["GET", "POST"])
@PLAN.declare()
def plan(case_id):
    case = get_case_or_404(case_id)
    form = PlanForm(case=case, needs_reason=not services.has_assessment(case))
    status = 200
    if form.validate_on_submit():
        try:
            services.record_plan(case, form.details(), actor=current_user)
        except (ValueError, NotPermitted) as exc:
            status = refused(form, exc)
        else:
            return saved(case, _("Case plan recorded."))
    return render_record_page(
        "best_interests/plan.html", case, "bi.plan", PLAN, "case_plan.view", status=status,
        form=form, records=queries.plans(case),
    )


# --- determination -----------------------------------------------------------------

def _forms(case, needs_reason: bool, given: dict) -> dict:
    blank = {
        "draft_form": lambda: BidDraftForm(formdata=None, case=case, needs_reason=needs_reason),
        "vote_form": lambda: VoteForm(formdata=None),
        "approve_form": lambda: ApproveForm(formdata=None),
        "explain_form": lambda: ExplanationForm(formdata=None, case=case),
        "reopen_form": lambda: ReopenForm(formdata=None),
    }
    return {name: given.get(name) or make() for name, make in blank.items()}


def _determination_page(case, status: int = 200, refusal: str | None = None, **given):
    """The BID page: the current BID, its panel and decision, the forms each role may use,
    and the superseded BIDs. Reading it is audited (web.audited: after rendering)."""
    bids = queries.bids(case)
    current = bids[0] if bids and bids[0].status != BidStatus.SUPERSEDED else None
    needs_reason = not services.has_assessment(case)
    me = current_user
    may = {
        "draft": current is None and me.role in BID_DRAFTERS,
        "vote": (current is not None and current.status == BidStatus.PANEL
                 and me.role in PANEL_ROLES and me.id != current.drafted_by_id
                 and all(v.member_id != me.id for v in current.votes)),
        "approve": (current is not None and current.status == BidStatus.PANEL
                    and me.role in BID_APPROVERS and me.id != current.drafted_by_id),
        "explain": (current is not None and current.status == BidStatus.APPROVED
                    and current.explained_at is None and me.role in BID_EXPLAINERS),
        "reopen": current is not None and me.role in BID_REOPENERS,
    }
    row = engine.rows_for(case).get("bi.bid")
    return audited(render_template(
        "best_interests/determination.html", case=case, current=current,
        superseded=[b for b in bids if b is not current], may=may, needs_reason=needs_reason,
        approval_problem=(services.approval_problem(current)
                          if current is not None and current.status == BidStatus.PANEL
                          else None),
        checkpoint=engine.checkpoint("bi.bid"), row=row,
        status=engine.status_of(row) if row else None, status_labels=engine.STATUS_LABELS,
        question_labels=QUESTION_LABELS, vote_labels=VOTE_LABELS, refusal=refusal,
        **_forms(case, needs_reason, given),
    ), "bid.view", status=status, case_id=case.id)


def _bid_or_404(case, bid_id):
    try:
        key = uuid.UUID(str(bid_id))
    except ValueError:
        abort(404)
    bid = queries.bid_of_case(case, key)
    if bid is None:
        abort(404)
    return bid


def _refused_rule(case, bid, event: str, exc: Exception) -> str:
    """A BID rule the service enforces (drafter voting, too few votes...): audited, and
    shown at the top of the page, whether or not the page offers that form."""
    refuse(event, case_id=case.id, details={"bid": str(bid.id)})
    return str(exc)


def _done(case, message: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("best_interests.determination", case_id=case.id))


@bp.route("/<case_id>/best-interests/determination", methods=["GET", "POST"])
@roles(*PANEL_ROLES, post=BID_DRAFTERS)
def determination(case_id):
    case = get_case_or_404(case_id)
    form = BidDraftForm(case=case, needs_reason=not services.has_assessment(case))
    status = 200
    if form.validate_on_submit():
        try:
            services.draft_bid(case, form.draft(), actor=current_user)
        except (ValueError, NotPermitted) as exc:
            status = refused(form, exc)
        else:
            return _done(case, _("BID drafted. The panel can now vote."))
    elif request.method == "POST":
        status = 400
    return _determination_page(get_case_or_404(case_id), status=status, draft_form=form)


@bp.route("/<case_id>/best-interests/determination/<bid_id>/vote", methods=["POST"])
@roles(*PANEL_ROLES)
def vote(case_id, bid_id):
    case = get_case_or_404(case_id)
    bid = _bid_or_404(case, bid_id)
    form = VoteForm()
    status, refusal = 400, None
    if form.validate_on_submit():
        try:
            services.cast_vote(bid, form.details(), actor=current_user)
        except NotPermitted as exc:
            status, refusal = 409, _refused_rule(case, bid, "bid.vote_refused", exc)
        except ValueError as exc:
            status = refused(form, exc)
        else:
            return _done(case, _("Your vote is recorded."))
    return _determination_page(get_case_or_404(case_id), status=status, refusal=refusal,
                               vote_form=form)


@bp.route("/<case_id>/best-interests/determination/<bid_id>/approve", methods=["POST"])
@roles(*BID_APPROVERS)
def approve(case_id, bid_id):
    case = get_case_or_404(case_id)
    bid = _bid_or_404(case, bid_id)
    form = ApproveForm()
    status, refusal = 400, None
    if form.validate_on_submit():
        try:
            services.approve_bid(bid, actor=current_user)
        except NotPermitted as exc:
            status, refusal = 409, _refused_rule(case, bid, "bid.approve_refused", exc)
        else:
            return _done(case, _("BID approved. Record how the decision was explained to the "
                                 "child."))
    return _determination_page(get_case_or_404(case_id), status=status, refusal=refusal,
                               approve_form=form)


@bp.route("/<case_id>/best-interests/determination/<bid_id>/explain", methods=["POST"])
@roles(*BID_EXPLAINERS)
def explain(case_id, bid_id):
    case = get_case_or_404(case_id)
    bid = _bid_or_404(case, bid_id)
    form = ExplanationForm(case=case)
    status, refusal = 400, None
    if form.validate_on_submit():
        try:
            services.record_explanation(bid, form.details(), actor=current_user)
        except NotPermitted as exc:
            status, refusal = 409, _refused_rule(case, bid, "bid.explain_refused", exc)
        except ValueError as exc:
            status = refused(form, exc)
        else:
            return _done(case, _("The explanation to the child is recorded."))
    return _determination_page(get_case_or_404(case_id), status=status, refusal=refusal,
                               explain_form=form)


@bp.route("/<case_id>/best-interests/determination/<bid_id>/reopen", methods=["POST"])
@roles(*BID_REOPENERS)
def reopen(case_id, bid_id):
    case = get_case_or_404(case_id)
    bid = _bid_or_404(case, bid_id)
    form = ReopenForm()
    status, refusal = 400, None
    if form.validate_on_submit():
        try:
            services.reopen_bid(bid, form.reason.data, actor=current_user)
        except NotPermitted as exc:
            status, refusal = 409, _refused_rule(case, bid, "bid.reopen_refused", exc)
        except ValueError as exc:
            status = refused(form, exc)
        else:
            return _done(case, _("The BID is reopened and superseded. Draft a new one."))
    return _determination_page(get_case_or_404(case_id), status=status, refusal=refusal,
                               reopen_form=form)


# --- the case page's section ---------------------------------------------------------

@case_panel("best_interests/_panel.html", order=40)
def panel_context(case, read) -> dict:
    # The gates have read whether the case has plans and BIDs: none, no query for them.
    assessments = queries.assessments(case)
    plans = [] if read.known_empty("bi.plans") else queries.plans(case)
    bids = [] if read.known_empty("bi.bids") else queries.bids(case)
    return {"assessment": assessments[0] if assessments else None,
            "plan": plans[0] if plans else None, "bid": bids[0] if bids else None,
            "kind_labels": ASSESSMENT_KIND_LABELS}
