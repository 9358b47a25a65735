"""Name search by token pairs: two common names are read as one pair, the answers are
the same as token by token, and a database upgraded with cases searches by tokens until
`keys backfill-index` has given every case its pairs."""

from __future__ import annotations

import sqlalchemy as sa

from casework.accounts.roles import Role
from casework.cases import queries
from casework.cases.models import BlindIndexBackfill, CaseSearchToken
from casework.cases.queries import CaseFilters, case_list_query
from casework.cases.services import (
    MAX_PAIRED_TOKENS,
    NAME_INDEX,
    NAME_PAIR_INDEX,
    search_entries,
)
from casework.crypto.blind_index import pair_value
from casework.crypto.runtime import current_indexer
from casework.extensions import db
from tests.querycount import count_queries


def _found(user, q: str) -> set[str]:
    return {c.number for c in db.session.scalars(case_list_query(user, CaseFilters(q=q)))}


def _counted(monkeypatch) -> list[tuple[str, int]]:
    """The (index, digest) entries a search counts to find its rarest one."""
    counted = []
    real = queries._entries_up_to

    def counting(digests, key_id, current):
        counted.extend(digests)
        return real(digests, key_id, current)

    monkeypatch.setattr(queries, "_entries_up_to", counting)
    return counted


def test_a_case_gets_one_pair_entry_per_two_tokens_of_all_its_names(ctx):
    indexer = current_indexer()
    entries = search_entries(indexer, given_names="María José", family_names="López",
                             aliases=["Majo López"], birth_date_iso=None, a_number=None)
    names = {"maria", "jose", "lopez", "majo"}
    assert {d for i, d in entries if i == NAME_INDEX} == {
        indexer.digest(NAME_INDEX, t) for t in names}
    pairs = {d for i, d in entries if i == NAME_PAIR_INDEX}
    assert len(pairs) == 6  # 4 tokens, 6 pairs: one per two, whichever name holds them
    assert indexer.digest(NAME_PAIR_INDEX, pair_value("majo", "maria")) in pairs
    assert pair_value("lopez", "maria") == pair_value("maria", "lopez") == "lopez maria"


def test_two_names_are_read_as_their_pair_and_nothing_is_counted(world, make, monkeypatch):
    cw = world("MX", Role.CASEWORKER)
    both = make.case(cw, given_names="María", family_names="López Tzoc")
    alias = make.case(cw, given_names="Ana", family_names="Tzoc", aliases=["María Xol"])
    one = make.case(cw, given_names="María", family_names="Pérez")
    other = make.case(world("US", Role.CASEWORKER), given_names="María", family_names="Tzoc")
    counted = _counted(monkeypatch)
    assert _found(cw, "maria TZOC") == {both.number, alias.number}
    assert _found(cw, "López María") == {both.number}
    assert _found(cw, "María Nadie") == set()
    assert counted == []  # one pair: nothing to choose between
    assert one.number not in _found(cw, "maria tzoc")
    assert other.number not in _found(cw, "maria tzoc")  # another office's child


def test_three_names_read_the_pair_of_their_two_rarest_tokens(world, make, monkeypatch):
    cw = world("MX", Role.CASEWORKER)
    wanted = make.case(cw, given_names="José Luis", family_names="Pérez Chún")
    make.case(cw, given_names="José Luis", family_names="Pérez Xol")
    make.case(cw, given_names="José", family_names="Chún")
    counted = _counted(monkeypatch)
    assert _found(cw, "José Pérez Chún") == {wanted.number}
    # The three tokens counted (one statement); no pair needed counting.
    assert {i for i, _d in counted} == {NAME_INDEX} and len(counted) == 3


def test_when_every_token_is_common_the_pairs_are_counted(world, make, monkeypatch):
    cw = world("MX", Role.CASEWORKER)
    wanted = make.case(cw, given_names="María José", family_names="López")
    reordered = make.case(cw, given_names="José", family_names="López María")
    make.case(cw, given_names="María José", family_names="Pérez")
    monkeypatch.setattr(queries, "TOKEN_COUNT_CAP", 1)  # every token counts as common
    counted = _counted(monkeypatch)
    assert _found(cw, "María José López") == {wanted.number, reordered.number}
    indexes = [i for i, _d in counted]
    assert indexes.count(NAME_INDEX) == 3 and indexes.count(NAME_PAIR_INDEX) == 3


def test_the_tokens_are_counted_in_one_statement_and_the_pairs_in_another(world, make,
                                                                         monkeypatch):
    cw = world("MX", Role.CASEWORKER)
    make.case(cw, given_names="María José", family_names="López Pérez")
    monkeypatch.setattr(queries, "TOKEN_COUNT_CAP", 1)  # every token counts as common
    with count_queries() as q:
        _found(cw, "María José López Pérez")
    # four tokens, then their six pairs: two statements, not ten
    assert sum("count(" in s.lower() for s in q.statements) == 2, q.report()


def test_a_child_with_more_names_than_are_paired_is_found_by_any_two(world, make):
    cw = world("MX", Role.CASEWORKER)
    aliases = [f"Alias{i} Nombre{i}" for i in range(MAX_PAIRED_TOKENS)]
    many = make.case(cw, given_names="Ana", family_names="Ixcoy", aliases=aliases)
    last = f"alias{MAX_PAIRED_TOKENS - 1} nombre{MAX_PAIRED_TOKENS - 1}"
    assert _found(cw, last) == {many.number}
    assert _found(cw, f"Ana {last}") == {many.number}
    assert _found(cw, f"{last} nombre0 nadie") == set()
    paired = db.session.scalar(sa.select(sa.func.count()).where(
        CaseSearchToken.case_id == many.id, CaseSearchToken.index_name == NAME_PAIR_INDEX))
    # The first MAX_PAIRED_TOKENS tokens' pairs, and the marker.
    assert paired == MAX_PAIRED_TOKENS * (MAX_PAIRED_TOKENS - 1) // 2 + 1


def test_an_upgraded_database_searches_by_tokens_until_the_backfill_finishes(
    app, world, make, monkeypatch
):
    from casework.cli.keys import keys

    cw = world("MX", Role.CASEWORKER)
    cases = [make.case(cw, given_names="Rosa", family_names=f"Cux {name}")
             for name in ("Tut", "Pop", "Coc")]
    numbers, pop = {c.number for c in cases}, cases[1].number
    # As the migration leaves a database that already had cases: no pairs, a backfill due.
    db.session.execute(sa.delete(CaseSearchToken).where(
        CaseSearchToken.index_name == NAME_PAIR_INDEX))
    db.session.add(BlindIndexBackfill(index_name=NAME_PAIR_INDEX))
    db.session.commit()
    assert not queries.pairs_indexed()
    counted = _counted(monkeypatch)
    assert _found(cw, "Rosa Cux") == numbers
    assert _found(cw, "rosa pop") == {pop}
    assert counted and {i for i, _d in counted} == {NAME_INDEX}

    result = app.test_cli_runner().invoke(keys, ["backfill-index", "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    assert "3 cases reindexed in 2 batches" in result.output
    cw = db.session.merge(cw)  # the command ended the session it shared with the test
    assert queries.pairs_indexed()
    assert db.session.scalar(sa.select(sa.func.count()).where(
        CaseSearchToken.index_name == NAME_PAIR_INDEX)) == 3 * 3
    counted.clear()
    assert _found(cw, "Rosa Cux") == numbers
    assert _found(cw, "rosa pop") == {pop}
    assert counted == []
    again = app.test_cli_runner().invoke(keys, ["backfill-index"])
    assert again.exit_code == 0 and "nothing to backfill" in again.output
