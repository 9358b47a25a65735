"""The legal verbs: orientations, relief screenings, representation, proceedings and
hearings, change-of-address filings, relief filings (US and Mexico), privileged notes.

They flush, refresh the case's checkpoints and audit (ids and kinds, never what was
written); the view commits. The forms check the same rules beside each field; the
checks here keep the records coherent whoever calls, and raise ValueError with a
message for the user (or NotPermitted, CheckpointBlocked, StaleEdit).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from casework.accounts.models import User
from casework.accounts.roles import Country, Role
from casework.audit.services import record
from casework.cases import services as cases
from casework.cases.models import Case
from casework.errors import NotPermitted, StaleEdit
from casework.extensions import db
from casework.legal.choices import (
    COMAR_STILL_PENDING,
    FILING_STILL_PENDING,
    AddressChangeReason,
    ComarDecision,
    Conclusion,
    FilingDecision,
    FilingKind,
    HearingKind,
    HearingOutcome,
    ReferralStatus,
    Relief,
    RepresentationKind,
    ScreeningResult,
)
from casework.legal.conditions import day_start
from casework.legal.models import (
    AddressChange,
    ComarClaim,
    Eoir33Filing,
    Hearing,
    KnowYourRights,
    LegalNote,
    LegalScreening,
    ReliefFiling,
    RemovalProceeding,
    Representation,
    SessionFormat,
)
from casework.models import utcnow
from casework.workflow import engine
from casework.workflow.deadlines import due_date
from casework.workflow.policy import Action

NOTE_MAX = 20000
SIJS_AGE_LIMIT = 21  # the I-360 must be filed before the 21st birthday


def _clean(text: str | None) -> str | None:
    return (text or "").strip() or None


def today() -> date:
    return utcnow().date()


def _check_when(when: datetime, message=None) -> None:
    if when.tzinfo is None:
        raise TypeError("a naive datetime: record times are aware UTC")
    if when > utcnow():
        raise ValueError(message or _l("A record cannot be dated in the future."))


def _check_day(day: date, *, earliest: date | None = None, too_early=None) -> None:
    if day > today():
        raise ValueError(_l("A date cannot be in the future."))
    if earliest is not None and day < earliest:
        raise ValueError(too_early or _l("A date cannot be before %(day)s.",
                                         day=format_date(earliest)))


def encountered_on(case: Case) -> date:
    return case.encountered_at.date()


def intake_on(case: Case) -> date:
    return case.opened_at.date()


def birthday(born: date, age: int) -> date:
    """The day a child born on `born` turns `age` (28 February for a 29 February birth)."""
    try:
        return born.replace(year=born.year + age)
    except ValueError:
        return born.replace(year=born.year + age, day=28)


def record_of(case: Case, model, record_id) -> object:
    """One record of this case, or NotPermitted (ids from forms are never trusted)."""
    try:
        key = record_id if isinstance(record_id, uuid.UUID) else uuid.UUID(str(record_id))
    except ValueError:
        raise NotPermitted(_l("That record does not exist on this case.")) from None
    row = db.session.get(model, key)
    if row is None or row.case_id != case.id:
        raise NotPermitted(_l("That record does not exist on this case."))
    return row


def _saved(case: Case, event: str, actor: User, **details) -> None:
    db.session.flush()
    engine.refresh(case)
    record(event, actor_id=actor.id, case_id=case.id,
           details={k: str(v) for k, v in details.items()})


# --- know-your-rights ---------------------------------------------------------

@dataclass
class OrientationDetails:
    delivered_at: datetime
    language: str
    presenter: str
    session_format: str
    provider: str


def record_orientation(case: Case, d: OrientationDetails, *, actor: User) -> KnowYourRights:
    if d.delivered_at.tzinfo is None:
        raise TypeError("a naive datetime: record times are aware UTC")
    if d.delivered_at > utcnow():
        raise ValueError(_l("An orientation is recorded once it has been given."))
    language, presenter, provider = (
        (v or "").strip() for v in (d.language, d.presenter, d.provider))
    if not (language and presenter and provider):
        raise ValueError(_l("The language, the presenter and the provider are all needed."))
    entry = KnowYourRights(id=uuid.uuid4(), case=case, case_id=case.id,
                           delivered_at=d.delivered_at,
                           session_format=SessionFormat(d.session_format), provider=provider,
                           recorded_by_id=actor.id)
    entry.language = language
    entry.presenter = presenter
    db.session.add(entry)
    db.session.flush()
    engine.refresh(case)
    record("kyr.record", actor_id=actor.id, case_id=case.id,
           details={"orientation": str(entry.id)})
    return entry


# --- legal screening ----------------------------------------------------------

@dataclass
class ScreeningDetails:
    screened_at: datetime
    considered: list[str]
    identified: list[str] = field(default_factory=list)
    wishes_to_apply: bool = False
    interpreter_used: bool = False
    entered_country_on: date | None = None
    analysis: str | None = None


def screening_problems(case: Case, d: ScreeningDetails) -> dict[str, object]:
    """Field name -> message for every rule the details break (empty: coherent)."""
    problems: dict[str, object] = {}
    considered = set(d.considered or [])
    identified = set(d.identified or [])
    if not considered:
        problems["considered"] = _l("Tick every form of relief you considered.")
    if identified - considered:
        problems["identified"] = _l("Relief can be identified only among the relief considered.")
    if d.wishes_to_apply and not identified:
        problems["wishes_to_apply"] = _l("The child can apply only for relief identified.")
    if identified and not _clean(d.analysis):
        problems["analysis"] = _l("Say why the child may qualify: the facts that support it.")
    if d.entered_country_on is not None and d.entered_country_on > encountered_on(case):
        problems["entered_country_on"] = _l(
            "The child entered the country on or before being encountered (%(day)s).",
            day=format_date(encountered_on(case)))
    return problems


def record_screening(case: Case, d: ScreeningDetails, *, actor: User) -> LegalScreening:
    _check_when(d.screened_at)
    if d.screened_at < case.encountered_at.replace(second=0, microsecond=0):
        raise ValueError(_l("A screening cannot be before the child was encountered."))
    problems = screening_problems(case, d)
    if problems:
        raise ValueError(next(iter(problems.values())))
    considered = [Relief(c).value for c in dict.fromkeys(d.considered)]
    identified = [Relief(c).value for c in dict.fromkeys(d.identified or [])]
    entry = LegalScreening(
        id=uuid.uuid4(), case=case, case_id=case.id, screened_at=d.screened_at,
        considered=considered, identified=identified,
        result=ScreeningResult.RELIEF_IDENTIFIED if identified else ScreeningResult.NO_RELIEF,
        wishes_to_apply=bool(d.wishes_to_apply and identified),
        interpreter_used=bool(d.interpreter_used), entered_country_on=d.entered_country_on,
        recorded_by_id=actor.id,
    )
    entry.analysis = _clean(d.analysis)
    db.session.add(entry)
    _saved(case, "legal_screening.record", actor, screening=entry.id)
    return entry


# --- representation -----------------------------------------------------------

@dataclass
class RepresentationDetails:
    kind: str
    started_on: date
    attorney_id: uuid.UUID | None = None
    counsel: str | None = None
    referral_status: str | None = None
    accepted_on: date | None = None
    g28_on: date | None = None
    eoir28_on: date | None = None
    l3a_on: date | None = None


FORM_DATES = ("g28_on", "eoir28_on", "l3a_on")


def representation_problems(case: Case, d: RepresentationDetails) -> dict[str, object]:
    problems: dict[str, object] = {}
    kind = RepresentationKind(d.kind)
    for name in FORM_DATES:
        day = getattr(d, name)
        if day is not None and day < intake_on(case):
            problems[name] = _l("This cannot be before the child's intake (%(day)s).",
                                day=format_date(intake_on(case)))
        elif day is not None and day > today():
            problems[name] = _l("This cannot be in the future.")
    if d.started_on is not None:
        if d.started_on > today():
            problems["started_on"] = _l("This cannot be in the future.")
        elif d.started_on < encountered_on(case):
            problems["started_on"] = _l("This cannot be before the child was encountered.")
    if kind == RepresentationKind.ATTORNEY:
        if d.attorney_id is None:
            problems["attorney_id"] = _l("Choose the attorney.")
        us = case.office.country == Country.US
        if us and not any(getattr(d, name) for name in FORM_DATES):
            problems["g28_on"] = _l("In the US an attorney of record is shown by a G-28, an "
                                    "EOIR-28 or an L-3A: give the date of at least one.")
    else:
        if not _clean(d.counsel):
            problems["counsel"] = _l("Give the pro bono organisation or attorney.")
        if not d.referral_status:
            problems["referral_status"] = _l("Choose the status of the referral.")
        accepted = d.referral_status == ReferralStatus.ACCEPTED
        if accepted and d.accepted_on is None:
            problems["accepted_on"] = _l("Give the day counsel accepted.")
        if d.accepted_on is not None:
            if not accepted:
                problems["accepted_on"] = _l("Only an accepted referral has this date.")
            elif d.accepted_on > today():
                problems["accepted_on"] = _l("This cannot be in the future.")
            elif d.started_on is not None and d.accepted_on < d.started_on:
                problems["accepted_on"] = _l("Counsel accepts after the referral is made.")
    return problems


def _attorney(case: Case, attorney_id) -> User:
    user = db.session.get(User, attorney_id) if attorney_id else None
    if (user is None or user.role != Role.ATTORNEY or not user.active
            or user.office_id != case.office_id):
        raise NotPermitted(_l("Choose an attorney of this case's office."))
    return user


def record_representation(case: Case, d: RepresentationDetails, *,
                          actor: User) -> Representation:
    problems = representation_problems(case, d)
    if problems:
        raise ValueError(next(iter(problems.values())))
    kind = RepresentationKind(d.kind)
    attorney = _attorney(case, d.attorney_id) if kind == RepresentationKind.ATTORNEY else None
    rep = Representation(
        id=uuid.uuid4(), case=case, case_id=case.id, kind=kind,
        attorney_id=attorney.id if attorney else None, started_on=d.started_on,
        g28_on=d.g28_on, eoir28_on=d.eoir28_on, l3a_on=d.l3a_on,
        referral_status=ReferralStatus(d.referral_status) if attorney is None else None,
        accepted_on=d.accepted_on if attorney is None else None, recorded_by_id=actor.id,
    )
    rep.counsel = _clean(d.counsel) if attorney is None else None
    db.session.add(rep)
    if attorney is not None:
        # The attorney of record joins the case team, so privileged notes reach them.
        cases.add_team_member(case, attorney, actor=actor)
    _saved(case, "representation.record", actor, representation=rep.id, kind=kind.value)
    return rep


def _check_version(row, expected_version: int | None) -> None:
    if expected_version is not None and row.version != expected_version:
        raise StaleEdit(row.version)


def update_representation(case: Case, representation_id, d: RepresentationDetails, *,
                          actor: User, expected_version: int | None = None) -> Representation:
    """Add the forms' dates as they are filed, or a referral's answer."""
    rep = record_of(case, Representation, representation_id)
    _check_version(rep, expected_version)
    if not rep.active:
        raise NotPermitted(_l("This representation has ended; record a new one."))
    d.kind, d.started_on = rep.kind, rep.started_on
    d.attorney_id = rep.attorney_id
    if rep.kind == RepresentationKind.REFERRAL:
        d.counsel = d.counsel or rep.counsel
    problems = representation_problems(case, d)
    if problems:
        raise ValueError(next(iter(problems.values())))
    rep.g28_on, rep.eoir28_on, rep.l3a_on = d.g28_on, d.eoir28_on, d.l3a_on
    if rep.kind == RepresentationKind.REFERRAL:
        rep.referral_status = ReferralStatus(d.referral_status)
        rep.accepted_on = d.accepted_on
        rep.counsel = _clean(d.counsel)
    rep.updated_by_id, rep.updated_at = actor.id, utcnow()
    _saved(case, "representation.update", actor, representation=rep.id)
    return rep


def withdraw_representation(case: Case, representation_id, withdrawn_on: date, reason: str,
                            *, actor: User, expected_version: int | None = None
                            ) -> Representation:
    rep = record_of(case, Representation, representation_id)
    _check_version(rep, expected_version)
    if not rep.active:
        raise NotPermitted(_l("This representation has already ended."))
    _check_day(withdrawn_on, earliest=rep.started_on,
               too_early=_l("Counsel withdraws after representation began."))
    if not _clean(reason):
        raise ValueError(_l("Give the reason for the withdrawal."))
    rep.withdrawn_on = withdrawn_on
    rep.withdrawal_reason = _clean(reason)
    rep.updated_by_id, rep.updated_at = actor.id, utcnow()
    _saved(case, "representation.withdraw", actor, representation=rep.id)
    return rep


# --- removal proceedings, hearings and addresses (US) -------------------------

def _in_us(case: Case) -> None:
    if case.office.country != Country.US:
        raise NotPermitted(_l("Removal proceedings are recorded on cases of a US office."))


def a_number_digits(value: str | None) -> str | None:
    """The 8 or 9 digits of an A-number, or None when it is not one."""
    digits = "".join(ch for ch in value or "" if ch.isdigit())
    rest = "".join(ch for ch in value or "" if not ch.isdigit()).strip(" -").upper()
    if rest not in ("", "A") or len(digits) not in (8, 9):
        return None
    return cases.normalise_a_number(digits)


@dataclass
class ProceedingDetails:
    a_number: str
    court: str
    nta_on: date


def pending_proceeding(case: Case) -> RemovalProceeding | None:
    return db.session.scalars(
        sa.select(RemovalProceeding).where(RemovalProceeding.case_id == case.id,
                                           RemovalProceeding.conclusion.is_(None))
        .order_by(RemovalProceeding.nta_on.desc())
    ).first()


def record_proceeding(case: Case, d: ProceedingDetails, *, actor: User) -> RemovalProceeding:
    _in_us(case)
    if pending_proceeding(case) is not None:
        raise NotPermitted(_l("Proceedings are already pending: conclude them before "
                              "recording new ones."))
    number = a_number_digits(d.a_number)
    if number is None:
        raise ValueError(_l("An A-number has 8 or 9 digits, for example A-012-345-678."))
    if not _clean(d.court):
        raise ValueError(_l("Give the immigration court."))
    _check_day(d.nta_on, earliest=encountered_on(case),
               too_early=_l("A notice to appear comes after the child was encountered."))
    proceeding = RemovalProceeding(id=uuid.uuid4(), case=case, case_id=case.id,
                                   nta_on=d.nta_on, recorded_by_id=actor.id)
    proceeding.a_number = number
    proceeding.court = _clean(d.court)
    db.session.add(proceeding)
    _a_number_to_case(case, number)
    _saved(case, "proceeding.record", actor, proceeding=proceeding.id)
    return proceeding


def _a_number_to_case(case: Case, number: str) -> None:
    """The notice to appear's A-number becomes the case's, so search by A-number finds the
    child (blind index only: the number is never in a URL, a log or the audit trail)."""
    if case.a_number == number:
        return
    case.a_number = number
    db.session.flush()
    cases.reindex(case)


def conclude_proceeding(case: Case, proceeding_id, concluded_on: date, conclusion: str, *,
                        actor: User) -> RemovalProceeding:
    proceeding = record_of(case, RemovalProceeding, proceeding_id)
    if not proceeding.pending:
        raise NotPermitted(_l("These proceedings are already concluded."))
    _check_day(concluded_on, earliest=proceeding.nta_on,
               too_early=_l("Proceedings end after the notice to appear."))
    proceeding.conclusion = Conclusion(conclusion)
    proceeding.concluded_on = concluded_on
    proceeding.concluded_by_id = actor.id
    _saved(case, "proceeding.conclude", actor, proceeding=proceeding.id,
           conclusion=proceeding.conclusion.value)
    return proceeding


@dataclass
class HearingDetails:
    kind: str
    scheduled_at: datetime
    judge: str | None = None
    outcome: str | None = None  # None: upcoming
    notes: str | None = None
    next_at: datetime | None = None  # the next hearing the court set
    next_kind: str | None = None


def hearing_problems(d: HearingDetails, proceeding: RemovalProceeding | None = None,
                     now: datetime | None = None) -> dict[str, object]:
    now = now or utcnow()
    problems: dict[str, object] = {}
    if d.scheduled_at is not None:
        if d.outcome is None and d.scheduled_at <= now:
            problems["scheduled_at"] = _l("A hearing in the past cannot be upcoming: record "
                                          "its outcome.")
        elif d.outcome is not None and d.scheduled_at > now:
            problems["scheduled_at"] = _l("An outcome is recorded once the hearing has taken "
                                          "place; leave it upcoming.")
        elif proceeding is not None and d.scheduled_at < day_start(proceeding.nta_on):
            problems["scheduled_at"] = _l("A hearing comes after the notice to appear.")
    problems.update(next_hearing_problems(d, now))
    return problems


def next_hearing_problems(d: HearingDetails, now: datetime) -> dict[str, object]:
    problems: dict[str, object] = {}
    if d.next_at is not None:
        if d.outcome not in (HearingOutcome.HELD, HearingOutcome.CONTINUED):
            problems["next_at"] = _l("A next hearing follows a hearing that was held or "
                                     "continued.")
        elif d.next_at <= now:
            problems["next_at"] = _l("The next hearing is in the future.")
        elif not d.next_kind:
            problems["next_kind"] = _l("Choose the type of the next hearing.")
    return problems


def _new_hearing(case: Case, proceeding: RemovalProceeding, kind, scheduled_at: datetime,
                 actor: User, judge: str | None = None) -> Hearing:
    hearing = Hearing(id=uuid.uuid4(), case=case, case_id=case.id,
                      proceeding_id=proceeding.id, kind=HearingKind(kind),
                      scheduled_at=scheduled_at, recorded_by_id=actor.id)
    hearing.judge = _clean(judge)
    db.session.add(hearing)
    return hearing


def _set_outcome(hearing: Hearing, d: HearingDetails, actor: User) -> None:
    hearing.outcome = HearingOutcome(d.outcome)
    hearing.outcome_by_id, hearing.outcome_at = actor.id, utcnow()
    hearing.notes = _clean(d.notes)


def record_hearing(case: Case, d: HearingDetails, *, actor: User) -> Hearing:
    """An upcoming hearing, or one that took place with its outcome (and the next date)."""
    if d.scheduled_at.tzinfo is None or (d.next_at and d.next_at.tzinfo is None):
        raise TypeError("a naive datetime: record times are aware UTC")
    proceeding = pending_proceeding(case)
    if proceeding is None:
        raise NotPermitted(_l("Record the proceedings (notice to appear) first."))
    problems = hearing_problems(d, proceeding)
    if problems:
        raise ValueError(next(iter(problems.values())))
    hearing = _new_hearing(case, proceeding, d.kind, d.scheduled_at, actor, d.judge)
    if d.outcome:
        _set_outcome(hearing, d, actor)
        if d.next_at:
            _new_hearing(case, proceeding, d.next_kind, d.next_at, actor, d.judge)
    _saved(case, "hearing.record", actor, hearing=hearing.id, kind=hearing.kind.value)
    return hearing


def record_hearing_outcome(case: Case, hearing_id, d: HearingDetails, *,
                           actor: User) -> Hearing:
    hearing = record_of(case, Hearing, hearing_id)
    if hearing.outcome is not None:
        raise NotPermitted(_l("This hearing's outcome is already recorded."))
    if not hearing.proceeding.pending:
        raise NotPermitted(_l("These proceedings are concluded."))
    if hearing.scheduled_at > utcnow():
        raise ValueError(_l("An outcome is recorded once the hearing has taken place."))
    if not d.outcome:
        raise ValueError(_l("Choose the outcome."))
    problems = next_hearing_problems(d, utcnow())
    if problems:
        raise ValueError(next(iter(problems.values())))
    _set_outcome(hearing, d, actor)
    if d.next_at:
        _new_hearing(case, hearing.proceeding, d.next_kind, d.next_at, actor, hearing.judge)
    _saved(case, "hearing.outcome", actor, hearing=hearing.id, outcome=hearing.outcome.value)
    return hearing


def record_address_change(case: Case, changed_on: date, reason: str, address: str, *,
                          actor: User) -> AddressChange:
    _in_us(case)
    _check_day(changed_on, earliest=encountered_on(case),
               too_early=_l("This cannot be before the child was encountered."))
    if not _clean(address):
        raise ValueError(_l("Give the new address."))
    change = AddressChange(id=uuid.uuid4(), case=case, case_id=case.id, changed_on=changed_on,
                           reason=AddressChangeReason(reason), recorded_by_id=actor.id)
    change.address = _clean(address)
    db.session.add(change)
    _saved(case, "address_change.record", actor, change=change.id)
    return change


def record_eoir33(case: Case, filed_on: date, confirmation: str | None, *,
                  actor: User) -> Eoir33Filing:
    _in_us(case)
    proceeding = pending_proceeding(case)
    if proceeding is None:
        raise NotPermitted(_l("An EOIR-33 is filed in pending proceedings: record them first."))
    _check_day(filed_on, earliest=proceeding.nta_on,
               too_early=_l("An EOIR-33 is filed after the notice to appear."))
    filing = Eoir33Filing(id=uuid.uuid4(), case=case, case_id=case.id, filed_on=filed_on,
                          recorded_by_id=actor.id)
    filing.confirmation = _clean(confirmation)
    db.session.add(filing)
    _saved(case, "eoir33.record", actor, filing=filing.id)
    return filing


# --- relief filings in the US -------------------------------------------------

@dataclass
class FilingDetails:
    kind: str
    filed_on: date
    receipt_on: date | None = None
    receipt_number: str | None = None
    description: str | None = None


def filing_problems(case: Case, d: FilingDetails) -> dict[str, object]:
    problems: dict[str, object] = {}
    kind = FilingKind(d.kind)
    if d.filed_on is not None:
        if d.filed_on > today():
            problems["filed_on"] = _l("This cannot be in the future.")
        elif d.filed_on < encountered_on(case):
            problems["filed_on"] = _l("This cannot be before the child was encountered.")
        elif kind == FilingKind.SIJS_I360:
            problems.update(_i360_problems(case, d.filed_on))
    if d.receipt_on is not None and d.filed_on is not None:
        if d.receipt_on < d.filed_on:
            problems["receipt_on"] = _l("A receipt comes after the filing.")
        elif d.receipt_on > today():
            problems["receipt_on"] = _l("This cannot be in the future.")
    if kind == FilingKind.OTHER and not _clean(d.description):
        problems["description"] = _l("Say what was filed.")
    return problems


def _i360_problems(case: Case, filed_on: date) -> dict[str, object]:
    born = case.birth_date
    if born is not None and filed_on >= birthday(born, SIJS_AGE_LIMIT):
        return {"filed_on": _l("An I-360 for SIJS must be filed before the 21st birthday "
                               "(%(day)s).", day=format_date(birthday(born, SIJS_AGE_LIMIT)))}
    orders = db.session.scalars(sa.select(ReliefFiling).where(
        ReliefFiling.case_id == case.id, ReliefFiling.kind == FilingKind.SIJS_ORDER,
        ReliefFiling.decision == FilingDecision.GRANTED,
        ReliefFiling.decided_on <= filed_on)).first()
    if orders is None:
        return {"filed_on": _l("An I-360 needs the state-court predicate order: record the "
                               "granted order first.")}
    return {}


def record_filing(case: Case, d: FilingDetails, *, actor: User) -> ReliefFiling:
    if case.office.country != Country.US:
        raise NotPermitted(_l("US relief is filed on cases of a US office."))
    problems = filing_problems(case, d)
    if problems:
        raise ValueError(next(iter(problems.values())))
    engine.require(case, Action.FILE_RELIEF)
    filing = ReliefFiling(id=uuid.uuid4(), case=case, case_id=case.id,
                          kind=FilingKind(d.kind), filed_on=d.filed_on,
                          receipt_on=d.receipt_on, recorded_by_id=actor.id)
    filing.receipt_number = _clean(d.receipt_number)
    filing.description = _clean(d.description)
    db.session.add(filing)
    _saved(case, "relief_filing.record", actor, filing=filing.id, kind=filing.kind.value)
    return filing


def update_filing(case: Case, filing_id, *, receipt_on: date | None,
                  receipt_number: str | None, decision: str | None, decided_on: date | None,
                  actor: User) -> ReliefFiling:
    """Add the receipt, or the decision, of a filing that is still pending."""
    filing = record_of(case, ReliefFiling, filing_id)
    if filing.decision is not None and filing.decision not in FILING_STILL_PENDING:
        raise NotPermitted(_l("This filing is already decided."))
    if receipt_on is not None:
        if receipt_on < filing.filed_on:
            raise ValueError(_l("A receipt comes after the filing."))
        _check_day(receipt_on)
    if bool(decision) != bool(decided_on):
        raise ValueError(_l("Give both the decision and its date."))
    if decided_on is not None:
        _check_day(decided_on, earliest=filing.filed_on,
                   too_early=_l("A decision comes after the filing."))
    filing.receipt_on = receipt_on or filing.receipt_on
    filing.receipt_number = _clean(receipt_number) or filing.receipt_number
    if decision:
        filing.decision, filing.decided_on = FilingDecision(decision), decided_on
        filing.decision_by_id = actor.id
    _saved(case, "relief_filing.update", actor, filing=filing.id,
           decision=filing.decision.value if filing.decision else "")
    return filing


# --- refugee claims in Mexico (COMAR) -----------------------------------------

def comar_filing_due(entered_on: date) -> datetime:
    """The last day to file with COMAR without a reason for filing late (the catalogue's)."""
    return due_date(engine.checkpoint("protection.claim_mx").deadline, day_start(entered_on))


@dataclass
class ClaimDetails:
    entered_on: date
    filed_on: date
    reference: str | None = None
    late_reason: str | None = None


def claim_problems(case: Case, d: ClaimDetails) -> dict[str, object]:
    problems: dict[str, object] = {}
    if d.entered_on is not None and d.entered_on > encountered_on(case):
        problems["entered_on"] = _l(
            "The child entered Mexico on or before being encountered (%(day)s).",
            day=format_date(encountered_on(case)))
    if d.filed_on is not None:
        if d.filed_on > today():
            problems["filed_on"] = _l("This cannot be in the future.")
        elif d.entered_on is not None and d.filed_on < d.entered_on:
            problems["filed_on"] = _l("A claim is filed after entering Mexico.")
        elif (d.entered_on is not None and day_start(d.filed_on) > comar_filing_due(d.entered_on)
              and not _clean(d.late_reason)):
            problems["late_reason"] = _l(
                "Filed after %(day)s, more than 30 business days from entry: give the reason "
                "for filing late.", day=format_date(comar_filing_due(d.entered_on)))
    return problems


def record_claim(case: Case, d: ClaimDetails, *, actor: User) -> ComarClaim:
    if case.office.country != Country.MX:
        raise NotPermitted(_l("COMAR claims are recorded on cases of a Mexican office."))
    problems = claim_problems(case, d)
    if problems:
        raise ValueError(next(iter(problems.values())))
    engine.require(case, Action.FILE_RELIEF)
    claim = ComarClaim(id=uuid.uuid4(), case=case, case_id=case.id, entered_on=d.entered_on,
                       filed_on=d.filed_on, recorded_by_id=actor.id)
    claim.reference = _clean(d.reference)
    claim.late_reason = _clean(d.late_reason)
    db.session.add(claim)
    _saved(case, "comar_claim.record", actor, claim=claim.id)
    return claim


def update_claim(case: Case, claim_id, *, inm_notified_on: date | None, decision: str | None,
                 decided_on: date | None, actor: User) -> ComarClaim:
    """The notice to INM, then COMAR's decision."""
    claim = record_of(case, ComarClaim, claim_id)
    if claim.decision is not None and claim.decision not in COMAR_STILL_PENDING:
        raise NotPermitted(_l("This claim is already decided."))
    if inm_notified_on is not None:
        _check_day(inm_notified_on, earliest=claim.filed_on,
                   too_early=_l("INM is notified after the claim is filed."))
    if bool(decision) != bool(decided_on):
        raise ValueError(_l("Give both the decision and its date."))
    if decided_on is not None:
        _check_day(decided_on, earliest=claim.filed_on,
                   too_early=_l("A decision comes after the filing."))
    claim.inm_notified_on = inm_notified_on or claim.inm_notified_on
    if decision:
        claim.decision, claim.decided_on = ComarDecision(decision), decided_on
        claim.decision_by_id = actor.id
    _saved(case, "comar_claim.update", actor, claim=claim.id,
           decision=claim.decision.value if claim.decision else "")
    return claim


# --- privileged notes -----------------------------------------------------------

def may_use_notes(case: Case, user: User) -> bool:
    """Attorney-client notes: legal staff on the case team, and no one else."""
    return Role(user.role).is_legal and any(m.user_id == user.id for m in case.team)


def write_note(case: Case, body: str, *, actor: User) -> LegalNote:
    if not may_use_notes(case, actor):
        raise NotPermitted(_l("Only legal staff on the case team write privileged notes."))
    text = _clean(body)
    if not text:
        raise ValueError(_l("Write the note."))
    if len(text) > NOTE_MAX:
        raise ValueError(_l("A note has at most %(n)d characters.", n=NOTE_MAX))
    note = LegalNote(id=uuid.uuid4(), case=case, case_id=case.id, author_id=actor.id)
    note.body = text
    db.session.add(note)
    db.session.flush()
    # The note's id only: its text never reaches the audit trail or any other history.
    record("legal_note.write", actor_id=actor.id, case_id=case.id,
           details={"note": str(note.id)})
    return note
