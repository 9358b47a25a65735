"""Transfer and return plans, the gated transfer, return and reunification abroad,
handovers and reintegration follow-ups. They flush and audit; the view commits.

Every gated step goes through `workflow.services.perform`, which asks the engine
first: no return is recorded without an approved, current BID recommending it,
whoever asks and however. The rules of the records themselves are checked here
again, whoever calls, and raise ValueError or NotPermitted with a message.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from casework.accounts.models import Office, User
from casework.accounts.roles import Country, Role
from casework.audit.services import record
from casework.best_interests.choices import Solution
from casework.best_interests.services import approved_bid_for
from casework.cases.models import Case, CaseTeamMember
from casework.errors import NotPermitted
from casework.extensions import db
from casework.models import utcnow
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
from casework.workflow import engine
from casework.workflow import services as workflow
from casework.workflow.deadlines import due_date
from casework.workflow.models import ActionRecord
from casework.workflow.policy import Action, Clock


def _clean(text: str | None) -> str | None:
    return (text or "").strip() or None


def _check_when(when: datetime) -> None:
    if when.tzinfo is None:
        raise TypeError("a naive datetime: record times are aware UTC")
    if when > utcnow():
        raise ValueError(_l("A record cannot be dated in the future."))


def _check_day(day: date) -> None:
    if day > utcnow().date():
        raise ValueError(_l("A notice or assessment is recorded once it has been made."))


def _require(*values: tuple[str | None, object]) -> None:
    for value, message in values:
        if not _clean(value):
            raise ValueError(message)


def _may(actor: User, key: str, message) -> None:
    cp = engine.checkpoint(key)
    if actor.role not in {*cp.completed_by, *(r for r in cp.signed_off_by if isinstance(r, Role))}:
        raise NotPermitted(message)


def start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _latest(model, case: Case, *order):
    return db.session.scalar(sa.select(model).where(model.case_id == case.id)
                             .order_by(*(c.desc() for c in order)).limit(1))


# --- cross-border transfer, Mexico → US ----------------------------------------------

def current_transfer_plan(case: Case) -> TransferPlan | None:
    return _latest(TransferPlan, case, TransferPlan.planned_at, TransferPlan.recorded_at)


def transfer_in_progress(case: Case) -> TransferPlan | None:
    """A transfer recorded and not yet handed over: both offices see the case."""
    return db.session.scalar(sa.select(TransferPlan).where(
        TransferPlan.case_id == case.id, TransferPlan.transferred_at.is_not(None),
        TransferPlan.handed_over_at.is_(None)))


def receiving_offices() -> list[Office]:
    return list(db.session.scalars(
        sa.select(Office).where(Office.country == Country.US, Office.active.is_(True))
        .order_by(Office.name)))


@dataclass
class TransferPlanDetails:
    planned_at: datetime
    to_office_id: uuid.UUID
    family: str
    legal_pathway: str
    measure_on: date
    measure: str
    escort: str
    mx_authorities_notified_on: date
    us_authorities_notified_on: date
    consulates_notified_on: date
    notes: str | None = None


def record_transfer_plan(case: Case, d: TransferPlanDetails, *, actor: User) -> TransferPlan:
    _may(actor, "transfer.mx_us", _l("Your role cannot plan a transfer."))
    if case.office.country != Country.MX:
        raise NotPermitted(_l("A safe transfer starts from an office in Mexico."))
    if transfer_in_progress(case) is not None:
        raise NotPermitted(_l("A transfer is under way: record its handover first."))
    bid = approved_bid_for(case, Action.RECORD_TRANSFER)
    if bid is None:
        raise NotPermitted(_l("A transfer is planned on an approved, current BID that "
                              "recommends it (R4)."))
    office = db.session.get(Office, d.to_office_id)
    if office is None or office.country != Country.US or not office.active:
        raise ValueError(_l("Choose the receiving office in the United States."))
    _check_when(d.planned_at)
    for day in (d.measure_on, d.mx_authorities_notified_on, d.us_authorities_notified_on,
                d.consulates_notified_on):
        _check_day(day)
    _require((d.family, _l("Name the verified family member or sponsor in the US.")),
             (d.measure, _l("Give the Procuraduría's measure.")),
             (d.escort, _l("Name the escort.")))
    plan = TransferPlan(
        id=uuid.uuid4(), case=case, case_id=case.id, bid_id=bid.id, from_office_id=case.office_id,
        to_office_id=office.id, legal_pathway=LegalPathway(d.legal_pathway),
        measure_on=d.measure_on, mx_authorities_notified_on=d.mx_authorities_notified_on,
        us_authorities_notified_on=d.us_authorities_notified_on,
        consulates_notified_on=d.consulates_notified_on, planned_at=d.planned_at,
        recorded_by_id=actor.id,
    )
    plan.family, plan.measure, plan.escort = (_clean(d.family), _clean(d.measure),
                                              _clean(d.escort))
    plan.notes = _clean(d.notes)
    db.session.add(plan)
    db.session.flush()
    engine.refresh(case)
    record("transfer_plan.record", actor_id=actor.id, case_id=case.id,
           details={"plan": str(plan.id), "bid": str(bid.id), "to_office": str(office.id)})
    return plan


@dataclass
class ActionDetails:
    occurred_at: datetime
    note: str | None = None


def record_transfer(case: Case, d: ActionDetails, *, actor: User) -> ActionRecord:
    """The gated action: the child crossed with the escort. The case moves to the
    receiving US office; the sending office keeps access until the handover."""
    engine.require(case, Action.RECORD_TRANSFER)  # the reasons come before any other rule
    plan = current_transfer_plan(case)
    if plan is not None and d.occurred_at < plan.planned_at:
        raise ValueError(_l("The transfer happens after it was planned."))
    entry = workflow.perform(case, Action.RECORD_TRANSFER, actor=actor,
                             occurred_at=d.occurred_at, note=d.note,
                             details={"plan": str(plan.id) if plan else None})
    if plan is None or plan.transferred_at is not None:  # the gate lets neither through
        raise RuntimeError("transfer recorded without a ready plan")
    plan.transferred_at, plan.transferred_by_id = d.occurred_at, actor.id
    case.office = db.session.get(Office, plan.to_office_id)
    db.session.flush()
    engine.refresh(case)
    record("transfer.record", actor_id=actor.id, case_id=case.id,
           details={"plan": str(plan.id), "from_office": str(plan.from_office_id),
                    "to_office": str(plan.to_office_id)})
    return entry


@dataclass
class HandoverDetails:
    handed_over_at: datetime
    received_by: str
    child_condition: str
    condition_notes: str | None = None


def record_transfer_handover(case: Case, d: HandoverDetails, *, actor: User) -> TransferPlan:
    """The receiving office takes the child over: the transfer closes, and the sending
    office's access ends (its staff leave the case team)."""
    _may(actor, "transfer.mx_us", _l("Your role cannot record a handover."))
    plan = transfer_in_progress(case)
    if plan is None:
        raise NotPermitted(_l("No transfer is waiting for its handover."))
    if plan.to_office_id not in actor.office_ids_in_scope():
        raise NotPermitted(_l("The receiving office records the handover."))
    _check_when(d.handed_over_at)
    if d.handed_over_at < plan.transferred_at:
        raise ValueError(_l("The handover comes after the transfer."))
    _require((d.received_by, _l("Name the officer who received the child.")))
    plan.handed_over_at, plan.handover_recorded_by_id = d.handed_over_at, actor.id
    plan.child_condition = ChildCondition(d.child_condition)
    plan.received_by = _clean(d.received_by)
    plan.condition_notes = _clean(d.condition_notes)
    leaving = list(db.session.scalars(
        sa.select(CaseTeamMember).join(User, User.id == CaseTeamMember.user_id)
        .where(CaseTeamMember.case_id == case.id, User.office_id == plan.from_office_id)))
    for member in leaving:
        db.session.delete(member)
    db.session.flush()
    engine.refresh(case)
    record("transfer.handover", actor_id=actor.id, case_id=case.id,
           details={"plan": str(plan.id), "left_team": len(leaving)})
    return plan


