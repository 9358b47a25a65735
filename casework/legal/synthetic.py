"""Synthetic legal records (see casework/synthetic): know-your-rights orientations, relief
screenings, representation, removal proceedings and hearings, changes of address and
EOIR-33 filings, US relief filings, COMAR claims and privileged notes.

Each record is dated as the legal services would date it (services.py) and agrees with
the checkpoint conditions (conditions.py), so a batch shows the mix a programme sees:
most checkpoints met, some late, some pending or overdue. A closed case has finished its
legal work: proceedings concluded or handed over, and a returned child has no claim
pending. Shares are rough programme figures unless a comment names a rule.

Facts left for later makers: facts["legal_screened_at"]; facts["legal_clear_at"], when
the legal steps a return waits for were done (the relief screening, any claim decided,
proceedings concluded); facts["claim_pending"]; facts["proceedings"], read again by the
EOIR-33 maker (order 80) once releases (reunification) are known. The transfers maker
(order 60) leaves facts["transferred_at"], after which the child is oriented again (order 65).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from casework.accounts.roles import Role
from casework.cases.models import Case
from casework.crypto.envelope import aad_for, decrypt
from casework.legal.choices import (
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
from casework.legal.services import SIJS_AGE_LIMIT, birthday, comar_filing_due
from casework.screening.choices import FEAR_OR_NEED, ScreeningKind
from casework.screening.models import Screening
from casework.synthetic import names, synthetic_records
from casework.workflow.deadlines import add_business_days
from casework.workflow.models import ActionRecord
from casework.workflow.policy import Action

PROVIDERS = ("Children's legal aid partner", "Servicio jurídico para la niñez migrante",
             "Pro bono immigration clinic", "Defensoría de derechos de la infancia")
US_PROVIDERS = ("Children's legal aid partner", "Pro bono immigration clinic")
COURTS = {"US-HOU": "Houston Immigration Court", "US-ELP": "El Paso Immigration Court",
          "US-LAX": "Los Angeles Immigration Court", "US-SAN": "San Diego Immigration Court",
          "US-NYC": "New York Broadway Immigration Court",
          "US-MIA": "Miami Immigration Court", "US-PHX": "Phoenix Immigration Court",
          "US-CHI": "Chicago Immigration Court"}
PRO_BONO = ("Pro bono panel, immigration clinic of the law school",
            "Volunteer attorney, pro bono programme of a law firm",
            "Catholic Charities immigration legal services")
PROCURADURIA = "Procuraduría de Protección de Niñas, Niños y Adolescentes ({place})"
ANALYSES = {
    Relief.SIJS: "Abandoned by the father; the mother cannot care for the child. A state "
                 "court may find reunification with a parent not viable.",
    Relief.ASYLUM: "Threatened by a gang for refusing to join; the police did not act. "
                   "Possible particular social group and political opinion.",
    Relief.T_VISA: "Made to work to pay a smuggling debt; movement restricted on the journey.",
    Relief.U_VISA: "Victim of an assault in the US, reported to the police; helped the "
                   "investigation.",
    Relief.OTHER: "Possible humanitarian parole; a parent holds lawful status.",
    Relief.COMAR: "Fled threats from an armed group; cannot be protected at home. Meets "
                  "the refugee definition of the Mexican law, including the broader one.",
}
NOTE_TEXTS = (
    "Child wants to stay with the aunt; explained what SIJS requires and how long it takes.",
    "Went over the declaration; the child added the threats after the brother left.",
    "Child is afraid of the hearing; explained that we will be there and what the judge asks.",
    "Asked about working; explained the work permit timeline after filing.",
    "Discussed a voluntary return; the child wants to think and talk to the mother first.",
)
WITHDRAWALS = ("The child moved out of our service area.",
               "Conflict of interest found after intake.",
               "The family retained private counsel.")
LATE_COMAR = "The child disclosed the threats only after weeks in the shelter."


def _end(case, now: datetime) -> datetime:
    return case.until(now)


def _pick(rng, mix: dict):
    return rng.choices(list(mix), weights=list(mix.values()))[0]


def _within(at: datetime, end: datetime) -> datetime | None:
    return at.replace(microsecond=0) if at <= end else None


def _between(rng, start: datetime, end: datetime, lo: float = 0.0, hi: float = 1.0) -> datetime:
    return (start + (end - start) * rng.uniform(lo, hi)).replace(microsecond=0)


def _day_plus(day: date, rng, low: int, high: int, end: datetime) -> date | None:
    out = day + timedelta(days=rng.randint(low, high))
    return out if out <= end.date() else None


def _recorded(day: date, rng, end: datetime) -> datetime:
    """When a dated record was entered: during that day or the next, never after `end`."""
    return min(day_start(day) + timedelta(minutes=rng.randint(8 * 60, 40 * 60)),
               end).replace(microsecond=0)


def other_than(case, role: Role, someone, rng):
    """A colleague of this role who is not `someone`: a sign-off is never by whoever did
    the work (engine._valid_sign_off)."""
    choices = [u for u in case.office_staff.get(role, []) if u != someone]
    return rng.choice(choices) if choices else None


def _by_case(batch, model) -> dict:
    out: dict = {}
    for row in batch.rows.get(model, []):
        out.setdefault(row["case_id"], []).append(row)
    return out


def _a_number(case, row: dict | None) -> str | None:
    """The A-number the case was registered with (the generator gives it only sealed)."""
    blob = row.get("a_number_ct") if row else None
    if blob is None:
        return None
    dek, version = case.key
    return decrypt(dek, blob, aad_for(Case.__tablename__, "a_number", case.id,
                                      version)).decode()


# --- know-your-rights ---------------------------------------------------------------

@synthetic_records(order=20)
def orientations(batch, rng) -> None:
    for case in batch.cases:
        if rng.random() > 0.78:
            continue
        at = case.moment(rng, case.opened_at, 24 * 6, batch.now)
        if at is None:
            continue
        latest = at
        paralegal = case.staff(Role.PARALEGAL, rng)
        presenter = names.staff_name(rng)
        provider = rng.choice(PROVIDERS)
        while at is not None:
            batch.add(KnowYourRights, case, delivered_at=at,
                      session_format=SessionFormat.GROUP if rng.random() < 0.7
                      else SessionFormat.INDIVIDUAL,
                      provider=provider, recorded_by_id=paralegal,
                      recorded_at=batch.recorded_after(at, rng, 10, 300),
                      language=case.languages[0], presenter=presenter)
            latest = at
            # Repeated six months on while the child has no attorney of record
            # (45 CFR 410.1309); now and then a repeat is missed.
            if _represents(case.facts.get("representation")) or rng.random() < 0.12:
                break
            at = case.moment(rng, at + timedelta(days=170), 24 * 10, batch.now)
        if rng.random() < 0.7:
            batch.sign_off(case, "legal.kyr", latest, case.staff(Role.SUPERVISOR, rng), rng)


@synthetic_records(order=65)
def orientations_after_transfer(batch, rng) -> None:
    """45 CFR 410.1309: know-your-rights again within 10 business days of a transfer (the
    transfer restarts legal.kyr); given in the US, before the case closed."""
    for case in batch.cases:
        moved = case.facts.get("transferred_at")
        if moved is None:
            continue
        end = _end(case, batch.now)
        at = _within(moved + timedelta(hours=rng.uniform(20, 24 * 9)), end)
        if at is None:
            if case.open:
                continue  # due, not given yet
            at = _between(rng, moved, end, 0.3, 0.9)
        batch.add(KnowYourRights, case, delivered_at=at, session_format=SessionFormat.GROUP,
                  provider=rng.choice(US_PROVIDERS),
                  recorded_by_id=case.staff(Role.PARALEGAL, rng),
                  recorded_at=min(at + timedelta(minutes=rng.randint(10, 300)), batch.now),
                  language=case.languages[0], presenter=names.staff_name(rng))
        if rng.random() < 0.7:
            batch.sign_off(case, "legal.kyr", at, case.staff(Role.SUPERVISOR, rng), rng)


# --- the legal work of a case ---------------------------------------------------------

@synthetic_records(order=15)
def representation(batch, rng) -> None:
    """Before the orientations (order 20): they are repeated only while the child has no
    attorney of record."""
    for case in batch.cases:
        case.facts["representation"] = _representation(batch, case, rng,
                                                        _end(case, batch.now))


@synthetic_records(order=25)
def legal_work(batch, rng) -> None:
    """Relief screening, then US relief and proceedings or a COMAR claim, and privileged
    notes. Runs after the protection screenings (order 12) it reads."""
    kyr = _by_case(batch, KnowYourRights)
    protection = {row["case_id"]: row["outcome"] for row in batch.rows.get(Screening, [])
                  if row["kind"] == ScreeningKind.PROTECTION}
    case_rows = {row["id"]: row for row in batch.rows.get(Case, [])}
    for case in batch.cases:
        end = _end(case, batch.now)
        first_kyr = min((r["delivered_at"] for r in kyr.get(case.id, [])), default=None)
        screening = _screening(batch, case, rng, first_kyr, protection.get(case.id), end)
        rep = case.facts.get("representation")
        clear = [screening["screened_at"]] if screening else []
        pending = False
        if case.country == "US":
            clear_at, pending = _relief_filings(batch, case, rng, screening, rep, end)
            clear.append(clear_at)
            number = _a_number(case, case_rows.get(case.id))
            clear.append(_proceedings(batch, case, rng, number, rep, end))
        elif screening is not None:
            clear_at, pending = _comar_claim(batch, case, rng, screening, end)
            clear.append(clear_at)
        case.facts["legal_screened_at"] = screening["screened_at"] if screening else None
        case.facts["legal_clear_at"] = max((c for c in clear if c), default=None)
        case.facts["claim_pending"] = pending
        _notes(batch, case, rng, end)


def _screening(batch, case, rng, first_kyr, protection_outcome, end) -> dict | None:
    """An attorney screens for relief, due 10 business days after the first orientation."""
    returning = case.outcome == "returned"
    if not returning and rng.random() > (0.88 if case.country == "US" else 0.78):
        return None
    start = first_kyr or case.opened_at
    # Six days on average: about one in ten is later than the 10 business days.
    at = case.moment(rng, start, 24 * 6, batch.now)
    if at is None:
        if not returning or case.open:
            return None
        at = _between(rng, case.opened_at, end, 0.05, 0.3)  # screened before the return
    fear = protection_outcome == FEAR_OR_NEED
    if case.country == "US":
        considered = [Relief.ASYLUM, Relief.SIJS, Relief.T_VISA, Relief.U_VISA]
        if rng.random() < 0.2:
            considered.append(Relief.OTHER)
        # SIJS is what most unaccompanied children qualify for, then asylum.
        odds = {Relief.SIJS: 0.42, Relief.ASYLUM: 0.45 if fear else 0.2, Relief.T_VISA: 0.04,
                Relief.U_VISA: 0.05, Relief.OTHER: 0.15}
    else:
        considered = [Relief.COMAR, Relief.ASYLUM] if rng.random() < 0.4 else [Relief.COMAR]
        odds = {Relief.COMAR: 0.85 if fear else 0.04, Relief.ASYLUM: 0.3}
    identified = [r for r in considered if rng.random() < odds[r]]
    if returning and rng.random() < 0.7:
        identified = []
    wishes = bool(identified) and not returning and rng.random() < (
        0.2 if case.outcome == "transferred_us" else 0.85)
    entered = None
    if case.country == "MX" and rng.random() < 0.85:
        entered = case.encountered_at.date() - timedelta(days=rng.randint(0, 25))
    attorney = case.staff(Role.ATTORNEY, rng)
    row = batch.add(
        LegalScreening, case, screened_at=at, considered=[r.value for r in considered],
        identified=[r.value for r in identified],
        result=ScreeningResult.RELIEF_IDENTIFIED if identified else ScreeningResult.NO_RELIEF,
        wishes_to_apply=wishes, interpreter_used=case.interpreter_needed,
        entered_country_on=entered, recorded_by_id=attorney,
        recorded_at=min(at + timedelta(minutes=rng.randint(20, 600)), batch.now),
        analysis=" ".join(ANALYSES[r] for r in identified) or None)
    if rng.random() < 0.65:  # another attorney signs off (POLICY.md: ATT / ATT)
        batch.sign_off(case, "legal.screening", at, other_than(case, Role.ATTORNEY, attorney,
                                                               rng), rng)
    return row


def _representation(batch, case, rng, end) -> dict | None:
    """Our attorney of record (in the US shown by a G-28 and the ORR L-3A, early), or a
    referral: to pro bono counsel in the US, to the Procuraduría de Protección in Mexico,
    which represents children by law. Due 30 days from the case's opening."""
    attorney = case.team.get(Role.ATTORNEY)
    us = case.country == "US"
    if attorney and rng.random() < (0.92 if us else 0.85):
        kind = RepresentationKind.ATTORNEY
    elif rng.random() < (0.55 if us else 0.7):
        kind = RepresentationKind.REFERRAL
    else:
        return None
    start = case.moment(rng, case.opened_at, 24 * (9 if attorney else 14), batch.now)
    if start is None:
        return None
    started_on = start.date()
    recorder = attorney or case.staff(Role.ATTORNEY, rng)
    recorded_at = min(start + timedelta(minutes=rng.randint(10, 600)), batch.now)
    values = dict(kind=kind, attorney_id=None, started_on=started_on, g28_on=None,
                  eoir28_on=None, l3a_on=None, referral_status=None, accepted_on=None,
                  withdrawn_on=None, recorded_by_id=recorder, recorded_at=recorded_at,
                  updated_by_id=None, updated_at=None,
                  version=1, counsel=None, withdrawal_reason=None)
    if kind == RepresentationKind.ATTORNEY:
        values["attorney_id"] = attorney
        if us:
            values["g28_on"] = started_on
            values["l3a_on"] = _day_plus(started_on, rng, 0, 3, end)
    else:
        values["counsel"] = (rng.choice(PRO_BONO) if us else
                             PROCURADURIA.format(place=_office_place(case)))
        status = _pick(rng, {ReferralStatus.ACCEPTED: 65, ReferralStatus.DECLINED: 10,
                             ReferralStatus.REFERRED: 25} if us else
                       {ReferralStatus.ACCEPTED: 90, ReferralStatus.REFERRED: 10})
        answered = _day_plus(started_on, rng, 2, 30, end)
        if status != ReferralStatus.REFERRED and answered is None:
            status = ReferralStatus.REFERRED  # no answer yet
        values["referral_status"] = status
        if status == ReferralStatus.ACCEPTED:
            values["accepted_on"] = answered
        if status != ReferralStatus.REFERRED:
            values["updated_by_id"], values["updated_at"] = recorder, _recorded(answered, rng,
                                                                              batch.now)
            values["version"] = 2
    if rng.random() < 0.03:
        withdrawn = _day_plus(started_on, rng, 20, 200, end)
        if withdrawn is not None:
            values["withdrawn_on"] = withdrawn
            values["withdrawal_reason"] = rng.choice(WITHDRAWALS)
            values["updated_by_id"] = recorder
            values["updated_at"] = _recorded(withdrawn, rng, batch.now)
            values["version"] += 1
    return batch.add(Representation, case, **values)


