"""THE checkpoint catalogue: the seven recommendations as workflow checkpoints.

Every checkpoint of ../shared/POLICY.md is declared here once, as data. Nothing
else in the code restates a rule: conditions are looked up by name in the
modules that own the data (workflow/registry.py), deadlines can be changed per
organisation in configuration (CASEWORK_DEADLINES), and create_app() refuses to
start when a name, a role or a guarded action is missing (`validate`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cached_property

from flask_babel import lazy_gettext as _l

from casework.accounts.roles import Role

CW, PL, ATT, SUP = Role.CASEWORKER, Role.PARALEGAL, Role.ATTORNEY, Role.SUPERVISOR
PANEL = "panel"  # the BID panel: three or more staff, none of them the drafter


@dataclass(frozen=True)
class Recommendation:
    id: str
    title: object
    text: object


RECOMMENDATIONS: dict[str, Recommendation] = {r.id: r for r in (
    Recommendation("R1", _l("Best interests first"),
                   _l("Protect children's rights and best interests through the journey, the "
                      "stay in Mexico and arrival in the US.")),
    Recommendation("R2", _l("Violence, smuggling, trafficking"),
                   _l("Binational mechanisms against violence, smuggling and trafficking of "
                      "child migrants.")),
    Recommendation("R3", _l("Family unity"),
                   _l("Prevent family separation; facilitate reunification of separated "
                      "children.")),
    Recommendation("R4", _l("Safe transfer"),
                   _l("Mexico–US coordination for safe transfer of unaccompanied children in "
                      "Mexico to the US when that is in their best interests.")),
    Recommendation("R5", _l("Returns only after a BID"),
                   _l("Returns happen only after a best interests determination, with "
                      "reintegration services.")),
    Recommendation("R6", _l("Legal representation"),
                   _l("Specialised legal representation, so children know their rights and get "
                      "fair processes.")),
    Recommendation("R7", _l("International protection"),
                   _l("Access to international protection at and between ports of entry.")),
)}


class Stage(StrEnum):
    INTAKE = "intake"
    SCREENING = "screening"
    LEGAL = "legal"
    BEST_INTERESTS = "best_interests"
    FAMILY = "family"
    TRANSFER_RETURN = "transfer_return"
    SUPERVISION = "supervision"


STAGE_LABELS = {
    Stage.INTAKE: _l("Intake and custody"),
    Stage.SCREENING: _l("Screening"),
    Stage.LEGAL: _l("Legal representation and protection"),
    Stage.BEST_INTERESTS: _l("Best interests"),
    Stage.FAMILY: _l("Family tracing and reunification"),
    Stage.TRANSFER_RETURN: _l("Transfer, return and reintegration"),
    Stage.SUPERVISION: _l("Supervision and closure"),
}


class Action(StrEnum):
    """The case actions the gates guard; the values are their URL names."""

    RELEASE_TO_SPONSOR = "release-to-sponsor"
    REUNIFY_ABROAD = "reunify-abroad"
    RECORD_TRANSFER = "record-transfer"
    RECORD_RETURN = "record-return"
    CLOSE_CASE = "close-case"
    CONTACT_ORIGIN_COUNTRY = "contact-origin-country"
    FILE_RELIEF = "file-relief"


ACTION_LABELS = {
    Action.RELEASE_TO_SPONSOR: _l("Release to a sponsor"),
    Action.REUNIFY_ABROAD: _l("Reunify with family abroad"),
    Action.RECORD_TRANSFER: _l("Record the cross-border transfer"),
    Action.RECORD_RETURN: _l("Record the return to the country of origin"),
    Action.CLOSE_CASE: _l("Close the case"),
    Action.CONTACT_ORIGIN_COUNTRY: _l("Contact the country of origin (tracing)"),
    Action.FILE_RELIEF: _l("File an application for relief or protection"),
}


class Block(StrEnum):
    HARD = "hard"  # no one can override
    SOFT = "soft"  # a supervisor can override with a written reason


class Unit(StrEnum):
    HOURS = "hours"
    DAYS = "days"
    BUSINESS_DAYS = "business_days"
    MONTHS = "months"  # calendar months: the same day, or the last day of a shorter month


@dataclass(frozen=True)
class Deadline:
    """Due `amount` units after the anchor (an event named in registry.ANCHORS)."""

    amount: int
    unit: Unit
    anchor: str = "case.opened"
    # A recurring checkpoint is due again `amount` units after it was last met.
    recurring: bool = False


# A clock's key is stored in case_checkpoint.due_clock (String(20)).
CLOCK_KEY = re.compile(r"^[a-z0-9_]{1,20}$")


@dataclass(frozen=True)
class Clock:
    """One of several deadlines of a checkpoint, each with its own milestone.

    The checkpoint's row is due at the earliest deadline whose milestone is not done
    (engine.evaluate), so the next clock becomes due once the earlier milestone is met,
    and the dashboards' SQL reads one due date per row as before. The checkpoint is met
    (its `met` condition) only when its last milestone is.
    """

    key: str | None  # stored as case_checkpoint.due_clock; None for a lone `deadline`
    label: object  # what is due: "Comprehensive assessment", "3-month follow-up"
    deadline: Deadline
    # Condition name: Met (when this milestone was reached) or None. The engine passes
    # the clock as `facts.clock`, so one condition can serve several clocks.
    done: str


@dataclass(frozen=True)
class Gate:
    action: Action
    block: Block


@dataclass(frozen=True)
class Checkpoint:
    key: str
    title: object
    recommendations: tuple[str, ...]
    stage: Stage
    applies: str  # condition name: does the checkpoint belong to this case now?
    met: str  # condition name: returns a Met (when and by whom) or None
    completed_by: tuple[Role, ...]
    signed_off_by: tuple[Role | str, ...] = ()
    evidence: object = ""
    deadline: Deadline | None = None  # one deadline, met by `met`
    blocks: tuple[Gate, ...] = ()
    # The endpoint of the form that records the evidence (takes case_id).
    form: str | None = None
    # Several deadlines instead of `deadline` (never both): see Clock.
    clocks: tuple[Clock, ...] = ()

    @property
    def needs_sign_off(self) -> bool:
        return bool(self.signed_off_by)

    @cached_property  # read for every case on a rebuild
    def all_clocks(self) -> tuple[Clock, ...]:
        """The checkpoint's deadlines as clocks: a lone `deadline` is one clock met by `met`."""
        if self.clocks:
            return self.clocks
        return (Clock(None, self.title, self.deadline, self.met),) if self.deadline else ()

    def clock(self, key: str) -> Clock:
        return next(c for c in self.clocks if c.key == key)

    def clock_label(self, key: str | None):
        """What a stored due date is the deadline of (None for a lone deadline)."""
        return next((c.label for c in self.clocks if key and c.key == key), None)

    def gate_for(self, action: Action) -> Gate | None:
        return next((g for g in self.blocks if g.action == action), None)


