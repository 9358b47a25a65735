"""Read-only look-ups of a case's family records, newest first, and the matching help.

The matching help never links anything: it lists, within the user's scope, other cases
whose family members (or, for a sibling, whose child) share name tokens with a family
member, for a caseworker to review. Blind-index digests are truncated, so every hit is
decrypted and checked before it is shown.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from casework.accounts.models import User
from casework.cases.models import Case, CaseSearchToken
from casework.cases.queries import visible_to
from casework.cases.services import NAME_INDEX
from casework.crypto.blind_index import tokens
from casework.crypto.runtime import current_indexer
from casework.extensions import db
from casework.reunification.choices import SIBLING
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
from casework.reunification.services import FAMILY_NAME_INDEX

CANDIDATE_LIMIT = 20


def members(case: Case) -> list[FamilyMember]:
    return list(db.session.scalars(
        sa.select(FamilyMember).where(FamilyMember.case_id == case.id)
        .order_by(FamilyMember.added_at, FamilyMember.id)
    ))


def member(case: Case, member_id: str) -> FamilyMember | None:
    try:
        key = uuid.UUID(str(member_id))
    except ValueError:
        return None
    found = db.session.get(FamilyMember, key)
    return found if found is not None and found.case_id == case.id else None


def tracing_entries(case: Case) -> list[TracingEntry]:
    return list(db.session.scalars(
        sa.select(TracingEntry).where(TracingEntry.case_id == case.id)
        .options(joinedload(TracingEntry.recorded_by), joinedload(TracingEntry.member))
        .order_by(TracingEntry.occurred_at.desc(), TracingEntry.recorded_at.desc())
    ))


def verifications(case: Case) -> list[Verification]:
    return list(db.session.scalars(
        sa.select(Verification).where(Verification.case_id == case.id)
        .options(joinedload(Verification.recorded_by), joinedload(Verification.member))
        .order_by(Verification.verified_at.desc(), Verification.recorded_at.desc())
    ))


def assessments(case: Case) -> list[SponsorAssessment]:
    return list(db.session.scalars(
        sa.select(SponsorAssessment).where(SponsorAssessment.case_id == case.id)
        .options(joinedload(SponsorAssessment.recorded_by),
                 joinedload(SponsorAssessment.member))
        .order_by(SponsorAssessment.assessed_at.desc(), SponsorAssessment.recorded_at.desc())
    ))


def checks(case: Case, member_id: uuid.UUID | None = None) -> list[SponsorCheck]:
    stmt = sa.select(SponsorCheck).where(SponsorCheck.case_id == case.id)
    if member_id is not None:
        stmt = stmt.where(SponsorCheck.member_id == member_id)
    return list(db.session.scalars(
        stmt.options(joinedload(SponsorCheck.recorded_by))
        .order_by(SponsorCheck.completed_at.desc(), SponsorCheck.recorded_at.desc())
    ))


def sibling_decisions(case: Case) -> list[SiblingDecision]:
    return list(db.session.scalars(
        sa.select(SiblingDecision).where(SiblingDecision.case_id == case.id)
        .options(joinedload(SiblingDecision.recorded_by))
        .order_by(SiblingDecision.recorded_at.desc())
    ))


def releases(case: Case) -> list[Release]:
    return list(db.session.scalars(
        sa.select(Release).where(Release.case_id == case.id)
        .options(joinedload(Release.recorded_by), joinedload(Release.member))
        .order_by(Release.released_at.desc())
    ))


def follow_ups(case: Case) -> list[FollowUp]:
    return list(db.session.scalars(
        sa.select(FollowUp).where(FollowUp.case_id == case.id)
        .options(joinedload(FollowUp.recorded_by))
        .order_by(FollowUp.contacted_at.desc(), FollowUp.recorded_at.desc())
    ))


# --- siblings ---------------------------------------------------------------------------

@dataclass
class Sibling:
    link: SiblingLink
    case: Case | None  # None: linked, but outside this user's scope


def siblings(case: Case, user: User) -> list[Sibling]:
    links = list(db.session.scalars(
        sa.select(SiblingLink).where(sa.or_(SiblingLink.case_id == case.id,
                                            SiblingLink.sibling_case_id == case.id))
        .options(joinedload(SiblingLink.linked_by)).order_by(SiblingLink.linked_at)
    ))
    others = {link.other(case.id) for link in links}
    visible = {c.id: c for c in db.session.scalars(
        sa.select(Case).where(Case.id.in_(others), visible_to(user)))} if others else {}
    return [Sibling(link, visible.get(link.other(case.id))) for link in links]


def find_visible_by_number(user: User, number: str) -> Case | None:
    """A case by its number, within the user's scope (None outside it: no existence leak)."""
    number = (number or "").strip().upper()
    parts = number.split("-")
    if len(parts) == 3 and parts[2].isdigit():
        number = f"{parts[0]}-{parts[1]}-{int(parts[2]):05d}"
    return db.session.scalar(sa.select(Case).where(Case.number == number, visible_to(user)))