# --- return ---------------------------------------------------------------------------

def current_return_plan(case: Case) -> ReturnPlan | None:
    return _latest(ReturnPlan, case, ReturnPlan.planned_at, ReturnPlan.recorded_at)


def last_return(case: Case) -> ReturnPlan | None:
    return db.session.scalar(
        sa.select(ReturnPlan).where(ReturnPlan.case_id == case.id,
                                    ReturnPlan.returned_at.is_not(None))
        .order_by(ReturnPlan.returned_at.desc()).limit(1))


def follow_up_clocks() -> tuple[Clock, ...]:
    """The reintegration follow-ups: the clocks of the catalogue's reint.followup (1, 3, 6 and
    12 months after return). A follow-up records its month; it is the milestone of the clock
    due that many months after the return."""
    return engine.checkpoint("reint.followup").clocks


def follow_up_months() -> list[int]:
    return [c.deadline.amount for c in follow_up_clocks()]


def earliest_departure(referral_made_on: date) -> date:
    """The catalogue's rule (return.plan): the reintegration referral comes at least this
    many business days before departure. Configurable, like every deadline."""
    rule = engine.checkpoint("return.plan").deadline
    return due_date(rule, start_of(referral_made_on)).date()


@dataclass
class ReturnPlanDetails:
    planned_at: datetime
    receiving_authority: str
    authority_notified_on: date
    family_assessed_on: date
    family_assessment: str
    travel_documents_ready: bool
    travel_documents: str
    escort: str
    referral_made_on: date
    referral_consent: bool
    reintegration_partner: str
    reintegration_plan: str
    departure_on: date
    authority_name: str | None = None
    notes: str | None = None


