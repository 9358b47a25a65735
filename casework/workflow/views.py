"""Gated actions, overrides and sign-offs. The server decides; buttons only follow."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from casework.accounts.roles import Role
from casework.errors import NotPermitted
from casework.extensions import db
from casework.web.access import CASE_STAFF, get_case_or_404, refuse, roles
from casework.web.security import safe_next_url
from casework.workflow import actions, engine, queries, services
from casework.workflow.engine import CheckpointBlocked
from casework.workflow.forms import ActionForm, ClosureForm, OverrideForm, SignOffForm
from casework.workflow.policy import ACTION_LABELS, BY_KEY, RECOMMENDATIONS, STAGE_LABELS, Action

bp = Blueprint("workflow", __name__)
_unset = object()

SIGNERS = (Role.SUPERVISOR, Role.ATTORNEY)


@bp.app_context_processor
def workflow_labels():
    return {"ACTION_LABELS": ACTION_LABELS, "RECOMMENDATIONS": RECOMMENDATIONS,
            "STAGE_LABELS": STAGE_LABELS, "CHECKPOINT_STATUS_LABELS": engine.STATUS_LABELS}


def _action_or_404(name: str) -> Action:
    try:
        return Action(name)
    except ValueError:
        abort(404)


def _form_for(action: Action, case, formdata=_unset):
    kw = {} if formdata is _unset else {"formdata": formdata}
    handler = actions.handler_for(action)  # a module's own form (workflow/actions.py)
    if handler is not None:
        return handler.form(case=case, **kw)
    return ClosureForm(**kw) if action == Action.CLOSE_CASE else ActionForm(**kw)


def _carry_out(case, action: Action, form) -> None:
    """The one service call: the action's own effect when a module registered one."""
    handler = actions.handler_for(action)
    if handler is not None:
        handler.effect(case, form, actor=current_user)
    else:
        services.perform(case, action, actor=current_user, occurred_at=form.when(),
                         note=form.note.data, **form.extra())


def _fields_template(action: Action) -> str | None:
    handler = actions.handler_for(action)
    return handler.fields if handler is not None else None


@bp.route("/cases/<case_id>/actions/<action_name>", methods=["GET", "POST"])
@roles(*CASE_STAFF)
def action(case_id, action_name):
    case = get_case_or_404(case_id)
    action = _action_or_404(action_name)
    form = _form_for(action, case)
    status = 200
    if request.method == "POST":
        try:
            # Blocked: refused with the reasons, whatever the form holds.
            engine.require(case, action)
            if form.validate_on_submit():
                _carry_out(case, action, form)
                db.session.commit()
                flash(_("%(action)s: recorded.", action=ACTION_LABELS[action]), "success")
                return redirect(url_for("cases.show", case_id=case.id))
        except (ValueError, NotPermitted) as exc:  # a module's own rule, beside the gates
            refuse("action.refused", case_id=case.id, details={"action": action.value})
            case = get_case_or_404(case_id)
            form.form_errors.append(str(exc))
            status = 409
        except CheckpointBlocked as blocked:
            refuse("action.refused", case_id=case.id,
                   details={"action": action.value,
                            "checkpoints": [r.key for r in blocked.reasons if r.key]})
            case = get_case_or_404(case_id)
            flash(_("Refused: nothing was recorded. The reasons are listed below."), "error")
            status = 409
    reasons = engine.blockers(case, action)
    return render_template(
        "workflow/action.html", case=case, action=action, form=form, reasons=reasons,
        fields_template=_fields_template(action), override_form=OverrideForm(formdata=None),
        overrides=queries.overrides(case, action), checkpoints=BY_KEY,
    ), status


@bp.route("/cases/<case_id>/actions/<action_name>/override", methods=["POST"])
@roles(Role.SUPERVISOR)
def override(case_id, action_name):
    case = get_case_or_404(case_id)
    action = _action_or_404(action_name)
    form = OverrideForm()
    if form.validate_on_submit():
        try:
            engine.override(case, action, form.key.data, form.reason.data, actor=current_user)
        except (NotPermitted, ValueError, StopIteration) as exc:
            db.session.rollback()
            refuse("gate.override_refused", case_id=case.id,
                   details={"action": action.value, "checkpoint": form.key.data[:40]})
            flash(str(exc) if not isinstance(exc, StopIteration)
                  else _("There is no such checkpoint."), "error")
        else:
            db.session.commit()
            flash(_("Override recorded. It is shown on the case for ever."), "success")
        return redirect(url_for("workflow.action", case_id=case.id, action_name=action.value))
    case = get_case_or_404(case_id)
    return render_template(
        "workflow/action.html", case=case, action=action, form=_form_for(action, case, None),
        fields_template=_fields_template(action), reasons=engine.blockers(case, action),
        override_form=form,
        overrides=engine.overrides_for(case, action), checkpoints=BY_KEY,
    ), 400


@bp.route("/cases/<case_id>/checkpoints/<key>/sign-off", methods=["POST"])
@roles(*SIGNERS)
def sign_off(case_id, key):
    case = get_case_or_404(case_id)
    if key not in BY_KEY:
        abort(404)
    if SignOffForm().validate_on_submit():
        try:
            engine.sign_off(case, key, actor=current_user)
        except NotPermitted as exc:
            refuse("checkpoint.sign_off_refused", case_id=case.id, details={"checkpoint": key})
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Signed off: %(title)s.", title=BY_KEY[key].title), "success")
    return redirect(safe_next_url(request.form.get("next"))
                    or url_for("cases.show", case_id=case.id) + "#checklist")


@bp.route("/sign-offs")
@roles(*SIGNERS)
def sign_off_queue():
    """Moved to supervision; old links and bookmarks still arrive."""
    return redirect(url_for("supervision.sign_offs"), 301)
