"""Sign in, second factor, sign out, change password, the account page and its sessions."""

import uuid
from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user

from casework.accounts import mfa, services
from casework.accounts.forms import EnrolForm, LoginForm, PasswordChangeForm, SecondFactorForm
from casework.audit.services import record
from casework.extensions import db
from casework.web.access import mfa_step, public, signed_in
from casework.web.security import safe_next_url

bp = Blueprint("accounts", __name__)


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.sign_in(form.email.data, form.password.data, request.remote_addr)
        except services.AccountError as exc:
            db.session.commit()
            # One message for a wrong email, a wrong password and a deactivated account;
            # the throttle answers alike for known and unknown emails.
            flash(str(exc), "error")
            status = 429 if isinstance(exc, services.Throttled) else 200
            return render_template("accounts/login.html", form=form), status
        next_url = safe_next_url(request.args.get("next"))
        language = session.get("language")
        session.clear()  # a fresh cookie at every sign-in: no session fixation
        if language:  # the language chosen on the sign-in page stays
            session["language"] = language
        services.start_session(user, request.user_agent.string)
        db.session.commit()
        login_user(user)
        if not mfa.session_satisfied(user):
            if next_url:
                session["after_mfa"] = next_url
            step = "accounts.mfa_verify" if user.mfa_enrolled else "accounts.mfa_setup"
            return redirect(url_for(step))
        return redirect(next_url or url_for("home.index"))
    return render_template("accounts/login.html", form=form)


def _relogin_after_mfa():
    """The session row was replaced: a new cookie carries the new token."""
    after = safe_next_url(session.get("after_mfa"))
    language = session.get("language")
    session.clear()
    if language:
        session["language"] = language
    login_user(current_user._get_current_object())
    return after


@bp.route("/login/verify", methods=["GET", "POST"])
@mfa_step
def mfa_verify():
    if mfa.session_satisfied(current_user):
        return redirect(url_for("home.index"))
    if not current_user.mfa_enrolled:
        return redirect(url_for("accounts.mfa_setup"))
    form = SecondFactorForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.complete_second_factor(current_user, form.code.data)
        except (mfa.MFAError, services.Throttled) as exc:
            db.session.commit()  # the failure and its throttle count are kept
            form.code.errors.append(str(exc))
            form.code.data = ""
            status = 429 if isinstance(exc, services.Throttled) else 200
        else:
            db.session.commit()
            after = _relogin_after_mfa()
            left = mfa.recovery_codes_left(current_user)
            if left <= 3:
                flash(ngettext("You have %(num)d recovery code left. Make new ones on your "
                               "account page.",
                               "You have %(num)d recovery codes left. Make new ones on your "
                               "account page.", left), "warning")
            return redirect(after or url_for("home.index"))
    return render_template("accounts/mfa_verify.html", form=form), status


@bp.route("/account/mfa/setup", methods=["GET", "POST"])
@mfa_step
def mfa_setup():
    if current_user.mfa_enrolled:
        if mfa.session_satisfied(current_user):
            return redirect(url_for("accounts.account"))
        return redirect(url_for("accounts.mfa_verify"))
    form = EnrolForm()
    if request.method == "GET" and mfa.pending_secret(current_user) is None:
        mfa.begin_enrolment(current_user)
        db.session.commit()
    if form.validate_on_submit():
        try:
            codes = mfa.confirm_enrolment(current_user, form.code.data)
        except mfa.MFAError as exc:
            db.session.commit()
            form.code.errors.append(str(exc))
        else:
            services.upgrade_session(current_user)
            db.session.commit()
            after = _relogin_after_mfa()
            return render_template("accounts/recovery_codes.html", codes=codes,
                                   next_url=after or url_for("home.index"))
    secret = mfa.pending_secret(current_user)
    if secret is None:
        return redirect(url_for("accounts.mfa_setup"))
    uri = mfa.provisioning_uri(current_user, secret)
    qr = mfa.qr_svg(uri, title=_("QR code for your authenticator app"))
    return render_template("accounts/mfa_setup.html", form=form, qr=qr,
                           secret=" ".join(secret[i:i + 4] for i in range(0, len(secret), 4)))


@bp.route("/account/mfa/restart", methods=["POST"])
@mfa_step
def mfa_restart():
    """A new secret, for someone whose scan failed or who lost the first one."""
    if current_user.mfa_enrolled:
        abort(409)
    current_user.totp_secret = None
    mfa.begin_enrolment(current_user)
    db.session.commit()
    return redirect(url_for("accounts.mfa_setup"))


@bp.route("/account")
@signed_in
def account():
    return render_template(
        "accounts/account.html", sessions=services.sessions_of(current_user),
        current_id=current_user.current_session.id, mfa_required=mfa.is_required(),
        codes_left=mfa.recovery_codes_left(current_user),
    )


@bp.route("/account/sessions/<session_id>/end", methods=["POST"])
@signed_in
def end_session(session_id):
    try:
        key = uuid.UUID(session_id)
    except ValueError:
        abort(404)
    if not services.end_own_session(current_user, key):
        abort(404)
    db.session.commit()
    flash(_("That session has been ended."), "success")
    return redirect(url_for("accounts.account"))


@bp.route("/account/sessions/end-others", methods=["POST"])
@signed_in
def end_other_sessions():
    ended = services.end_other_sessions(current_user)
    db.session.commit()
    flash(ngettext("%(num)d other session has been ended.",
                   "%(num)d other sessions have been ended.", ended), "success")
    return redirect(url_for("accounts.account"))


@bp.route("/account/mfa/recovery-codes", methods=["POST"])
@signed_in
def new_recovery_codes():
    try:
        codes = mfa.regenerate_recovery_codes(current_user)
    except mfa.MFAError as exc:
        flash(str(exc), "error")
        return redirect(url_for("accounts.account"))
    db.session.commit()
    return render_template("accounts/recovery_codes.html", codes=codes,
                           next_url=url_for("accounts.account"))


@bp.route("/account/mfa/remove", methods=["POST"])
@signed_in
def remove_mfa():
    try:
        mfa.remove_mfa(current_user, actor=current_user)
    except mfa.MFAError as exc:
        flash(str(exc), "error")
        return redirect(url_for("accounts.account"))
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("Two-step verification is off. Sign in again."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/logout", methods=["POST"])
@mfa_step
def logout():
    services.end_session(current_user.current_session, "logout")
    record("logout", actor_id=current_user.id)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in
def password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current.data, form.new.data)
        except services.AccountError as exc:
            form.current.errors.append(str(exc))
        else:
            db.session.commit()
            session.clear()
            login_user(current_user._get_current_object())
            flash(_("Your password has been changed. Every other session has been ended."),
                  "success")
            return redirect(url_for("home.index"))
    return render_template("accounts/password.html", form=form)


def load_user(token: str):
    """Flask-Login's user loader: the token is a server-side session's."""
    cfg = current_app.config
    user = services.load_session(
        token,
        idle=timedelta(minutes=cfg["SESSION_IDLE_MINUTES"]),
        absolute=timedelta(hours=cfg["SESSION_ABSOLUTE_HOURS"]),
    )
    if db.session.dirty or db.session.new:
        db.session.commit()
    return user
