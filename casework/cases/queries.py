"""Read-only look-ups of cases, always within the user's scope."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy.orm import aliased, lazyload, selectinload

from casework.accounts.models import User
from casework.accounts.roles import Role
from casework.cases.models import Case, CaseSearchToken, CaseTeamMember
from casework.cases.services import (
    A_NUMBER_INDEX,
    BIRTH_DATE_INDEX,
    NAME_INDEX,
    ChildDetails,
    name_tokens,
    normalise_a_number,
)
from casework.crypto.blind_index import normalize, tokens
from casework.crypto.runtime import current_indexer
from casework.extensions import db

CASE_NUMBER_RE = re.compile(r"^(MX|US)-\d{4}-\d{1,5}$", re.IGNORECASE)
# 8 or 9 digits, with or without the "A" and any spaces or dashes: A-012-345-678.
A_NUMBER_RE = re.compile(r"^A?[\s-]*(?:\d[\s-]*){8,9}$", re.IGNORECASE)


def visible_to(user: User) -> sa.ColumnElement[bool]:
    """The one definition of which cases a user may see."""
    if user.role == Role.ADMIN:
        return sa.false()  # separation of duties: admins see no case content
    # Imported here: the transfers module's tables refer to cases.
    from casework.transfers.queries import cases_in_transfer_from

    offices = user.office_ids_in_scope()
    # EXISTS, not `id IN (the user's cases)`: the IN form makes the database collect every
    # case the user was ever on (thousands for a caseworker of years) for each look-up;
    # EXISTS asks the (user_id, case_id) index once per candidate case, so a search that
    # matches two children costs two probes whatever the caseload.
    on_team = sa.exists().where(CaseTeamMember.case_id == Case.id,
                                CaseTeamMember.user_id == user.id)
    # A cross-border transfer is the one moment two offices share a case: the sending
    # office keeps it from the transfer until the receiving office records the handover.
    # A purged case is a tombstone: nobody opens it (cases/retention.py).
    return sa.and_(Case.purged_at.is_(None),
                   sa.or_(Case.office_id.in_(offices), on_team,
                          Case.id.in_(cases_in_transfer_from(offices))))


def find_visible_case(user: User, case_id: uuid.UUID) -> Case | None:
    return db.session.scalar(sa.select(Case).where(Case.id == case_id, visible_to(user)))


@dataclass
class CaseFilters:
    q: str = ""
    status: str = ""
    assignee: uuid.UUID | None = None


def _matching_tokens(index_name: str, toks: list[str]) -> sa.Select:
    """Cases that have every one of these normalized tokens in one index.

    Digests are made with every blind index root in the keyring, each matched only
    against entries of its own root, so searches keep working while `keys
    rotate-index` rebuilds the indexes (a case's entries all come from one root).
    """
    indexer = current_indexer()
    toks = list(dict.fromkeys(toks))
    per_root = []
    for key_id in indexer.key_ids:
        current = key_id == indexer.key_id
        digests = [indexer.digest(index_name, t, key_id) for t in toks]
        per_root.append(_cases_with_every(index_name, digests, key_id, current))
    return per_root[0] if len(per_root) == 1 else sa.union(*per_root)


def _made_by(entry, key_id: str, current: bool) -> sa.ColumnElement[bool]:
    made_by = entry.key_id == key_id
    return sa.or_(made_by, entry.key_id.is_(None)) if current else made_by


# Enough index entries to tell a rare token from a common one; counting stops there.
TOKEN_COUNT_CAP = 500


def _cases_with_every(index_name: str, digests: list[int], key_id: str,
                      current: bool) -> sa.Select:
    """Cases with an entry for each digest: read the rarest digest's entries and probe
    each of its cases for the others (index look-ups), so the cost follows the rarest
    token ("Xol") and not the commonest ("María"), which a national caseload has
    tens of thousands of. A GROUP BY over every entry of every token grew with it."""
    if len(digests) > 1:
        seen = {d: _entries_up_to(index_name, d, key_id, current) for d in set(digests)}
        digests = sorted(set(digests), key=seen.__getitem__)
    first = aliased(CaseSearchToken)
    stmt = sa.select(first.case_id).where(first.index_name == index_name,
                                          first.digest == digests[0],
                                          _made_by(first, key_id, current))
    for digest in digests[1:]:
        other = aliased(CaseSearchToken)
        stmt = stmt.where(sa.exists().where(other.case_id == first.case_id,
                                            other.index_name == index_name,
                                            other.digest == digest,
                                            _made_by(other, key_id, current)))
    return stmt


def _entries_up_to(index_name: str, digest: int, key_id: str, current: bool) -> int:
    """How many index entries have this digest, counted up to TOKEN_COUNT_CAP."""
    entry = CaseSearchToken
    some = (sa.select(sa.literal(1)).where(entry.index_name == index_name,
                                           entry.digest == digest,
                                           _made_by(entry, key_id, current))
            .limit(TOKEN_COUNT_CAP).subquery())
    return db.session.scalar(sa.select(sa.func.count()).select_from(some))


def search_kind(q: str) -> str:
    q = q.strip()
    if not q:
        return "none"
    if CASE_NUMBER_RE.match(q):
        return "number"
    if A_NUMBER_RE.match(q) and sum(c.isdigit() for c in q) >= 8:
        return "a_number"
    return "name"


def case_list_query(user: User, filters: CaseFilters) -> sa.Select:
    stmt = sa.select(Case).where(visible_to(user))
    kind = search_kind(filters.q)
    q = filters.q.strip()
    if kind == "number":
        prefix, year, seq = q.upper().split("-")
        stmt = stmt.where(Case.number == f"{prefix}-{year}-{int(seq):05d}")
    elif kind == "a_number":
        exact = normalize(normalise_a_number(q))
        stmt = stmt.where(Case.id.in_(_matching_tokens(A_NUMBER_INDEX, [exact])))
    elif kind == "name":
        toks = tokens(q)
        # Punctuation alone names no one: it finds nothing rather than everything.
        stmt = stmt.where(Case.id.in_(_matching_tokens(NAME_INDEX, toks)) if toks
                          else sa.false())
    if filters.status:
        stmt = stmt.where(Case.status == filters.status)
    if filters.assignee:
        stmt = stmt.where(Case.id.in_(
            sa.select(CaseTeamMember.case_id).where(CaseTeamMember.user_id == filters.assignee)
        ))
    return stmt.options(selectinload(Case.team)).order_by(Case.opened_at.desc(), Case.id)


class CappedPagination(SelectPagination):
    """A page of cases whose count stops at `cap` + 1: past the cap the total is not
    known (`capped`), and there is a next page while this one is full."""

    def __init__(self, *, cap: int, **kwargs) -> None:
        self.cap = cap
        super().__init__(**kwargs)

    def _query_count(self) -> int:
        if self.page == 1 and len(self.items) < self.per_page:
            # The first page holds every match (a search usually): nothing left to count.
            return len(self.items)
        select = self._query_args["select"]
        sub = (select.options(lazyload("*")).order_by(None).limit(self.cap + 1)
               .subquery())
        return self._query_args["session"].execute(
            sa.select(sa.func.count()).select_from(sub)).scalar()

    @property
    def capped(self) -> bool:
        return self.total is not None and self.total > self.cap

    @property
    def pages(self) -> int:
        if self.capped:
            return max(super().pages, self.page + (len(self.items) == self.per_page))
        return super().pages


def paginate_cases(stmt: sa.Select, page: int, per_page: int, cap: int) -> CappedPagination:
    return CappedPagination(select=stmt, session=db.session(), page=page, per_page=per_page,
                            error_out=False, cap=cap)


def confirm_name_match(case: Case, q: str) -> bool:
    """Blind-index digests are truncated: a hit is a candidate until the names agree."""
    wanted = set(tokens(q))
    have: set[str] = set()
    for text in [case.given_names, case.family_names, *(case.aliases or [])]:
        have |= set(tokens(text or ""))
    return wanted <= have


def confirm_a_number_match(case: Case, q: str) -> bool:
    """An A-number hit is a candidate too (truncated digests) until the numbers agree."""
    return case.a_number is not None and case.a_number == normalise_a_number(q)


def possible_duplicates(user: User, details: ChildDetails, exclude: uuid.UUID | None = None,
                        limit: int = 10) -> list[Case]:
    """Cases in the user's scope with the same birth date and the same name tokens."""
    toks = tokens(f"{details.given_names} {details.family_names}")
    if not toks or not details.birth_date:
        return []
    dob = normalize(details.birth_date.isoformat())
    stmt = (
        sa.select(Case)
        .where(visible_to(user))
        .where(Case.id.in_(_matching_tokens(BIRTH_DATE_INDEX, [dob])))
        .where(Case.id.in_(_matching_tokens(NAME_INDEX, toks)))
        .limit(limit)
    )
    if exclude:
        stmt = stmt.where(Case.id != exclude)
    found = db.session.scalars(stmt).all()
    return [c for c in found if c.birth_date == details.birth_date
            and set(toks) <= set(name_tokens(ChildDetails.of(c)))]


def assignable_staff(case: Case) -> list[User]:
    return list(db.session.scalars(
        sa.select(User).where(User.office_id == case.office_id, User.active.is_(True),
                              User.role != Role.ADMIN).order_by(User.name)
    ))


def staff_in_scope(user: User) -> list[User]:
    """Staff whose assignments this user may filter by."""
    offices = user.office_ids_in_scope()
    if not offices:
        return []
    return list(db.session.scalars(
        sa.select(User).where(User.office_id.in_(offices), User.role != Role.ADMIN,
                              User.active.is_(True)).order_by(User.name)
    ))
