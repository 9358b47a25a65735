from __future__ import annotations

from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from casework.screening.forms import CaseRecordForm, when_field
from casework.supervision.services import ReviewDetails


class ReviewForm(CaseRecordForm):
    """The evidence of the `case.review` checkpoint."""

    reviewed_at = when_field(_l("When the case was reviewed (UTC)"))
    note = TextAreaField(_l("Review note"), validators=[
        DataRequired(_l("Write the review note.")), Length(max=20000)], render_kw={"rows": 6})
    decisions = TextAreaField(
        _l("Decisions"), validators=[Optional(), Length(max=20000)], render_kw={"rows": 4},
        description=_l("What is to be done, by whom and by when. Leave empty if nothing "
                       "changes."),
    )

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        opened = self.case.opened_at
        ok &= self.check_when(self.reviewed_at, earliest=opened, too_early=_l(
            "A review cannot be before the case was opened (%(when)s).",
            when=format_datetime(opened, "short")))
        return ok

    def details(self) -> ReviewDetails:
        return ReviewDetails(reviewed_at=self.utc(self.reviewed_at), note=self.note.data,
                             decisions=self.decisions.data)
