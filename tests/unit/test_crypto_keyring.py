"""The keyring: parsing and validation, files on disk, rotation helpers, self-check."""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from casework.crypto import (
    IntegrityError,
    Keyring,
    KeyringError,
    generate_development_keyring,
    known_answer_check,
    load_keyring,
    load_keyring_from_env,
    new_data_key,
    unwrap_data_key,
    wrap_data_key,
    write_keyring,
)
from casework.crypto import envelope as envelope_module
from casework.crypto import keyring as keyring_module

posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")

KEY_A = bytes(range(32))
KEY_B = bytes(range(32, 64))


def b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


def document(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "version": 1,
        "development": False,
        "primary_kek": "k1",
        "keks": {"k1": b64(KEY_A)},
        "blind_index_key": "b1",
        "blind_index_keys": {"b1": b64(KEY_B)},
    }
    doc.update(changes)
    return {k: v for k, v in doc.items() if v is not ...}


def write_file(path: Path, text: str, mode: int) -> Path:
    path.write_text(text)
    path.chmod(mode)
    return path


def test_from_json_reads_every_field() -> None:
    keyring = Keyring.from_json(json.dumps(document()), source="test")
    assert keyring.primary_kek() == ("k1", KEY_A)
    assert keyring.kek("k1") == KEY_A
    assert keyring.blind_index_key_id == "b1"
    assert keyring.blind_root() == KEY_B
    assert keyring.source == "test"
    assert keyring.is_development is False


def test_to_json_round_trip() -> None:
    keyring = Keyring.from_json(json.dumps(document()), source="test").with_new_kek()
    assert Keyring.from_json(keyring.to_json(), source="test") == keyring
    assert json.loads(keyring.to_json())["primary_kek"] == "k2"


def test_development_flag_comes_from_the_document_and_cannot_be_cleared() -> None:
    dev = json.dumps(document(development=True))
    assert Keyring.from_json(dev, source="test").is_development is True
    assert Keyring.from_json(dev, "test", is_development=False).is_development is True
    prod = json.dumps(document())
    assert Keyring.from_json(prod, "test", is_development=True).is_development is True


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "is not valid JSON"),
        ("[]", "must be a JSON object"),
        (json.dumps(document(keks=...)), "missing field(s): keks"),
        (json.dumps(document(extra=1)), "unknown field(s): extra"),
        (json.dumps(document(version=2)), "version must be 1"),
        (json.dumps(document(version=True)), "version must be 1"),
        (json.dumps(document(development="yes")), "development must be true or false"),
        (json.dumps(document(primary_kek=1)), "primary_kek must be a key id string"),
        (json.dumps(document(keks=[])), "keks must be an object"),
        (json.dumps(document(keks={})), "no KEKs"),
        (json.dumps(document(keks={"k1": "not base64!"})), "keks 'k1' is not a base64 string"),
        (json.dumps(document(keks={"k1": 42})), "keks 'k1' is not a base64 string"),
        (json.dumps(document(keks={"k1": b64(b"short")})), "must decode to 32 bytes, not 5"),
        (json.dumps(document(keks={"k 1": b64(KEY_A)})), "KEK ids must be"),
        (json.dumps(document(primary_kek="k2")), "current KEK 'k2' is not in the keyring"),
        (
            json.dumps(document(blind_index_keys={"b1": b64(KEY_A * 2)})),
            "blind_index_keys 'b1' must decode to 32 bytes, not 64",
        ),
        (json.dumps(document(blind_index_key="b2")), "current blind index key 'b2'"),
    ],
)
def test_malformed_keyring_is_refused_clearly(text: str, message: str) -> None:
    with pytest.raises(KeyringError) as excinfo:
        Keyring.from_json(text, source="/etc/casework/keyring.json")
    assert message in str(excinfo.value)
    assert "/etc/casework/keyring.json" in str(excinfo.value)
    assert b64(KEY_A) not in str(excinfo.value)


def test_unknown_kek_names_only_the_id() -> None:
    keyring = Keyring.from_json(json.dumps(document()), source="test")
    with pytest.raises(KeyringError, match="no KEK 'k7'"):
        keyring.kek("k7")


def test_repr_and_str_never_show_keys() -> None:
    keyring = Keyring.from_json(json.dumps(document()), source="test")
    for text in (repr(keyring), str(keyring)):
        assert b64(KEY_A) not in text
        assert repr(KEY_A) not in text
        assert "k1" in text


def test_keyring_cannot_be_changed_after_validation() -> None:
    keks = {"k1": KEY_A}
    keyring = Keyring("k1", keks, "b1", {"b1": KEY_B}, "test", False)
    keks["k1"] = b"\x00"
    assert keyring.kek("k1") == KEY_A
    with pytest.raises(TypeError):
        keyring.keks["k2"] = KEY_B  # type: ignore[index]


def test_with_new_kek_adds_the_next_id_as_primary_and_keeps_old_keys() -> None:
    keyring = Keyring.from_json(json.dumps(document()), source="test")
    dek = new_data_key()
    old_id, old_wrapped = wrap_data_key(keyring, dek)

    rotated = keyring.with_new_kek().with_new_kek()
    assert rotated.primary_kek_id == "k3"
    assert sorted(rotated.keks) == ["k1", "k2", "k3"]
    assert len({rotated.kek(k) for k in rotated.keks}) == 3
    assert unwrap_data_key(rotated, old_id, old_wrapped) == dek
    assert keyring.primary_kek_id == "k1"  # the original is unchanged