@dataclass(frozen=True)
class ActionRule:
    """A refusal that is not a missing checkpoint: a fact that forbids the action outright."""

    action: Action
    forbidden_when: str  # condition name
    recommendations: tuple[str, ...]
    reason: object


H, S = Block.HARD, Block.SOFT
A = Action

CATALOGUE: tuple[Checkpoint, ...] = (
    Checkpoint(
        key="intake.registered", title=_l("Child registered"), recommendations=("R1",),
        stage=Stage.INTAKE, applies="always", met="intake.registered", completed_by=(CW,),
        evidence=_l("Names and aliases, date of birth or age estimate and how it was assessed, "
                    "nationality, languages and interpreter need, encounter place and type, "
                    "current custodian and location."),
        deadline=Deadline(0, Unit.HOURS), form="cases.edit",
    ),
    Checkpoint(
        key="intake.consent", title=_l("Informed consent and sharing scope"),
        recommendations=("R1",), stage=Stage.INTAKE, applies="always", met="consent.recorded",
        completed_by=(CW, ATT), signed_off_by=(SUP,),
        evidence=_l("Consent in a language the child understands, interpreter, who may receive "
                    "what; the 'never share with the country of origin' flag once a protection "
                    "claim exists."),
        deadline=Deadline(72, Unit.HOURS),
        blocks=(Gate(A.CONTACT_ORIGIN_COUNTRY, S), Gate(A.RECORD_TRANSFER, S)),
        form="screening.consent",
    ),
    Checkpoint(
        key="custody.timeline", title=_l("Custody handover on time"), recommendations=("R1",),
        stage=Stage.INTAKE, applies="always", met="custody.complete", completed_by=(CW,),
        signed_off_by=(SUP,),
        evidence=_l("US: UAC determination, HHS notified within 48 hours, ORR transfer within "
                    "72 hours. Mexico: Procuraduría notified, DIF handover record, child not "
                    "held in an immigration station."),
        # One clock per legal time limit; each runs only in its country (its anchor is None
        # elsewhere). Met when every event of the country's variant is recorded.
        clocks=(
            Clock("hhs", _l("HHS notified"),
                  Deadline(48, Unit.HOURS, anchor="custody.us_encountered"),
                  done="custody.hhs_notified"),
            Clock("orr", _l("Custody transferred to ORR"),
                  Deadline(72, Unit.HOURS, anchor="custody.uac_determined"),
                  done="custody.orr_transferred"),
            Clock("mx", _l("Procuraduría notified and child handed to DIF"),
                  Deadline(72, Unit.HOURS, anchor="custody.mx_encountered"),
                  done="custody.complete"),
        ),
        form="screening.custody",
    ),
    Checkpoint(
        key="screen.safety", title=_l("Urgent safety, medical and protection needs"),
        recommendations=("R1",), stage=Stage.SCREENING, applies="always",
        met="screening.safety_done", completed_by=(CW,), signed_off_by=(SUP,),
        evidence=_l("Risk flags and the actions taken. Never delays urgent action."),
        deadline=Deadline(24, Unit.HOURS), form="screening.safety",
    ),
    Checkpoint(
        key="screen.trafficking", title=_l("Trafficking and exploitation screening"),
        recommendations=("R2",), stage=Stage.SCREENING, applies="always",
        met="screening.trafficking_done", completed_by=(CW,), signed_off_by=(SUP,),
        evidence=_l("Indicators, and the referral to anti-trafficking services where "
                    "indicated."),
        deadline=Deadline(48, Unit.HOURS),
        blocks=(Gate(A.RELEASE_TO_SPONSOR, S), Gate(A.RECORD_RETURN, S)),
        form="screening.trafficking",
    ),
    Checkpoint(
        key="screen.contiguous", title=_l("Screening of a Mexican or Canadian child in the US"),
        recommendations=("R2", "R7"), stage=Stage.SCREENING, applies="case.contiguous_in_us",
        met="screening.contiguous_done", completed_by=(PL,), signed_off_by=(ATT,),
        evidence=_l("The three findings (trafficking, fear of return, capacity to decide), "
                    "screener, date, interpreter."),
        deadline=Deadline(48, Unit.HOURS, anchor="case.encountered"),
        blocks=(Gate(A.RECORD_RETURN, H),), form="screening.contiguous",
    ),
    Checkpoint(
        key="screen.protection", title=_l("Fear of return and protection needs"),
        recommendations=("R7",), stage=Stage.SCREENING, applies="always",
        met="screening.protection_done", completed_by=(PL, ATT), signed_off_by=(ATT,),
        evidence=_l("Stated fears, indicators, outcome."),
        deadline=Deadline(10, Unit.BUSINESS_DAYS),
        blocks=(Gate(A.RECORD_RETURN, H),), form="screening.protection",
    ),
    Checkpoint(
        key="legal.kyr", title=_l("Know-your-rights orientation"), recommendations=("R6",),
        stage=Stage.LEGAL, applies="always", met="legal.kyr_delivered", completed_by=(PL,),
        signed_off_by=(SUP,),
        evidence=_l("Date, language, provider; repeated every 6 months while the child has no "
                    "attorney of record."),
        # From admission to ORR (or to DIF), from every transfer, and again 6 months after
        # the last orientation while the child has no attorney of record (KYR_REPEAT_MONTHS).
        deadline=Deadline(10, Unit.BUSINESS_DAYS, anchor="legal.kyr_due_from"),
        blocks=(Gate(A.CLOSE_CASE, S),), form="legal.kyr",
    ),
    Checkpoint(
        key="legal.screening", title=_l("Legal relief screening"), recommendations=("R6",),
        stage=Stage.LEGAL, applies="always", met="legal.screening_done", completed_by=(ATT,),
        signed_off_by=(ATT,),
        evidence=_l("Relief considered (asylum, SIJS, T or U visa, COMAR refugee status, "
                    "other) and the result."),
        deadline=Deadline(10, Unit.BUSINESS_DAYS, anchor="legal.kyr_first_given"),
        blocks=(Gate(A.RECORD_RETURN, H),), form="legal.screening",
    ),
    Checkpoint(
        key="legal.representation", title=_l("Attorney of record"), recommendations=("R6",),
        stage=Stage.LEGAL, applies="always", met="legal.attorney_of_record",
        completed_by=(ATT,),
        evidence=_l("The attorney, with the G-28, EOIR-28 and L-3A dates, or the referral to "
                    "pro bono counsel and its status; any withdrawal."),
        deadline=Deadline(30, Unit.DAYS), blocks=(Gate(A.FILE_RELIEF, S),),
        form="legal.representation",
    ),
    Checkpoint(
        key="legal.hearings", title=_l("Hearings and address current"), recommendations=("R6",),
        stage=Stage.LEGAL, applies="legal.in_removal_proceedings", met="legal.hearings_current",
        completed_by=(PL,), signed_off_by=(ATT,),
        evidence=_l("A-number, immigration court, notice to appear date, hearings (type, date, "
                    "outcome), and an EOIR-33 filed after every change of address."),
        deadline=Deadline(5, Unit.BUSINESS_DAYS, anchor="legal.address_changed"),
        blocks=(Gate(A.CLOSE_CASE, H),), form="legal.proceedings",
    ),
    Checkpoint(
        key="protection.claim_us", title=_l("US relief filed"), recommendations=("R7", "R6"),
        stage=Stage.LEGAL, applies="protection.us_relief_identified",
        met="protection.us_relief_filed", completed_by=(ATT,), signed_off_by=(ATT,),
        evidence=_l("Asylum (I-589 at USCIS), SIJS (state-court predicate order, I-360), T or U "
                    "visa; receipts and decisions. Alerts before the 18th and 21st birthdays."),
        blocks=(Gate(A.RECORD_RETURN, H),), form="legal.relief",
    ),
    Checkpoint(
        key="protection.claim_mx", title=_l("Refugee claim in Mexico (COMAR)"),
        recommendations=("R7",), stage=Stage.LEGAL, applies="protection.mx_wishes_to_claim",
        met="protection.comar_filed", completed_by=(ATT, CW), signed_off_by=(SUP,),
        evidence=_l("Filing date (or the reason for filing late), the notice to INM, the "
                    "decision; COMAR decides within 45 business days."),
        deadline=Deadline(30, Unit.BUSINESS_DAYS, anchor="protection.entered_mexico"),
        blocks=(Gate(A.RECORD_RETURN, H),), form="legal.comar",
    ),
    Checkpoint(
        key="bi.bia", title=_l("Best interests assessment"), recommendations=("R1",),
        stage=Stage.BEST_INTERESTS, applies="always", met="bia.recorded", completed_by=(CW,),
        signed_off_by=(SUP,),
        evidence=_l("The child's views in their own words, family, safety, development, "
                    "identity, health and education; a short (initial) or a comprehensive "
                    "assessment."),
        # POLICY.md: initial within 5 days, comprehensive within 30; met (and signed off) by
        # the comprehensive one. It blocks the case plan and the BID (soft). Those are
        # records, not case actions: their services take them without any BIA only with a
        # written reason, which the supervisor who signs them off or approves them reads.
        clocks=(
            Clock("initial", _l("Short (initial) assessment"), Deadline(5, Unit.DAYS),
                  done="bia.initial_done"),
            Clock("comprehensive", _l("Comprehensive assessment"), Deadline(30, Unit.DAYS),
                  done="bia.comprehensive_done"),
        ),
        form="best_interests.assessment",
    ),
    Checkpoint(
        key="bi.plan", title=_l("Case plan / Plan de Restitución de Derechos"),
        recommendations=("R1",), stage=Stage.BEST_INTERESTS, applies="always",
        met="plan.current", completed_by=(CW,), signed_off_by=(SUP,),
        evidence=_l("Measures, who is responsible for each and by when, and the review date; "
                    "reviewed at least every 90 days."),
        # The first plan within 30 days; each plan reviewed (a new plan) within 90 days of
        # the one before. A plan's own review date may not be later than that.
        clocks=(
            Clock("first", _l("First case plan"), Deadline(30, Unit.DAYS), done="plan.first_made"),
            Clock("review", _l("Case plan review"),
                  Deadline(90, Unit.DAYS, anchor="plan.under_review"), done="plan.reviewed"),
        ),
        blocks=(Gate(A.RECORD_TRANSFER, S),), form="best_interests.plan",
    ),
    Checkpoint(
        key="bi.bid", title=_l("Best interests determination"),
        recommendations=("R5", "R4", "R3"), stage=Stage.BEST_INTERESTS,
        applies="bid.proposed", met="bid.approved_current", completed_by=(CW,),
        signed_off_by=(PANEL, SUP),
        evidence=_l("BID report: options weighed, the child's views and how they were weighed, "
                    "recommendation, reasons, each panel member's vote and any dissent, how the "
                    "decision was explained to the child, confidentiality undertakings."),
        blocks=(Gate(A.RECORD_RETURN, H), Gate(A.RECORD_TRANSFER, H),
                Gate(A.REUNIFY_ABROAD, H)),
        form="best_interests.determination",
    ),
    Checkpoint(
        key="bi.bid_review", title=_l("BID still current"), recommendations=("R5",),
        stage=Stage.BEST_INTERESTS, applies="bid.exists", met="bid.review_current",
        completed_by=(SUP,), signed_off_by=(PANEL,),
        evidence=_l("A BID reopened on new facts or on request is decided again by a panel; "
                    "a superseded BID can never be acted on."),
        # Acting on a BID is one of the three actions the BID itself gates.
        blocks=(Gate(A.RECORD_RETURN, H), Gate(A.RECORD_TRANSFER, H),
                Gate(A.REUNIFY_ABROAD, H)),
        form="best_interests.determination",
    ),
    Checkpoint(
        key="ftr.trace", title=_l("Family tracing opened"), recommendations=("R3",),
        stage=Stage.FAMILY, applies="always", met="family.tracing_opened",
        completed_by=(CW,), signed_off_by=(SUP,),
        evidence=_l("Relatives the child names, channels used, asylum-confidentiality check."),
        deadline=Deadline(48, Unit.HOURS), form="reunification.tracing",
    ),
    Checkpoint(
        key="ftr.verify", title=_l("Relationship verified"), recommendations=("R3",),
        stage=Stage.FAMILY, applies="family.reunification_proposed",
        met="family.relationship_verified", completed_by=(CW,), signed_off_by=(SUP,),
        evidence=_l("Documents, interviews, both sides' wishes."),
        blocks=(Gate(A.RELEASE_TO_SPONSOR, H), Gate(A.REUNIFY_ABROAD, H)),
        form="reunification.verification",
    ),
    Checkpoint(
        key="ftr.siblings", title=_l("Siblings kept together"), recommendations=("R3",),
        stage=Stage.FAMILY, applies="family.siblings_known", met="family.siblings_together",
        completed_by=(CW,), signed_off_by=(SUP,),
        evidence=_l("Siblings' cases linked; a separation justified in writing."),
        blocks=(Gate(A.RELEASE_TO_SPONSOR, S),), form="reunification.siblings",
    ),
    Checkpoint(
        key="ftr.sponsor", title=_l("Sponsor assessment"), recommendations=("R3",),
        stage=Stage.FAMILY, applies="family.us_release_proposed",
        met="family.sponsor_assessed", completed_by=(CW,), signed_off_by=(SUP,),
        evidence=_l("Sponsor category, application, identity, relationship, background checks, "
                    "home study when required, and its result."),
        blocks=(Gate(A.RELEASE_TO_SPONSOR, H),), form="reunification.sponsor",
    ),
    Checkpoint(
        key="ftr.followup", title=_l("Follow-up after release or reunification"),
        recommendations=("R3",), stage=Stage.FAMILY, applies="family.released",
        met="family.safety_call_made", completed_by=(CW,), signed_off_by=(SUP,),
        evidence=_l("Contacts, school enrolment, concerns; the 30-day safety and well-being "
                    "call."),
        deadline=Deadline(30, Unit.DAYS, anchor="family.released"),
        blocks=(Gate(A.CLOSE_CASE, S),), form="reunification.follow_ups",
    ),
    Checkpoint(
        key="transfer.mx_us", title=_l("Safe transfer Mexico → US"), recommendations=("R4",),
        stage=Stage.TRANSFER_RETURN, applies="transfer.proposed", met="transfer.plan_ready",
        completed_by=(CW, ATT), signed_off_by=(SUP,),
        evidence=_l("Approved BID, verified family or sponsor in the US, the Procuraduría's "
                    "measure, legal pathway, escort, both countries' authorities and consulates "
                    "notified, handover record."),
        blocks=(Gate(A.RECORD_TRANSFER, H),), form="transfers.transfer_plan",
    ),
    Checkpoint(
        key="return.plan", title=_l("Return plan"), recommendations=("R5",),
        stage=Stage.TRANSFER_RETURN, applies="return.proposed", met="return.plan_ready",
        completed_by=(CW, ATT), signed_off_by=(SUP,),
        evidence=_l("Approved current BID, no pending protection claim, receiving authority "
                    "notified, family assessed in the country of origin, travel documents, "
                    "specialised escort, reintegration referral."),
        # The reintegration referral comes at least 5 business days before departure: the
        # due date is the earliest departure, counted from the referral.
        deadline=Deadline(5, Unit.BUSINESS_DAYS, anchor="return.referral_made"),
        blocks=(Gate(A.RECORD_RETURN, H),), form="transfers.return_plan",
    ),
    Checkpoint(
        key="return.handover", title=_l("Reception handover"), recommendations=("R5",),
        stage=Stage.TRANSFER_RETURN, applies="return.recorded", met="return.handed_over",
        completed_by=(CW,), signed_off_by=(SUP,),
        evidence=_l("Receiving entity and officer, date and time, the child's condition."),
        form="transfers.return_handover",
    ),
    Checkpoint(
        key="reint.followup", title=_l("Reintegration services"), recommendations=("R5",),
        stage=Stage.TRANSFER_RETURN, applies="return.recorded", met="reint.followups_done",
        completed_by=(CW,), signed_off_by=(SUP,),
        evidence=_l("Reintegration plan; psychosocial support, school and safety checked at 1, "
                    "3, 6 and 12 months after return."),
        # Each follow-up is its own deadline, so an overdue one shows on the dashboard; a
        # follow-up records its month, the milestone of the clock due that many months on.
        clocks=tuple(
            Clock(f"m{n}", _l("1 month after return") if n == 1
                  else _l("%(n)d months after return", n=n),
                  Deadline(n, Unit.MONTHS, anchor="return.recorded"),
                  done="reint.followup_recorded")
            for n in (1, 3, 6, 12)
        ),
        blocks=(Gate(A.CLOSE_CASE, S),), form="transfers.reintegration",
    ),
    Checkpoint(
        key="case.review", title=_l("Supervisor case review"), recommendations=("R1",),
        stage=Stage.SUPERVISION, applies="case.open", met="review.latest",
        completed_by=(SUP,),
        evidence=_l("A review note and decisions, every 30 days."),
        deadline=Deadline(30, Unit.DAYS, anchor="case.opened", recurring=True),
        form="supervision.review",
    ),
    Checkpoint(
        key="case.closure", title=_l("Case closure"),
        recommendations=("R1", "R2", "R3", "R4", "R5", "R6", "R7"),
        stage=Stage.SUPERVISION, applies="case.closing", met="closure.recorded",
        completed_by=(CW,), signed_off_by=(SUP,),
        evidence=_l("Outcome implemented, follow-ups done, proceedings closed or handed over, "
                    "turning-18 plan."),
    ),
)

