"""Read-only look-ups of cases, always within the user's scope."""

from __future__ import annotations

import functools
import itertools
import re
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy.orm import lazyload, selectinload

from casework.accounts.models import User
from casework.accounts.roles import Role
from casework.cases.models import BlindIndexBackfill, Case, CaseSearchToken, CaseTeamMember
from casework.cases.services import (
    A_NUMBER_INDEX,
    BIRTH_DATE_INDEX,
    MANY_NAMES,
    NAME_INDEX,
    NAME_PAIR_INDEX,
    ChildDetails,
    name_tokens,
    normalise_a_number,
)
from casework.crypto.blind_index import normalize, pair_value, tokens
from casework.crypto.runtime import current_indexer
from casework.extensions import db

_TOKENS = CaseSearchToken.__table__
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


Entry = tuple[str, str]  # (index name, normalized value): one blind-index entry to look for


def _matching(entries: list[Entry], *, drive: Entry | None = None, tag: str = "e",
              ) -> list[sa.Select]:
    """Cases that have every one of these entries (`drive`, when given, too): one select
    per blind index root, for `_any_of`.

    Digests are made with every blind index root in the keyring, each matched only
    against entries of its own root, so searches keep working while `keys
    rotate-index` rebuilds the indexes (a case's entries all come from one root).
    Selects that go into one statement need different `tag`s: it names their parameters.
    """
    indexer = current_indexer()
    entries = list(dict.fromkeys(entries))
    per_root = []
    for root, key_id in enumerate(indexer.key_ids):
        current = key_id == indexer.key_id

        def digest(entry: Entry, key_id: str = key_id) -> tuple[str, int]:
            return entry[0], indexer.digest(entry[0], entry[1], key_id)

        per_root.append(_cases_with_every(
            [digest(e) for e in entries], key_id, current,
            drive=digest(drive) if drive else None, tag=f"{tag}{root}"))
    return per_root


def _any_of(selects: list[sa.Select]) -> sa.Select | sa.CompoundSelect:
    """One flat UNION (SQLite refuses a UNION inside a UNION)."""
    return selects[0] if len(selects) == 1 else sa.union(*selects)


def _made_by(entries: sa.FromClause, key_id: str, current: bool) -> sa.ColumnElement[bool]:
    made_by = entries.c.key_id == key_id
    return sa.or_(made_by, entries.c.key_id.is_(None)) if current else made_by


# Enough index entries to tell a rare token from a common one; counting stops there.
TOKEN_COUNT_CAP = 500


def _cases_with_every(digests: list[tuple[str, int]], key_id: str, current: bool,
                      *, drive: tuple[str, int] | None = None, tag: str = "e") -> sa.Select:
    """Cases with an entry for each (index, digest): read the entries of one (`drive`,
    or else the rarest) and probe each of its cases for the others (index look-ups), so
    the cost follows the rarest token ("Xol") and not the commonest ("María"), which a
    national caseload has tens of thousands of. A GROUP BY over every entry of every
    token grew with it."""
    if drive is None:
        if len(digests) > 1:
            seen = _entries_up_to(list(set(digests)), key_id, current)
            digests = sorted(set(digests), key=seen.__getitem__)
        drive, digests = digests[0], digests[1:]
    others = [d for d in digests if d != drive]
    values = {}
    for i, (index_name, digest) in enumerate([drive, *others]):
        values[f"{tag}_index_{i}"], values[f"{tag}_digest_{i}"] = index_name, digest
    return _with_every(len(others), key_id, current, tag).params(values)


@functools.lru_cache(maxsize=256)
def _with_every(others: int, key_id: str, current: bool, tag: str) -> sa.Select:
    """The select of `_cases_with_every` for a driving entry and `others` more, built
    once with the entries as parameters. Built per search, its aliases and conditions
    cost more (about 4 ms) than the database took to answer them. Core aliases of the
    table: an ORM `aliased()` entity adapts each column it is asked for, three times
    slower again."""
    first = _TOKENS.alias()
    stmt = sa.select(first.c.case_id).where(
        first.c.index_name == sa.bindparam(f"{tag}_index_0"),
        first.c.digest == sa.bindparam(f"{tag}_digest_0"),
        _made_by(first, key_id, current))
    for i in range(1, others + 1):
        other = _TOKENS.alias()
        stmt = stmt.where(sa.exists().where(
            other.c.case_id == first.c.case_id,
            other.c.index_name == sa.bindparam(f"{tag}_index_{i}"),
            other.c.digest == sa.bindparam(f"{tag}_digest_{i}"),
            _made_by(other, key_id, current)))
    return stmt


