"""The verbs of family tracing and reunification. They flush and audit; the view commits.

The forms check the same rules field by field; these checks keep the records coherent
whoever calls (a command, an import, a test) and raise ValueError with a message for the
user. Audit events carry ids and kinds only, never a name, an address or a wish.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from casework.accounts.models import User
from casework.audit.services import record
from casework.cases.models import Case
from casework.crypto.runtime import current_indexer
from casework.errors import NotPermitted, StaleEdit
from casework.extensions import db
from casework.models import utcnow
from casework.reunification import conditions
from casework.reunification.choices import (
    CONTACT_WISH_LABELS,
    KINSHIP_LABELS,
    LOCATION_COUNTRY_LABELS,
    NO_CONTACT,
    ORIGIN_CHANNELS,
    RELATED_CATEGORIES,
    UNKNOWN_COUNTRY,
    UNRELATED_KINSHIPS,
    CheckKind,
    FollowUpKind,
    SchoolStatus,
    SponsorCategory,
    TracingChannel,
    TracingResult,
    VerificationOutcome,
    Wish,
)
from casework.reunification.models import (
    FamilyMember,
    FamilyMemberToken,
    FollowUp,
    Release,
    SiblingDecision,
    SiblingLink,
    SponsorAssessment,
    SponsorCheck,
    TracingEntry,
    Verification,
)
from casework.workflow import engine
from casework.workflow import services as workflow
from casework.workflow.policy import Action
from casework.workflow.registry import FactBatch, Facts

FAMILY_NAME_INDEX = "family_name"
MIN_JUSTIFICATION = 20


def _clean(text: str | None) -> str | None:
    return (text or "").strip() or None


def _check_when(when: datetime, earliest: datetime | None = None) -> None:
    if when.tzinfo is None:
        raise TypeError("a naive datetime: record times are aware UTC")
    if when > utcnow():
        raise ValueError(_l("A record cannot be dated in the future."))
    if earliest is not None and when < earliest.replace(second=0, microsecond=0):
        raise ValueError(_l("This cannot be before the child was encountered."))


def facts_of(case: Case) -> Facts:
    """The case's records as the checkpoint conditions read them."""
    return Facts(case=case, now=utcnow(), _batch=FactBatch([case.id]))


def _member_of(case: Case, member_id: uuid.UUID | None) -> FamilyMember:
    member = db.session.get(FamilyMember, member_id) if member_id else None
    if member is None or member.case_id != case.id:
        raise NotPermitted(_l("This person is not a family member recorded on this case."))
    return member


# --- family members ---------------------------------------------------------------------

@dataclass
class MemberDetails:
    kinship: str
    given_names: str | None
    family_names: str | None
    country: str | None = None
    place: str | None = None
    contact: str | None = None
    wants_contact: str = "unsure"
    notes: str | None = None

    @classmethod
    def of(cls, member: FamilyMember) -> MemberDetails:
        return cls(**{name: getattr(member, name) for name in cls.__dataclass_fields__})


def _apply_member(member: FamilyMember, d: MemberDetails) -> None:
    if d.kinship not in KINSHIP_LABELS:
        raise ValueError(_l("Choose the relationship to the child."))
    if d.wants_contact not in CONTACT_WISH_LABELS:
        raise ValueError(_l("Say whether the child wants contact."))
    if d.country and d.country not in LOCATION_COUNTRY_LABELS:
        raise ValueError(_l("Choose the country from the list."))
    if not (_clean(d.given_names) or _clean(d.family_names)):
        raise ValueError(_l("Give at least one name, even a nickname the child uses."))
    for name in MemberDetails.__dataclass_fields__:
        value = getattr(d, name)
        value = _clean(value) if isinstance(value, str) else value
        if getattr(member, name) != value:
            setattr(member, name, value)


def add_member(case: Case, d: MemberDetails, *, actor: User) -> FamilyMember:
    member = FamilyMember(id=uuid.uuid4(), case=case, case_id=case.id, added_by_id=actor.id)
    _apply_member(member, d)
    db.session.add(member)
    db.session.flush()
    reindex_member(member)
    engine.refresh(case)
    record("family.member_add", actor_id=actor.id, case_id=case.id,
           details={"member": str(member.id)})
    return member


