"""The start page and the language switch."""

from flask import Blueprint, redirect, request, session, url_for
from flask_login import current_user

from casework.accounts.roles import Role
from casework.web.access import public, signed_in
from casework.web.security import safe_next_url

bp = Blueprint("home", __name__)


@bp.route("/")
@signed_in
def index():
    if current_user.role == Role.ADMIN:
        return redirect(url_for("admin.users"))
    return redirect(url_for("cases.list_cases"))


@bp.route("/language", methods=["POST"])
@public
def set_language():
    from flask import current_app

    lang = request.form.get("language")
    if lang in current_app.config["LANGUAGES"]:
        session["language"] = lang
    return redirect(safe_next_url(request.form.get("next")) or url_for("home.index"))
