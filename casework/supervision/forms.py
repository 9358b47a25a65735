from __future__ import annotations

import uuid

from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from casework.screening.forms import CaseRecordForm, when_field
from casework.supervision.dashboard import UNASSIGNED, Filters
from casework.supervision.services import ReviewDetails
from casework.workflow import policy


class ReviewForm(CaseRecordForm):
    """The evidence of the `case.review` checkpoint."""

    reviewed_at = when_field(_l("When the case was reviewed"))
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


# --- the dashboard's filters -------------------------------------------------------------


class OversightFilterForm(FlaskForm):
    """Office and date range, read from the query string (a GET form changes nothing)."""

    class Meta:
        csrf = False

    office = SelectField(_l("Office"), validators=[Optional()])
    due_from = DateField(_l("From"), validators=[Optional()])
    due_to = DateField(_l("To"), validators=[Optional()])

    def __init__(self, *args, offices, **kwargs):
        super().__init__(*args, **kwargs)
        self.office.choices = [("", _l("All my offices"))] + [
            (str(o.id), f"{o.code} · {o.name}") for o in offices]

    def validate_due_to(self, field):
        if field.data and self.due_from.data and field.data < self.due_from.data:
            raise ValidationError(_l("The end of the range is before its start."))

    def office_id(self) -> uuid.UUID | None:
        return uuid.UUID(self.office.data) if self.office.data else None


class DashboardFilterForm(OversightFilterForm):
    recommendation = SelectField(_l("Recommendation"), validators=[Optional()])
    stage = SelectField(_l("Stage"), validators=[Optional()])
    staff = SelectField(_l("Assigned staff"), validators=[Optional()])
    include_closed = BooleanField(_l("Include closed cases"))

    def __init__(self, *args, offices, staff, **kwargs):
        super().__init__(*args, offices=offices, **kwargs)
        self.due_from.label.text = _l("Due from")
        self.due_to.label.text = _l("Due until")
        self.due_from.description = _l("A date range keeps only checkpoints with a due date "
                                        "in it.")
        self.recommendation.choices = [("", _l("All recommendations"))] + [
            (r.id, f"{r.id} · {r.title}") for r in policy.RECOMMENDATIONS.values()]
        self.stage.choices = [("", _l("All stages"))] + [
            (s.value, policy.STAGE_LABELS[s]) for s in policy.Stage]
        self.staff.choices = [("", _l("Anyone")), (UNASSIGNED, _l("Nobody assigned"))] + [
            (str(u.id), f"{u.name} · {u.role.label}") for u in staff]

    def filters(self) -> Filters:
        staff = self.staff.data or None
        return Filters(
            office=self.office_id(), recommendation=self.recommendation.data or None,
            stage=self.stage.data or None,
            staff=uuid.UUID(staff) if staff and staff != UNASSIGNED else staff,
            due_from=self.due_from.data, due_to=self.due_to.data,
            include_closed=bool(self.include_closed.data),
        )