ACTION_RULES: tuple[ActionRule, ...] = (
    ActionRule(
        action=A.CONTACT_ORIGIN_COUNTRY, forbidden_when="consent.never_share_with_origin",
        recommendations=("R7", "R1"),
        reason=_l("The child has a protection claim and has not consented to contact with the "
                  "country of origin: information about an asylum seeker is never sought from "
                  "or sent to the country of origin without consent."),
    ),
    ActionRule(
        action=A.CLOSE_CASE, forbidden_when="case.closed",
        recommendations=(), reason=_l("The case is already closed."),
    ),
    ActionRule(
        action=A.CLOSE_CASE, forbidden_when="legal.proceedings_pending",
        recommendations=("R6",),
        reason=_l("Removal proceedings are pending: the case can close only once they are "
                  "concluded or handed over to other counsel."),
    ),
    ActionRule(
        action=A.RECORD_RETURN, forbidden_when="protection.claim_pending",
        recommendations=("R7",),
        reason=_l("A protection claim is pending: no return while it is being decided."),
    ),
)

# Clocks of the legal checkpoints besides their own deadlines.
# Know-your-rights is given again this many calendar months after the last orientation,
# while the child has no attorney of record (45 CFR 410.1309).
KYR_REPEAT_MONTHS = 6
# COMAR decides a claim within 45 business days of filing, and tells INM so no return happens.
COMAR_DECISION = Deadline(45, Unit.BUSINESS_DAYS, anchor="protection.comar_filed")
# Age-out alerts: days before the birthday. At 18 the child leaves children's custody;
# SIJS needs the I-360 filed before 21 (US cases only).
AGE_OUT_ALERT_DAYS = {18: 180, 21: 365}