def test_without_kek_removes_a_retired_key() -> None:
    rotated = Keyring.from_json(json.dumps(document()), source="test").with_new_kek()
    retired = rotated.without_kek("k1")
    assert list(retired.keks) == ["k2"]
    with pytest.raises(KeyringError):
        retired.kek("k1")


@pytest.mark.parametrize(("kek_id", "message"), [("k1", "primary"), ("k9", "no KEK 'k9'")])
def test_without_kek_refuses_primary_and_unknown(kek_id: str, message: str) -> None:
    keyring = Keyring.from_json(json.dumps(document()), source="test")
    with pytest.raises(KeyringError, match=message):
        keyring.without_kek(kek_id)


@posix_only
@pytest.mark.parametrize("mode", [0o600, 0o400])
def test_load_keyring_accepts_a_private_file(tmp_path: Path, mode: int) -> None:
    path = write_file(tmp_path / "keyring.json", json.dumps(document()), mode)
    keyring = load_keyring(path)
    assert keyring.kek("k1") == KEY_A
    assert keyring.source == str(path)


@posix_only
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o620, 0o660])
def test_load_keyring_refuses_a_file_open_to_others(tmp_path: Path, mode: int) -> None:
    path = write_file(tmp_path / "keyring.json", json.dumps(document()), mode)
    with pytest.raises(KeyringError, match="chmod 600") as excinfo:
        load_keyring(path)
    assert f"{mode:04o}" in str(excinfo.value)


def test_load_keyring_missing_file(tmp_path: Path) -> None:
    with pytest.raises(KeyringError, match="does not exist"):
        load_keyring(tmp_path / "absent.json")


def test_load_keyring_from_env() -> None:
    keyring = load_keyring_from_env(json.dumps(document()))
    assert keyring.source == "env"
    assert keyring.kek("k1") == KEY_A
    with pytest.raises(KeyringError, match="keyring from env is empty"):
        load_keyring_from_env("  ")


@posix_only
def test_generate_development_keyring(tmp_path: Path) -> None:
    path = tmp_path / "instance" / "keyring.json"
    keyring = generate_development_keyring(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert keyring.is_development is True
    assert json.loads(path.read_text())["development"] is True
    assert load_keyring(path) == keyring
    assert os.listdir(path.parent) == ["keyring.json"]  # no temporary file left
    known_answer_check(keyring)


def test_generated_keyrings_are_random(tmp_path: Path) -> None:
    first = generate_development_keyring(tmp_path / "a.json")
    second = generate_development_keyring(tmp_path / "b.json")
    assert first.primary_kek()[1] != second.primary_kek()[1]
    assert first.blind_root() != second.blind_root()
    assert first.primary_kek()[1] != first.blind_root()


def test_generate_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    generate_development_keyring(path)
    before = path.read_bytes()
    with pytest.raises(KeyringError, match="already exists"):
        generate_development_keyring(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["keyring.json"]


@posix_only
def test_write_keyring_replaces_atomically_with_mode_0600(tmp_path: Path) -> None:
    path = write_file(tmp_path / "keyring.json", "old", 0o644)
    rotated = Keyring.from_json(json.dumps(document()), source=str(path)).with_new_kek()
    write_keyring(path, rotated)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_keyring(path) == rotated
    assert os.listdir(tmp_path) == ["keyring.json"]


def test_known_answer_check_passes_with_every_kek() -> None:
    keyring = Keyring.from_json(json.dumps(document()), source="test").with_new_kek()
    known_answer_check(keyring)


class _WrongAESGCM:
    """Stands in for a crypto backend that computes AES-GCM wrongly."""

    def __init__(self, key: bytes) -> None:
        self.key = key

    def encrypt(self, nonce: bytes, data: bytes, aad: bytes) -> bytes:
        return bytes(len(data) + 16)


def test_known_answer_check_detects_a_wrong_gcm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keyring_module, "AESGCM", _WrongAESGCM)
    keyring = Keyring.from_json(json.dumps(document()), source="test")
    with pytest.raises(KeyringError, match="AES-256-GCM test vector"):
        known_answer_check(keyring)


def test_known_answer_check_detects_a_failing_round_trip(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(envelope_module, "decrypt", lambda dek, blob, aad: b"garbage")
    keyring = Keyring.from_json(json.dumps(document()), source="test")
    with pytest.raises(KeyringError, match="round trip with KEK 'k1'"):
        known_answer_check(keyring)


def test_known_answer_check_detects_missing_authentication(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_decrypt = envelope_module.decrypt

    def unauthenticated(dek: bytes, blob: bytes, aad: bytes) -> bytes:
        try:
            return real_decrypt(dek, blob, aad)
        except IntegrityError:
            return b"whatever"

    monkeypatch.setattr(envelope_module, "decrypt", unauthenticated)
    keyring = Keyring.from_json(json.dumps(document()), source="test")
    with pytest.raises(KeyringError, match="tampering undetected"):
        known_answer_check(keyring)