def _office_place(case) -> str:
    return {"MX-TAP": "Chiapas", "MX-TIJ": "Baja California", "MX-CJS": "Chihuahua",
            "MX-CMX": "Ciudad de México", "MX-MTY": "Nuevo León"}.get(case.office_code,
                                                                        "federal")


def _represents(rep: dict | None) -> date | None:
    """The day the child had an attorney of record (conditions.attorney_of_record)."""
    if rep is None or rep["withdrawn_on"] is not None:
        return None
    if rep["kind"] == RepresentationKind.ATTORNEY:
        return rep["started_on"]
    return rep["accepted_on"] if rep["referral_status"] == ReferralStatus.ACCEPTED else None


# --- US relief -------------------------------------------------------------------------

FILING_FOR = {Relief.SIJS: FilingKind.SIJS_ORDER, Relief.ASYLUM: FilingKind.ASYLUM,
              Relief.T_VISA: FilingKind.T_VISA, Relief.U_VISA: FilingKind.U_VISA,
              Relief.OTHER: FilingKind.OTHER}
# Days from filing to a decision (first, random part) and the decisions, roughly as USCIS
# and state courts take them: a state order in months, asylum in about a year, T and U
# visas in years.
DECISIONS = {
    FilingKind.SIJS_ORDER: (30, 90, {FilingDecision.GRANTED: 85, FilingDecision.DENIED: 15}),
    FilingKind.SIJS_I360: (120, 180, {FilingDecision.GRANTED: 90, FilingDecision.DENIED: 10}),
    FilingKind.ASYLUM: (150, 240, {FilingDecision.GRANTED: 45, FilingDecision.REFERRED: 40,
                                   FilingDecision.DENIED: 5, FilingDecision.WITHDRAWN: 10}),
    FilingKind.T_VISA: (500, 400, {FilingDecision.GRANTED: 80, FilingDecision.DENIED: 20}),
    FilingKind.U_VISA: (700, 500, {FilingDecision.GRANTED: 85, FilingDecision.DENIED: 15}),
    FilingKind.OTHER: (90, 120, {FilingDecision.GRANTED: 60, FilingDecision.DENIED: 25,
                                 FilingDecision.WITHDRAWN: 15}),
}


