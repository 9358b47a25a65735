"""Envelope encryption: AES-256-GCM fields bound to their place, AES key wrap of data keys."""

from __future__ import annotations

import uuid

import pytest

from casework.crypto import (
    CryptoError,
    IntegrityError,
    Keyring,
    KeyringError,
    aad_for,
    decrypt,
    encrypt,
    new_data_key,
    unwrap_data_key,
    wrap_data_key,
)
from casework.crypto.envelope import FORMAT_VERSION, NONCE_BYTES, TAG_BYTES

RECORD = uuid.UUID("6f1c1c58-4d6b-4c63-9a55-0d1f1d8b2a10")
OTHER_RECORD = uuid.UUID("0b3a5f0e-8c1e-4f0e-b7c4-6a1f2d3c4b5a")


def make_keyring(*kek_ids: str) -> Keyring:
    ids = kek_ids or ("k1",)
    return Keyring(
        primary_kek_id=ids[0],
        keks={kid: new_data_key() for kid in ids},
        blind_index_key_id="b1",
        blind_index_keys={"b1": new_data_key()},
        source="test",
        is_development=True,
    )


def flipped(blob: bytes, position: int) -> bytes:
    return blob[:position] + bytes([blob[position] ^ 0x01]) + blob[position + 1 :]


@pytest.fixture
def dek() -> bytes:
    return new_data_key()


@pytest.fixture
def aad() -> bytes:
    return aad_for("child", "given_names", RECORD, 1)


def test_new_data_keys_are_random_and_256_bits() -> None:
    keys = {new_data_key() for _ in range(100)}
    assert len(keys) == 100
    assert all(len(key) == 32 for key in keys)


@pytest.mark.parametrize("plaintext", [b"", b"Jos\xc3\xa9 Mar\xc3\xada", bytes(range(256)) * 40])
def test_round_trip(dek: bytes, aad: bytes, plaintext: bytes) -> None:
    assert decrypt(dek, encrypt(dek, plaintext, aad), aad) == plaintext


def test_format_is_version_nonce_ciphertext_tag(dek: bytes, aad: bytes) -> None:
    blob = encrypt(dek, b"Ana", aad)
    assert blob[0] == FORMAT_VERSION == 0x01
    assert len(blob) == 1 + NONCE_BYTES + len(b"Ana") + TAG_BYTES


def test_two_encryptions_of_the_same_text_differ(dek: bytes, aad: bytes) -> None:
    first, second = encrypt(dek, b"Ana", aad), encrypt(dek, b"Ana", aad)
    assert first != second
    assert first[1 : 1 + NONCE_BYTES] != second[1 : 1 + NONCE_BYTES]


def test_plaintext_does_not_appear_in_ciphertext(dek: bytes, aad: bytes) -> None:
    plaintext = b"Maria Guadalupe Hernandez " * 4
    blob = encrypt(dek, plaintext, aad)
    assert b"Maria" not in blob
    assert b"Hernandez" not in blob


def test_flipping_any_single_byte_is_detected(dek: bytes, aad: bytes) -> None:
    blob = encrypt(dek, b"Ana", aad)
    for position in range(len(blob)):
        with pytest.raises(IntegrityError):
            decrypt(dek, flipped(blob, position), aad)


def test_unknown_format_version_is_rejected(dek: bytes, aad: bytes) -> None:
    blob = encrypt(dek, b"Ana", aad)
    with pytest.raises(IntegrityError):
        decrypt(dek, b"\x02" + blob[1:], aad)


def test_truncation_is_detected(dek: bytes, aad: bytes) -> None:
    blob = encrypt(dek, b"Ana", aad)
    for length in range(len(blob)):
        with pytest.raises(IntegrityError):
            decrypt(dek, blob[:length], aad)
    with pytest.raises(IntegrityError):
        decrypt(dek, blob + b"\x00", aad)


def test_wrong_key_is_detected(dek: bytes, aad: bytes) -> None:
    blob = encrypt(dek, b"Ana", aad)
    with pytest.raises(IntegrityError):
        decrypt(new_data_key(), blob, aad)


