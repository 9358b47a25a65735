from datetime import UTC

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from casework.models import utcnow
from casework.web.fields import LocalDateTimeField
from casework.workflow.engine import MIN_OVERRIDE_REASON

CLOSURE_OUTCOMES = [
    ("reunified_us", _l("Reunified with family or released to a sponsor in the US")),
    ("reunified_mx", _l("Reunified with family in Mexico")),
    ("reunified_abroad", _l("Reunified with family in a third country")),
    ("transferred_us", _l("Transferred safely to the US")),
    ("returned", _l("Returned to the country of origin, with reintegration services")),
    ("local_integration", _l("Local integration")),
    ("aged_out", _l("Turned 18, with a transition plan")),
    ("handed_over", _l("Handed over to another organisation")),
    ("whereabouts_unknown", _l("Whereabouts unknown")),
]
OUTCOME_LABELS = dict(CLOSURE_OUTCOMES)

PROCEEDINGS = [
    ("none", _l("There were no proceedings")),
    ("closed", _l("Proceedings are closed")),
    ("handed_over", _l("Proceedings handed over to other counsel")),
]


class ActionForm(FlaskForm):
    occurred_at = LocalDateTimeField(_l("When"), validators=[InputRequired()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=10000)],
                         render_kw={"rows": 4})

    def validate_occurred_at(self, field):
        if field.data and field.data.replace(tzinfo=UTC) > utcnow():
            raise ValidationError(_l("Record an action once it has happened, not in advance."))

    def when(self):
        return self.occurred_at.data.replace(tzinfo=UTC)

    def extra(self) -> dict:
        return {}


class ClosureForm(ActionForm):
    outcome = SelectField(_l("Outcome"), choices=CLOSURE_OUTCOMES, validators=[DataRequired()])
    follow_ups_done = BooleanField(_l("All follow-ups are done or handed over"))
    proceedings = SelectField(_l("Legal proceedings"), choices=PROCEEDINGS)
    turning_18_plan = TextAreaField(
        _l("Turning-18 plan (when the child is close to 18)"),
        validators=[Optional(), Length(max=5000)], render_kw={"rows": 3},
    )

    def validate_follow_ups_done(self, field):
        if not field.data:
            raise ValidationError(_l("A case closes only when its follow-ups are done or handed "
                                "over."))

    def extra(self) -> dict:
        return {"outcome": self.outcome.data,
                "details": {"follow_ups_done": True, "proceedings": self.proceedings.data,
                            "turning_18_plan": self.turning_18_plan.data or ""}}


class OverrideForm(FlaskForm):
    key = HiddenField(validators=[DataRequired()])
    reason = TextAreaField(
        _l("Reason for the override"),
        validators=[DataRequired(), Length(min=MIN_OVERRIDE_REASON, max=5000)],
        render_kw={"rows": 3},
        description=_l("Shown on the case for ever and audited."),
    )


class SignOffForm(FlaskForm):
    pass