def _relief_filings(batch, case, rng, screening, rep, end) -> tuple[datetime | None, bool]:
    """Filings for the relief the screening identified and the child wants, once an
    attorney represents the child (legal.representation gates filing). Returns when the
    last one was decided and whether one is pending."""
    if not screening or not screening["wishes_to_apply"]:
        return None, False
    # Until the relief the child wants is filed, protection.claim_us keeps a return
    # blocked: an unfiled wish is as good as a pending claim for the makers after this one.
    represented = _represents(rep)
    if represented is None:
        return None, True
    start = max(screening["screened_at"].date(), represented)
    attorney = rep["attorney_id"] or screening["recorded_by_id"]
    filed_days: list[date] = []
    decided, pending = None, False
    for relief in screening["identified"]:
        kind = FILING_FOR[Relief(relief)]
        filed_on = _day_plus(start, rng, 10, 20 + int(rng.expovariate(1 / 40)), end)
        if filed_on is None:
            pending = True  # not filed yet
        while filed_on is not None:
            decision_on = _filing(batch, case, rng, kind, filed_on, attorney, end)
            filed_days.append(filed_on)
            if decision_on is None:
                pending = True
                break
            decided = max(decided or decision_on[0], decision_on[0])
            if decision_on[1] == FilingDecision.REFERRED:
                pending = True
            if not (kind == FilingKind.SIJS_ORDER and decision_on[1] == FilingDecision.GRANTED):
                break
            # The I-360 follows the granted order, before the 21st birthday.
            kind, filed_on = FilingKind.SIJS_I360, _day_plus(decision_on[0], rng, 5, 45, end)
            if (filed_on and case.birth_date
                    and filed_on >= birthday(case.birth_date, SIJS_AGE_LIMIT)):
                filed_on = None
    if filed_days and rng.random() < 0.6:
        batch.sign_off(case, "protection.claim_us", day_start(min(filed_days)),
                       other_than(case, Role.ATTORNEY, attorney, rng), rng)
    return (day_start(decided) if decided else None), pending