def update_member(member: FamilyMember, d: MemberDetails, *, actor: User,
                  expected_version: int) -> None:
    if member.version != expected_version:
        raise StaleEdit(current_version=member.version)
    _apply_member(member, d)
    member.updated_at = utcnow()
    try:
        db.session.flush()
    except sa.orm.exc.StaleDataError as exc:
        raise StaleEdit(current_version=None) from exc
    reindex_member(member)
    engine.refresh(member.case)
    record("family.member_edit", actor_id=actor.id, case_id=member.case_id,
           details={"member": str(member.id)})


def reindex_member(member: FamilyMember) -> None:
    """Rewrite the member's blind-index entries (one per name token) from its names."""
    indexer = current_indexer()
    db.session.execute(sa.delete(FamilyMemberToken)
                       .where(FamilyMemberToken.member_id == member.id))
    digests = set()
    for text in (member.given_names, member.family_names):
        if text:
            digests |= set(indexer.digests(FAMILY_NAME_INDEX, text))
    db.session.add_all(
        FamilyMemberToken(case_id=member.case_id, member_id=member.id,
                          index_name=FAMILY_NAME_INDEX, digest=digest)
        for digest in digests
    )
    db.session.flush()


# --- tracing ------------------------------------------------------------------------------

@dataclass
class TracingDetails:
    occurred_at: datetime
    channel: str
    result: str
    member_id: uuid.UUID | None = None
    in_origin_country: bool = False
    confidentiality_confirmed: bool = False
    details: str | None = None


def reaches_origin_country(case: Case, d: TracingDetails,
                           member: FamilyMember | None) -> bool:
    """Whether this tracing action is contact with the country of origin.

    It is when the person recording says so, when the channel is the country of origin
    itself (its consulate), or when the relative traced lives in the child's country of
    nationality.
    """
    return bool(d.in_origin_country
                or TracingChannel(d.channel) in ORIGIN_CHANNELS
                or (member is not None and member.country not in (None, UNKNOWN_COUNTRY)
                    and member.country == case.nationality))


def record_tracing(case: Case, d: TracingDetails, *, actor: User) -> TracingEntry:
    """Record a tracing action. Contact with the country of origin is the gated action
    `contact-origin-country`: refused (CheckpointBlocked, nothing saved) when its gates
    say so, recorded as a carried-out action when it passes."""
    _check_when(d.occurred_at, case.encountered_at)
    channel, result = TracingChannel(d.channel), TracingResult(d.result)
    member = _member_of(case, d.member_id) if d.member_id else None
    if not d.confidentiality_confirmed:
        raise ValueError(_l("Confirm that nothing about the child's protection claim or "
                            "whereabouts was shared beyond what tracing needs."))
    if (member is not None and member.wants_contact == NO_CONTACT
            and result != TracingResult.NOT_PURSUED):
        raise ValueError(_l("The child does not want this person contacted. Record the "
                            "tracing as not pursued, or record the child's new wish first."))
    origin = reaches_origin_country(case, d, member)
    action = None
    if origin:
        action = workflow.perform(case, Action.CONTACT_ORIGIN_COUNTRY, actor=actor,
                                  occurred_at=d.occurred_at)
    entry = TracingEntry(id=uuid.uuid4(), case=case, case_id=case.id,
                         member_id=member.id if member else None, occurred_at=d.occurred_at,
                         channel=channel, result=result, in_origin_country=origin,
                         action_id=action.id if action else None,
                         confidentiality_confirmed=True, recorded_by_id=actor.id)
    entry.details = _clean(d.details)
    db.session.add(entry)
    db.session.flush()
    engine.refresh(case)
    record("family.tracing_record", actor_id=actor.id, case_id=case.id,
           details={"entry": str(entry.id), "channel": channel.value,
                    "origin_country": origin})
    return entry


