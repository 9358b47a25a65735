from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from casework.cases.choices import (
    AGE_METHODS,
    ENCOUNTER_LABELS,
    LANGUAGES,
    NATIONALITIES,
    SEPARATION_LABELS,
    SEX_CHOICES,
    STATUS_LABELS,
    CaseStatus,
)
from casework.cases.services import ChildDetails
from casework.models import utcnow
from casework.web.fields import LocalDateTimeField


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _split_lines(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").replace(";", "\n").splitlines() if part.strip()]


class ChildForm(FlaskForm):
    """Intake and edit: the evidence of the `intake.registered` checkpoint."""

    given_names = StringField(_l("Given names"), validators=[DataRequired(), Length(max=200)])
    family_names = StringField(_l("Family names"), validators=[DataRequired(), Length(max=200)])
    aliases = TextAreaField(
        _l("Other names used (one per line)"), validators=[Optional(), Length(max=2000)],
        render_kw={"rows": 2},
    )
    birth_date_known = BooleanField(
        _l("The date of birth is known"), default=True,
        # casework.js shows the date or the estimate to match; without JS both show.
        render_kw={"data-show-when-checked": "dob-known",
                   "data-show-when-unchecked": "dob-unknown"},
    )
    birth_date = DateField(_l("Date of birth"), validators=[Optional()])
    age_estimate = IntegerField(
        _l("Estimated age in years"), validators=[Optional(), NumberRange(min=0, max=17)]
    )
    age_method = SelectField(_l("How the age was assessed"), choices=AGE_METHODS)
    sex = SelectField(_l("Sex"), choices=SEX_CHOICES, validators=[Optional()])
    nationality = SelectField(_l("Nationality"), choices=NATIONALITIES)
    languages = MultiCheckboxField(_l("Languages the child speaks"), choices=LANGUAGES)
    other_languages = StringField(
        _l("Other languages (separate with semicolons)"), validators=[Optional(), Length(max=300)]
    )
    interpreter_needed = BooleanField(_l("Needs an interpreter"))
    separation = RadioField(
        _l("Situation"), choices=list(SEPARATION_LABELS.items()), validators=[InputRequired()]
    )
    encountered_at = LocalDateTimeField(_l("Date and time of encounter"),
                                        validators=[InputRequired()])
    encounter_type = SelectField(_l("Where the child was encountered"),
                                 choices=list(ENCOUNTER_LABELS.items()))
    encounter_place = StringField(_l("Place of encounter"),
                                  validators=[Optional(), Length(max=300)])
    custodian = StringField(_l("Current custodian"), validators=[Optional(), Length(max=300)])
    custodian_location = StringField(_l("Current location"),
                                     validators=[Optional(), Length(max=300)])
    a_number = StringField(
        _l("A-number (US)"),
        validators=[Optional(), Regexp(r"^[Aa]?[\s-]*(?:\d[\s-]*){8,9}$",
                                       message=_l("An A-number has 8 or 9 digits, "
                                                  "for example A-012-345-678."))],
    )
    other_ids = TextAreaField(_l("Other agency identifiers"),
                              validators=[Optional(), Length(max=1000)], render_kw={"rows": 2})
    notes = TextAreaField(_l("Intake notes"), validators=[Optional(), Length(max=10000)],
                          render_kw={"rows": 4})
    confirm_not_duplicate = BooleanField(
        _l("I have checked the possible duplicates above and this is a different child")
    )
    version = HiddenField()

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        today = utcnow().date()
        if self.birth_date_known.data:
            if not self.birth_date.data:
                self.birth_date.errors.append(
                    _l("Enter the date of birth, or untick 'The date of birth is known'."))
                ok = False
            elif self.birth_date.data > today:
                self.birth_date.errors.append(_l("The date of birth cannot be in the future."))
                ok = False
            elif _age(self.birth_date.data, today) >= 18:
                self.birth_date.errors.append(
                    _l("This date makes the person 18 or older. If the age is disputed, untick "
                       "'The date of birth is known' and record the estimated age."))
                ok = False
        elif self.age_estimate.data is None:
            self.age_estimate.errors.append(_l("Enter the estimated age."))
            ok = False
        if self.encountered_at.data and self.encountered_at.data.date() > today:
            self.encountered_at.errors.append(_l("The encounter cannot be in the future."))
            ok = False
        return ok

    def details(self) -> ChildDetails:
        from datetime import UTC

        known = self.birth_date_known.data
        listed = set(dict(LANGUAGES))
        languages = [c for c in self.languages.data if c in listed]
        languages += [x for x in _split_lines(self.other_languages.data) if x not in languages]
        return ChildDetails(
            given_names=self.given_names.data,
            family_names=self.family_names.data,
            aliases=_split_lines(self.aliases.data),
            birth_date=self.birth_date.data if known else None,
            age_estimate=None if known else self.age_estimate.data,
            age_method=self.age_method.data,
            sex=self.sex.data or None,
            nationality=self.nationality.data,
            languages=languages,
            interpreter_needed=bool(self.interpreter_needed.data),
            separation=self.separation.data,
            encountered_at=self.encountered_at.data.replace(tzinfo=UTC),
            encounter_type=self.encounter_type.data,
            encounter_place=self.encounter_place.data,
            custodian=self.custodian.data,
            custodian_location=self.custodian_location.data,
            a_number=self.a_number.data,
            other_ids=self.other_ids.data,
            notes=self.notes.data,
        )

    def fill_from(self, d: ChildDetails, version: int) -> None:
        listed = set(dict(LANGUAGES))
        self.given_names.data = d.given_names
        self.family_names.data = d.family_names
        self.aliases.data = "\n".join(d.aliases or [])
        self.birth_date_known.data = d.birth_date is not None
        self.birth_date.data = d.birth_date
        self.age_estimate.data = d.age_estimate
        self.age_method.data = d.age_method
        self.sex.data = d.sex or ""
        self.nationality.data = d.nationality
        self.languages.data = [x for x in d.languages or [] if x in listed]
        self.other_languages.data = "; ".join(x for x in d.languages or [] if x not in listed)
        self.interpreter_needed.data = d.interpreter_needed
        self.separation.data = d.separation
        self.encountered_at.data = d.encountered_at.replace(tzinfo=None)
        self.encounter_type.data = d.encounter_type
        self.encounter_place.data = d.encounter_place
        self.custodian.data = d.custodian
        self.custodian_location.data = d.custodian_location
        self.a_number.data = d.a_number
        self.other_ids.data = d.other_ids
        self.notes.data = d.notes
        self.version.data = str(version)


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


class CaseFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    q = StringField(_l("Search"), validators=[Optional(), Length(max=200)])
    status = SelectField(
        _l("Status"),
        choices=[("", _l("Any status"))] + [(s.value, STATUS_LABELS[s]) for s in CaseStatus],
        validators=[Optional()],
    )
    assignee = SelectField(_l("Assigned to"), validators=[Optional()])


class TeamAddForm(FlaskForm):
    # The view checks the choice against the people who may join, and says so when
    # they may not; a choice error here would refuse silently.
    user = SelectField(_l("Add a member of staff"), validators=[DataRequired()],
                       validate_choice=False)


class TeamRemoveForm(FlaskForm):
    user = HiddenField(validators=[DataRequired()])