def _filing(batch, case, rng, kind, filed_on, attorney, end):
    wait, spread, mix = DECISIONS[kind]
    receipt_on = None
    if kind != FilingKind.SIJS_ORDER:  # a state court gives no USCIS receipt
        receipt_on = _day_plus(filed_on, rng, 7, 35, end)
    decided_on = _day_plus(filed_on, rng, wait, wait + int(rng.expovariate(1 / spread)), end)
    decision = _pick(rng, mix) if decided_on else None
    batch.add(ReliefFiling, case, kind=kind, filed_on=filed_on, receipt_on=receipt_on,
              decision=decision, decided_on=decided_on, recorded_by_id=attorney,
              recorded_at=_recorded(filed_on, rng, batch.now),
              decision_by_id=attorney if decision else None,
              receipt_number=f"IOE{rng.randint(10**9, 10**10 - 1)}" if receipt_on else None,
              description="Humanitarian parole request" if kind == FilingKind.OTHER else None)
    return (decided_on, decision) if decided_on else None


# --- removal proceedings and hearings -----------------------------------------------------

# How proceedings end, by how the case ended: a child released far away is usually
# handed over to counsel near the sponsor; a return is a voluntary departure.
CONCLUSIONS = {
    "reunified_us": {Conclusion.HANDED_OVER: 55, Conclusion.TERMINATED: 20,
                     Conclusion.RELIEF_GRANTED: 25},
    "returned": {Conclusion.VOLUNTARY_DEPARTURE: 75, Conclusion.TERMINATED: 25},
    "whereabouts_unknown": {Conclusion.REMOVAL_ORDERED: 50, Conclusion.HANDED_OVER: 50},
    "local_integration": {Conclusion.RELIEF_GRANTED: 80, Conclusion.TERMINATED: 20},
}
DECIDED_BY_JUDGE = {Conclusion.RELIEF_GRANTED, Conclusion.REMOVAL_ORDERED,
                    Conclusion.VOLUNTARY_DEPARTURE, Conclusion.TERMINATED}
