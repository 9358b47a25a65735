"""Blind indexes: normalization, tokens, per-index keys and truncated digests."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from casework.crypto import (
    DIGEST_BYTES,
    BlindIndexer,
    Keyring,
    derive_index_key,
    normalize,
    tokens,
)

ROOT_A = bytes(range(32))
ROOT_B = bytes(range(1, 33))


def make_keyring(root: bytes) -> Keyring:
    return Keyring(
        primary_kek_id="k1",
        keks={"k1": bytes(32)},
        blind_index_key_id="b1",
        blind_index_keys={"b1": root},
        source="test",
        is_development=True,
    )


@pytest.fixture
def indexer() -> BlindIndexer:
    return BlindIndexer(make_keyring(ROOT_A))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("José  María", "jose maria"),
        ("jose maria", "jose maria"),
        ("  JOSÉ\tMARÍA\n", "jose maria"),
        ("K’iche’", "kiche"),
        ("K'iche'", "kiche"),
        ("Kʼicheʼ", "kiche"),
        ("K`iche`", "kiche"),
        ("K´iche´", "kiche"),
        ("Ñandú-Pérez", "nandu perez"),
        ("O'Neil, Mary-Jane", "oneil mary jane"),
        ("Straße", "strasse"),
        ("ＭＡＲÍＡ", "maria"),  # fullwidth
        ("Zoë\u00adLópez", "zoelopez"),  # soft hyphen is invisible, not a separator
        ("Nguyễn Văn", "nguyen van"),
        ("---", ""),
        ("", ""),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


def test_normalize_keeps_letters_of_other_scripts() -> None:
    assert normalize("Ольга Петрова") == "ольга петрова"
    assert normalize("हिंदी भाषा").split() == normalize("हिंदी  भाषा").split()
    assert len(normalize("हिंदी भाषा").split()) == 2


def test_normalize_is_idempotent() -> None:
    for text in ["José  María", "K’iche’", "Ñandú-Pérez", "Straße", "Nguyễn Văn"]:
        assert normalize(normalize(text)) == normalize(text)


def test_tokens_are_unique_in_order() -> None:
    assert tokens("María José  MARIA-Pérez") == ["maria", "jose", "perez"]
    assert tokens(" -- ") == []


def test_derive_index_key_is_deterministic_and_separates_indexes() -> None:
    key = derive_index_key(ROOT_A, "child.given_names")
    assert len(key) == 32
    assert key == derive_index_key(ROOT_A, "child.given_names")
    assert key != derive_index_key(ROOT_A, "child.family_name")
    assert key != derive_index_key(ROOT_B, "child.given_names")
    assert key != ROOT_A


def test_same_token_gives_the_same_digest(indexer: BlindIndexer) -> None:
    again = BlindIndexer(make_keyring(ROOT_A))
    assert indexer.digest("given_names", "maria") == again.digest("given_names", "maria")


def test_digest_is_a_truncated_unsigned_int(indexer: BlindIndexer) -> None:
    assert DIGEST_BYTES == 4
    values = {indexer.digest("given_names", f"name{i}") for i in range(200)}
    assert all(0 <= value < 2 ** (8 * DIGEST_BYTES) for value in values)
    assert len(values) == 200


def test_different_index_names_give_different_digests(indexer: BlindIndexer) -> None:
    assert indexer.digest("given_names", "maria") != indexer.digest("family_name", "maria")


def test_different_root_keys_give_different_digests(indexer: BlindIndexer) -> None:
    other = BlindIndexer(make_keyring(ROOT_B))
    assert indexer.digest("given_names", "maria") != other.digest("given_names", "maria")


def test_different_tokens_give_different_digests(indexer: BlindIndexer) -> None:
    assert indexer.digest("given_names", "maria") != indexer.digest("given_names", "mario")


def test_digests_match_across_spellings(indexer: BlindIndexer) -> None:
    stored = indexer.digests("given_names", "José  María")
    assert stored == indexer.digests("given_names", "jose MARIA")
    assert stored == [indexer.digest("given_names", t) for t in ("jose", "maria")]
    assert indexer.digests("given_names", "María") == stored[1:]


def test_exact_digest_covers_the_whole_value(indexer: BlindIndexer) -> None:
    dob = indexer.exact_digest("date_of_birth", "2011-03-04")
    assert dob == indexer.exact_digest("date_of_birth", " 2011-03-04 ")
    assert dob != indexer.exact_digest("date_of_birth", "2011-04-03")
    assert indexer.exact_digest("a_number", "A123456789") == indexer.exact_digest(
        "a_number", "a123456789"
    )
    assert indexer.exact_digest("names", "Ana María") == indexer.digest("names", "ana maria")
    assert indexer.exact_digest("names", "Ana María") not in indexer.digests("names", "Ana María")


def test_digest_is_truncated_hmac_sha256_under_the_derived_key(indexer: BlindIndexer) -> None:
    key = derive_index_key(ROOT_A, "given_names")
    mac = hmac.new(key, "maría".encode(), hashlib.sha256).digest()
    assert indexer.digest("given_names", "maría") == int.from_bytes(mac[:DIGEST_BYTES], "big")