BY_KEY: dict[str, Checkpoint] = {c.key: c for c in CATALOGUE}


def gates_for(action: Action) -> list[tuple[Checkpoint, Gate]]:
    return [(c, g) for c in CATALOGUE for g in c.blocks if g.action == action]


def with_overrides(overrides: dict) -> tuple[Checkpoint, ...]:
    """The catalogue with an organisation's deadline changes applied.

    `overrides` maps a checkpoint key to {"amount": int, "unit": "hours"|"days"|
    "business_days"|"months"}, e.g. CASEWORK_DEADLINES = {"screen.safety": {"amount": 12,
    "unit": "hours"}}. A checkpoint with several clocks names the clock after a colon:
    {"bi.bia:comprehensive": {"amount": 20, "unit": "days"}}.
    """
    by_clock: dict[str, dict[str, dict]] = {}
    for name, change in overrides.items():
        key, _, clock = name.partition(":")
        if key not in BY_KEY:
            raise ValueError(f"CASEWORK_DEADLINES names unknown checkpoints: {[name]}")
        clock_keys = {c.key for c in BY_KEY[key].clocks}
        if clock_keys and clock not in clock_keys:
            raise ValueError(f"CASEWORK_DEADLINES: {key} has several deadlines; name one of "
                             f"{sorted(clock_keys)} as '{key}:<clock>'")
        if not clock_keys and clock:
            raise ValueError(f"CASEWORK_DEADLINES: {key} has no clock {clock!r}")
        by_clock.setdefault(key, {})[clock] = change

    def changed(base: Deadline | None, change: dict) -> Deadline:
        base = base or Deadline(0, Unit.DAYS)
        return replace(base, amount=int(change["amount"]),
                       unit=Unit(change.get("unit", base.unit)))

    result = []
    for cp in CATALOGUE:
        changes = by_clock.get(cp.key)
        if changes and cp.clocks:
            cp = replace(cp, clocks=tuple(
                replace(c, deadline=changed(c.deadline, changes[c.key])) if c.key in changes
                else c for c in cp.clocks))
        elif changes:
            cp = replace(cp, deadline=changed(cp.deadline, changes[""]))
        result.append(cp)
    return tuple(result)


