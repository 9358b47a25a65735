"""Synthetic transfers, returns, reception handovers and reintegration follow-ups (see
casework/synthetic).

A transfer or a return is made only on an approved, current BID that recommends it
(R4, R5): the best-interests maker (order 40) leaves, on each case whose BID is
approved, facts["bid_approved_at"] (aware UTC), facts["bid_id"] (the
bi_determination row a plan names) and facts["bid_recommendation"] (a Solution value;
a closed case's outcome says it too). Nothing is made without them, and every plan
comes after the approval and after the legal steps a return waits for
(facts["legal_clear_at"], from legal's maker). The dates follow the services: a plan,
then the transfer or the departure (at least 5 business days after the reintegration
referral), the reception, and follow-ups 1, 3, 6 and 12 months after a return. A closed
case's transfer or return happened before it closed; an open case may be anywhere on the
way.

A transferred case stays at its Mexican office here (transfers.services.record_transfer
moves it to the receiving office; see the report of this change), and is oriented again
after the transfer by legal's maker (order 65), which reads facts["transferred_at"].
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from casework.accounts.models import Office, User
from casework.accounts.roles import Country, Role
from casework.best_interests.choices import Solution
from casework.cases.conditions import CONTIGUOUS_NATIONALITIES
from casework.extensions import db
from casework.screening.choices import ScreeningKind
from casework.screening.models import Screening
from casework.synthetic import names, synthetic_records
from casework.transfers.choices import (
    ChildCondition,
    LegalPathway,
    ReceivingAuthority,
    SchoolStatus,
)
from casework.transfers.models import (
    ReintegrationFollowUp,
    ReturnHandover,
    ReturnPlan,
    TransferPlan,
)
from casework.transfers.services import earliest_departure, follow_up_months
from casework.workflow.deadlines import add_months
from casework.workflow.models import ActionRecord, GateOverride
from casework.workflow.policy import Action

AUTHORITIES = {"MX": ReceivingAuthority.DIF, "HN": ReceivingAuthority.DINAF,
               "GT": ReceivingAuthority.PGN, "SV": ReceivingAuthority.CONNA}
OTHER_AUTHORITIES = {"EC": "MIES (Ecuador)", "NI": "MIFAN (Nicaragua)",
                     "VE": "IDENNA (Venezuela)", "CO": "ICBF (Colombia)",
                     "HT": "IBESR (Haïti)", "CU": "Ministerio de Educación (Cuba)"}
PARTNERS = ("Reintegration partner, Ciudad de Guatemala", "Reintegration partner, "
            "San Pedro Sula", "Reintegration partner, San Salvador", "DIF municipal")
CONDITIONS = {ChildCondition.WELL: 85, ChildCondition.NEEDS_CARE: 13, ChildCondition.URGENT: 2}


def _pick(rng, mix: dict):
    return rng.choices(list(mix), weights=list(mix.values()))[0]


def _between(rng, start: datetime, end: datetime, lo: float, hi: float) -> datetime:
    return (start + (end - start) * rng.uniform(lo, hi)).replace(microsecond=0)


def _us_staff() -> dict:
    """The active US offices and their caseworkers: the receiving side of a transfer."""
    rows = db.session.execute(
        sa.select(Office.id, User.id.label("user_id"))
        .join(User, User.office_id == Office.id)
        .where(Office.country == Country.US, Office.active.is_(True),
               User.role == Role.CASEWORKER, User.active.is_(True))
        # By code and email, not by id: the ids are random, and a seed must pick the
        # same receiving office and caseworker in every database.
        .order_by(Office.code, User.email))
    staff: dict = {}
    for office_id, user_id in rows:
        staff.setdefault(office_id, []).append(user_id)
    return staff


# The screenings whose absence is a hard block on a return (workflow/policy.py).
RETURN_SCREENINGS = {ScreeningKind.PROTECTION, ScreeningKind.CONTIGUOUS}


@synthetic_records(order=60)
def transfers_and_returns(batch, rng) -> None:
    us_staff = None
    screened: dict = {}
    last_screened: dict = {}
    for row in batch.rows.get(Screening, []):
        if row["kind"] in RETURN_SCREENINGS:
            screened.setdefault(row["case_id"], set()).add(row["kind"])
            at = row["completed_at"]
            last_screened[row["case_id"]] = max(at, last_screened.get(row["case_id"], at))
    for case in batch.cases:
        case.facts["return_screened"] = _return_screened(case, screened.get(case.id, set()))
        # A move comes after the screenings its gates ask for.
        case.facts["return_screened_at"] = last_screened.get(case.id)
        approved, bid = case.facts.get("bid_approved_at"), case.facts.get("bid_id")
        if approved is None or bid is None:
            continue
        recommends = case.facts.get("bid_recommendation")
        if case.outcome == "returned" or (case.open and recommends == Solution.RETURN):
            _return(batch, case, rng, approved, bid)
        elif case.country == "MX" and (case.outcome == "transferred_us" or (
                case.open and recommends == Solution.TRANSFER_US)):
            if us_staff is None:
                us_staff = _us_staff()  # once a batch, only when a batch has a transfer
            if us_staff:
                _transfer(batch, case, rng, approved, bid, us_staff)


def _return_screened(case, kinds: set) -> bool:
    """Whether the screenings a return needs are on record: the protection screening, a
    Mexican or Canadian child's in the US, and the legal relief screening."""
    needed = {ScreeningKind.PROTECTION}
    if case.country == "US" and case.nationality in CONTIGUOUS_NATIONALITIES:
        needed.add(ScreeningKind.CONTIGUOUS)
    return needed <= kinds and case.facts.get("legal_screened_at") is not None


