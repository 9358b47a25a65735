"""The legal blueprint and the know-your-rights page. Thin: a form in, a service out.

The other legal pages are in pages.py, imported at the end to register on `bp`."""

from __future__ import annotations

from flask import Blueprint, request
from flask_babel import gettext as _
from flask_login import current_user

from casework.legal import queries, services
from casework.legal.forms import OrientationForm
from casework.legal.models import FORMAT_LABELS
from casework.screening.views import (
    FormRoles,
    form_roles,
    refused,
    render_record_page,
    saved,
)
from casework.web.access import LEGAL_STAFF, get_case_or_404

bp = Blueprint("legal", __name__, url_prefix="/cases")


def legal_roles(key: str) -> FormRoles:
    """Who may use a legal checkpoint's page: the catalogue's recorders record (and, with
    supervisors, read), and every member of the legal staff reads, since paralegals and
    attorneys see the same cases (DESIGN.md, roles) and one prepares what the other
    files or signs off."""
    base = form_roles(key)
    return FormRoles(record=base.record, view=base.view | frozenset(LEGAL_STAFF))


KYR = legal_roles("legal.kyr")


@bp.route("/<case_id>/know-your-rights", methods=["GET", "POST"])
@KYR.declare()
def kyr(case_id):
    case = get_case_or_404(case_id)
    form = OrientationForm(case=case)
    status = 200
    if form.validate_on_submit():
        try:
            services.record_orientation(case, form.details(), actor=current_user)
        except ValueError as exc:
            status = refused(form, exc)
        else:
            return saved(case, _("Know-your-rights orientation recorded."))
    elif request.method == "GET":
        form.fill_language((case.languages or [None])[0])
    return render_record_page(
        "legal/kyr.html", case, "legal.kyr", KYR, "kyr.view", status=status, form=form,
        records=queries.orientations(case), format_labels=FORMAT_LABELS,
    )


# The other legal pages register on `bp` (imported last: pages.py imports `bp` from here).
from casework.legal import pages  # noqa: E402, F401
