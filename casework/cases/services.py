"""The verbs that change a case. They flush and audit; the view commits."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from casework.accounts.models import User
from casework.accounts.roles import Role
from casework.audit.services import record
from casework.cases.models import Case, CaseNumberSequence, CaseSearchToken, CaseTeamMember
from casework.crypto.blind_index import pair_value, tokens
from casework.crypto.runtime import current_indexer
from casework.errors import NotPermitted, StaleEdit
from casework.extensions import db
from casework.models import utcnow
from casework.workflow import engine

NAME_INDEX = "child_name"
BIRTH_DATE_INDEX = "birth_date"
A_NUMBER_INDEX = "a_number"
# Every pair of the tokens of a child's names (given, family and other names together),
# so a search of two common names ("María López") reads the few cases with both rather
# than intersecting tens of thousands of each (cases/queries.py). It reveals nothing the
# token entries do not: a case's pairs follow from its tokens.
NAME_PAIR_INDEX = "child_name_pair"
# Pairs grow with the square of the tokens: a child with more names than this (a long
# list of other names) gets pairs of the first ones and this marker, and searches look
# at marked cases token by token.
MAX_PAIRED_TOKENS = 12
MANY_NAMES = "*"  # not a pair value: those always hold a space


@dataclass
class ChildDetails:
    """What intake and edit collect about the child, already validated by the form."""

    given_names: str
    family_names: str
    encountered_at: datetime
    encounter_type: str
    nationality: str
    separation: str
    aliases: list[str] = field(default_factory=list)
    birth_date: date | None = None
    age_estimate: int | None = None
    age_method: str | None = None
    sex: str | None = None
    languages: list[str] = field(default_factory=list)
    interpreter_needed: bool = False
    encounter_place: str | None = None
    custodian: str | None = None
    custodian_location: str | None = None
    a_number: str | None = None
    other_ids: str | None = None
    notes: str | None = None

    @classmethod
    def of(cls, case: Case) -> ChildDetails:
        return cls(**{name: getattr(case, name) for name in cls.__dataclass_fields__})


def normalise_a_number(value: str | None) -> str | None:
    """A-numbers are 8 or 9 digits, shown with or without 'A' and dashes."""
    if not value:
        return None
    digits = "".join(ch for ch in value if ch.isdigit())
    return digits.zfill(9) if digits else None


def case_number_prefix(country: str, year: int) -> str:
    return f"{country}-{year}"


def case_number(prefix: str, n: int) -> str:
    return f"{prefix}-{n:05d}"


def reserve_case_numbers(prefix: str, count: int = 1, connection=None) -> int:
    """Take the next `count` numbers of this prefix; returns the last one taken.

    An UPDATE takes the row lock, so two workers never get the same number. On
    `connection` (its own transaction, committed by the caller) instead of the session
    when the numbers must be taken without waiting for the session's transaction.
    """
    run = connection.execute if connection is not None else db.session.execute
    updated = run(
        sa.update(CaseNumberSequence)
        .where(CaseNumberSequence.prefix == prefix)
        .values(last=CaseNumberSequence.last + count)
        .returning(CaseNumberSequence.last)
    ).scalar_one_or_none()
    if updated is not None:
        return updated
    nested = connection.begin_nested() if connection is not None else db.session.begin_nested()
    try:
        with nested:
            run(sa.insert(CaseNumberSequence).values(prefix=prefix, last=count))
    except sa.exc.IntegrityError:  # another worker created the row first
        return reserve_case_numbers(prefix, count, connection)
    return count


def next_case_number(country: str, year: int) -> str:
    prefix = case_number_prefix(country, year)
    return case_number(prefix, reserve_case_numbers(prefix))


def register_case(details: ChildDetails, *, office, actor: User) -> Case:
    case = Case(id=uuid.uuid4(), office=office, office_id=office.id, created_by_id=actor.id)
    case.set_new_data_key()
    case.number = next_case_number(office.country.value, details.encountered_at.year)
    _apply(case, details)
    _note_intake_completeness(case, actor)
    db.session.add(case)
    if actor.role != Role.SUPERVISOR:
        case.team.append(CaseTeamMember(user_id=actor.id, added_by_id=actor.id))
    db.session.flush()
    reindex(case)
    engine.refresh(case)
    record("case.create", actor_id=actor.id, case_id=case.id)
    return case


def update_case(case: Case, details: ChildDetails, *, actor: User, expected_version: int) -> None:
    if case.version != expected_version:
        raise StaleEdit(current_version=case.version)
    _apply(case, details)
    _note_intake_completeness(case, actor)
    case.updated_at = utcnow()
    try:
        db.session.flush()  # version_id_col makes this UPDATE fail if another wrote first
    except sa.orm.exc.StaleDataError as exc:
        raise StaleEdit(current_version=None) from exc
    reindex(case)
    engine.refresh(case)
    record("case.edit", actor_id=actor.id, case_id=case.id)


def missing_intake_evidence(case: Case) -> list[str]:
    """The `intake.registered` evidence still missing, as ChildDetails field names."""
    wanted = {
        "given_names": case.given_names, "family_names": case.family_names,
        "birth_date": case.birth_date_iso or case.age_estimate is not None,
        "age_method": case.age_method, "nationality": case.nationality,
        "languages": case.languages, "encounter_place": case.encounter_place,
        "custodian": case.custodian, "custodian_location": case.custodian_location,
    }
    return [name for name, value in wanted.items() if not value]


def _note_intake_completeness(case: Case, actor: User) -> None:
    complete = not missing_intake_evidence(case)
    if complete and case.intake_completed_at is None:
        case.intake_completed_at, case.intake_completed_by_id = utcnow(), actor.id
    elif not complete:
        case.intake_completed_at = case.intake_completed_by_id = None


def _apply(case: Case, d: ChildDetails) -> None:
    for name in ChildDetails.__dataclass_fields__:
        value = getattr(d, name)
        if isinstance(value, str):
            value = value.strip() or None
        if name == "a_number":
            value = normalise_a_number(value)
        if name in ("aliases", "languages"):
            value = [v.strip() for v in value if v and v.strip()]
        if getattr(case, name) != value:
            setattr(case, name, value)


def search_entries(indexer, *, given_names: str | None, family_names: str | None,
                   aliases: list[str] | None, birth_date_iso: str | None,
                   a_number: str | None) -> set[tuple[str, int]]:
    """The (index, digest) blind-index entries of a case's searchable values."""
    entries: set[tuple[str, int]] = set()
    names = list(dict.fromkeys(
        t for text in [given_names, family_names, *(aliases or [])] for t in tokens(text or "")))
    entries |= {(NAME_INDEX, indexer.digest(NAME_INDEX, t)) for t in names}
    paired = names[:MAX_PAIRED_TOKENS]
    entries |= {(NAME_PAIR_INDEX, indexer.digest(NAME_PAIR_INDEX, pair_value(a, b)))
                for a, b in itertools.combinations(paired, 2)}
    if len(names) > len(paired):
        entries.add((NAME_PAIR_INDEX, indexer.digest(NAME_PAIR_INDEX, MANY_NAMES)))
    if birth_date_iso:
        entries.add((BIRTH_DATE_INDEX, indexer.exact_digest(BIRTH_DATE_INDEX, birth_date_iso)))
    if a_number:
        entries.add((A_NUMBER_INDEX, indexer.exact_digest(A_NUMBER_INDEX, a_number)))
    return entries