def _start(case, approved: datetime) -> datetime:
    after = [approved, case.facts.get("legal_clear_at"), case.facts.get("return_screened_at")]
    return max(at for at in after if at is not None)


def _transfer(batch, case, rng, approved, bid, us_staff) -> None:
    """Plan (within a few weeks of the BID), crossing with an escort, handover at the
    port to the receiving office; the notices are sent while planning."""
    end = case.until(batch.now)
    start = _start(case, approved)
    if start >= end:
        return
    planned = case.moment(rng, start, 24 * 12, batch.now)
    if case.open:
        if planned is None or rng.random() < 0.25:
            return  # recommended, not planned yet: transfer.mx_us is pending
        crossed = None
    else:
        # Closed as transferred: planned, crossed and handed over before it closed.
        planned = planned if planned and planned < end - timedelta(days=2) else _between(
            rng, start, end, 0.1, 0.6)
        crossed = _between(rng, planned, end, 0.2, 0.8)
    to_office = rng.choice(list(us_staff))
    caseworker = case.staff(Role.CASEWORKER, rng)
    row = dict(
        bid_id=bid, from_office_id=case.office_id, to_office_id=to_office,
        legal_pathway=_pick(rng, {LegalPathway.ASYLUM_AT_PORT: 50, LegalPathway.PAROLE: 25,
                                  LegalPathway.FAMILY_PETITION: 20, LegalPathway.OTHER: 5}),
        measure_on=_day_before(planned, approved, rng),
        mx_authorities_notified_on=_day_before(planned, approved, rng),
        us_authorities_notified_on=_day_before(planned, approved, rng),
        consulates_notified_on=_day_before(planned, approved, rng),
        planned_at=planned, recorded_by_id=caseworker,
        recorded_at=min(planned + timedelta(minutes=rng.randint(10, 240)), batch.now),
        transferred_at=None, transferred_by_id=None, handed_over_at=None,
        handover_recorded_by_id=None, child_condition=None,
        family=f"{names.staff_name(rng)} (aunt), verified by the US office",
        measure=f"Medida de protección PPNNA/{planned.year}/{rng.randint(100, 9999)}",
        escort=f"{names.staff_name(rng)}, DIF specialised escort",
        notes=None, received_by=None, condition_notes=None)
    if crossed is not None:
        handed = min(crossed + timedelta(hours=rng.uniform(2, 12)), end).replace(
            microsecond=0)
        row.update(transferred_at=crossed, transferred_by_id=caseworker,
                   handed_over_at=handed,
                   handover_recorded_by_id=rng.choice(us_staff[to_office]),
                   child_condition=_pick(rng, CONDITIONS),
                   received_by=f"{names.staff_name(rng)}, CBP juvenile coordinator")
    plan = batch.add(TransferPlan, case, **row)
    if crossed is not None:
        batch.add(ActionRecord, case, action=Action.RECORD_TRANSFER.value,
                  occurred_at=crossed, recorded_by_id=caseworker,
                  recorded_at=min(crossed + timedelta(minutes=30), batch.now), outcome=None,
                  note=None, details={"plan": str(plan["id"])})
        case.facts["transferred_at"] = crossed
    if rng.random() < 0.8:
        batch.sign_off(case, "transfer.mx_us", planned, case.staff(Role.SUPERVISOR, rng), rng)


def _day_before(planned: datetime, approved: datetime, rng) -> date:
    """A notice sent between the BID's approval and the plan."""
    days = max(0, (planned.date() - approved.date()).days)
    return planned.date() - timedelta(days=rng.randint(0, min(days, 10)))


