"""Sign in, sign out, change password."""

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from casework.accounts import services
from casework.accounts.forms import LoginForm, PasswordChangeForm
from casework.audit.services import record
from casework.extensions import db
from casework.web.access import public, signed_in
from casework.web.security import safe_next_url

bp = Blueprint("accounts", __name__)


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        services.record_login(user, ok=user is not None)
        if user is None:
            db.session.commit()
            # One message for a wrong email, a wrong password and a deactivated account.
            flash(_("The email or password is not correct."), "error")
            return render_template("accounts/login.html", form=form), 200
        session.clear()  # a fresh cookie at every sign-in: no session fixation
        services.start_session(user, request.user_agent.string)
        db.session.commit()
        login_user(user)
        return redirect(safe_next_url(request.args.get("next")) or url_for("home.index"))
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@signed_in
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
    from datetime import timedelta

    user = services.load_session(
        token,
        idle=timedelta(minutes=cfg["SESSION_IDLE_MINUTES"]),
        absolute=timedelta(hours=cfg["SESSION_ABSOLUTE_HOURS"]),
    )
    if db.session.dirty or db.session.new:
        db.session.commit()
    return user