def record_return_plan(case: Case, d: ReturnPlanDetails, *, actor: User) -> ReturnPlan:
    _may(actor, "return.plan", _l("Your role cannot plan a return."))
    bid = approved_bid_for(case, Action.RECORD_RETURN)
    if bid is None:
        raise NotPermitted(_l("A return is planned only on an approved, current BID that "
                              "recommends it (R5)."))
    used = db.session.scalar(sa.select(sa.exists().where(
        ReturnPlan.bid_id == bid.id, ReturnPlan.returned_at.is_not(None))))
    if used:
        raise NotPermitted(_l("The return this BID decided has been carried out."))
    authority = ReceivingAuthority(d.receiving_authority)
    _check_when(d.planned_at)
    for day in (d.authority_notified_on, d.family_assessed_on, d.referral_made_on):
        _check_day(day)
    if authority == ReceivingAuthority.OTHER:
        _require((d.authority_name, _l("Name the receiving authority.")))
    _require((d.family_assessment, _l("Summarise the family assessment in the country of "
                                      "origin.")),
             (d.travel_documents, _l("Describe the travel documents.")),
             (d.escort, _l("Name the specialised escort.")),
             (d.reintegration_partner, _l("Name who receives the reintegration referral.")),
             (d.reintegration_plan, _l("Outline the reintegration plan.")))
    if not d.travel_documents_ready:
        raise ValueError(_l("A return is planned once the travel documents are ready."))
    if not d.referral_consent:
        raise ValueError(_l("A reintegration referral needs the signed consent of the child "
                            "or guardian."))
    if d.departure_on < earliest_departure(d.referral_made_on):
        raise ValueError(_l("The reintegration referral must be made at least %(n)d business "
                            "days before departure: the earliest departure is %(day)s.",
                            n=engine.checkpoint("return.plan").deadline.amount,
                            day=earliest_departure(d.referral_made_on).isoformat()))
    plan = ReturnPlan(
        id=uuid.uuid4(), case=case, case_id=case.id, bid_id=bid.id,
        receiving_authority=authority, authority_notified_on=d.authority_notified_on,
        family_assessed_on=d.family_assessed_on, travel_documents_ready=True,
        referral_made_on=d.referral_made_on, referral_consent=True,
        departure_on=d.departure_on, planned_at=d.planned_at, recorded_by_id=actor.id,
    )
    plan.authority_name = (_clean(d.authority_name) if authority == ReceivingAuthority.OTHER
                           else None)
    plan.family_assessment = _clean(d.family_assessment)
    plan.travel_documents = _clean(d.travel_documents)
    plan.escort = _clean(d.escort)
    plan.reintegration_partner = _clean(d.reintegration_partner)
    plan.reintegration_plan = _clean(d.reintegration_plan)
    plan.notes = _clean(d.notes)
    db.session.add(plan)
    db.session.flush()
    engine.refresh(case)
    record("return_plan.record", actor_id=actor.id, case_id=case.id,
           details={"plan": str(plan.id), "bid": str(bid.id), "authority": authority.value})
    return plan


def record_return(case: Case, d: ActionDetails, *, actor: User) -> ActionRecord:
    """The gated action: the child left with the escort (R5). Refused by the engine unless
    an approved, current BID recommends the return and its plan is ready."""
    engine.require(case, Action.RECORD_RETURN)  # the reasons come before any other rule
    plan = current_return_plan(case)
    if plan is not None and d.occurred_at.date() < plan.departure_on:
        raise ValueError(_l("The child leaves on the planned departure day, not before: the "
                            "reintegration referral needs its notice."))
    entry = workflow.perform(case, Action.RECORD_RETURN, actor=actor,
                             occurred_at=d.occurred_at, note=d.note,
                             details={"plan": str(plan.id) if plan else None})
    if plan is None or plan.returned_at is not None:  # the gate lets neither through
        raise RuntimeError("return recorded without a ready plan")
    plan.returned_at, plan.returned_by_id = d.occurred_at, actor.id
    db.session.flush()
    engine.refresh(case)
    record("return.record", actor_id=actor.id, case_id=case.id,
           details={"plan": str(plan.id), "bid": str(plan.bid_id)})
    return entry


@dataclass
class ReturnHandoverDetails:
    handed_over_at: datetime
    receiving_authority: str
    officer: str
    child_condition: str
    condition_notes: str | None = None