@pytest.mark.parametrize(
    "moved_to",
    [
        aad_for("child", "given_names", OTHER_RECORD, 1),  # another row
        aad_for("child", "family_name", RECORD, 1),  # another column
        aad_for("family_member", "given_names", RECORD, 1),  # another table
        aad_for("child", "given_names", RECORD, 2),  # another key version
    ],
    ids=["row", "column", "table", "key-version"],
)
def test_ciphertext_bound_to_its_place(dek: bytes, aad: bytes, moved_to: bytes) -> None:
    blob = encrypt(dek, b"Ana", aad)
    with pytest.raises(IntegrityError):
        decrypt(dek, blob, moved_to)


def test_aad_encoding_is_unambiguous() -> None:
    pairs = [("a|b", "c"), ("a", "b|c"), ("a\x00b", "c"), ("a", "b\x00c"), ("ab", "c"), ("a", "bc")]
    encoded = {aad_for(table, column, RECORD, 1) for table, column in pairs}
    assert len(encoded) == len(pairs)


def test_aad_rejects_a_string_record_id() -> None:
    with pytest.raises(TypeError):
        aad_for("child", "given_names", str(RECORD), 1)  # type: ignore[arg-type]


@pytest.mark.parametrize("version", [-1, 2**32])
def test_aad_rejects_out_of_range_key_version(version: int) -> None:
    with pytest.raises(ValueError):
        aad_for("child", "given_names", RECORD, version)


@pytest.mark.parametrize("bad_key", [b"", b"\x00" * 16, b"\x00" * 31])
def test_only_256_bit_data_keys(bad_key: bytes, aad: bytes) -> None:
    with pytest.raises(CryptoError):
        encrypt(bad_key, b"Ana", aad)


def test_wrap_unwrap_round_trip(dek: bytes) -> None:
    keyring = make_keyring()
    kek_id, wrapped = wrap_data_key(keyring, dek)
    assert kek_id == "k1"
    assert len(wrapped) == 40
    assert dek not in wrapped
    assert unwrap_data_key(keyring, kek_id, wrapped) == dek


def test_wrap_uses_the_primary_kek(dek: bytes) -> None:
    keyring = make_keyring("k1").with_new_kek()
    kek_id, wrapped = wrap_data_key(keyring, dek)
    assert kek_id == "k2"
    assert unwrap_data_key(keyring, "k2", wrapped) == dek


def test_flipped_byte_in_wrapped_key_is_detected(dek: bytes) -> None:
    keyring = make_keyring()
    kek_id, wrapped = wrap_data_key(keyring, dek)
    for position in range(len(wrapped)):
        with pytest.raises(IntegrityError):
            unwrap_data_key(keyring, kek_id, flipped(wrapped, position))


def test_truncated_wrapped_key_is_detected(dek: bytes) -> None:
    keyring = make_keyring()
    kek_id, wrapped = wrap_data_key(keyring, dek)
    for length in (0, 8, 16, 24, 32, 39):
        with pytest.raises(IntegrityError):
            unwrap_data_key(keyring, kek_id, wrapped[:length])


def test_unwrap_with_another_kek_is_detected(dek: bytes) -> None:
    keyring = make_keyring("k1", "k2")
    _, wrapped = wrap_data_key(keyring, dek)
    with pytest.raises(IntegrityError, match="'k2'"):
        unwrap_data_key(keyring, "k2", wrapped)


def test_unwrap_with_unknown_kek_id_is_a_keyring_error(dek: bytes) -> None:
    keyring = make_keyring()
    _, wrapped = wrap_data_key(keyring, dek)
    with pytest.raises(KeyringError, match="'k9'"):
        unwrap_data_key(keyring, "k9", wrapped)


def test_wrap_refuses_a_key_of_the_wrong_size() -> None:
    with pytest.raises(CryptoError):
        wrap_data_key(make_keyring(), b"\x00" * 16)


def test_error_messages_carry_no_secrets(dek: bytes, aad: bytes) -> None:
    blob = encrypt(dek, b"Ana", aad)
    with pytest.raises(IntegrityError) as excinfo:
        decrypt(dek, flipped(blob, 5), aad)
    message = str(excinfo.value)
    assert "Ana" not in message
    assert dek.hex() not in message
    assert excinfo.value.__cause__ is None