# --- verification ---------------------------------------------------------------------------

@dataclass
class VerificationDetails:
    member_id: uuid.UUID
    verified_at: datetime
    outcome: str
    child_wish: str
    family_wish: str
    documents_seen: bool = False
    documents: str | None = None
    child_interviewed: bool = False
    family_interviewed: bool = False
    notes: str | None = None


def verification_problems(d: VerificationDetails) -> dict[str, object]:
    """Field name -> message for every rule the details break (empty: coherent)."""
    problems: dict[str, object] = {}
    if d.documents_seen and not _clean(d.documents):
        problems["documents"] = _l("Say which documents were seen.")
    if d.outcome == VerificationOutcome.VERIFIED and not (
            d.documents_seen or (d.child_interviewed and d.family_interviewed)):
        problems["outcome"] = _l("A relationship is verified by documents, or by interviews "
                                 "with both the child and the relative.")
    return problems


def record_verification(case: Case, d: VerificationDetails, *, actor: User) -> Verification:
    _check_when(d.verified_at, case.encountered_at)
    member = _member_of(case, d.member_id)
    problems = verification_problems(d)
    if problems:
        raise ValueError(next(iter(problems.values())))
    v = Verification(id=uuid.uuid4(), case=case, case_id=case.id, member_id=member.id,
                     verified_at=d.verified_at, documents_seen=bool(d.documents_seen),
                     child_interviewed=bool(d.child_interviewed),
                     family_interviewed=bool(d.family_interviewed),
                     child_wish=Wish(d.child_wish), family_wish=Wish(d.family_wish),
                     outcome=VerificationOutcome(d.outcome), recorded_by_id=actor.id)
    v.documents = _clean(d.documents) if d.documents_seen else None
    v.notes = _clean(d.notes)
    db.session.add(v)
    db.session.flush()
    engine.refresh(case)
    record("family.verification_record", actor_id=actor.id, case_id=case.id,
           details={"verification": str(v.id), "outcome": v.outcome.value})
    return v


# --- sponsor assessment ------------------------------------------------------------------

@dataclass
class AssessmentDetails:
    assessed_at: datetime
    category: str
    member_id: uuid.UUID | None
    household: str | None
    sponsor_related: bool = True
    children_sponsored: int = 1
    sponsored_before: bool = False
    child_trafficking_victim: bool = False
    child_abuse_victim: bool = False
    child_disability: bool = False
    notes: str | None = None


def assessment_problems(d: AssessmentDetails) -> dict[str, object]:
    problems: dict[str, object] = {}
    category = SponsorCategory(d.category)
    if category == SponsorCategory.NONE:
        if d.member_id:
            problems["member_id"] = _l("Category 4 means no sponsor: leave the sponsor empty.")
    else:
        if not d.member_id:
            problems["member_id"] = _l("Choose the sponsor among the family members.")
        if not _clean(d.household):
            problems["household"] = _l("List the members of the sponsor's household, or say "
                                       "that the sponsor lives alone.")
    if (d.children_sponsored or 0) < 1:
        problems["children_sponsored"] = _l("At least this child.")
    return problems


def record_assessment(case: Case, d: AssessmentDetails, *, actor: User) -> SponsorAssessment:
    _check_when(d.assessed_at, case.encountered_at)
    problems = assessment_problems(d)
    if problems:
        raise ValueError(next(iter(problems.values())))
    category = SponsorCategory(d.category)
    member = _member_of(case, d.member_id) if d.member_id else None
    # Categories 1, 2A and 2B are relatives by definition; a family friend never is.
    related = category in RELATED_CATEGORIES or (
        bool(d.sponsor_related) and (member is None or member.kinship not in UNRELATED_KINSHIPS))
    a = SponsorAssessment(
        id=uuid.uuid4(), case=case, case_id=case.id, member_id=member.id if member else None,
        assessed_at=d.assessed_at, category=category, sponsor_related=related,
        children_sponsored=int(d.children_sponsored), sponsored_before=bool(d.sponsored_before),
        child_trafficking_victim=bool(d.child_trafficking_victim),
        child_abuse_victim=bool(d.child_abuse_victim), child_disability=bool(d.child_disability),
        child_under_12=conditions.under_12(case.age_on(d.assessed_at.date())),
        recorded_by_id=actor.id,
    )
    a.household = _clean(d.household)
    a.notes = _clean(d.notes)
    db.session.add(a)
    db.session.flush()
    engine.refresh(case)
    record("sponsor.assessment_record", actor_id=actor.id, case_id=case.id,
           details={"assessment": str(a.id), "category": category.value})
    return a