def record_return_handover(case: Case, d: ReturnHandoverDetails, *,
                           actor: User) -> ReturnHandover:
    _may(actor, "return.handover", _l("Your role cannot record a reception handover."))
    plan = last_return(case)
    if plan is None:
        raise NotPermitted(_l("A reception handover follows a recorded return."))
    if db.session.scalar(sa.select(sa.exists().where(ReturnHandover.return_plan_id == plan.id))):
        raise NotPermitted(_l("The reception handover of this return is already recorded."))
    _check_when(d.handed_over_at)
    if d.handed_over_at < plan.returned_at:
        raise ValueError(_l("The handover comes after the departure."))
    _require((d.officer, _l("Name the receiving officer and their post.")))
    handover = ReturnHandover(
        id=uuid.uuid4(), case=case, case_id=case.id, return_plan_id=plan.id,
        receiving_authority=ReceivingAuthority(d.receiving_authority),
        handed_over_at=d.handed_over_at, child_condition=ChildCondition(d.child_condition),
        recorded_by_id=actor.id,
    )
    handover.officer = _clean(d.officer)
    handover.condition_notes = _clean(d.condition_notes)
    db.session.add(handover)
    db.session.flush()
    engine.refresh(case)
    record("return_handover.record", actor_id=actor.id, case_id=case.id,
           details={"handover": str(handover.id), "condition": handover.child_condition.value})
    return handover


# --- reintegration --------------------------------------------------------------------

@dataclass
class FollowUpDetails:
    month: int
    contacted_at: datetime
    psychosocial: str
    school: str
    safety: str
    safety_concern: bool = False
    school_notes: str | None = None
    partner: str | None = None


def record_follow_up(case: Case, d: FollowUpDetails, *, actor: User) -> ReintegrationFollowUp:
    _may(actor, "reint.followup", _l("Your role cannot record a reintegration follow-up."))
    plan = last_return(case)
    if plan is None:
        raise NotPermitted(_l("Reintegration follow-ups come after a recorded return."))
    if d.month not in follow_up_months():
        raise ValueError(_l("Choose the follow-up: 1, 3, 6 or 12 months."))
    _check_when(d.contacted_at)
    if d.contacted_at < plan.returned_at:
        raise ValueError(_l("A follow-up comes after the return."))
    _require((d.psychosocial, _l("Record the psychosocial support.")),
             (d.safety, _l("Record the safety check.")))
    entry = ReintegrationFollowUp(
        id=uuid.uuid4(), case=case, case_id=case.id, month=d.month,
        contacted_at=d.contacted_at, school=SchoolStatus(d.school),
        safety_concern=bool(d.safety_concern), recorded_by_id=actor.id,
    )
    entry.psychosocial = _clean(d.psychosocial)
    entry.safety = _clean(d.safety)
    entry.school_notes = _clean(d.school_notes)
    entry.partner = _clean(d.partner)
    db.session.add(entry)
    db.session.flush()
    engine.refresh(case)
    record("reintegration.follow_up", actor_id=actor.id, case_id=case.id,
           details={"follow_up": str(entry.id), "month": d.month,
                    "safety_concern": entry.safety_concern})
    return entry


# --- reunification abroad ---------------------------------------------------------------

@dataclass
class ReunificationDetails:
    occurred_at: datetime
    country: str
    received_by: str
    relationship: str
    escort: str
    note: str | None = None


def reunify_abroad(case: Case, d: ReunificationDetails, *, actor: User) -> ActionRecord:
    """The gated action: the child joined family in another country (R3), in the country
    the BID recommends."""
    engine.require(case, Action.REUNIFY_ABROAD)  # the reasons come before any other rule
    _require((d.country, _l("Choose the country.")),
             (d.received_by, _l("Name who received the child.")),
             (d.relationship, _l("Give their relationship to the child.")),
             (d.escort, _l("Name the escort.")))
    bid = approved_bid_for(case, Action.REUNIFY_ABROAD)
    if bid is not None and not _country_fits(bid.recommendation, d.country):
        raise ValueError(_l("The BID recommends a reunification in another country."))
    return workflow.perform(
        case, Action.REUNIFY_ABROAD, actor=actor, occurred_at=d.occurred_at, note=d.note,
        details={"country": d.country, "received_by": _clean(d.received_by),
                 "relationship": _clean(d.relationship), "escort": _clean(d.escort)},
    )


def _country_fits(solution: str, country: str) -> bool:
    if solution == Solution.REUNIFICATION_US:
        return country == Country.US
    if solution == Solution.REUNIFICATION_MX:
        return country == Country.MX
    return country not in {Country.US, Country.MX}  # a third country
