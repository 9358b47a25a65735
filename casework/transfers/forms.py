"""Transfer, return, handover and reintegration forms, and the forms of the gated actions
(record-transfer, record-return, reunify-abroad) shown on the workflow's action page."""

from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from casework.accounts.roles import COUNTRY_LABELS, Country
from casework.cases.choices import NATIONALITIES
from casework.models import utcnow
from casework.screening.forms import CaseRecordForm, when_field
from casework.transfers import services
from casework.transfers.choices import (
    AUTHORITY_LABELS,
    CONDITION_LABELS,
    PATHWAY_LABELS,
    SCHOOL_LABELS,
    ReceivingAuthority,
)
from casework.workflow.forms import ActionForm

TEXT = [Optional(), Length(max=10000)]


def _text(label, rows: int = 3, **kw) -> TextAreaField:
    return TextAreaField(label, validators=TEXT, render_kw={"rows": rows}, **kw)


def _day(label, **kw) -> DateField:
    return DateField(label, validators=[InputRequired(_l("Enter the date."))], **kw)


def _choose(label, labels: dict, message) -> SelectField:
    return SelectField(label, choices=[("", _l("Choose")), *labels.items()],
                       validators=[DataRequired(message)])


class RecordForm(CaseRecordForm):
    """Checks shared by the forms below: required texts and days not in the future."""

    required_texts: dict = {}
    past_days: tuple[str, ...] = ()

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for name, message in self.required_texts.items():
            f = getattr(self, name)
            if not (f.data or "").strip():
                self.add_error(f, message)
                ok = False
        today = utcnow().date()
        for name in self.past_days:
            f = getattr(self, name)
            if f.data and f.data > today:
                self.add_error(f, _l("This cannot be in the future."))
                ok = False
        return ok


# --- transfer -------------------------------------------------------------------------

class TransferPlanForm(RecordForm):
    planned_at = when_field(_l("When the plan was agreed"))
    to_office = SelectField(_l("Receiving office in the United States"),
                            validators=[DataRequired(_l("Choose the receiving office."))])
    family = _text(_l("Verified family member or sponsor in the US: name, relationship, "
                      "address"))
    legal_pathway = _choose(_l("Legal pathway"), PATHWAY_LABELS, _l("Choose the pathway."))
    measure_on = _day(_l("Date of the Procuraduría's protection measure"))
    measure = _text(_l("The Procuraduría's measure: reference and terms"))
    escort = StringField(_l("Escort: name and organisation"),
                         validators=[Optional(), Length(max=300)])
    mx_authorities_notified_on = _day(_l("Mexican authorities notified on"))
    us_authorities_notified_on = _day(_l("US authorities notified on"))
    consulates_notified_on = _day(
        _l("Consulates notified on"),
        description=_l("The Mexican consulate in the US and the US consulate in Mexico; never "
                       "the child's country of origin without consent."))
    notes = _text(_l("Notes"))

    required_texts = {
        "family": _l("Name the verified family member or sponsor in the US."),
        "measure": _l("Give the Procuraduría's measure."),
        "escort": _l("Name the escort."),
    }
    past_days = ("measure_on", "mx_authorities_notified_on", "us_authorities_notified_on",
                 "consulates_notified_on")

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        self.to_office.choices = [("", _l("Choose the office"))] + [
            (str(o.id), o.name) for o in services.receiving_offices()]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        return self.check_after_encounter(self.planned_at) and ok

    def details(self) -> services.TransferPlanDetails:
        return services.TransferPlanDetails(
            planned_at=self.utc(self.planned_at), to_office_id=uuid.UUID(self.to_office.data),
            family=self.family.data, legal_pathway=self.legal_pathway.data,
            measure_on=self.measure_on.data, measure=self.measure.data,
            escort=self.escort.data,
            mx_authorities_notified_on=self.mx_authorities_notified_on.data,
            us_authorities_notified_on=self.us_authorities_notified_on.data,
            consulates_notified_on=self.consulates_notified_on.data, notes=self.notes.data,
        )


class TransferHandoverForm(RecordForm):
    handed_over_at = when_field(_l("When the receiving office took the child over"))
    received_by = StringField(_l("Officer who received the child: name and post"),
                              validators=[Optional(), Length(max=300)])
    child_condition = _choose(_l("The child's condition"), CONDITION_LABELS,
                              _l("Choose the child's condition."))
    condition_notes = _text(_l("Notes on the child's condition"))

    required_texts = {"received_by": _l("Name the officer who received the child.")}

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        return self.check_after_encounter(self.handed_over_at) and ok

    def details(self) -> services.HandoverDetails:
        return services.HandoverDetails(
            handed_over_at=self.utc(self.handed_over_at), received_by=self.received_by.data,
            child_condition=self.child_condition.data,
            condition_notes=self.condition_notes.data)