def current_assessment(case: Case) -> SponsorAssessment | None:
    return db.session.scalars(
        sa.select(SponsorAssessment).where(SponsorAssessment.case_id == case.id)
        .order_by(SponsorAssessment.assessed_at.desc(), SponsorAssessment.recorded_at.desc())
        .limit(1)
    ).first()


@dataclass
class CheckDetails:
    kind: str
    completed_at: datetime
    passed: bool
    details: str | None = None


def record_check(case: Case, d: CheckDetails, *, actor: User) -> SponsorCheck:
    """A check of the sponsor named by the assessment in force."""
    _check_when(d.completed_at, case.encountered_at)
    kind = CheckKind(d.kind)
    assessment = current_assessment(case)
    if assessment is None or assessment.member_id is None:
        raise ValueError(_l("Record the sponsor assessment, with its sponsor, first."))
    if not d.passed and not _clean(d.details):
        raise ValueError(_l("Say what was found."))
    check = SponsorCheck(id=uuid.uuid4(), case=case, case_id=case.id,
                         member_id=assessment.member_id, kind=kind,
                         completed_at=d.completed_at, passed=bool(d.passed),
                         recorded_by_id=actor.id)
    check.details = _clean(d.details)
    db.session.add(check)
    db.session.flush()
    engine.refresh(case)
    record("sponsor.check_record", actor_id=actor.id, case_id=case.id,
           details={"check": str(check.id), "kind": kind.value, "passed": check.passed})
    return check


# --- siblings ---------------------------------------------------------------------------------