MAX_HEARINGS = 10


def _proceedings(batch, case, rng, a_number, rep, end) -> datetime | None:
    """The notice to appear CBP served (its A-number is the case's), the court's hearings,
    and, on a closed case, the conclusion (a case closes only once they are concluded or
    handed over). Returns the day they concluded."""
    if a_number is None or rng.random() > 0.9:
        return None
    nta_on = case.encountered_at.date() + timedelta(days=rng.randint(0, 3))
    recorded = case.moment(rng, max(case.opened_at, day_start(nta_on)), 24 * 5, batch.now)
    if recorded is None or nta_on > end.date():
        return None
    paralegal = case.staff(Role.PARALEGAL, rng)
    attorney = case.staff(Role.ATTORNEY, rng)
    conclusion, concluded = None, None
    if not case.open:
        conclusion = _pick(rng, CONCLUSIONS.get(case.outcome, {Conclusion.HANDED_OVER: 1}))
        lo = 0.1 if case.outcome == "returned" else 0.5  # before the return
        concluded = _between(rng, max(recorded, day_start(nta_on)), end, lo,
                             0.6 if case.outcome == "returned" else 1.0)
    elif recorded + timedelta(days=90) < end and rng.random() < 0.08:
        conclusion = _pick(rng, {Conclusion.TERMINATED: 60, Conclusion.RELIEF_GRANTED: 40})
        concluded = _between(rng, recorded + timedelta(days=90), end)
    proceeding = batch.add(
        RemovalProceeding, case, nta_on=nta_on,
        concluded_on=concluded.date() if concluded else None, conclusion=conclusion,
        recorded_by_id=paralegal, recorded_at=recorded,
        concluded_by_id=attorney if conclusion else None, a_number=a_number,
        court=COURTS.get(case.office_code, "Immigration Court"))
    unrecorded = _hearings(batch, case, rng, proceeding, paralegal, concluded, end)
    if rep is not None and rep["kind"] == RepresentationKind.ATTORNEY:
        # The EOIR-28 goes to the court once the notice to appear is known.
        rep["eoir28_on"] = _day_plus(max(rep["started_on"], recorded.date()), rng, 0, 10, end)
    case.facts["proceedings"] = dict(
        id=proceeding["id"], nta_on=nta_on, recorded_at=recorded, recorded_by=paralegal,
        concluded_on=proceeding["concluded_on"], concluded_by=proceeding["concluded_by_id"],
        hearing_without_outcome=unrecorded)
    return day_start(concluded.date()) if concluded else None