# --- return ----------------------------------------------------------------------------

class ReturnPlanForm(RecordForm):
    planned_at = when_field(_l("When the plan was agreed"))
    receiving_authority = _choose(_l("Receiving authority"), AUTHORITY_LABELS,
                                  _l("Choose the receiving authority."))
    authority_name = StringField(_l("Name of the other authority"),
                                 validators=[Optional(), Length(max=300)])
    authority_notified_on = _day(_l("Receiving authority notified on"))
    family_assessed_on = _day(_l("Family assessed in the country of origin on"))
    family_assessment = _text(_l("Family assessment: findings"), rows=4)
    travel_documents_ready = BooleanField(_l("The travel documents are ready"))
    travel_documents = StringField(_l("Travel documents"),
                                   validators=[Optional(), Length(max=500)])
    escort = StringField(_l("Specialised escort: name and organisation"),
                         validators=[Optional(), Length(max=300)])
    referral_made_on = _day(_l("Reintegration referral made on"))
    referral_consent = BooleanField(
        _l("The child (or guardian) signed consent to the reintegration referral"))
    reintegration_partner = StringField(_l("Referred to (reintegration partner)"),
                                        validators=[Optional(), Length(max=300)])
    reintegration_plan = _text(_l("Reintegration plan"), rows=4)
    departure_on = _day(_l("Planned departure date"))
    notes = _text(_l("Notes"))

    required_texts = {
        "family_assessment": _l("Summarise the family assessment in the country of origin."),
        "travel_documents": _l("Describe the travel documents."),
        "escort": _l("Name the specialised escort."),
        "reintegration_partner": _l("Name who receives the reintegration referral."),
        "reintegration_plan": _l("Outline the reintegration plan."),
    }
    past_days = ("authority_notified_on", "family_assessed_on", "referral_made_on")

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        ok &= self.check_after_encounter(self.planned_at)
        if (self.receiving_authority.data == ReceivingAuthority.OTHER
                and not (self.authority_name.data or "").strip()):
            self.add_error(self.authority_name, _l("Name the receiving authority."))
            ok = False
        if not self.travel_documents_ready.data:
            self.add_error(self.travel_documents_ready,
                           _l("A return is planned once the travel documents are ready."))
            ok = False
        if not self.referral_consent.data:
            self.add_error(self.referral_consent,
                           _l("A reintegration referral needs signed consent."))
            ok = False
        if self.referral_made_on.data and self.departure_on.data:
            earliest = services.earliest_departure(self.referral_made_on.data)
            if self.departure_on.data < earliest:
                self.add_error(self.departure_on, _l(
                    "At least the required business days after the referral: the earliest "
                    "departure is %(day)s.", day=earliest.isoformat()))
                ok = False
        return ok

    def details(self) -> services.ReturnPlanDetails:
        return services.ReturnPlanDetails(
            planned_at=self.utc(self.planned_at),
            receiving_authority=self.receiving_authority.data,
            authority_name=self.authority_name.data,
            authority_notified_on=self.authority_notified_on.data,
            family_assessed_on=self.family_assessed_on.data,
            family_assessment=self.family_assessment.data,
            travel_documents_ready=bool(self.travel_documents_ready.data),
            travel_documents=self.travel_documents.data, escort=self.escort.data,
            referral_made_on=self.referral_made_on.data,
            referral_consent=bool(self.referral_consent.data),
            reintegration_partner=self.reintegration_partner.data,
            reintegration_plan=self.reintegration_plan.data,
            departure_on=self.departure_on.data, notes=self.notes.data,
        )


class ReturnHandoverForm(RecordForm):
    handed_over_at = when_field(_l("When the child was handed over"))
    receiving_authority = _choose(_l("Receiving entity"), AUTHORITY_LABELS,
                                  _l("Choose the receiving entity."))
    officer = StringField(_l("Receiving officer: name and post"),
                          validators=[Optional(), Length(max=300)])
    child_condition = _choose(_l("The child's condition"), CONDITION_LABELS,
                              _l("Choose the child's condition."))
    condition_notes = _text(_l("Notes on the child's condition"))

    required_texts = {"officer": _l("Name the receiving officer and their post.")}

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        return self.check_after_encounter(self.handed_over_at) and ok

    def details(self) -> services.ReturnHandoverDetails:
        return services.ReturnHandoverDetails(
            handed_over_at=self.utc(self.handed_over_at),
            receiving_authority=self.receiving_authority.data, officer=self.officer.data,
            child_condition=self.child_condition.data,
            condition_notes=self.condition_notes.data)


