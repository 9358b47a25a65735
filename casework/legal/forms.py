from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, StringField
from wtforms.validators import DataRequired, InputRequired, Length

from casework.legal.models import FORMAT_LABELS
from casework.legal.services import OrientationDetails
from casework.screening.forms import CaseRecordForm, LanguageMixin, when_field


class OrientationForm(LanguageMixin, CaseRecordForm):
    """The evidence of the `legal.kyr` checkpoint."""

    delivered_at = when_field(_l("When the orientation was given (UTC)"))
    presenter = StringField(_l("Presenter"), validators=[
        DataRequired(_l("Give the presenter's name.")), Length(max=200)])
    provider = StringField(_l("Legal service provider"), validators=[
        DataRequired(_l("Give the organisation that gave the orientation.")), Length(max=200)])
    session_format = RadioField(_l("Individual or group"), choices=list(FORMAT_LABELS.items()),
                                validators=[InputRequired(_l("Choose individual or group."))])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        ok &= self.check_after_encounter(self.delivered_at)
        ok &= self.check_language()
        return ok

    def details(self) -> OrientationDetails:
        return OrientationDetails(
            delivered_at=self.utc(self.delivered_at), language=self.language_value(),
            presenter=self.presenter.data, session_format=self.session_format.data,
            provider=self.provider.data,
        )
