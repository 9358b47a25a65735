"""The case review page. Thin: a form in, a service out."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import gettext as _
from flask_login import current_user

from casework.errors import NotPermitted
from casework.screening.views import (
    form_roles,
    refused,
    render_record_page,
    saved,
)
from casework.supervision import queries, services
from casework.supervision.forms import ReviewForm
from casework.web.access import get_case_or_404

bp = Blueprint("supervision", __name__, url_prefix="/cases")

REVIEW = form_roles("case.review")


@bp.route("/<case_id>/reviews", methods=["GET", "POST"])
@REVIEW.declare()
def review(case_id):
    case = get_case_or_404(case_id)
    form = ReviewForm(case=case)
    status = 200
    if form.validate_on_submit():
        try:
            services.record_review(case, form.details(), actor=current_user)
        except (ValueError, NotPermitted) as exc:
            status = refused(form, exc)
        else:
            return saved(case, _("Case review recorded."))
    return render_record_page(
        "supervision/review.html", case, "case.review", REVIEW, "review.view", status=status,
        form=form, records=queries.reviews(case),
    )