class FollowUpForm(RecordForm):
    month = SelectField(_l("Follow-up"), validators=[DataRequired(_l("Choose the follow-up."))])
    contacted_at = when_field(_l("When the child was seen"))
    partner = StringField(_l("Who did the follow-up (partner organisation)"),
                          validators=[Optional(), Length(max=300)])
    psychosocial = _text(_l("Psychosocial support"))
    school = _choose(_l("School"), SCHOOL_LABELS, _l("Choose the school situation."))
    school_notes = _text(_l("School: notes"), rows=2)
    safety = _text(_l("Safety check"))
    safety_concern = BooleanField(_l("There is a safety concern"))

    required_texts = {"psychosocial": _l("Record the psychosocial support."),
                      "safety": _l("Record the safety check.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The follow-ups are the catalogue's clocks (with this organisation's changes).
        self.month.choices = [("", _l("Choose"))] + [
            (str(c.deadline.amount), c.label) for c in services.follow_up_clocks()]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        return self.check_after_encounter(self.contacted_at) and ok

    def details(self) -> services.FollowUpDetails:
        return services.FollowUpDetails(
            month=int(self.month.data), contacted_at=self.utc(self.contacted_at),
            psychosocial=self.psychosocial.data, school=self.school.data,
            school_notes=self.school_notes.data, safety=self.safety.data,
            safety_concern=bool(self.safety_concern.data), partner=self.partner.data)


# --- the gated actions' forms (registered in views.py, shown by workflow/views.py) -------

class CaseActionForm(ActionForm):
    """The workflow's action form, for one case; `summary` is what the action acts on."""

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        self.summary: list[tuple[object, object]] = []

    def details(self) -> services.ActionDetails:
        return services.ActionDetails(occurred_at=self.when(), note=self.note.data)


class TransferActionForm(CaseActionForm):
    escort_confirmed = BooleanField(_l("The child travelled with the escort named in the plan"))

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        self.occurred_at.label.text = _l("When the child crossed into the US")
        plan = services.current_transfer_plan(case)
        if plan is not None and plan.transferred_at is None:
            self.summary = [(_l("Receiving office"), plan.to_office.name),
                            (_l("Family or sponsor"), plan.family), (_l("Escort"), plan.escort),
                            (_l("Afterwards"), _l("The case moves to the receiving office; "
                                                  "both offices see it until the handover."))]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if not self.escort_confirmed.data:
            self.escort_confirmed.errors.append(_l("A child crosses only with the escort."))
            ok = False
        return ok


class ReturnActionForm(CaseActionForm):
    escort_confirmed = BooleanField(_l("The child left with the specialised escort named in "
                                       "the plan"))
    documents_checked = BooleanField(_l("The travel documents were checked"))

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        self.occurred_at.label.text = _l("When the child left")
        plan = services.current_return_plan(case)
        if plan is not None and plan.returned_at is None:
            self.summary = [
                (_l("Receiving authority"),
                 plan.authority_name or AUTHORITY_LABELS[plan.receiving_authority]),
                (_l("Planned departure"), plan.departure_on.isoformat()),
                (_l("Specialised escort"), plan.escort),
                (_l("Reintegration referral"), plan.reintegration_partner)]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for f, message in ((self.escort_confirmed, _l("A child leaves only with the escort.")),
                           (self.documents_checked, _l("Check the travel documents first."))):
            if not f.data:
                f.errors.append(message)
                ok = False
        return ok


class ReunifyAbroadForm(CaseActionForm):
    country = SelectField(_l("Country where the child joined the family"),
                          choices=[("", _l("Choose")), ("US", COUNTRY_LABELS[Country.US]),
                                   *NATIONALITIES],
                          validators=[DataRequired(_l("Choose the country."))])
    received_by = StringField(_l("Who received the child"),
                              validators=[DataRequired(_l("Name who received the child.")),
                                          Length(max=300)])
    relationship = StringField(_l("Their relationship to the child"),
                               validators=[DataRequired(_l("Give the relationship.")),
                                           Length(max=100)])
    escort = StringField(_l("Escort: name and organisation"),
                         validators=[DataRequired(_l("Name the escort.")), Length(max=300)])

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        self.occurred_at.label.text = _l("When the child was handed to the family")

    def reunification(self) -> services.ReunificationDetails:
        return services.ReunificationDetails(
            occurred_at=self.when(), country=self.country.data,
            received_by=self.received_by.data, relationship=self.relationship.data,
            escort=self.escort.data, note=self.note.data)
