"""Read-only look-ups of a case's legal records, the legal panel, age-out alerts and
the legal staff's calendar.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from casework.accounts.models import User
from casework.accounts.roles import Country
from casework.cases.choices import CaseStatus
from casework.cases.models import Case, CaseTeamMember
from casework.cases.queries import visible_to
from casework.extensions import db
from casework.legal import conditions
from casework.legal.choices import (
    COMAR_STILL_PENDING,
    FILING_STILL_PENDING,
    FilingKind,
)
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
)
from casework.legal.services import birthday, may_use_notes
from casework.models import utcnow
from casework.workflow import engine, policy
from casework.workflow.deadlines import due_date
from casework.workflow.models import CaseCheckpoint, State
from casework.workflow.queries import CaseRead
from casework.workflow.registry import FactBatch, Facts


def _newest(model, case: Case, *order) -> list:
    return list(db.session.scalars(
        sa.select(model).where(model.case_id == case.id)
        .options(joinedload(model.recorded_by)).order_by(*order)
    ).unique())


def orientations(case: Case) -> list[KnowYourRights]:
    return _newest(KnowYourRights, case, KnowYourRights.delivered_at.desc(),
                   KnowYourRights.recorded_at.desc())


def screenings(case: Case) -> list[LegalScreening]:
    return _newest(LegalScreening, case, LegalScreening.screened_at.desc(),
                   LegalScreening.recorded_at.desc())


def representations(case: Case) -> list[Representation]:
    return _newest(Representation, case, Representation.started_on.desc(),
                   Representation.recorded_at.desc())


def proceedings(case: Case) -> list[RemovalProceeding]:
    return list(db.session.scalars(
        sa.select(RemovalProceeding).where(RemovalProceeding.case_id == case.id)
        .options(selectinload(RemovalProceeding.hearings))
        .order_by(RemovalProceeding.nta_on.desc(), RemovalProceeding.recorded_at.desc())
    ))


def address_changes(case: Case) -> list[AddressChange]:
    return _newest(AddressChange, case, AddressChange.changed_on.desc(),
                   AddressChange.recorded_at.desc())


def eoir33_filings(case: Case) -> list[Eoir33Filing]:
    return _newest(Eoir33Filing, case, Eoir33Filing.filed_on.desc(),
                   Eoir33Filing.recorded_at.desc())


def filings(case: Case) -> list[ReliefFiling]:
    return _newest(ReliefFiling, case, ReliefFiling.filed_on.desc(),
                   ReliefFiling.recorded_at.desc())


def claims(case: Case) -> list[ComarClaim]:
    return _newest(ComarClaim, case, ComarClaim.filed_on.desc(), ComarClaim.recorded_at.desc())


def notes(case: Case, user: User, limit: int | None = None) -> list[LegalNote]:
    """Privileged notes, newest first; nothing at all for anyone who may not read them."""
    if not may_use_notes(case, user):
        return []
    stmt = (sa.select(LegalNote).where(LegalNote.case_id == case.id)
            .options(joinedload(LegalNote.author))
            .order_by(LegalNote.written_at.desc()))
    if limit:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))


def facts_of(case: Case, now: datetime | None = None) -> Facts:
    return Facts(case=case, now=now or utcnow(), _batch=FactBatch([case.id]))


def comar_decision_due(claim) -> datetime:
    """COMAR's decision clock: 45 business days from filing (the catalogue's)."""
    return due_date(policy.COMAR_DECISION, conditions.day_start(claim.filed_on))


def filing_pending(filing) -> bool:
    return filing.decision is None or filing.decision in FILING_STILL_PENDING


def claim_pending(claim) -> bool:
    return claim.decision is None or claim.decision in COMAR_STILL_PENDING


# --- age-out alerts -------------------------------------------------------------
#
# The date of birth is encrypted, and a plain "turns 18 on" (or "turns 21 on") column
# would be that very date plus a constant: storing it would undo the encryption for
# anyone holding a copy of the database, and even a month narrows it a great deal.
# So nothing derived from the birth date is stored. The alerts are computed when they
# are shown, from the decrypted date of the case on the screen, or of the cases on a
# legal worker's own calendar (the few dozen they are on the team of). Dashboards that
# count across offices do not show age-outs for that reason.

@dataclass(frozen=True)
class AgeOutAlert:
    age: int
    on: date | None  # the birthday; None when only an age estimate is known
    days_left: int | None


def age_out_alerts(case: Case, on: date | None = None, *, i360_filed: bool | None = None
                   ) -> list[AgeOutAlert]:
    """Alerts before the 18th birthday (leaving children's custody) and, in the US, the
    21st (SIJS needs the I-360 before it) while no I-360 was filed."""
    on = on or utcnow().date()
    alerts = []
    born = case.birth_date
    for age, lead_days in sorted(policy.AGE_OUT_ALERT_DAYS.items()):
        if age > 18:
            if case.country != Country.US:
                continue
            if i360_filed is None:
                i360_filed = _i360_filed([case.id]).get(case.id, False)
            if i360_filed:
                continue
        if born is None:
            # Only an estimate (in whole years): warn when the child may be in that year.
            if case.age_estimate is not None and case.age_estimate >= age - 1:
                alerts.append(AgeOutAlert(age, None, None))
            continue
        day = birthday(born, age)
        left = (day - on).days
        if 0 <= left <= lead_days:
            alerts.append(AgeOutAlert(age, day, left))
    return alerts


def _i360_filed(case_ids: list[uuid.UUID]) -> dict[uuid.UUID, bool]:
    rows = db.session.scalars(sa.select(ReliefFiling.case_id).where(
        ReliefFiling.case_id.in_(case_ids), ReliefFiling.kind == FilingKind.SIJS_I360))
    return dict.fromkeys(rows, True)


# --- the case page's legal panel ------------------------------------------------

@dataclass
class LegalSummary:
    representing: list[Representation]
    referrals_waiting: list[Representation]
    kyr: conditions.KyrState
    proceeding: RemovalProceeding | None
    next_hearing: Hearing | None
    missing_outcomes: list[Hearing]
    eoir33_due: datetime | None
    pending_filings: list[ReliefFiling]
    pending_claims: list[ComarClaim]
    age_outs: list[AgeOutAlert]


def summary(case: Case, read: CaseRead | None = None) -> LegalSummary:
    """`read`: the page's read of the case, when it has one. A kind of record that read
    has already found none of is not asked for again."""
    read = read or CaseRead(case)
    facts, now = read.facts(), read.now

    def unless_none(source: str, load) -> list:
        return [] if read.known_empty(source) else load(case)

    reps = [r for r in unless_none("legal.representations", representations) if r.active]
    proceeding = next((p for p in unless_none("legal.proceedings", proceedings) if p.pending),
                      None)
    upcoming = [h for h in (proceeding.hearings if proceeding else []) if h.outcome is None]
    eoir33_due = None
    if proceeding is not None and conditions.address_state(facts).unreported:
        row = read.rows.get("legal.hearings")
        eoir33_due = row.due_at if row else None
    case_filings = unless_none("legal.relief_filings", filings)
    return LegalSummary(
        representing=[r for r in reps if r.represents],
        referrals_waiting=[r for r in reps if not r.represents],
        kyr=conditions.kyr_state(facts),
        proceeding=proceeding,
        next_hearing=next((h for h in upcoming if h.scheduled_at > now), None),
        missing_outcomes=[h for h in upcoming if h.scheduled_at <= now],
        eoir33_due=eoir33_due,
        pending_filings=[f for f in case_filings if filing_pending(f)],
        pending_claims=[c for c in unless_none("legal.comar_claims", claims)
                        if claim_pending(c)],
        age_outs=age_out_alerts(case, now.date(), i360_filed=any(
            f.kind == FilingKind.SIJS_I360 for f in case_filings)),
    )


# --- My calendar ------------------------------------------------------------------

@dataclass(frozen=True)
class CalendarItem:
    at: datetime
    kind: str  # hearing | outcome_missing | deadline | comar_decision | age_out
    case: Case
    title: object
    endpoint: str | None = None
    detail: object = ""
    all_day: bool = False

    @property
    def overdue(self) -> bool:
        return self.at < utcnow()


LEGAL_FORMS = {"hearing": "legal.proceedings", "outcome_missing": "legal.proceedings",
               "comar_decision": "legal.comar", "age_out": "cases.show"}

# What falls due, where the checkpoint's title says it less directly.
DEADLINE_TITLES = {
    "legal.hearings": _l("EOIR-33: file the change of address with the immigration court"),
    "protection.claim_mx": _l("File the refugee claim with COMAR (30 business days from "
                              "entry)"),
}


def my_cases(user: User) -> list[Case]:
    """The open cases whose team the user is on (an attorney of record joins it)."""
    on_team = sa.select(CaseTeamMember.case_id).where(CaseTeamMember.user_id == user.id)
    return list(db.session.scalars(
        sa.select(Case).where(Case.id.in_(on_team), Case.status == CaseStatus.OPEN,
                              visible_to(user))
        .order_by(Case.number)
    ))


def calendar(user: User, now: datetime | None = None) -> list[CalendarItem]:
    """Hearings, legal deadlines, COMAR's decision clock and age-outs of the user's
    cases, in date order; what has passed unattended comes first."""
    from casework.legal.choices import HEARING_KIND_LABELS

    now = now or utcnow()
    cases = {c.id: c for c in my_cases(user)}
    if not cases:
        return []
    ids = list(cases)
    items: list[CalendarItem] = []
    hearings = db.session.scalars(
        sa.select(Hearing).join(RemovalProceeding, Hearing.proceeding_id == RemovalProceeding.id)
        .where(Hearing.case_id.in_(ids), Hearing.outcome.is_(None),
               RemovalProceeding.conclusion.is_(None))
        .options(joinedload(Hearing.proceeding))
    )
    for h in hearings:
        case = cases[h.case_id]  # the identity map gives the court's decryption this case
        kind = "hearing" if h.scheduled_at > now else "outcome_missing"
        items.append(CalendarItem(h.scheduled_at, kind, case, HEARING_KIND_LABELS[h.kind],
                                  LEGAL_FORMS[kind], detail=h.proceeding.court))
    legal_keys = {cp.key: cp for cp in engine.catalogue() if cp.stage == policy.Stage.LEGAL}
    rows = db.session.scalars(sa.select(CaseCheckpoint).where(
        CaseCheckpoint.case_id.in_(ids), CaseCheckpoint.key.in_(legal_keys),
        CaseCheckpoint.state == State.PENDING, CaseCheckpoint.due_at.is_not(None)))
    for row in rows:
        cp = legal_keys[row.key]
        items.append(CalendarItem(row.due_at, "deadline", cases[row.case_id],
                                  DEADLINE_TITLES.get(cp.key, cp.title), cp.form))
    open_claims = db.session.scalars(sa.select(ComarClaim).where(
        ComarClaim.case_id.in_(ids), ComarClaim.decision.is_(None)))
    for claim in open_claims:
        items.append(CalendarItem(comar_decision_due(claim), "comar_decision",
                                  cases[claim.case_id], None, LEGAL_FORMS["comar_decision"],
                                  all_day=True))
    i360 = _i360_filed(ids)
    for case in cases.values():
        for alert in age_out_alerts(case, now.date(), i360_filed=i360.get(case.id, False)):
            if alert.on is not None:
                items.append(CalendarItem(conditions.day_start(alert.on), "age_out", case,
                                          alert.age, LEGAL_FORMS["age_out"], all_day=True))
    return sorted(items, key=lambda i: (i.at, i.case.number))
