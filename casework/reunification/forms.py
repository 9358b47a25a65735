"""Family members, tracing, verification, sponsor assessment, siblings, release, follow-up.

Dates are entered in UTC, like every form of the app, and checked against the clock and
the case (nothing about a child happens before the child was encountered).
"""

from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from casework.reunification import queries
from casework.reunification.choices import (
    CATEGORY_LABELS,
    CHANNEL_LABELS,
    CHECK_LABELS,
    CHILD_WISH_LABELS,
    CONTACT_WISHES,
    FAMILY_WISH_LABELS,
    FOLLOW_UP_LABELS,
    KINSHIP_LABELS,
    KINSHIPS,
    LOCATION_COUNTRIES,
    RESULT_LABELS,
    SCHOOL_LABELS,
    VERIFICATION_LABELS,
    SponsorCategory,
)
from casework.reunification.services import (
    MIN_JUSTIFICATION,
    AssessmentDetails,
    CheckDetails,
    FollowUpDetails,
    MemberDetails,
    ReleaseDetails,
    SiblingDecisionDetails,
    TracingDetails,
    VerificationDetails,
    assessment_problems,
    current_assessment,
    verification_problems,
)
from casework.screening.forms import YES_NO, CaseRecordForm, when_field
from casework.workflow.forms import ActionForm


def member_label(member) -> str:
    kinship = KINSHIP_LABELS.get(member.kinship, member.kinship)
    return f"{kinship}: {member.display_name}" if member.display_name else str(kinship)


def _member_choices(case, empty_label) -> list[tuple[str, object]]:
    return [("", empty_label)] + [(str(m.id), member_label(m)) for m in queries.members(case)]


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def _yes(f) -> bool | None:
    return {"yes": True, "no": False}.get(f.data)


def _yes_no(label, message=None) -> RadioField:
    return RadioField(label, choices=YES_NO,
                      validators=[InputRequired(message or _l("Answer yes or no."))])


def _notes(label=None) -> TextAreaField:
    return TextAreaField(label or _l("Notes"), validators=[Optional(), Length(max=10000)],
                         render_kw={"rows": 3})


# --- family members -----------------------------------------------------------------------

class MemberForm(FlaskForm):
    kinship = SelectField(_l("Relationship to the child"),
                          choices=[("", _l("Choose the relationship")), *KINSHIPS],
                          validators=[DataRequired(_l("Choose the relationship to the child."))])
    given_names = StringField(_l("Given names"), validators=[Optional(), Length(max=200)])
    family_names = StringField(_l("Family names"), validators=[Optional(), Length(max=200)])
    country = SelectField(_l("Country where they live"),
                          choices=[("", _l("Not known")), *LOCATION_COUNTRIES],
                          validators=[Optional()])
    place = StringField(_l("Town, city or region"), validators=[Optional(), Length(max=300)])
    contact = TextAreaField(_l("Contact details"), validators=[Optional(), Length(max=2000)],
                            render_kw={"rows": 2},
                            description=_l("Phone numbers, address, social media: as the "
                                           "child or the relative gave them."))
    wants_contact = RadioField(_l("Does the child want contact with this person?"),
                               choices=CONTACT_WISHES,
                               validators=[InputRequired(_l("Say what the child wants."))])
    notes = _notes()
    version = HiddenField()

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if not ((self.given_names.data or "").strip() or (self.family_names.data or "").strip()):
            self.given_names.errors.append(
                _l("Give at least one name, even a nickname the child uses."))
            ok = False
        return ok

    def details(self) -> MemberDetails:
        return MemberDetails(
            kinship=self.kinship.data, given_names=self.given_names.data,
            family_names=self.family_names.data, country=self.country.data or None,
            place=self.place.data, contact=self.contact.data,
            wants_contact=self.wants_contact.data, notes=self.notes.data,
        )

    def fill_from(self, d: MemberDetails, version: int) -> None:
        for name in MemberDetails.__dataclass_fields__:
            getattr(self, name).data = getattr(d, name) or ""
        self.version.data = str(version)


# --- tracing ------------------------------------------------------------------------------