@dataclass
class PolicyProblems:
    problems: list[str] = field(default_factory=list)

    def add(self, text: str) -> None:
        self.problems.append(text)


def validate(catalogue, conditions: set[str], anchors: set[str],
             endpoints: set[str] | None = None) -> list[str]:
    """Everything that would make the catalogue unenforceable, as readable lines."""
    out = PolicyProblems()
    keys = [c.key for c in catalogue]
    for dup in {k for k in keys if keys.count(k) > 1}:
        out.add(f"checkpoint {dup} is declared twice")
    roles = set(Role) | {PANEL}
    for cp in catalogue:
        for rec in cp.recommendations:
            if rec not in RECOMMENDATIONS:
                out.add(f"{cp.key}: unknown recommendation {rec}")
        for name in (cp.applies, cp.met):
            if name not in conditions:
                out.add(f"{cp.key}: condition {name!r} is not registered")
        for role in (*cp.completed_by, *cp.signed_off_by):
            if role not in roles:
                out.add(f"{cp.key}: unknown role {role!r}")
        _validate_clocks(cp, conditions, anchors, out)
        if endpoints is not None and cp.form and cp.form not in endpoints:
            out.add(f"{cp.key}: form endpoint {cp.form!r} does not exist")
    for rule in ACTION_RULES:
        if rule.forbidden_when not in conditions:
            out.add(f"action rule for {rule.action}: condition {rule.forbidden_when!r} "
                    "is not registered")
    guarded = {g.action for cp in catalogue for g in cp.blocks}
    for action in Action:
        if action not in guarded:
            out.add(f"action {action} is not guarded by any checkpoint")
    return out.problems