def _return(batch, case, rng, approved, bid) -> None:
    """Plan with the family assessed and the receiving authority notified, reintegration
    referral at least 5 business days before departure (return.plan), departure, reception
    the same or the next day, follow-ups at 1, 3, 6 and 12 months after."""
    end = case.until(batch.now)
    start = _start(case, approved)
    if start >= end:
        return
    if case.open:
        if case.facts.get("claim_pending") or rng.random() < 0.2:
            return  # no plan yet (no return while a claim is pending)
        planned = case.moment(rng, start, 24 * 14, batch.now)
        if planned is None:
            return
        referral = planned.date() - timedelta(days=rng.randint(0, 5))
        departure = earliest_departure(referral) + timedelta(days=rng.randint(0, 12))
        if rng.random() < 0.04:
            departure = referral + timedelta(days=2)  # too little notice: sent back
        returned = datetime.combine(departure, time(rng.randint(12, 20)), tzinfo=UTC)
        if (returned > batch.now or departure < earliest_departure(referral)
                or not case.facts["return_screened"]):
            returned = None  # not yet, or the engine would refuse it
    else:
        # Closed as returned: it left before the case closed, on the planned day, the
        # referral made well before (no business week is longer than 9 days).
        returned = _between(rng, start, end - timedelta(hours=2), 0.1, 0.5)
        departure = returned.date()
        planned = _between(rng, start, returned, 0.2, 0.8)
        referral = min(planned.date(), departure - timedelta(days=9)) - timedelta(
            days=rng.randint(0, 5))
    authority = AUTHORITIES.get(case.nationality, ReceivingAuthority.OTHER)
    caseworker = case.staff(Role.CASEWORKER, rng)
    plan = batch.add(
        ReturnPlan, case, bid_id=bid, receiving_authority=authority,
        authority_notified_on=planned.date() - timedelta(days=rng.randint(0, 7)),
        family_assessed_on=planned.date() - timedelta(days=rng.randint(3, 20)),
        travel_documents_ready=True, referral_made_on=referral, referral_consent=True,
        departure_on=departure, planned_at=planned, recorded_by_id=caseworker,
        recorded_at=min(planned + timedelta(minutes=rng.randint(10, 240)), batch.now),
        returned_at=returned, returned_by_id=caseworker if returned else None,
        authority_name=OTHER_AUTHORITIES.get(case.nationality, "National child-protection "
                                             "authority")
        if authority == ReceivingAuthority.OTHER else None,
        family_assessment="Mother and grandmother visited at home; able and willing to "
                          "care for the child.",
        travel_documents=f"Consular travel document no. {rng.randint(10**5, 10**6 - 1)}",
        escort=f"{names.staff_name(rng)}, specialised escort",
        reintegration_partner=rng.choice(PARTNERS),
        reintegration_plan="School enrolment, psychosocial support, family visits.",
        notes=None)
    if rng.random() < 0.75:
        batch.sign_off(case, "return.plan", planned, case.staff(Role.SUPERVISOR, rng), rng)
    if returned is None:
        return
    batch.add(ActionRecord, case, action=Action.RECORD_RETURN.value, occurred_at=returned,
              recorded_by_id=caseworker,
              recorded_at=min(returned + timedelta(minutes=30), batch.now), outcome=None,
              note=None, details={"plan": str(plan["id"])})
    case.facts["returned_at"] = returned
    handed = returned + timedelta(hours=rng.uniform(3, 30))
    if handed <= end and rng.random() < 0.96:
        handed = handed.replace(microsecond=0)
        batch.add(ReturnHandover, case, return_plan_id=plan["id"],
                  receiving_authority=authority, handed_over_at=handed,
                  child_condition=_pick(rng, CONDITIONS), recorded_by_id=caseworker,
                  recorded_at=min(handed + timedelta(minutes=rng.randint(10, 600)), batch.now),
                  officer=f"{names.staff_name(rng)}, reception officer",
                  condition_notes=None)
        if rng.random() < 0.75:
            batch.sign_off(case, "return.handover", handed, case.staff(Role.SUPERVISOR, rng),
                           rng)
    _follow_ups(batch, case, rng, returned, end, caseworker)


def _follow_ups(batch, case, rng, returned: datetime, end: datetime, caseworker) -> None:
    """Each follow-up is due that many months after the return: most a few days before
    it, some late, a few missed. Those not due before the case closed were handed over
    to the reintegration partner: the supervisor lifted the closure's soft gate."""
    done = []
    for month in follow_up_months():
        due = add_months(returned, month)
        roll = rng.random()
        if roll < 0.05:
            continue  # missed: overdue
        at = (due - timedelta(hours=rng.uniform(0, 240)) if roll < 0.85
              else due + timedelta(hours=rng.expovariate(1 / 240)))
        at = max(at, returned + timedelta(hours=1)).replace(microsecond=0)
        if at > end:
            continue
        batch.add(ReintegrationFollowUp, case, month=month, contacted_at=at,
                  school=_pick(rng, {SchoolStatus.ENROLLED: 70, SchoolStatus.NOT_ENROLLED: 20,
                                     SchoolStatus.NOT_APPLICABLE: 10}),
                  safety_concern=rng.random() < 0.06, recorded_by_id=caseworker,
                  recorded_at=min(at + timedelta(minutes=rng.randint(10, 600)), batch.now),
                  partner=rng.choice(PARTNERS), psychosocial="Weekly group sessions; "
                  "the child says sleep is better.", school_notes=None,
                  safety="No threats reported; the family is in touch with the partner.")
        done.append(at)
    if len(done) == len(follow_up_months()):
        if rng.random() < 0.7:
            batch.sign_off(case, "reint.followup", max(done), case.staff(Role.SUPERVISOR, rng),
                           rng)
    elif not case.open:
        batch.add(GateOverride, case, action=Action.CLOSE_CASE.value, key="reint.followup",
                  reason="The remaining follow-ups were handed over to the reintegration "
                         "partner, who reports to the receiving authority.",
                  by_id=case.staff(Role.SUPERVISOR, rng),
                  at=(case.closed_at - timedelta(minutes=rng.randint(5, 120))))