def reindex(case: Case) -> None:
    """Rewrite the case's blind-index entries from its current values."""
    db.session.execute(sa.delete(CaseSearchToken).where(CaseSearchToken.case_id == case.id))
    indexer = current_indexer()
    entries = search_entries(
        indexer, given_names=case.given_names, family_names=case.family_names,
        aliases=case.aliases, birth_date_iso=case.birth_date_iso, a_number=case.a_number)
    db.session.add_all(
        CaseSearchToken(case_id=case.id, index_name=name, digest=digest, key_id=indexer.key_id)
        for name, digest in entries
    )
    db.session.flush()


def name_tokens(details: ChildDetails) -> list[str]:
    seen: list[str] = []
    for text in [details.given_names, details.family_names, *details.aliases]:
        for t in tokens(text or ""):
            if t not in seen:
                seen.append(t)
    return seen


def add_team_member(case: Case, user: User, *, actor: User) -> None:
    if any(m.user_id == user.id for m in case.team):
        return
    if not user.active or user.role == Role.ADMIN:
        raise NotPermitted()
    if user.office_id != case.office_id:
        raise NotPermitted()
    case.team.append(CaseTeamMember(user_id=user.id, added_by_id=actor.id))
    db.session.flush()
    record("case.team_add", actor_id=actor.id, case_id=case.id, details={"user": str(user.id)})


def remove_team_member(case: Case, user_id: uuid.UUID, *, actor: User) -> None:
    member = next((m for m in case.team if m.user_id == user_id), None)
    if member is None:
        return
    case.team.remove(member)
    db.session.flush()
    record("case.team_remove", actor_id=actor.id, case_id=case.id,
           details={"user": str(user_id)})