def _validate_clocks(cp: Checkpoint, conditions: set[str], anchors: set[str],
                     out: PolicyProblems) -> None:
    if cp.clocks and cp.deadline is not None:
        out.add(f"{cp.key}: declares both a deadline and clocks; give the deadline as a clock")
    if len(cp.clocks) == 1:
        out.add(f"{cp.key}: a single clock is a deadline; declare it as `deadline`")
    keys = [c.key for c in cp.clocks]
    for clock in cp.clocks:
        if not isinstance(clock.key, str) or not CLOCK_KEY.match(clock.key):
            out.add(f"{cp.key}: clock key {clock.key!r} is not 1-20 of a-z, 0-9 and _")
        elif keys.count(clock.key) > 1:
            out.add(f"{cp.key}: clock {clock.key} is declared twice")
        if not str(clock.label or "").strip():
            out.add(f"{cp.key}: clock {clock.key!r} has no label")
        if not isinstance(clock.deadline, Deadline):
            out.add(f"{cp.key}: clock {clock.key!r} has no deadline")
        if clock.done not in conditions:
            out.add(f"{cp.key}: clock {clock.key!r} condition {clock.done!r} "
                    "is not registered")
    for clock in cp.all_clocks:
        rule = clock.deadline
        if not isinstance(rule, Deadline):
            continue
        name = f"{cp.key}" + (f" clock {clock.key}" if clock.key else "")
        if rule.anchor not in anchors:
            out.add(f"{name}: deadline anchor {rule.anchor!r} is not registered")
        if not isinstance(rule.amount, int) or rule.amount < 0:
            out.add(f"{name}: deadline amount {rule.amount!r} is not a whole number >= 0")
        if rule.unit not in set(Unit):
            out.add(f"{name}: unknown deadline unit {rule.unit!r}")
