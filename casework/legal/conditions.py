"""Conditions and deadline anchors of the legal and protection checkpoints.

The fact sources load only plain columns (dates, kinds, outcomes), for a whole
batch of cases in one query each, ordered so that the last record is the latest.
Some conditions read the clock (`facts.now`): a know-your-rights orientation
falls due again six months on, and a hearing that has passed needs its outcome.
Every save refreshes the case; the clocks at the end of this file name the cases
that time alone may have changed, which `flask casework checkpoints refresh-due`
refreshes daily (and `rebuild` recomputes every case).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from casework.accounts.roles import Country
from casework.extensions import db
from casework.legal.choices import (
    COMAR_STILL_PENDING,
    FILING_STILL_PENDING,
    MX_RELIEF,
    US_RELIEF,
    ScreeningResult,
)
from casework.legal.models import (
    AddressChange,
    ComarClaim,
    Eoir33Filing,
    Hearing,
    KnowYourRights,
    LegalScreening,
    ReliefFiling,
    RemovalProceeding,
    Representation,
    represents,
)
from casework.screening.choices import CustodyEventKind
from casework.workflow.models import CaseCheckpoint, State
from casework.workflow.policy import KYR_REPEAT_MONTHS, Action
from casework.workflow.registry import (
    Met,
    anchor,
    clock,
    condition,
    fact_source,
    group_by_case,
    in_batch,
)

# Admission to children's care starts the know-your-rights clock: ORR in the US,
# DIF in Mexico. A cross-border transfer starts it again.
ADMISSIONS = frozenset({CustodyEventKind.ORR_TRANSFER, CustodyEventKind.DIF_HANDOVER})


def day_start(d: date) -> datetime:
    """A calendar day as the moment it begins, in UTC (dates count as whole days)."""
    return datetime(d.year, d.month, d.day, tzinfo=UTC)


def add_months(when: datetime, months: int) -> datetime:
    """The same day `months` later (the month's last day when it is shorter)."""
    index = when.month - 1 + months
    year, month = when.year + index // 12, index % 12 + 1
    return when.replace(year=year, month=month,
                        day=min(when.day, calendar.monthrange(year, month)[1]))


# --- fact sources ------------------------------------------------------------

@fact_source("legal.orientations", keyed_by=KnowYourRights.case_id)
def load_orientations(case_ids):
    return group_by_case(db.session.execute(
        sa.select(KnowYourRights.case_id, KnowYourRights.delivered_at,
                  KnowYourRights.recorded_by_id)
        .where(in_batch(KnowYourRights.case_id, case_ids))
        .order_by(KnowYourRights.delivered_at, KnowYourRights.recorded_at)
    ))


@fact_source("legal.screenings", keyed_by=LegalScreening.case_id)
def load_screenings(case_ids):
    return group_by_case(db.session.execute(
        sa.select(LegalScreening.case_id, LegalScreening.screened_at, LegalScreening.result,
                  LegalScreening.identified, LegalScreening.wishes_to_apply,
                  LegalScreening.entered_country_on, LegalScreening.recorded_by_id)
        .where(in_batch(LegalScreening.case_id, case_ids))
        .order_by(LegalScreening.screened_at, LegalScreening.recorded_at)
    ))


@fact_source("legal.representations", keyed_by=Representation.case_id)
def load_representations(case_ids):
    return group_by_case(db.session.execute(
        sa.select(Representation.case_id, Representation.kind, Representation.referral_status,
                  Representation.started_on, Representation.accepted_on,
                  Representation.withdrawn_on, Representation.recorded_by_id)
        .where(in_batch(Representation.case_id, case_ids))
        .order_by(Representation.started_on, Representation.recorded_at)
    ))


@fact_source("legal.proceedings", keyed_by=RemovalProceeding.case_id)
def load_proceedings(case_ids):
    return group_by_case(db.session.execute(
        sa.select(RemovalProceeding.case_id, RemovalProceeding.id, RemovalProceeding.nta_on,
                  RemovalProceeding.conclusion, RemovalProceeding.concluded_on,
                  RemovalProceeding.recorded_at, RemovalProceeding.recorded_by_id,
                  RemovalProceeding.concluded_by_id)
        .where(in_batch(RemovalProceeding.case_id, case_ids))
        .order_by(RemovalProceeding.nta_on, RemovalProceeding.recorded_at)
    ))


@fact_source("legal.hearings", keyed_by=Hearing.case_id)
def load_hearings(case_ids):
    return group_by_case(db.session.execute(
        sa.select(Hearing.case_id, Hearing.proceeding_id, Hearing.scheduled_at, Hearing.outcome)
        .where(in_batch(Hearing.case_id, case_ids))
        .order_by(Hearing.scheduled_at)
    ))


@fact_source("legal.address_changes", keyed_by=AddressChange.case_id)
def load_address_changes(case_ids):
    return group_by_case(db.session.execute(
        sa.select(AddressChange.case_id, AddressChange.changed_on)
        .where(in_batch(AddressChange.case_id, case_ids))
        .order_by(AddressChange.changed_on, AddressChange.recorded_at)
    ))


@fact_source("legal.eoir33_filings", keyed_by=Eoir33Filing.case_id)
def load_eoir33_filings(case_ids):
    return group_by_case(db.session.execute(
        sa.select(Eoir33Filing.case_id, Eoir33Filing.filed_on, Eoir33Filing.recorded_by_id)
        .where(in_batch(Eoir33Filing.case_id, case_ids))
        .order_by(Eoir33Filing.filed_on, Eoir33Filing.recorded_at)
    ))


@fact_source("legal.relief_filings", keyed_by=ReliefFiling.case_id)
def load_relief_filings(case_ids):
    return group_by_case(db.session.execute(
        sa.select(ReliefFiling.case_id, ReliefFiling.kind, ReliefFiling.filed_on,
                  ReliefFiling.decision, ReliefFiling.recorded_by_id)
        .where(in_batch(ReliefFiling.case_id, case_ids))
        .order_by(ReliefFiling.filed_on, ReliefFiling.recorded_at)
    ))


@fact_source("legal.comar_claims", keyed_by=ComarClaim.case_id)
def load_comar_claims(case_ids):
    return group_by_case(db.session.execute(
        sa.select(ComarClaim.case_id, ComarClaim.entered_on, ComarClaim.filed_on,
                  ComarClaim.decision, ComarClaim.recorded_by_id)
        .where(in_batch(ComarClaim.case_id, case_ids))
        .order_by(ComarClaim.filed_on, ComarClaim.recorded_at)
    ))


def _in(facts, country: Country) -> bool:
    return facts.case.office.country == country


def latest_screening(facts):
    screenings = facts.records("legal.screenings")
    return screenings[-1] if screenings else None


# --- legal.kyr ---------------------------------------------------------------

def has_attorney_of_record(facts) -> bool:
    return any(represents(r.kind, r.referral_status, r.withdrawn_on)
               for r in facts.records("legal.representations"))


def kyr_period_start(facts) -> datetime | None:
    """The latest admission to children's care, or the latest cross-border transfer."""
    times = [e.occurred_at for e in facts.records("screening.custody_events")
             if e.kind in ADMISSIONS]
    times += [a.occurred_at for a in facts.records("workflow.actions")
              if a.action == Action.RECORD_TRANSFER]
    return max(times, default=None)


@dataclass(frozen=True)
class KyrState:
    latest: object | None  # the latest orientation of the current period
    due_from: datetime  # when the orientation now needed became due
    met: bool
    repeat_at: datetime | None  # when it falls due again (no attorney of record)


def kyr_state(facts) -> KyrState:
    """Know-your-rights within 10 business days of admission and of every transfer,
    and again every 6 months while the child has no attorney of record."""
    start = kyr_period_start(facts)
    due_from = start or facts.case.opened_at
    given = [o for o in facts.records("legal.orientations")
             if start is None or o.delivered_at >= start]
    if not given:
        return KyrState(None, due_from, False, None)
    latest = given[-1]
    if has_attorney_of_record(facts):
        return KyrState(latest, due_from, True, None)
    repeat_at = add_months(latest.delivered_at, KYR_REPEAT_MONTHS)
    if facts.now < repeat_at:
        return KyrState(latest, due_from, True, repeat_at)
    return KyrState(latest, repeat_at, False, repeat_at)


@condition("legal.kyr_delivered")
def kyr_delivered(facts) -> Met | None:
    state = kyr_state(facts)
    if not state.met:
        return None
    return Met(state.latest.delivered_at, state.latest.recorded_by_id)


@anchor("legal.kyr_due_from")
def kyr_due_from(facts) -> datetime:
    return kyr_state(facts).due_from


@anchor("legal.kyr_first_given")
def kyr_first_given(facts) -> datetime | None:
    orientations = facts.records("legal.orientations")
    return orientations[0].delivered_at if orientations else None


# --- legal.screening ---------------------------------------------------------

@condition("legal.screening_done")
def screening_done(facts) -> Met | None:
    screening = latest_screening(facts)
    return Met(screening.screened_at, screening.recorded_by_id) if screening else None


# --- legal.representation ----------------------------------------------------

@condition("legal.attorney_of_record")
def attorney_of_record(facts) -> Met | None:
    """Met while an attorney of ours, or pro bono counsel who accepted, represents the child."""
    current = [r for r in facts.records("legal.representations")
               if represents(r.kind, r.referral_status, r.withdrawn_on)]
    if not current:
        return None
    first = min(current, key=lambda r: r.accepted_on or r.started_on)
    return Met(day_start(first.accepted_on or first.started_on), first.recorded_by_id)


# --- legal.hearings ----------------------------------------------------------

@condition("legal.in_removal_proceedings")
def in_removal_proceedings(facts) -> bool:
    return _in(facts, Country.US) and bool(facts.records("legal.proceedings"))


@condition("legal.proceedings_pending")
def proceedings_pending(facts) -> bool:
    return any(p.conclusion is None for p in facts.records("legal.proceedings"))


@dataclass(frozen=True)
class AddressState:
    changes: list[datetime]  # address changes since the notice to appear, in order
    last_filing: object | None  # the latest EOIR-33 filing

    @property
    def last_filed(self) -> datetime | None:
        return day_start(self.last_filing.filed_on) if self.last_filing else None

    @property
    def unreported(self) -> list[datetime]:
        """Changes after the latest EOIR-33 (one filed the same day reports the change)."""
        filed = self.last_filed
        return [c for c in self.changes if filed is None or c > filed]


def address_state(facts) -> AddressState:
    """Moves the court must hear of: recorded address changes and releases, from the
    day of the notice to appear of the pending proceedings."""
    pending = [p for p in facts.records("legal.proceedings") if p.conclusion is None]
    filings = facts.records("legal.eoir33_filings")
    last_filing = filings[-1] if filings else None
    if not pending:
        return AddressState([], last_filing)
    since = day_start(min(p.nta_on for p in pending))
    changes = [day_start(c.changed_on) for c in facts.records("legal.address_changes")]
    changes += [day_start(a.occurred_at.date()) for a in facts.records("workflow.actions")
                if a.action == Action.RELEASE_TO_SPONSOR]
    return AddressState(sorted(c for c in changes if c >= since), last_filing)


def hearings_without_outcome(facts) -> list:
    """Hearings of pending proceedings whose time has passed with no outcome recorded."""
    pending = {p.id for p in facts.records("legal.proceedings") if p.conclusion is None}
    return [h for h in facts.records("legal.hearings")
            if h.proceeding_id in pending and h.outcome is None and h.scheduled_at <= facts.now]


@condition("legal.hearings_current")
def hearings_current(facts) -> Met | None:
    """Concluded proceedings, or pending ones whose every hearing that has passed has
    its outcome and whose every change of address was filed with the court."""
    proceedings = facts.records("legal.proceedings")
    if not proceedings:
        return None
    pending = [p for p in proceedings if p.conclusion is None]
    if not pending:
        last = max(proceedings, key=lambda p: p.concluded_on)
        return Met(day_start(last.concluded_on), last.concluded_by_id)
    address = address_state(facts)
    if address.unreported or hearings_without_outcome(facts):
        return None
    if address.changes:
        return Met(address.last_filed, address.last_filing.recorded_by_id)
    latest = pending[-1]
    return Met(latest.recorded_at, latest.recorded_by_id)


@anchor("legal.address_changed")
def address_changed(facts) -> datetime | None:
    """The first change of address not yet filed with the court (else the latest one)."""
    address = address_state(facts)
    if address.unreported:
        return address.unreported[0]
    return address.changes[-1] if address.changes else None


# --- protection.claim_us / protection.claim_mx -----------------------------

def _wishes_to_apply_for(facts, relief: frozenset) -> bool:
    screening = latest_screening(facts)
    return (screening is not None and screening.result == ScreeningResult.RELIEF_IDENTIFIED
            and screening.wishes_to_apply and bool(relief & set(screening.identified or [])))


@condition("protection.us_relief_identified")
def us_relief_identified(facts) -> bool:
    if not _in(facts, Country.US):
        return False
    return bool(facts.records("legal.relief_filings")) or _wishes_to_apply_for(facts, US_RELIEF)


@condition("protection.us_relief_filed")
def us_relief_filed(facts) -> Met | None:
    filings = facts.records("legal.relief_filings")
    if not filings:
        return None
    first = filings[0]
    return Met(day_start(first.filed_on), first.recorded_by_id)


@condition("protection.mx_wishes_to_claim")
def mx_wishes_to_claim(facts) -> bool:
    if not _in(facts, Country.MX):
        return False
    return bool(facts.records("legal.comar_claims")) or _wishes_to_apply_for(facts, MX_RELIEF)


@condition("protection.comar_filed")
def comar_filed(facts) -> Met | None:
    claims = facts.records("legal.comar_claims")
    if not claims:
        return None
    latest = claims[-1]
    return Met(day_start(latest.filed_on), latest.recorded_by_id)


@anchor("protection.entered_mexico")
def entered_mexico(facts) -> datetime:
    """COMAR's 30 business days run from entry into Mexico: the date on the claim, else
    the one the legal screening found, else the encounter (the child entered by then)."""
    claims = facts.records("legal.comar_claims")
    if claims:
        return day_start(claims[-1].entered_on)
    screening = latest_screening(facts)
    if screening is not None and screening.entered_country_on:
        return day_start(screening.entered_country_on)
    return facts.case.encountered_at


@anchor("protection.comar_filed")
def comar_filed_at(facts) -> datetime | None:
    claims = facts.records("legal.comar_claims")
    return day_start(claims[-1].filed_on) if claims else None


@condition("protection.claim_pending")
def claim_pending(facts) -> bool:
    """A US filing or a COMAR claim with no final decision yet: no return meanwhile."""
    return (any(f.decision is None or f.decision in FILING_STILL_PENDING
                for f in facts.records("legal.relief_filings"))
            or any(c.decision is None or c.decision in COMAR_STILL_PENDING
                   for c in facts.records("legal.comar_claims")))


# --- clocks: the cases whose stored rows time alone may have made stale -------------

STORED_AS_MET = (State.MET, State.AWAITING_SIGN_OFF)


@clock("legal.kyr_repeat")
def kyr_repeat_due(now: datetime):
    """Know-your-rights stored as given, last given six months ago or more, and no attorney
    of record: it falls due again (`kyr_state`). A few days early at month ends, where
    `add_months` shortens the month; a refresh of those changes nothing."""
    given_before = add_months(now, -KYR_REPEAT_MONTHS) + timedelta(days=4)
    row = CaseCheckpoint
    represented = sa.select(row.case_id).where(row.key == "legal.representation",
                                               row.state == State.MET)
    return sa.select(row.case_id).where(
        row.key == "legal.kyr", row.state.in_(STORED_AS_MET), row.met_at <= given_before,
        row.case_id.not_in(represented))


@clock("legal.hearing_passed")
def hearing_passed(now: datetime):
    """Hearings and address stored as current, while a hearing of the pending proceedings
    has taken place with no outcome recorded (`hearings_without_outcome`)."""
    passed = (sa.select(Hearing.case_id)
              .join(RemovalProceeding, Hearing.proceeding_id == RemovalProceeding.id)
              .where(Hearing.outcome.is_(None), Hearing.scheduled_at <= now,
                     RemovalProceeding.conclusion.is_(None)))
    row = CaseCheckpoint
    return sa.select(row.case_id).where(
        row.key == "legal.hearings", row.state.in_(STORED_AS_MET), row.case_id.in_(passed))