def _hearings(batch, case, rng, proceeding, paralegal, concluded, end) -> bool:
    """Master calendar hearings every few months, an individual hearing later; each past
    one has its outcome (a few not yet recorded) and sets the next. A future hearing is
    only one the court already set. Returns whether a past one lacks its outcome."""
    limit = concluded or batch.now
    judge = f"IJ {names.staff_name(rng)}"
    recorded_at = proceeding["recorded_at"]
    # First master calendar hearing within weeks of the notice to appear (juvenile
    # dockets are expedited), in the afternoon UTC (morning in the US).
    at = day_start(proceeding["nta_on"]) + timedelta(
        days=14 + int(rng.expovariate(1 / 25)), hours=rng.randint(14, 21))
    kind, masters, unrecorded = HearingKind.MASTER, 0, False
    for _ in range(MAX_HEARINGS):
        if at > limit:
            if concluded is None and at > batch.now:
                batch.add(Hearing, case, proceeding_id=proceeding["id"], kind=kind,
                          scheduled_at=at, outcome=None, recorded_by_id=paralegal,
                          recorded_at=recorded_at, outcome_by_id=None, outcome_at=None,
                          judge=judge, notes=None)
            return unrecorded
        masters += kind == HearingKind.MASTER
        next_kind = (HearingKind.INDIVIDUAL if masters >= 2 and rng.random() < 0.3
                     else HearingKind.MASTER)
        next_at = _next_hearing(at, rng)
        if (concluded is not None and next_at > limit
                and proceeding["conclusion"] in DECIDED_BY_JUDGE):
            outcome = HearingOutcome.DECISION  # the last hearing: the judge decided
        elif concluded is None and rng.random() < 0.04:
            outcome = None  # it took place; the outcome is not recorded yet
        else:
            outcome = _pick(rng, {HearingOutcome.HELD: 48, HearingOutcome.CONTINUED: 45,
                                  HearingOutcome.CANCELLED: 7})
        outcome_at = min(at + timedelta(hours=rng.uniform(2, 72)), batch.now).replace(
            microsecond=0)
        batch.add(Hearing, case, proceeding_id=proceeding["id"], kind=kind, scheduled_at=at,
                  outcome=outcome, recorded_by_id=paralegal, recorded_at=recorded_at,
                  outcome_by_id=paralegal if outcome else None,
                  outcome_at=outcome_at if outcome else None,
                  judge=judge, notes="The judge reset the case for the SIJS filing."
                  if outcome == HearingOutcome.CONTINUED and rng.random() < 0.2 else None)
        if outcome is None:
            return True
        if outcome == HearingOutcome.DECISION:
            return unrecorded
        # The court set the next hearing when this one ended; it was recorded then.
        recorded_at, kind, at = outcome_at, next_kind, next_at
    return unrecorded


