"""Transfer, return, handover and reintegration pages, and the forms and effects of the
gated actions record-transfer, record-return and reunify-abroad. Thin views.

The gated actions keep the workflow's page (`/cases/<id>/actions/<action>`); this
module registers their forms and effects with `workflow.actions.action_handler`,
so workflow/ never imports this module (see workflow/actions.py).
"""

from __future__ import annotations

from flask import Blueprint
from flask_babel import gettext as _
from flask_login import current_user

from casework.best_interests.services import approved_bid_for
from casework.cases.panels import case_panel
from casework.errors import NotPermitted
from casework.screening.views import (
    form_roles,
    refused,
    render_record_page,
    saved,
)
from casework.transfers import queries, services
from casework.transfers.choices import (
    AUTHORITY_LABELS,
    CONDITION_LABELS,
    PATHWAY_LABELS,
    SCHOOL_LABELS,
)
from casework.transfers.forms import (
    FollowUpForm,
    ReturnActionForm,
    ReturnHandoverForm,
    ReturnPlanForm,
    ReunifyAbroadForm,
    TransferActionForm,
    TransferHandoverForm,
    TransferPlanForm,
)
from casework.web.access import get_case_or_404
from casework.workflow.actions import action_handler
from casework.workflow.policy import Action

bp = Blueprint("transfers", __name__, url_prefix="/cases")

TRANSFER = form_roles("transfer.mx_us")
RETURN = form_roles("return.plan")
HANDOVER = form_roles("return.handover")
REINTEGRATION = form_roles("reint.followup")

LABELS = {"pathway_labels": PATHWAY_LABELS, "authority_labels": AUTHORITY_LABELS,
          "condition_labels": CONDITION_LABELS, "school_labels": SCHOOL_LABELS}


def _record_page(form, case, key, access, template, event, save, message, *, unavailable,
                 **context):
    """A record page: validate, call one service, commit once, or show it again."""
    status = 200
    if unavailable is None and form.validate_on_submit():
        try:
            save(case, form.details(), actor=current_user)
        except (ValueError, NotPermitted) as exc:
            status = refused(form, exc)
        else:
            return saved(case, message)
    return render_record_page(template, case, key, access, event, status=status, form=form,
                              applicable=unavailable is None, unavailable=unavailable,
                              **LABELS, **context)


# --- transfer ---------------------------------------------------------------------------

@bp.route("/<case_id>/transfer", methods=["GET", "POST"])
@TRANSFER.declare()
def transfer_plan(case_id):
    case = get_case_or_404(case_id)
    unavailable = None
    if case.office.country != "MX":
        unavailable = _("A safe transfer starts from an office in Mexico.")
    elif services.transfer_in_progress(case) is not None:
        unavailable = _("A transfer is under way: the receiving office records its handover.")
    elif approved_bid_for(case, Action.RECORD_TRANSFER) is None:
        unavailable = _("A transfer is planned on an approved, current BID that recommends it "
                        "(R4).")
    return _record_page(
        TransferPlanForm(case=case), case, "transfer.mx_us", TRANSFER, "transfers/plan.html",
        "transfer_plan.view", services.record_transfer_plan, _("Transfer plan recorded."),
        unavailable=unavailable, records=queries.transfer_plans(case),
        in_progress=services.transfer_in_progress(case),
    )


@bp.route("/<case_id>/transfer/handover", methods=["GET", "POST"])
@TRANSFER.declare()
def transfer_handover(case_id):
    case = get_case_or_404(case_id)
    plan = services.transfer_in_progress(case)
    unavailable = None
    if plan is None:
        unavailable = _("No transfer is waiting for its handover.")
    elif plan.to_office_id not in current_user.office_ids_in_scope():
        unavailable = _("The receiving office records the handover.")
    return _record_page(
        TransferHandoverForm(case=case), case, "transfer.mx_us", TRANSFER,
        "transfers/transfer_handover.html", "transfer_plan.view",
        services.record_transfer_handover,
        _("Handover recorded: the transfer is closed."), unavailable=unavailable,
        records=[p for p in queries.transfer_plans(case) if p.transferred_at], in_progress=plan,
    )


# --- return ---------------------------------------------------------------------------

@bp.route("/<case_id>/return", methods=["GET", "POST"])
@RETURN.declare()
def return_plan(case_id):
    case = get_case_or_404(case_id)
    unavailable = None
    if approved_bid_for(case, Action.RECORD_RETURN) is None:
        unavailable = _("A return is planned only on an approved, current BID that recommends "
                        "it (R5).")
    return _record_page(
        ReturnPlanForm(case=case), case, "return.plan", RETURN, "transfers/return_plan.html",
        "return_plan.view", services.record_return_plan, _("Return plan recorded."),
        unavailable=unavailable, records=queries.return_plans(case),
    )


@bp.route("/<case_id>/return/handover", methods=["GET", "POST"])
@HANDOVER.declare()
def return_handover(case_id):
    case = get_case_or_404(case_id)
    unavailable = (_("A reception handover follows a recorded return.")
                   if services.last_return(case) is None else None)
    return _record_page(
        ReturnHandoverForm(case=case), case, "return.handover", HANDOVER,
        "transfers/return_handover.html", "return_handover.view",
        services.record_return_handover, _("Reception handover recorded."),
        unavailable=unavailable, records=queries.return_handovers(case),
    )


@bp.route("/<case_id>/reintegration", methods=["GET", "POST"])
@REINTEGRATION.declare()
def reintegration(case_id):
    case = get_case_or_404(case_id)
    last = services.last_return(case)
    records = queries.follow_ups(case)
    return _record_page(
        FollowUpForm(case=case), case, "reint.followup", REINTEGRATION,
        "transfers/reintegration.html", "reintegration.view", services.record_follow_up,
        _("Follow-up recorded."),
        unavailable=(_("Reintegration follow-ups come after a recorded return.")
                     if last is None else None),
        records=records, last_return=last,
        schedule=queries.follow_up_schedule(case, last.returned_at if last else None, records),
    )


# --- the gated actions: their forms and effects (workflow/actions.py) -------------------

@action_handler(Action.RECORD_TRANSFER, form=TransferActionForm)
def _record_transfer(case, form, *, actor):
    services.record_transfer(case, form.details(), actor=actor)


@action_handler(Action.RECORD_RETURN, form=ReturnActionForm)
def _record_return(case, form, *, actor):
    services.record_return(case, form.details(), actor=actor)


@action_handler(Action.REUNIFY_ABROAD, form=ReunifyAbroadForm)
def _reunify_abroad(case, form, *, actor):
    services.reunify_abroad(case, form.reunification(), actor=actor)


# --- the case page's section -----------------------------------------------------------

@case_panel("transfers/_panel.html", order=45)
def panel_context(case, read) -> dict:
    # The gates have read whether the case has transfer or return plans: none, no query.
    transfers = [] if read.known_empty("transfers.plans") else queries.transfer_plans(case)
    returns = ([] if read.known_empty("transfers.return_plans")
               else queries.return_plans(case))
    last = next((p for p in returns if p.returned_at), None)
    records = queries.follow_ups(case) if last else []
    return {
        "transfer": transfers[0] if transfers else None,
        "return_plan": returns[0] if returns else None,
        "handover": next(iter(queries.return_handovers(case)), None) if last else None,
        "schedule": queries.follow_up_schedule(case, last.returned_at if last else None,
                                               records),
        **LABELS,
    }