def _pair(a: uuid.UUID, b: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
    return (a, b) if a.int < b.int else (b, a)


def link_siblings(case: Case, other: Case, *, actor: User) -> SiblingLink:
    """Link two cases of siblings. The caller loaded both within the actor's scope."""
    if case.id == other.id:
        raise ValueError(_l("A case cannot be linked to itself."))
    first, second = _pair(case.id, other.id)
    existing = db.session.scalar(sa.select(SiblingLink).where(
        SiblingLink.case_id == first, SiblingLink.sibling_case_id == second))
    if existing is not None:
        raise ValueError(_l("These cases are already linked as siblings."))
    link = SiblingLink(case_id=first, sibling_case_id=second, linked_by_id=actor.id)
    db.session.add(link)
    db.session.flush()
    engine.refresh_many([case, other])
    for side, sibling in ((case, other), (other, case)):
        record("family.sibling_link", actor_id=actor.id, case_id=side.id,
               details={"sibling_case": str(sibling.id)})
    return link


def unlink_siblings(case: Case, other: Case, *, actor: User) -> None:
    first, second = _pair(case.id, other.id)
    link = db.session.scalar(sa.select(SiblingLink).where(
        SiblingLink.case_id == first, SiblingLink.sibling_case_id == second))
    if link is None:
        raise ValueError(_l("These cases are not linked."))
    db.session.delete(link)
    db.session.flush()
    engine.refresh_many([case, other])
    for side, sibling in ((case, other), (other, case)):
        record("family.sibling_unlink", actor_id=actor.id, case_id=side.id,
               details={"sibling_case": str(sibling.id)})


@dataclass
class SiblingDecisionDetails:
    decided_at: datetime
    together: bool
    justification: str | None = None


def record_sibling_decision(case: Case, d: SiblingDecisionDetails, *,
                            actor: User) -> SiblingDecision:
    _check_when(d.decided_at, case.encountered_at)
    if not conditions.siblings_known(facts_of(case)):
        raise ValueError(_l("Link the siblings' cases first."))
    justification = _clean(d.justification)
    if not d.together and len(justification or "") < MIN_JUSTIFICATION:
        raise ValueError(_l("A separation of siblings needs a written justification (at least "
                            "%(n)d characters).", n=MIN_JUSTIFICATION))
    decision = SiblingDecision(id=uuid.uuid4(), case=case, case_id=case.id,
                               decided_at=d.decided_at, together=bool(d.together),
                               recorded_by_id=actor.id)
    decision.justification = justification
    db.session.add(decision)
    db.session.flush()
    engine.refresh(case)
    record("family.sibling_decision", actor_id=actor.id, case_id=case.id,
           details={"decision": str(decision.id), "together": decision.together})
    return decision


# --- release ------------------------------------------------------------------------------------

@dataclass
class ReleaseDetails:
    released_at: datetime
    address: str
    note: str | None = None


def release_to_sponsor(case: Case, d: ReleaseDetails, *, actor: User) -> Release:
    """The gated action `release-to-sponsor` with its effect: the release date and address,
    and the sponsor becomes the child's custodian. Raises CheckpointBlocked (nothing saved)
    while a gate is unmet."""
    _check_when(d.released_at, case.encountered_at)
    address = _clean(d.address)
    if not address:
        raise ValueError(_l("Give the address the child is released to."))
    entry = workflow.perform(case, Action.RELEASE_TO_SPONSOR, actor=actor,
                             occurred_at=d.released_at, note=d.note)
    assessment = current_assessment(case)
    sponsor = assessment.member if assessment is not None else None
    if sponsor is None:  # the hard gate `ftr.sponsor` makes this unreachable
        raise ValueError(_l("Record the sponsor assessment, with its sponsor, first."))
    release = Release(id=uuid.uuid4(), case=case, case_id=case.id, action_id=entry.id,
                      member_id=sponsor.id, released_at=d.released_at,
                      address_changed_on=d.released_at.date(), recorded_by_id=actor.id)
    release.address = address
    db.session.add(release)
    # The case's current custodian and location follow the child.
    case.custodian = sponsor.display_name or str(KINSHIP_LABELS.get(sponsor.kinship, ""))
    case.custodian_location = address
    case.updated_at = utcnow()
    db.session.flush()
    engine.refresh(case)
    record("family.release_record", actor_id=actor.id, case_id=case.id,
           details={"release": str(release.id), "action": str(entry.id)})
    return release


# --- follow-up ----------------------------------------------------------------------------------

@dataclass
class FollowUpDetails:
    contacted_at: datetime
    kind: str
    reached: bool
    school: str
    concerns: bool = False
    concern_details: str | None = None
    notes: str | None = None


def record_follow_up(case: Case, d: FollowUpDetails, *, actor: User) -> FollowUp:
    released_at = conditions.released_at(facts_of(case))
    if released_at is None:
        raise ValueError(_l("Follow-ups are recorded after the child's release."))
    _check_when(d.contacted_at)
    if d.contacted_at < released_at.replace(second=0, microsecond=0):
        raise ValueError(_l("A follow-up cannot be before the release."))
    if d.concerns and not _clean(d.concern_details):
        raise ValueError(_l("Describe the concerns and what is being done."))
    follow_up = FollowUp(id=uuid.uuid4(), case=case, case_id=case.id,
                         contacted_at=d.contacted_at, kind=FollowUpKind(d.kind),
                         reached=bool(d.reached), school=SchoolStatus(d.school),
                         concerns=bool(d.concerns), recorded_by_id=actor.id)
    follow_up.concern_details = _clean(d.concern_details) if d.concerns else None
    follow_up.notes = _clean(d.notes)
    db.session.add(follow_up)
    db.session.flush()
    engine.refresh(case)
    record("family.follow_up_record", actor_id=actor.id, case_id=case.id,
           details={"follow_up": str(follow_up.id), "kind": follow_up.kind.value,
                    "concerns": follow_up.concerns})
    return follow_up