def _next_hearing(at: datetime, rng) -> datetime:
    # Juvenile dockets reset a child's case every two months or so.
    return (at + timedelta(days=28 + int(rng.expovariate(1 / 35)))).replace(
        hour=rng.randint(14, 21), minute=0, second=0)


# --- changes of address (after releases are known) --------------------------------------

@synthetic_records(order=80)
def addresses(batch, rng) -> None:
    """Moves the court must hear of, each followed by an EOIR-33 within 5 working days
    (8 CFR 1003.15(d)): most on time, some late, a few not yet. Runs after the releases to
    sponsors (reunification), which count as moves too (conditions.address_state)."""
    releases = {}
    for row in batch.rows.get(ActionRecord, []):
        if row["action"] == Action.RELEASE_TO_SPONSOR:
            releases.setdefault(row["case_id"], []).append(row["occurred_at"])
    for case in batch.cases:
        proceedings = case.facts.get("proceedings")
        if proceedings is None:
            continue
        end = _end(case, batch.now)
        nta = day_start(proceedings["nta_on"])
        until = day_start(proceedings["concluded_on"]) if proceedings["concluded_on"] else end
        paralegal = case.staff(Role.PARALEGAL, rng)
        moves: list[tuple[date, AddressChangeReason | None]] = [
            (at.date(), None) for at in releases.get(case.id, []) if at >= nta]
        if rng.random() < 0.12:  # from a shelter to foster care or another shelter
            at = case.moment(rng, nta, 24 * 40, batch.now)
            if at is not None:
                moves.append((at.date(), AddressChangeReason.PLACEMENT))
        filings: list[tuple[date, object]] = []
        for changed_on, reason in sorted(moves, key=lambda m: m[0]):
            if day_start(changed_on) > until:
                continue
            if reason is not None or rng.random() < 0.7:  # the sponsor's address, recorded
                batch.add(AddressChange, case, changed_on=changed_on,
                          reason=reason or AddressChangeReason.RELEASE,
                          recorded_by_id=paralegal, recorded_at=_recorded(changed_on, rng,
                                                                          batch.now),
                          address=f"{rng.randint(100, 9999)} {rng.choice(STREETS)}")
            roll = rng.random()
            if roll < 0.05:
                continue  # not filed yet
            days = rng.randint(0, 4) if roll < 0.88 else rng.randint(6, 15)
            filed_on = add_business_days(day_start(changed_on), days).date()
            if day_start(filed_on) > until or filed_on > end.date():
                continue
            filings.append((filed_on, batch.add(
                Eoir33Filing, case, filed_on=filed_on, recorded_by_id=paralegal,
                recorded_at=_recorded(filed_on, rng, batch.now),
                confirmation=f"ECAS {rng.randint(10**7, 10**8 - 1)}"
                if rng.random() < 0.8 else None)))
        _sign_off_hearings(batch, case, rng, proceedings, moves, filings)


STREETS = ("Main Street", "Oak Avenue", "Calle 5", "Maple Drive", "Elm Street",
           "Pine Road", "Cedar Lane", "Washington Avenue")


