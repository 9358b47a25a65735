"""The start page, the language switch and the health check."""

import logging

import sqlalchemy as sa
from flask import Blueprint, jsonify, redirect, request, session, url_for
from flask_login import current_user

from casework.accounts.roles import Role
from casework.extensions import db
from casework.web.access import public, signed_in
from casework.web.security import safe_next_url

bp = Blueprint("home", __name__)
log = logging.getLogger(__name__)


@bp.route("/")
@signed_in
def index():
    if current_user.role == Role.ADMIN:
        return redirect(url_for("admin.users"))
    return redirect(url_for("cases.list_cases"))


@bp.route("/language", methods=["POST"])
@public
def set_language():
    """The switcher on every page: saved on the account when signed in (so it follows
    the user to any computer), and on this browser's session before sign-in."""
    from flask import current_app

    lang = request.form.get("language")
    if lang in current_app.config["LANGUAGES"]:
        session["language"] = lang
        if current_user.is_authenticated and current_user.locale != lang:
            current_user.locale = lang
            db.session.commit()
    return redirect(safe_next_url(request.form.get("next")) or url_for("home.index"))


@bp.route("/healthz")
@public
def healthz():
    """For a load balancer: the app answers and its database answers a read.

    No session (nothing reads or sets the cookie), no audit event, no write:
    a probe every few seconds from every balancer must cost next to nothing.
    It is also the floor the benchmarks measure every page against (bench/).
    """
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as exc:
        log.warning("health check: the database did not answer (%s)", type(exc).__name__)
        db.session.rollback()
        return jsonify(status="unavailable"), 503
    return jsonify(status="ok")
