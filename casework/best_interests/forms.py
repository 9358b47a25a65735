"""Assessment, case plan and BID forms. Dates are entered in UTC, like every form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from casework.best_interests.choices import (
    ASSESSMENT_KIND_LABELS,
    BIA_AREAS,
    MAX_PLAN_MEASURES,
    MIN_REOPEN_REASON,
    QUESTION_LABELS,
    SOLUTION_LABELS,
    VOTE_LABELS,
    solutions_for,
)
from casework.best_interests.services import (
    MIN_WITHOUT_BIA_REASON,
    AssessmentDetails,
    BidDraft,
    ExplanationDetails,
    Measure,
    PlanDetails,
    VoteDetails,
    assessment_problems,
    bid_problems,
    latest_review_date,
    review_rule,
)
from casework.screening.forms import CaseRecordForm, when_field

NARRATIVE = [Optional(), Length(max=20000)]


def _narrative(label, rows: int = 4) -> TextAreaField:
    return TextAreaField(label, validators=NARRATIVE, render_kw={"rows": rows})


class WithoutBiaMixin:
    """POLICY.md: the BIA comes first (soft): without one, the form asks why not."""

    without_bia_reason = TextAreaField(
        _l("Why this cannot wait for the best interests assessment"),
        validators=[Optional(), Length(max=5000)], render_kw={"rows": 3},
        description=_l("No assessment is recorded yet. The supervisor reads this reason."),
    )

    def check_without_bia(self, needs_reason: bool) -> bool:
        text = (self.without_bia_reason.data or "").strip()
        if needs_reason and len(text) < MIN_WITHOUT_BIA_REASON:
            self.without_bia_reason.errors.append(_l(
                "Record the assessment first, or give the reason (at least %(n)d characters).",
                n=MIN_WITHOUT_BIA_REASON))
            return False
        return True


# --- assessment ----------------------------------------------------------------

class AssessmentForm(CaseRecordForm):
    kind = RadioField(_l("Kind of assessment"), choices=list(ASSESSMENT_KIND_LABELS.items()),
                      validators=[InputRequired(_l("Choose the kind of assessment."))])
    assessed_at = when_field(_l("When the assessment was completed"))
    interpreter_used = BooleanField(_l("An interpreter was used"))
    child_views = _narrative(BIA_AREAS["child_views"], rows=5)
    family = _narrative(BIA_AREAS["family"])
    safety = _narrative(BIA_AREAS["safety"])
    development = _narrative(BIA_AREAS["development"])
    identity = _narrative(BIA_AREAS["identity"])
    health = _narrative(BIA_AREAS["health"])
    education = _narrative(BIA_AREAS["education"])
    conclusions = _narrative(_l("Conclusions: needs identified and what should follow"))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        ok &= self.check_after_encounter(self.assessed_at)
        if self.kind.data in ASSESSMENT_KIND_LABELS:
            problems = assessment_problems(self.details())
            for area, message in problems.items():
                self.add_error(getattr(self, area), message)
            ok &= not problems
        return ok

    def details(self) -> AssessmentDetails:
        when = self.assessed_at.data
        return AssessmentDetails(
            kind=self.kind.data,
            assessed_at=self.utc(self.assessed_at) if when else None,  # type: ignore[arg-type]
            areas={area: getattr(self, area).data or "" for area in BIA_AREAS},
            conclusions=self.conclusions.data, interpreter_used=bool(self.interpreter_used.data),
        )


# --- case plan -------------------------------------------------------------------

class MeasureForm(Form):
    """One line of the plan; a line left empty is ignored."""

    measure = StringField(_l("Measure"), validators=[Optional(), Length(max=1000)])
    responsible = StringField(_l("Who is responsible"), validators=[Optional(), Length(max=300)])
    due = DateField(_l("Due by"), validators=[Optional()])


class PlanForm(WithoutBiaMixin, CaseRecordForm):
    made_at = when_field(_l("When the plan was agreed"))
    review_on = DateField(
        _l("Review date"), validators=[InputRequired(_l("Enter the review date."))],
    )
    measures = FieldList(FormField(MeasureForm), min_entries=5, max_entries=MAX_PLAN_MEASURES)
    reference = StringField(
        _l("Reference of the Procuraduría's Plan de Restitución de Derechos (Mexico)"),
        validators=[Optional(), Length(max=300)],
    )

    def __init__(self, *args, case, needs_reason: bool, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        self.needs_reason = needs_reason
        # The catalogue's rule, with this organisation's changes: read per request.
        self.review_days = review_rule().amount
        self.review_on.description = _l("At most %(n)d days after the plan.",
                                        n=self.review_days)

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        ok &= self.check_after_encounter(self.made_at)
        filled = [m for m in self.measures if (m.form.measure.data or "").strip()]
        if not filled:
            self.measures[0].form.measure.errors.append(_l("A plan has at least one measure."))
            ok = False
        for m in filled:
            if not (m.form.responsible.data or "").strip():
                m.form.responsible.errors.append(_l("Say who is responsible for this measure."))
                ok = False
        if self.made_at.data and self.review_on.data:
            made = self.utc(self.made_at)
            if not made.date() < self.review_on.data <= latest_review_date(made):
                self.review_on.errors.append(_l(
                    "The review date comes after the plan, and within %(n)d days.",
                    n=self.review_days))
                ok = False
        ok &= self.check_without_bia(self.needs_reason)
        return ok

    def details(self) -> PlanDetails:
        return PlanDetails(
            made_at=self.utc(self.made_at), review_on=self.review_on.data,
            measures=[Measure(m.form.measure.data or "", m.form.responsible.data or "",
                              m.form.due.data) for m in self.measures],
            reference=self.reference.data, without_bia_reason=self.without_bia_reason.data,
        )


# --- determination ---------------------------------------------------------------

class BidDraftForm(WithoutBiaMixin, CaseRecordForm):
    question = SelectField(_l("What the BID decides"),
                           choices=[("", _l("Choose")), *QUESTION_LABELS.items()],
                           validators=[DataRequired(_l("Choose what the BID decides."))])
    options = _narrative(_l("Options considered, with their pros and cons"), rows=6)
    child_views = _narrative(_l("The child's views, in their own words"), rows=4)
    views_weight = _narrative(_l("How the child's views were weighed"), rows=3)
    recommendation = RadioField(_l("Recommendation"),
                                validators=[InputRequired(_l("Choose the recommendation."))])
    reasons = _narrative(_l("Reasons for the recommendation"), rows=5)

    def __init__(self, *args, case, needs_reason: bool, **kwargs):
        super().__init__(*args, case=case, **kwargs)
        self.needs_reason = needs_reason
        self.recommendation.choices = [(s.value, SOLUTION_LABELS[s])
                                       for s in solutions_for(case.office.country)]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        problems = bid_problems(self.case, self.draft())
        for name, message in problems.items():
            self.add_error(getattr(self, name), message)
        ok &= self.check_without_bia(self.needs_reason)
        return ok and not problems

    def draft(self) -> BidDraft:
        return BidDraft(question=self.question.data or "",
                        recommendation=self.recommendation.data or "",
                        options=self.options.data or "", child_views=self.child_views.data or "",
                        views_weight=self.views_weight.data or "",
                        reasons=self.reasons.data or "",
                        without_bia_reason=self.without_bia_reason.data)


class VoteForm(FlaskForm):
    vote = RadioField(_l("Your vote"), choices=list(VOTE_LABELS.items()),
                      validators=[InputRequired(_l("Choose your vote."))])
    dissent = TextAreaField(_l("Dissent (required when you dissent)"),
                            validators=[Optional(), Length(max=10000)], render_kw={"rows": 3})
    confidentiality = BooleanField(_l(
        "I undertake to keep confidential everything I learn about this child as a member of "
        "this panel"))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if not self.confidentiality.data:
            self.confidentiality.errors.append(
                _l("Panel members sign the confidentiality undertaking to vote."))
            ok = False
        if self.vote.data == "dissent" and not (self.dissent.data or "").strip():
            self.dissent.errors.append(_l("Write your dissent: it is part of the BID report."))
            ok = False
        return ok

    def details(self) -> VoteDetails:
        return VoteDetails(vote=self.vote.data, dissent=self.dissent.data,
                           confidentiality_undertaking=bool(self.confidentiality.data))


class ApproveForm(FlaskForm):
    pass


class ExplanationForm(CaseRecordForm):
    explained_at = when_field(_l("When the decision was explained"))
    explanation = _narrative(
        _l("How the decision was explained to the child, and how they took it"), rows=4)

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        ok &= self.check_after_encounter(self.explained_at)
        if not (self.explanation.data or "").strip():
            self.explanation.errors.append(_l("Say how the decision was explained to the "
                                              "child."))
            ok = False
        return ok

    def details(self) -> ExplanationDetails:
        return ExplanationDetails(explained_at=self.utc(self.explained_at),
                                  explanation=self.explanation.data)


class ReopenForm(FlaskForm):
    reason = TextAreaField(
        _l("New facts or request that reopen the BID"),
        validators=[DataRequired(_l("Write the new facts or the request.")),
                    Length(min=MIN_REOPEN_REASON, max=5000)],
        render_kw={"rows": 3},
        description=_l("The BID will be superseded for ever: nothing can be done on it again."),
    )