def _sign_off_hearings(batch, case, rng, proceedings, moves, filings) -> None:
    """An attorney signs off legal.hearings when it is met, at the time the engine reads
    (conditions.hearings_current)."""
    if rng.random() > 0.6:
        return
    if proceedings["concluded_on"] is not None:
        met_at, by = day_start(proceedings["concluded_on"]), proceedings["concluded_by"]
    else:
        if proceedings["hearing_without_outcome"]:
            return
        nta = day_start(proceedings["nta_on"])
        changes = [day_start(d) for d, _ in moves if day_start(d) >= nta]
        last = max(filings, key=lambda f: f[0]) if filings else None
        if changes:
            if last is None or any(c > day_start(last[0]) for c in changes):
                return
            met_at, by = day_start(last[0]), last[1]["recorded_by_id"]
        else:
            met_at, by = proceedings["recorded_at"], proceedings["recorded_by"]
    batch.sign_off(case, "legal.hearings", met_at, other_than(case, Role.ATTORNEY, by, rng),
                   rng)


# --- refugee claims in Mexico ------------------------------------------------------------------

COMAR_DECISIONS = {ComarDecision.RECOGNISED: 55, ComarDecision.COMPLEMENTARY: 15,
                   ComarDecision.REJECTED: 12, ComarDecision.APPEALED: 5,
                   ComarDecision.WITHDRAWN: 13}


def _comar_claim(batch, case, rng, screening, end) -> tuple[datetime | None, bool]:
    """A claim to COMAR for a child who fears return and wants to claim: due 30 business
    days from entry (later with a reason); COMAR decides in 45 business days in law,
    months in practice. A child who goes on to the US or home withdraws it first."""
    wants = screening["wishes_to_apply"] and Relief.COMAR in screening["identified"]
    leaving = case.outcome in ("returned", "transferred_us")
    if not wants and not (leaving and Relief.COMAR in screening["identified"]
                          and rng.random() < 0.3):
        return None, False
    filed = case.moment(rng, screening["screened_at"], 24 * 8, batch.now)
    if filed is None:
        if case.open:
            return None, False  # wishes to claim; not filed yet
        filed = _between(rng, screening["screened_at"], end, 0.05, 0.3)
    filed_on = filed.date()
    entered_on = screening["entered_country_on"] or (
        case.encountered_at.date() - timedelta(days=rng.randint(1, 20)))
    late = day_start(filed_on) > comar_filing_due(entered_on)
    by = case.staff(Role.ATTORNEY if rng.random() < 0.7 else Role.CASEWORKER, rng)
    decided_on = _day_plus(filed_on, rng, 45, 60 + int(rng.expovariate(1 / 90)), end)
    decision = _pick(rng, COMAR_DECISIONS) if decided_on else None
    if leaving and not case.open:
        # Decided before the child left: withdrawn, or rejected.
        decided_on = decided_on or _between(rng, day_start(filed_on), end, 0.2, 0.5).date()
        decision = ComarDecision.WITHDRAWN if rng.random() < 0.8 else ComarDecision.REJECTED
    batch.add(ComarClaim, case, entered_on=entered_on, filed_on=filed_on,
              inm_notified_on=_day_plus(filed_on, rng, 0, 3, end)
              if rng.random() < 0.9 else None,
              decision=decision, decided_on=decided_on if decision else None,
              recorded_by_id=by, recorded_at=_recorded(filed_on, rng, batch.now),
              decision_by_id=by if decision else None,
              reference=f"COMAR/{case.office_code[3:]}/{filed_on.year}/{rng.randint(1, 99999):05d}",
              late_reason=LATE_COMAR if late else None)
    if rng.random() < 0.7:
        batch.sign_off(case, "protection.claim_mx", day_start(filed_on),
                       case.staff(Role.SUPERVISOR, rng), rng)
    pending = decision is None or decision == ComarDecision.APPEALED
    return (day_start(decided_on) if decision else None), pending


# --- privileged notes -------------------------------------------------------------------------

def _notes(batch, case, rng, end) -> None:
    """A few attorney-client notes, by legal staff on the case team (services.may_use_notes)."""
    legal = [case.team[r] for r in (Role.ATTORNEY, Role.PARALEGAL) if r in case.team]
    if not legal or rng.random() > 0.35:
        return
    at = case.opened_at
    for _ in range(rng.randint(1, 3)):
        at = case.moment(rng, at, 24 * 20, batch.now)
        if at is None:
            return
        batch.add(LegalNote, case, author_id=rng.choice(legal), written_at=at,
                  body=rng.choice(NOTE_TEXTS))