class TracingForm(CaseRecordForm):
    """A tracing action; on the `contact-origin-country` action page, always such contact."""

    occurred_at = when_field(_l("When"))
    member_id = SelectField(_l("Relative traced"), validators=[Optional()])
    channel = SelectField(_l("Channel"),
                          choices=[("", _l("Choose the channel")),
                                   *((k.value, v) for k, v in CHANNEL_LABELS.items())],
                          validators=[DataRequired(_l("Choose the channel."))])
    in_origin_country = BooleanField(
        _l("This contacts someone in the child's country of origin"),
        description=_l("A consulate of the country of origin, or a relative who lives in the "
                       "child's country, always counts. Contact with the country of origin is "
                       "refused when the child has a protection claim and has not consented."))
    result = RadioField(_l("Result"), choices=[(k.value, v) for k, v in RESULT_LABELS.items()],
                        validators=[InputRequired(_l("Choose the result."))])
    notes = TextAreaField(_l("What was done, with whom, and any reference"),
                          validators=[Optional(), Length(max=10000)], render_kw={"rows": 3})
    confidentiality_confirmed = BooleanField(
        _l("Nothing about the child's protection claim or whereabouts was shared beyond what "
           "tracing needs"))

    def __init__(self, *args, case, origin_contact: bool = False, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        self.origin_contact = origin_contact
        self.member_id.choices = _member_choices(case, _l("No one in particular"))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        ok &= self.check_after_encounter(self.occurred_at)
        if not self.confidentiality_confirmed.data:
            self.confidentiality_confirmed.errors.append(
                _l("Confirm it, or do not record the contact: information about an asylum "
                   "seeker is never sent to the country of origin without consent."))
            ok = False
        return ok

    def details(self) -> TracingDetails:
        return TracingDetails(
            occurred_at=self.utc(self.occurred_at), channel=self.channel.data,
            result=self.result.data, member_id=_uuid(self.member_id.data),
            in_origin_country=self.origin_contact or bool(self.in_origin_country.data),
            confidentiality_confirmed=bool(self.confidentiality_confirmed.data),
            details=self.notes.data,
        )


# --- verification -----------------------------------------------------------------------

class VerificationForm(CaseRecordForm):
    member_id = SelectField(_l("Relative"),
                            validators=[DataRequired(_l("Choose the relative."))])
    verified_at = when_field(_l("When the verification was concluded"))
    documents_seen = BooleanField(_l("Documents were seen"))
    documents = TextAreaField(_l("Which documents"), validators=[Optional(), Length(max=5000)],
                              render_kw={"rows": 2},
                              description=_l("For example birth certificates, identity "
                                             "documents, photographs."))
    child_interviewed = BooleanField(_l("The child was interviewed"))
    family_interviewed = BooleanField(_l("The relative was interviewed"))
    child_wish = RadioField(_l("The child's wish"),
                            choices=[(k.value, v) for k, v in CHILD_WISH_LABELS.items()],
                            validators=[InputRequired(_l("Record the child's wish."))])
    family_wish = RadioField(_l("The relative's wish"),
                             choices=[(k.value, v) for k, v in FAMILY_WISH_LABELS.items()],
                             validators=[InputRequired(_l("Record the relative's wish."))])
    outcome = RadioField(_l("Outcome"),
                         choices=[(k.value, v) for k, v in VERIFICATION_LABELS.items()],
                         validators=[InputRequired(_l("Choose the outcome."))])
    notes = _notes(_l("What the interviews showed, and both sides' views"))

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        self.member_id.choices = _member_choices(case, _l("Choose the relative"))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        ok &= self.check_after_encounter(self.verified_at)
        if self.verified_at.data is None:
            return False
        problems = verification_problems(self.details())
        for name, message in problems.items():
            self.add_error(getattr(self, name), message)
        return ok and not problems

    def details(self) -> VerificationDetails:
        return VerificationDetails(
            member_id=_uuid(self.member_id.data), verified_at=self.utc(self.verified_at),
            outcome=self.outcome.data, child_wish=self.child_wish.data,
            family_wish=self.family_wish.data, documents_seen=bool(self.documents_seen.data),
            documents=self.documents.data, child_interviewed=bool(self.child_interviewed.data),
            family_interviewed=bool(self.family_interviewed.data), notes=self.notes.data,
        )


# --- sponsor assessment -----------------------------------------------------------------

class AssessmentForm(CaseRecordForm):
    assessed_at = when_field(_l("When the assessment was made"))
    category = RadioField(_l("Sponsor category"),
                          choices=[(k.value, v) for k, v in CATEGORY_LABELS.items()],
                          validators=[InputRequired(_l("Choose the category."))])
    member_id = SelectField(_l("Sponsor"), validators=[Optional()],
                            description=_l("Add the sponsor as a family member first."))
    sponsor_related = RadioField(
        _l("Is the sponsor related to the child? (category 3)"),
        choices=YES_NO, validators=[Optional()],
        description=_l("Categories 1, 2A and 2B are relatives by definition."))
    children_sponsored = IntegerField(
        _l("Children this sponsor is sponsoring, this child included"), default=1,
        validators=[InputRequired(_l("Give a number.")), NumberRange(min=1, max=50)])
    sponsored_before = BooleanField(_l("The sponsor has sponsored a child before"))
    child_trafficking_victim = BooleanField(_l("The child is a victim of trafficking"))
    child_abuse_victim = BooleanField(_l("The child is a victim of physical or sexual abuse"))
    child_disability = BooleanField(_l("The child has a disability"))
    household = TextAreaField(
        _l("Household members"), validators=[Optional(), Length(max=5000)],
        render_kw={"rows": 3},
        description=_l("Everyone who lives with the sponsor: relationship and age. Write "
                       "'lives alone' when no one does."))
    notes = _notes()

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        self.member_id.choices = _member_choices(case, _l("No sponsor (category 4)"))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        ok &= self.check_after_encounter(self.assessed_at)
        if not ok:
            return False
        if (self.category.data == SponsorCategory.DISTANT_OR_UNRELATED
                and _yes(self.sponsor_related) is None):
            self.sponsor_related.errors.append(_l("Answer yes or no for a category 3 sponsor."))
            ok = False
        problems = assessment_problems(self.details())
        for name, message in problems.items():
            self.add_error(getattr(self, name), message)
        return ok and not problems

    def fill_from(self, current) -> None:
        """A new assessment starts from the one in force (its date is left to fill)."""
        if current is None:
            return
        self.category.data = current.category.value
        self.member_id.data = str(current.member_id) if current.member_id else ""
        if current.category == SponsorCategory.DISTANT_OR_UNRELATED:
            self.sponsor_related.data = "yes" if current.sponsor_related else "no"
        for name in ("children_sponsored", "sponsored_before", "child_trafficking_victim",
                     "child_abuse_victim", "child_disability", "household"):
            getattr(self, name).data = getattr(current, name)

    def details(self) -> AssessmentDetails:
        related = _yes(self.sponsor_related)
        return AssessmentDetails(
            assessed_at=self.utc(self.assessed_at), category=self.category.data,
            member_id=_uuid(self.member_id.data), household=self.household.data,
            sponsor_related=True if related is None else related,
            children_sponsored=self.children_sponsored.data or 1,
            sponsored_before=bool(self.sponsored_before.data),
            child_trafficking_victim=bool(self.child_trafficking_victim.data),
            child_abuse_victim=bool(self.child_abuse_victim.data),
            child_disability=bool(self.child_disability.data), notes=self.notes.data,
        )


class CheckForm(CaseRecordForm):
    kind = SelectField(_l("Check"),
                       choices=[("", _l("Choose the check")),
                                *((k.value, v) for k, v in CHECK_LABELS.items())],
                       validators=[DataRequired(_l("Choose the check."))])
    completed_at = when_field(_l("When it was completed"))
    passed = RadioField(_l("Result"), choices=[("yes", _l("Passed (complete, verified, cleared "
                                                         "or favourable)")),
                                               ("no", _l("Not passed"))],
                        validators=[InputRequired(_l("Choose the result."))])
    details = TextAreaField(_l("Details and references"), validators=[Optional(),
                                                                       Length(max=10000)],
                            render_kw={"rows": 3},
                            description=_l("Required when the check did not pass."))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        ok &= self.check_after_encounter(self.completed_at)
        if self.passed.data == "no" and not (self.details.data or "").strip():
            self.details.errors.append(_l("Say what was found."))
            ok = False
        return ok

    def check(self) -> CheckDetails:
        return CheckDetails(kind=self.kind.data, completed_at=self.utc(self.completed_at),
                            passed=self.passed.data == "yes", details=self.details.data)


# --- siblings -------------------------------------------------------------------------------

class SiblingLinkForm(FlaskForm):
    case_number = StringField(_l("Case number of the sibling"),
                              validators=[DataRequired(_l("Give the case number.")),
                                          Length(max=20)],
                              description=_l("For example MX-2026-00042."))


class SiblingUnlinkForm(FlaskForm):
    sibling = HiddenField(validators=[DataRequired()])


class SiblingDecisionForm(CaseRecordForm):
    decided_at = when_field(_l("When it was decided"))
    together = RadioField(
        _l("Will the child stay with the linked siblings?"),
        choices=[("yes", _l("Yes: the siblings are placed or released together")),
                 ("no", _l("No: the child will be separated from a sibling"))],
        validators=[InputRequired(_l("Choose one."))])
    justification = TextAreaField(
        _l("Written justification of the separation"),
        validators=[Optional(), Length(max=10000)], render_kw={"rows": 4},
        description=_l("Required for a separation (at least %(n)d characters): why it is in "
                       "the child's best interests, and how contact is kept.",
                       n=MIN_JUSTIFICATION))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        ok &= self.check_after_encounter(self.decided_at)
        if self.together.data == "no" and len(
                (self.justification.data or "").strip()) < MIN_JUSTIFICATION:
            self.justification.errors.append(
                _l("Write the justification (at least %(n)d characters).", n=MIN_JUSTIFICATION))
            ok = False
        return ok

    def details(self) -> SiblingDecisionDetails:
        return SiblingDecisionDetails(decided_at=self.utc(self.decided_at),
                                      together=self.together.data == "yes",
                                      justification=self.justification.data)


# --- release ----------------------------------------------------------------------------------

class ReleaseForm(ActionForm):
    """The form of the gated action `release-to-sponsor` (workflow/actions.py)."""

    address = TextAreaField(_l("Address the child is released to"),
                            validators=[DataRequired(_l("Give the address.")),
                                        Length(max=1000)], render_kw={"rows": 3},
                            description=_l("The child's new address of record. Its date "
                                           "starts the 5-working-day EOIR-33 deadline."))

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        self.occurred_at.label.text = _l("Release date and time")
        assessment = current_assessment(case)
        self.sponsor = assessment.member if assessment is not None else None

    def details(self) -> ReleaseDetails:
        return ReleaseDetails(released_at=self.when(), address=self.address.data,
                              note=self.note.data)


# --- follow-up --------------------------------------------------------------------------------

class FollowUpForm(CaseRecordForm):
    contacted_at = when_field(_l("When"))
    kind = RadioField(_l("Kind of contact"),
                      choices=[(k.value, v) for k, v in FOLLOW_UP_LABELS.items()],
                      validators=[InputRequired(_l("Choose the kind of contact."))])
    reached = _yes_no(_l("Were the child and the sponsor reached?"))
    school = SelectField(_l("School enrolment"),
                         choices=[(k.value, v) for k, v in SCHOOL_LABELS.items()],
                         validators=[DataRequired()])
    concerns = BooleanField(_l("There are concerns about the child's safety or well-being"))
    concern_details = TextAreaField(_l("Concerns and what is being done"),
                                    validators=[Optional(), Length(max=10000)],
                                    render_kw={"rows": 3})
    notes = _notes()

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        ok &= self.check_after_encounter(self.contacted_at)
        if self.concerns.data and not (self.concern_details.data or "").strip():
            self.concern_details.errors.append(_l("Describe the concerns."))
            ok = False
        return ok

    def details(self) -> FollowUpDetails:
        return FollowUpDetails(
            contacted_at=self.utc(self.contacted_at), kind=self.kind.data,
            reached=self.reached.data == "yes", school=self.school.data,
            concerns=bool(self.concerns.data), concern_details=self.concern_details.data,
            notes=self.notes.data,
        )