def _entries_up_to(digests: list[tuple[str, int]], key_id: str, current: bool,
                   ) -> dict[tuple[str, int], int]:
    """How many index entries each (index, digest) has, counted up to TOKEN_COUNT_CAP:
    every count in one statement (one round trip however many names were typed)."""
    values = {}
    for i, (index_name, digest) in enumerate(digests):
        values[f"index_{i}"], values[f"digest_{i}"] = index_name, digest
    counts = db.session.execute(_counts_of(len(digests), key_id, current, TOKEN_COUNT_CAP),
                                values).one()
    return dict(zip(digests, counts, strict=True))


@functools.lru_cache(maxsize=64)
def _counts_of(n: int, key_id: str, current: bool, cap: int) -> sa.Select:
    """The statement of `_entries_up_to` for n entries, built once: its parameters are
    the entries, so a search pays neither for building it nor for its cache key."""

    def count(i: int) -> sa.ScalarSelect:
        some = (sa.select(sa.literal(1))
                .where(_TOKENS.c.index_name == sa.bindparam(f"index_{i}"),
                       _TOKENS.c.digest == sa.bindparam(f"digest_{i}"),
                       _made_by(_TOKENS, key_id, current))
                .limit(cap).subquery())
        return sa.select(sa.func.count()).select_from(some).scalar_subquery()

    return sa.select(*(count(i) for i in range(n)))


# A search whose tokens are all common counts the pairs of this many of them, and probes
# the rest token by token: the pairs it counts grow with the square of the names.
PAIRED_QUERY_TOKENS = 4


def pairs_indexed() -> bool:
    """Whether every case has its name pairs (no backfill of them is pending)."""
    return db.session.get(BlindIndexBackfill, NAME_PAIR_INDEX) is None


def _matching_names(toks: list[str]) -> sa.Select | sa.CompoundSelect:
    """Cases whose names hold every one of these tokens.

    Two tokens or more are looked up by a pair, which two common names rarely share
    ("María" and "López" each have tens of thousands of cases at national scale; both, a
    few hundred), and the cases then probed for the other tokens.
    """
    toks = list(dict.fromkeys(toks))
    names = [(NAME_INDEX, t) for t in toks]
    if len(toks) < 2 or not pairs_indexed():
        return _any_of(_matching(names))
    if len(toks) == 2:
        rarest = (NAME_PAIR_INDEX, pair_value(*toks))
    else:
        # The pair of the two rarest tokens; only when every token is common (counts
        # stop at the cap, so they cannot tell them apart) are the pairs counted too.
        counted = _count_entries([(NAME_INDEX, t) for t in toks])
        toks = sorted(toks, key=lambda t: counted[(NAME_INDEX, t)])
        pairs = [(NAME_PAIR_INDEX, pair_value(*toks[:2]))]
        if counted[(NAME_INDEX, toks[0])] >= TOKEN_COUNT_CAP:
            pairs = [(NAME_PAIR_INDEX, pair_value(a, b))
                     for a, b in itertools.combinations(toks[:PAIRED_QUERY_TOKENS], 2)]
        if len(pairs) == 1:
            rarest = pairs[0]
        else:
            counted = _count_entries(pairs)
            rarest = min(pairs, key=counted.__getitem__)
    covered = set(rarest[1].split(" "))
    by_pair = _matching([e for e in names if e[1] not in covered], drive=rarest, tag="p")
    # A child with more names than have pairs: the few such cases, token by token.
    many = _matching(names, drive=(NAME_PAIR_INDEX, MANY_NAMES), tag="m")
    return _any_of(by_pair + many)


def _count_entries(entries: list[Entry]) -> dict[Entry, int]:
    """Entries of each of these values under the current root, up to TOKEN_COUNT_CAP."""
    indexer = current_indexer()
    digests = [(index_name, indexer.digest(index_name, value)) for index_name, value in entries]
    counted = _entries_up_to(digests, indexer.key_id, True)
    return {entry: counted[d] for entry, d in zip(entries, digests, strict=True)}


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
        stmt = stmt.where(Case.id.in_(_any_of(_matching([(A_NUMBER_INDEX, exact)]))))
    elif kind == "name":
        toks = tokens(q)
        # Punctuation alone names no one: it finds nothing rather than everything.
        stmt = stmt.where(Case.id.in_(_matching_names(toks)) if toks
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
        # The birth date (a few hundred children share one, nationally) leads.
        .where(Case.id.in_(_any_of(_matching(
            [(BIRTH_DATE_INDEX, dob), *((NAME_INDEX, t) for t in toks)]))))
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
