"""Administrators manage users and offices. They see no case content."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from casework.accounts import queries, services
from casework.accounts.forms import OfficeForm, UserForm
from casework.accounts.roles import Country, Role
from casework.audit.services import record
from casework.extensions import db
from casework.web.access import roles

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _office_choices(form: UserForm) -> None:
    choices = [(str(o.id), f"{o.code} · {o.name}") for o in queries.offices()]
    form.office.choices = choices
    form.supervised.choices = choices


@bp.route("/users")
@roles(Role.ADMIN)
def users():
    page = db.paginate(queries.users_query(), per_page=50, error_out=False)
    return render_template("admin/users.html", page=page)


@bp.route("/users/new", methods=["GET", "POST"])
@roles(Role.ADMIN)
def new_user():
    form = UserForm()
    _office_choices(form)
    if form.validate_on_submit():
        office = queries.get_office(form.office.data)
        if not form.password.data:
            form.password.errors.append(_("Set a first password for the new user."))
        else:
            try:
                user = services.create_user(
                    email=form.email.data, name=form.name.data, role=form.role.data,
                    office=office, password=form.password.data, actor=current_user,
                    active=form.active.data, supervised=_supervised(form),
                )
            except services.AccountError as exc:
                db.session.rollback()
                _field_error(form, exc, "email")
            else:
                db.session.commit()
                flash(_("User %(name)s created.", name=user.name), "success")
                return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<user_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def edit_user(user_id):
    user = queries.get_user(user_id) or abort(404)
    form = UserForm(obj=None if request.method == "POST" else user)
    _office_choices(form)
    if request.method == "GET":
        form.role.data = user.role.value
        form.office.data = str(user.office_id)
        form.supervised.data = [str(o.id) for o in user.supervised_offices]
    # The email cannot be changed here: show the stored one and do not validate what was
    # posted (an address the validator now rejects, e.g. on a .test domain, must not
    # make its user uneditable).
    form.email.render_kw = {"readonly": True}
    form.email.validators = ()
    form.email.data = user.email
    if form.validate_on_submit():
        try:
            services.update_user(
                user, actor=current_user, name=form.name.data, role=Role(form.role.data),
                office=queries.get_office(form.office.data), active=form.active.data,
                supervised=_supervised(form),
            )
            if form.password.data:
                services.reset_password(user, actor=current_user, password=form.password.data)
        except services.AccountError as exc:
            db.session.rollback()
            _field_error(form, exc, "password")
        else:
            db.session.commit()
            flash(_("Changes to %(name)s saved.", name=user.name), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user)


def _field_error(form, exc: services.AccountError, default: str) -> None:
    """Show the message beside the field it is about."""
    field = getattr(form, exc.field or default, None) or getattr(form, default)
    field.errors.append(str(exc))


@bp.route("/users/<user_id>/mfa/reset", methods=["POST"])
@roles(Role.ADMIN)
def reset_mfa(user_id):
    """For a lost phone: the user enrols again at the next sign-in."""
    from casework.accounts import mfa

    user = queries.get_user(user_id) or abort(404)
    try:
        mfa.remove_mfa(user, actor=current_user)
    except mfa.MFAError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.edit_user", user_id=user.id))
    db.session.commit()
    flash(_("Two-step verification of %(name)s was reset; they set it up again at their next "
            "sign-in.", name=user.name), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


def _supervised(form: UserForm):
    return [o for o in (queries.get_office(i) for i in form.supervised.data or []) if o]


@bp.route("/offices")
@roles(Role.ADMIN)
def offices():
    return render_template("admin/offices.html", offices=queries.offices())


@bp.route("/offices/new", methods=["GET", "POST"])
@roles(Role.ADMIN)
def new_office():
    form = OfficeForm()
    if form.validate_on_submit():
        try:
            office = services.create_office(form.code.data, form.name.data, form.country.data,
                                            form.timezone.data or None)
        except services.AccountError as exc:
            _field_error(form, exc, exc.field or "code")
        else:
            office.active = form.active.data
            record("office.create", actor_id=current_user.id, details={"office": office.code})
            db.session.commit()
            flash(_("Office %(code)s created.", code=office.code), "success")
            return redirect(url_for("admin.offices"))
    return render_template("admin/office_form.html", form=form, office=None)


@bp.route("/offices/<office_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def edit_office(office_id):
    office = queries.get_office(office_id) or abort(404)
    form = OfficeForm(obj=office)
    form.code.render_kw = {"readonly": True}
    if request.method == "GET":
        form.country.data = office.country.value
    if form.validate_on_submit():
        office.name = form.name.data.strip()
        office.country = Country(form.country.data)
        office.timezone = form.timezone.data or office.timezone
        office.active = form.active.data
        record("office.update", actor_id=current_user.id, details={"office": office.code})
        db.session.commit()
        flash(_("Office %(code)s saved.", code=office.code), "success")
        return redirect(url_for("admin.offices"))
    return render_template("admin/office_form.html", form=form, office=office)
