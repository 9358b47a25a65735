"""Consent, custody and screening forms: the evidence of the intake and screening checkpoints.

Times are typed in the office's time zone (web/fields.py) and stored in UTC; they are
checked against the clock and against the case (nothing about a child happens before
the child was encountered).
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from casework.cases.choices import LANGUAGES
from casework.cases.forms import MultiCheckboxField
from casework.models import utcnow
from casework.screening.choices import (
    CONTIGUOUS_FINDINGS,
    CUSTODY_LABELS,
    CUSTODY_NEEDS_REFERENCE,
    ORIGIN_RECIPIENTS,
    OUTCOMES,
    SHARING_LABELS,
    ScreeningKind,
    contiguous_outcome,
    custody_variant,
)
from casework.screening.services import (
    ConsentDetails,
    CustodyEventDetails,
    ScreeningDetails,
    screening_problems,
)
from casework.web.fields import LocalDateTimeField

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
OTHER_LANGUAGE = "other"
LANGUAGE_CHOICES = [("", _l("Choose a language")), *LANGUAGES,
                    (OTHER_LANGUAGE, _l("Another language (type it below)"))]
YES_NO = [("yes", _l("Yes")), ("no", _l("No"))]


def when_field(label) -> LocalDateTimeField:
    return LocalDateTimeField(label, validators=[InputRequired(_l("Enter the date and time."))])


def _to_minute(when: datetime) -> datetime:
    return when.replace(second=0, microsecond=0)


class CaseRecordForm(FlaskForm):
    """A form that records something about one case."""

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case

    def check_when(self, f, *, earliest: datetime | None = None, too_early=None) -> bool:
        """No future dates, and nothing before `earliest` (compared to the minute)."""
        if f.data is None:
            return True
        when = f.data.replace(tzinfo=UTC)
        if when > utcnow():
            f.errors.append(_l("This cannot be in the future."))
            return False
        if earliest is not None and when < _to_minute(earliest):
            f.errors.append(too_early or _l("This cannot be before %(when)s.",
                                            when=format_datetime(earliest, "short")))
            return False
        return True

    def check_after_encounter(self, f) -> bool:
        encountered = self.case.encountered_at
        return self.check_when(f, earliest=encountered, too_early=_l(
            "This cannot be before the child was encountered (%(when)s).",
            when=format_datetime(encountered, "short")))

    @staticmethod
    def utc(f) -> datetime:
        return f.data.replace(tzinfo=UTC)

    @staticmethod
    def add_error(f, message) -> None:
        if not f.errors:  # one message per field: the first problem found
            f.errors.append(message)


class LanguageMixin:
    """A listed language, or one typed in: Indigenous languages are often not listed."""

    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES,
                           validators=[DataRequired(_l("Choose the language."))])
    other_language = StringField(_l("Other language"), validators=[Optional(), Length(max=100)])

    def check_language(self) -> bool:
        if self.language.data == OTHER_LANGUAGE and not (self.other_language.data or "").strip():
            self.other_language.errors.append(_l("Type the language."))
            return False
        return True

    def language_value(self) -> str:
        if self.language.data == OTHER_LANGUAGE:
            return self.other_language.data.strip()
        return self.language.data

    def fill_language(self, value: str | None) -> None:
        if not value:
            return
        if value in dict(LANGUAGES):
            self.language.data = value
        else:
            self.language.data, self.other_language.data = OTHER_LANGUAGE, value


class ConsentForm(LanguageMixin, CaseRecordForm):
    given_at = when_field(_l("When consent was given"))
    language = SelectField(_l("Language the consent was explained in"),
                           choices=LANGUAGE_CHOICES,
                           validators=[DataRequired(_l("Choose the language."))])
    interpreter_used = BooleanField(_l("An interpreter was used"))
    interpreter_name = StringField(_l("Interpreter's name"),
                                   validators=[Optional(), Length(max=200)])
    understood = BooleanField(
        _l("The child explained back, in their own words, what they are consenting to"))
    sharing_scope = MultiCheckboxField(_l("Who may receive the child's information"),
                                       choices=list(SHARING_LABELS.items()))
    may_contact_origin_country = BooleanField(
        _l("The child agrees that the authorities of the country of origin may be contacted "
           "(for example to trace family)"))
    never_share_with_origin = BooleanField(
        _l("Never share anything with the country of origin"))
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=10000)],
                          render_kw={"rows": 3})

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        ok &= self.check_after_encounter(self.given_at)
        ok &= self.check_language()
        if self.interpreter_used.data and not (self.interpreter_name.data or "").strip():
            self.interpreter_name.errors.append(_l("Give the interpreter's name."))
            ok = False
        if not self.understood.data:
            self.understood.errors.append(
                _l("Consent counts only once the child has shown they understood it. Explain "
                   "again, with an interpreter if needed."))
            ok = False
        if self.never_share_with_origin.data:
            if self.may_contact_origin_country.data:
                self.may_contact_origin_country.errors.append(
                    _l("This contradicts 'Never share anything with the country of origin'. "
                       "Untick one of them."))
                ok = False
            if ORIGIN_RECIPIENTS & set(self.sharing_scope.data or []):
                self.sharing_scope.errors.append(
                    _l("The consulate of the country of origin cannot receive information "
                       "when nothing may be shared with the country of origin."))
                ok = False
        return ok

    def details(self) -> ConsentDetails:
        return ConsentDetails(
            given_at=self.utc(self.given_at), language=self.language_value(),
            interpreter_used=bool(self.interpreter_used.data),
            interpreter_name=self.interpreter_name.data,
            sharing_scope=list(self.sharing_scope.data or []),
            may_contact_origin_country=bool(self.may_contact_origin_country.data),
            never_share_with_origin=bool(self.never_share_with_origin.data),
            notes=self.notes.data,
        )


class CustodyEventForm(CaseRecordForm):
    kind = SelectField(_l("Step"), validators=[DataRequired(_l("Choose the step."))])
    occurred_at = when_field(_l("When it happened"))
    details = TextAreaField(
        _l("Record reference and details"), validators=[Optional(), Length(max=5000)],
        render_kw={"rows": 3},
        description=_l("For example the notice number or the acta de canalización."),
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        # Only the steps of the custody process of the office's country.
        self.kind.choices = [("", _l("Choose the step"))] + [
            (k.value, CUSTODY_LABELS[k]) for k in custody_variant(case.office.country)
        ]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        ok &= self.check_after_encounter(self.occurred_at)
        if self.kind.data in CUSTODY_NEEDS_REFERENCE and not (self.details.data or "").strip():
            self.details.errors.append(_l("Give the reference of the written record."))
            ok = False
        return ok

    def event(self) -> CustodyEventDetails:
        return CustodyEventDetails(kind=self.kind.data, occurred_at=self.utc(self.occurred_at),
                                   details=self.details.data)


class ScreeningForm(CaseRecordForm):
    """What every screening records; the subclasses add the outcome."""

    kind: ScreeningKind
    completed_at = when_field(_l("When the screening was completed"))
    interpreter_used = BooleanField(_l("An interpreter was used"))
    referral_made = BooleanField(_l("A referral was made"))
    referral_to = StringField(_l("Referred to"), validators=[Optional(), Length(max=300)],
                              description=_l("The service or organisation."))
    findings = TextAreaField(_l("Findings"), validators=[Optional(), Length(max=20000)],
                             render_kw={"rows": 5})

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        ok &= self.check_after_encounter(self.completed_at)
        problems = screening_problems(self.details())
        for name, message in problems.items():
            self.add_error(getattr(self, name), message)
        return ok and not problems

    def outcome_fields(self) -> dict:
        return {}

    def details(self) -> ScreeningDetails:
        when = self.completed_at.data
        return ScreeningDetails(
            kind=self.kind,
            # While validating, the date may be missing; that is reported on its own field.
            completed_at=when.replace(tzinfo=UTC) if when else None,  # type: ignore[arg-type]
            referral_made=bool(self.referral_made.data), referral_to=self.referral_to.data,
            interpreter_used=bool(self.interpreter_used.data), findings=self.findings.data,
            **self.outcome_fields(),
        )


class OutcomeScreeningForm(ScreeningForm):
    outcome = RadioField(_l("Outcome"), validators=[InputRequired(_l("Choose the outcome."))])

    def __init__(self, *args, case, kind: ScreeningKind, **kwargs):
        self.kind = kind
        super().__init__(*args, case=case, **kwargs)
        self.outcome.choices = OUTCOMES[kind]

    def outcome_fields(self) -> dict:
        return {"outcome": self.outcome.data}


def _yes_no(label) -> RadioField:
    return RadioField(label, choices=YES_NO, validators=[InputRequired(_l("Answer yes or no."))])


def _answer(f) -> bool | None:
    return {"yes": True, "no": False}.get(f.data)


class ContiguousScreeningForm(ScreeningForm):
    """The three findings of 8 U.S.C. 1232(a)(2) for a Mexican or Canadian child in the US."""

    kind = ScreeningKind.CONTIGUOUS
    trafficking_risk = _yes_no(CONTIGUOUS_FINDINGS["trafficking_risk"])
    credible_fear = _yes_no(CONTIGUOUS_FINDINGS["credible_fear"])
    can_decide = _yes_no(CONTIGUOUS_FINDINGS["can_decide"])

    def outcome_fields(self) -> dict:
        found = {name: _answer(getattr(self, name)) for name in CONTIGUOUS_FINDINGS}
        outcome = contiguous_outcome(**found) if None not in found.values() else None
        return {**found, "outcome": outcome}


FINDINGS_LABELS = {
    ScreeningKind.SAFETY: _l("Risk flags found and the actions taken"),
    ScreeningKind.TRAFFICKING: _l("Indicators found, and why a referral was or was not made"),
    ScreeningKind.CONTIGUOUS: _l("Notes on the findings, and who screened the child"),
    ScreeningKind.PROTECTION: _l("Stated fears and protection indicators"),
}


def screening_form(kind: ScreeningKind, case) -> ScreeningForm:
    form = (ContiguousScreeningForm(case=case) if kind == ScreeningKind.CONTIGUOUS
            else OutcomeScreeningForm(case=case, kind=kind))
    form.findings.label.text = FINDINGS_LABELS[kind]
    return form
