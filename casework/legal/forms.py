"""The legal forms. Each checks, beside each field, the same rules its service enforces
(through the services' `*_problems` functions where there are several), so a user sees
every mistake at once and nothing is saved until all are fixed. Dates and times are UTC.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from casework.cases.forms import MultiCheckboxField
from casework.legal import services
from casework.legal.choices import (
    ADDRESS_REASON_LABELS,
    COMAR_DECISION_LABELS,
    CONCLUSION_LABELS,
    FILING_DECISION_LABELS,
    FILING_LABELS,
    HEARING_KIND_LABELS,
    HEARING_OUTCOME_LABELS,
    REFERRAL_LABELS,
    RELIEF_LABELS,
    REPRESENTATION_LABELS,
    RepresentationKind,
)
from casework.legal.models import FORMAT_LABELS
from casework.legal.services import OrientationDetails
from casework.models import utcnow
from casework.screening.forms import (
    CaseRecordForm,
    LanguageMixin,
    when_field,
)
from casework.web.fields import LocalDateTimeField


def _choices(labels: dict, empty=None) -> list:
    options = [(k.value, v) for k, v in labels.items()]
    return [("", empty), *options] if empty is not None else options


def day_field(label, required: bool = False, **kw) -> DateField:
    validators = ([InputRequired(_l("Enter the date."))] if required else [Optional()])
    return DateField(label, validators=validators, **kw)


def _uuid_or_none(value):
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


class LegalForm(CaseRecordForm):
    """A legal record of one case, with the checks its date fields share."""

    def check_day(self, f, *, earliest: date | None = None, too_early=None) -> bool:
        if f.data is None:
            return True
        if f.data > services.today():
            f.errors.append(_l("This cannot be in the future."))
            return False
        if earliest is not None and f.data < earliest:
            f.errors.append(too_early or _l("This cannot be before %(day)s.",
                                            day=format_date(earliest)))
            return False
        return True

    def check_since_encounter(self, f) -> bool:
        return self.check_day(f, earliest=services.encountered_on(self.case), too_early=_l(
            "This cannot be before the child was encountered (%(day)s).",
            day=format_date(services.encountered_on(self.case))))

    def report(self, problems: dict) -> bool:
        """Put each service-rule problem beside its field; True when there are none."""
        for name, message in problems.items():
            f = getattr(self, name, None)
            if f is None:  # a rule about a part of the record this form does not change
                self.form_errors.append(message)
            else:
                self.add_error(f, message)
        return not problems


class OrientationForm(LanguageMixin, CaseRecordForm):
    """The evidence of the `legal.kyr` checkpoint."""

    delivered_at = when_field(_l("When the orientation was given"))
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


# --- legal.screening ---------------------------------------------------------

class LegalScreeningForm(LegalForm):
    screened_at = when_field(_l("When the screening was completed"))
    considered = MultiCheckboxField(_l("Relief considered"), choices=_choices(RELIEF_LABELS))
    identified = MultiCheckboxField(_l("Relief the child may qualify for"),
                                    choices=_choices(RELIEF_LABELS))
    wishes_to_apply = BooleanField(
        _l("The child, informed, wishes to apply for the relief identified"))
    interpreter_used = BooleanField(_l("An interpreter was used"))
    entered_country_on = day_field(_l("Day the child entered Mexico, if known"))
    analysis = TextAreaField(_l("Analysis"), validators=[Optional(), Length(max=20000)],
                             render_kw={"rows": 5})

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        ok &= self.check_after_encounter(self.screened_at)
        return self.report(services.screening_problems(self.case, self.details())) and ok

    def details(self) -> services.ScreeningDetails:
        when = self.screened_at.data
        return services.ScreeningDetails(
            screened_at=when.replace(tzinfo=UTC) if when else None,  # type: ignore[arg-type]
            considered=list(self.considered.data or []),
            identified=list(self.identified.data or []),
            wishes_to_apply=bool(self.wishes_to_apply.data),
            interpreter_used=bool(self.interpreter_used.data),
            entered_country_on=self.entered_country_on.data, analysis=self.analysis.data,
        )


# --- legal.representation -----------------------------------------------------

class RepresentationDatesMixin:
    g28_on = day_field(_l("G-28 filed (DHS / USCIS)"))
    eoir28_on = day_field(_l("EOIR-28 filed (immigration court)"))
    l3a_on = day_field(_l("ORR L-3A notice of representation"))
    referral_status = SelectField(_l("Status of the referral"),
                                  choices=_choices(REFERRAL_LABELS, _l("Choose the status")),
                                  validators=[Optional()])
    accepted_on = day_field(_l("Day counsel accepted"))
    counsel = StringField(_l("Pro bono organisation or attorney"),
                          validators=[Optional(), Length(max=300)])


class RepresentationForm(RepresentationDatesMixin, LegalForm):
    kind = RadioField(_l("Representation"), choices=_choices(REPRESENTATION_LABELS),
                      validators=[InputRequired(_l("Choose attorney of record or referral."))])
    attorney_id = SelectField(_l("Attorney"), validators=[Optional()])
    started_on = day_field(_l("Representation or referral began"), required=True)

    def __init__(self, *args, case, attorneys, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        self.attorney_id.choices = [("", _l("Choose the attorney"))] + [
            (str(u.id), u.name) for u in attorneys]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if not ok or not self.kind.data:
            return False
        return self.report(services.representation_problems(self.case, self.details()))

    def details(self) -> services.RepresentationDetails:
        attorney = self.kind.data == RepresentationKind.ATTORNEY
        return services.RepresentationDetails(
            kind=self.kind.data, started_on=self.started_on.data,
            attorney_id=_uuid_or_none(self.attorney_id.data) if attorney else None,
            counsel=None if attorney else self.counsel.data,
            referral_status=None if attorney else (self.referral_status.data or None),
            accepted_on=None if attorney else self.accepted_on.data,
            g28_on=self.g28_on.data, eoir28_on=self.eoir28_on.data, l3a_on=self.l3a_on.data,
        )


class RepresentationUpdateForm(RepresentationDatesMixin, LegalForm):
    """The forms' dates as they are filed, or the referral's answer, for one record."""

    version = HiddenField()

    def __init__(self, *args, case, representation, **kwargs):
        super().__init__(*args, case=case, prefix=f"r-{representation.id.hex}", **kwargs)
        self.representation = representation

    def fill(self) -> None:
        rep = self.representation
        for name in ("g28_on", "eoir28_on", "l3a_on", "accepted_on", "counsel"):
            getattr(self, name).data = getattr(rep, name)
        self.referral_status.data = rep.referral_status.value if rep.referral_status else ""
        self.version.data = str(rep.version)

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        details = self.details()
        details.kind, details.started_on = self.representation.kind, self.representation.started_on
        details.attorney_id = self.representation.attorney_id
        if self.representation.kind == RepresentationKind.REFERRAL:
            details.counsel = details.counsel or self.representation.counsel
        return self.report(services.representation_problems(self.case, details))

    def details(self) -> services.RepresentationDetails:
        return services.RepresentationDetails(
            kind=self.representation.kind, started_on=self.representation.started_on,
            counsel=self.counsel.data, referral_status=self.referral_status.data or None,
            accepted_on=self.accepted_on.data, g28_on=self.g28_on.data,
            eoir28_on=self.eoir28_on.data, l3a_on=self.l3a_on.data,
        )

    def expected_version(self) -> int | None:
        return int(self.version.data) if (self.version.data or "").isdigit() else None


class WithdrawalForm(LegalForm):
    version = HiddenField()
    withdrawn_on = day_field(_l("Day of the withdrawal"), required=True)
    reason = TextAreaField(_l("Reason for the withdrawal"), validators=[
        DataRequired(_l("Give the reason for the withdrawal.")), Length(max=5000)],
        render_kw={"rows": 2})

    def __init__(self, *args, case, representation, **kwargs):
        super().__init__(*args, case=case, prefix=f"w-{representation.id.hex}", **kwargs)
        self.representation = representation

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        return self.check_day(self.withdrawn_on, earliest=self.representation.started_on,
                              too_early=_l("Counsel withdraws after representation began.")
                              ) and ok

    def expected_version(self) -> int | None:
        return int(self.version.data) if (self.version.data or "").isdigit() else None


# --- legal.hearings --------------------------------------------------------------

class ProceedingForm(LegalForm):
    a_number = StringField(_l("A-number"), validators=[
        DataRequired(_l("Give the A-number.")), Length(max=20)])
    court = StringField(_l("Immigration court"), validators=[
        DataRequired(_l("Give the immigration court.")), Length(max=200)])
    nta_on = day_field(_l("Notice to appear: date"), required=True)

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.a_number.data and services.a_number_digits(self.a_number.data) is None:
            self.add_error(self.a_number,
                           _l("An A-number has 8 or 9 digits, for example A-012-345-678."))
            ok = False
        return self.check_since_encounter(self.nta_on) and ok

    def details(self) -> services.ProceedingDetails:
        return services.ProceedingDetails(a_number=self.a_number.data, court=self.court.data,
                                          nta_on=self.nta_on.data)


def _datetime_field(label, required: bool = False) -> LocalDateTimeField:
    validators = ([InputRequired(_l("Enter the date and time."))] if required
                  else [Optional()])
    return LocalDateTimeField(label, validators=validators)


class NextHearingMixin:
    notes = TextAreaField(_l("Notes on the hearing"), validators=[Optional(), Length(max=10000)],
                          render_kw={"rows": 2})
    next_at = _datetime_field(_l("Next hearing set by the court"))
    next_kind = SelectField(_l("Type of the next hearing"),
                            choices=_choices(HEARING_KIND_LABELS, _l("Choose the type")),
                            validators=[Optional()])

    def _aware(self, f):
        return f.data.replace(tzinfo=UTC) if f.data else None


class HearingForm(NextHearingMixin, LegalForm):
    kind = SelectField(_l("Type of hearing"),
                       choices=_choices(HEARING_KIND_LABELS, _l("Choose the type")),
                       validators=[DataRequired(_l("Choose the type of hearing."))])
    scheduled_at = _datetime_field(_l("Date and time"), required=True)
    judge = StringField(_l("Immigration judge"), validators=[Optional(), Length(max=200)])
    outcome = SelectField(
        _l("Outcome"), validators=[Optional()],
        choices=_choices(HEARING_OUTCOME_LABELS, _l("Upcoming: not held yet")))

    def __init__(self, *args, case, proceeding=None, **kwargs):
        super().__init__(*args, case=case, prefix="hearing", **kwargs)
        self.proceeding = proceeding

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        return self.report(services.hearing_problems(self.details(), self.proceeding)) and ok

    def details(self) -> services.HearingDetails:
        return services.HearingDetails(
            kind=self.kind.data, scheduled_at=self._aware(self.scheduled_at),
            judge=self.judge.data, outcome=self.outcome.data or None, notes=self.notes.data,
            next_at=self._aware(self.next_at), next_kind=self.next_kind.data or None)


class OutcomeForm(NextHearingMixin, LegalForm):
    outcome = SelectField(_l("Outcome"),
                          choices=_choices(HEARING_OUTCOME_LABELS, _l("Choose the outcome")),
                          validators=[DataRequired(_l("Choose the outcome."))])

    def __init__(self, *args, case, hearing, **kwargs):
        super().__init__(*args, case=case, prefix=f"h-{hearing.id.hex}", **kwargs)
        self.hearing = hearing

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        problems = services.next_hearing_problems(self.details(), utcnow())
        return self.report(problems) and ok

    def details(self) -> services.HearingDetails:
        return services.HearingDetails(
            kind=self.hearing.kind, scheduled_at=self.hearing.scheduled_at,
            outcome=self.outcome.data or None, notes=self.notes.data,
            next_at=self._aware(self.next_at), next_kind=self.next_kind.data or None)


class ConclusionForm(LegalForm):
    conclusion = SelectField(_l("How the proceedings ended"),
                             choices=_choices(CONCLUSION_LABELS, _l("Choose how they ended")),
                             validators=[DataRequired(_l("Choose how the proceedings ended."))])
    concluded_on = day_field(_l("Day they ended"), required=True)

    def __init__(self, *args, case, proceeding, **kwargs):
        super().__init__(*args, case=case, prefix="conclude", **kwargs)
        self.proceeding = proceeding

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        return self.check_day(self.concluded_on, earliest=self.proceeding.nta_on, too_early=_l(
            "Proceedings end after the notice to appear.")) and ok


class AddressChangeForm(LegalForm):
    changed_on = day_field(_l("Day the address changed"), required=True)
    reason = SelectField(_l("Why it changed"),
                         choices=_choices(ADDRESS_REASON_LABELS, _l("Choose the reason")),
                         validators=[DataRequired(_l("Choose why the address changed."))])
    address = TextAreaField(_l("New address"), validators=[
        DataRequired(_l("Give the new address.")), Length(max=1000)], render_kw={"rows": 2})

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, case=case, prefix="address", **kwargs)

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        return self.check_since_encounter(self.changed_on) and ok


class Eoir33Form(LegalForm):
    filed_on = day_field(_l("Day the EOIR-33 was filed"), required=True)
    confirmation = StringField(_l("Confirmation or reference"),
                               validators=[Optional(), Length(max=200)])

    def __init__(self, *args, case, proceeding=None, **kwargs):
        super().__init__(*args, case=case, prefix="eoir33", **kwargs)
        self.proceeding = proceeding

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        earliest = self.proceeding.nta_on if self.proceeding else None
        return self.check_day(self.filed_on, earliest=earliest, too_early=_l(
            "An EOIR-33 is filed after the notice to appear.")) and ok


# --- protection.claim_us -----------------------------------------------------------

class FilingForm(LegalForm):
    kind = SelectField(_l("Application"), choices=_choices(FILING_LABELS, _l("Choose one")),
                       validators=[DataRequired(_l("Choose the application."))])
    filed_on = day_field(_l("Day it was filed"), required=True)
    receipt_on = day_field(_l("Receipt notice: date"))
    receipt_number = StringField(_l("Receipt number"), validators=[Optional(), Length(max=40)])
    description = StringField(_l("What was filed (for another application)"),
                              validators=[Optional(), Length(max=300)])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if not ok or not self.kind.data:
            return False
        return self.report(services.filing_problems(self.case, self.details()))

    def details(self) -> services.FilingDetails:
        return services.FilingDetails(
            kind=self.kind.data, filed_on=self.filed_on.data, receipt_on=self.receipt_on.data,
            receipt_number=self.receipt_number.data, description=self.description.data)


class DecisionMixin:
    decided_on = day_field(_l("Day of the decision"))

    def check_decision(self, earliest: date) -> bool:
        ok = True
        if self.decision.data and self.decided_on.data is None:
            self.add_error(self.decided_on, _l("Give the day of the decision."))
            ok = False
        if self.decided_on.data is not None and not self.decision.data:
            self.add_error(self.decision, _l("Choose the decision."))
            ok = False
        return self.check_day(self.decided_on, earliest=earliest, too_early=_l(
            "A decision comes after the filing.")) and ok


class FilingUpdateForm(DecisionMixin, LegalForm):
    receipt_on = day_field(_l("Receipt notice: date"))
    receipt_number = StringField(_l("Receipt number"), validators=[Optional(), Length(max=40)])
    decision = SelectField(_l("Decision"),
                           choices=_choices(FILING_DECISION_LABELS, _l("No decision yet")),
                           validators=[Optional()])

    def __init__(self, *args, case, filing, **kwargs):
        super().__init__(*args, case=case, prefix=f"f-{filing.id.hex}", **kwargs)
        self.filing = filing

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        ok &= self.check_day(self.receipt_on, earliest=self.filing.filed_on,
                             too_early=_l("A receipt comes after the filing."))
        return self.check_decision(self.filing.filed_on) and ok


# --- protection.claim_mx -------------------------------------------------------------

class ClaimForm(LegalForm):
    entered_on = day_field(_l("Day the child entered Mexico"), required=True)
    filed_on = day_field(_l("Day the claim was filed with COMAR"), required=True)
    reference = StringField(_l("COMAR reference"), validators=[Optional(), Length(max=100)])
    late_reason = TextAreaField(
        _l("Reason for filing after 30 business days"),
        validators=[Optional(), Length(max=5000)], render_kw={"rows": 2})

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        return self.report(services.claim_problems(self.case, self.details())) and ok

    def details(self) -> services.ClaimDetails:
        return services.ClaimDetails(
            entered_on=self.entered_on.data, filed_on=self.filed_on.data,
            reference=self.reference.data, late_reason=self.late_reason.data)


class ClaimUpdateForm(DecisionMixin, LegalForm):
    inm_notified_on = day_field(_l("Day COMAR notified INM"))
    decision = SelectField(_l("Decision"),
                           choices=_choices(COMAR_DECISION_LABELS, _l("No decision yet")),
                           validators=[Optional()])

    def __init__(self, *args, case, claim, **kwargs):
        super().__init__(*args, case=case, prefix=f"c-{claim.id.hex}", **kwargs)
        self.claim = claim

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        ok &= self.check_day(self.inm_notified_on, earliest=self.claim.filed_on,
                             too_early=_l("INM is notified after the claim is filed."))
        return self.check_decision(self.claim.filed_on) and ok


# --- privileged notes ------------------------------------------------------------------

class NoteForm(FlaskForm):
    body = TextAreaField(_l("Privileged note"), validators=[
        DataRequired(_l("Write the note.")), Length(max=services.NOTE_MAX)],
        render_kw={"rows": 5})