# --- matching help --------------------------------------------------------------------------

@dataclass
class Candidate:
    case: Case
    member: FamilyMember | None  # the other case's family member; None: the other child
    shared: int  # name tokens in common, checked on the decrypted names
    linked: bool  # already linked as siblings


def _name_tokens(*texts: str | None) -> set[str]:
    found: set[str] = set()
    for text in texts:
        found |= set(tokens(text or ""))
    return found


def match_candidates(member: FamilyMember, user: User,
                     limit: int = CANDIDATE_LIMIT) -> list[Candidate]:
    """Other cases, within the user's scope, that may concern the same person.

    A candidate shares at least two name tokens with the member (one, when the member has
    a single name): a family member of another case with those names, or, when the
    member is a sibling, another case's child with those names.
    """
    wanted = _name_tokens(member.given_names, member.family_names)
    if not wanted:
        return []
    need = min(2, len(wanted))
    indexer = current_indexer()
    found: list[Candidate] = []

    digests = [indexer.digest(FAMILY_NAME_INDEX, t) for t in wanted]
    shared = sa.func.count(sa.distinct(FamilyMemberToken.digest))
    member_ids = list(db.session.scalars(
        sa.select(FamilyMemberToken.member_id)
        .join(Case, Case.id == FamilyMemberToken.case_id)
        .where(FamilyMemberToken.index_name == FAMILY_NAME_INDEX,
               FamilyMemberToken.digest.in_(digests),
               FamilyMemberToken.case_id != member.case_id, visible_to(user))
        .group_by(FamilyMemberToken.member_id).having(shared >= need)
        .order_by(shared.desc()).limit(limit)
    ))
    if member_ids:
        for other in db.session.scalars(
                sa.select(FamilyMember).where(FamilyMember.id.in_(member_ids))
                .options(joinedload(FamilyMember.case))):
            n = len(wanted & _name_tokens(other.given_names, other.family_names))
            if n >= need:
                found.append(Candidate(other.case, other, n, False))

    if member.kinship == SIBLING:
        digests = [indexer.digest(NAME_INDEX, t) for t in wanted]
        shared = sa.func.count(sa.distinct(CaseSearchToken.digest))
        case_ids = list(db.session.scalars(
            sa.select(CaseSearchToken.case_id)
            .join(Case, Case.id == CaseSearchToken.case_id)
            .where(CaseSearchToken.index_name == NAME_INDEX,
                   CaseSearchToken.digest.in_(digests),
                   CaseSearchToken.case_id != member.case_id, visible_to(user))
            .group_by(CaseSearchToken.case_id).having(shared >= need)
            .order_by(shared.desc()).limit(limit)
        ))
        if case_ids:
            for other in db.session.scalars(sa.select(Case).where(Case.id.in_(case_ids))):
                names = _name_tokens(other.given_names, other.family_names,
                                     *(other.aliases or []))
                n = len(wanted & names)
                if n >= need:
                    found.append(Candidate(other, None, n, False))

    if found:
        linked = {s.case.id for s in siblings(member.case, user) if s.case is not None}
        for candidate in found:
            candidate.linked = candidate.case.id in linked
    found.sort(key=lambda c: (-c.shared, c.case.number))
    return found[:limit]
