"""The keyring: key-encryption keys (KEKs) and blind index root keys.

Keys never live in the database. Development generates a keyring file under
``instance/`` (mode 0600, marked ``"development": true``); production reads it from
the environment or a file, refuses a development keyring, and runs
:func:`known_answer_check` before serving.

File format::

    {"version": 1, "development": false,
     "primary_kek": "k1", "keks": {"k1": "<base64 of 32 bytes>"},
     "blind_index_key": "b1", "blind_index_keys": {"b1": "<base64 of 32 bytes>"}}
"""

from __future__ import annotations

import base64
import dataclasses
import hmac
import json
import os
import re
import secrets
import stat
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import aes_key_wrap

from casework.crypto import envelope
from casework.crypto.errors import CryptoError, KeyringError

KEY_BYTES = 32
FORMAT_VERSION = 1
FILE_MODE = 0o600

_KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")
_KEK_ID = re.compile(r"k(\d+)")
_BLIND_ID = re.compile(r"b(\d+)")
_FIELDS = frozenset(
    {"version", "development", "primary_kek", "keks", "blind_index_key", "blind_index_keys"}
)

StrPath = str | os.PathLike[str]


@dataclasses.dataclass(frozen=True)
class Keyring:
    """Validated, immutable key material. Its repr never shows the keys."""

    primary_kek_id: str
    keks: Mapping[str, bytes] = dataclasses.field(repr=False)
    blind_index_key_id: str
    blind_index_keys: Mapping[str, bytes] = dataclasses.field(repr=False)
    source: str
    is_development: bool

    def __post_init__(self) -> None:
        # Copy into read-only mappings so a keyring cannot change after validation.
        for name in ("keks", "blind_index_keys"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))
        self._check_keys("KEK", self.keks, self.primary_kek_id)
        self._check_keys("blind index key", self.blind_index_keys, self.blind_index_key_id)

    def _check_keys(self, kind: str, keys: Mapping[str, bytes], current: str) -> None:
        if not keys:
            raise KeyringError(f"keyring from {self.source}: no {kind}s")
        for key_id, key in keys.items():
            if not isinstance(key_id, str) or not _KEY_ID.fullmatch(key_id):
                raise KeyringError(
                    f"keyring from {self.source}: {kind} ids must be 1-32 letters, digits, "
                    f"'-' or '_'"
                )
            if not isinstance(key, bytes) or len(key) != KEY_BYTES:
                raise KeyringError(
                    f"keyring from {self.source}: {kind} {key_id!r} must be {KEY_BYTES} bytes"
                )
        if current not in keys:
            raise KeyringError(
                f"keyring from {self.source}: current {kind} {current!r} is not in the keyring"
            )

    def kek(self, key_id: str) -> bytes:
        """The KEK ``key_id``; KeyringError if the keyring does not hold it."""
        try:
            return self.keks[key_id]
        except KeyError:
            raise KeyringError(f"keyring has no KEK {key_id!r}") from None

    def primary_kek(self) -> tuple[str, bytes]:
        """``(id, key)`` of the KEK that wraps new data keys."""
        return self.primary_kek_id, self.keks[self.primary_kek_id]

    def blind_root(self) -> bytes:
        """The current blind index root key, from which per-index keys are derived."""
        return self.blind_index_keys[self.blind_index_key_id]

    def with_new_kek(self) -> Keyring:
        """A copy with a fresh random KEK ``k<N+1>`` as primary (the start of rotation)."""
        numbers = [int(m.group(1)) for m in map(_KEK_ID.fullmatch, self.keks) if m]
        new_id = f"k{max(numbers, default=0) + 1}"
        keks = {**self.keks, new_id: secrets.token_bytes(KEY_BYTES)}
        return dataclasses.replace(self, primary_kek_id=new_id, keks=keks)

    def without_kek(self, key_id: str) -> Keyring:
        """A copy without KEK ``key_id`` (after rotation has rewrapped every data key)."""
        self.kek(key_id)
        if key_id == self.primary_kek_id:
            raise KeyringError(f"KEK {key_id!r} is the primary KEK and cannot be removed")
        keks = {k: v for k, v in self.keks.items() if k != key_id}
        return dataclasses.replace(self, keks=keks)

    def with_new_blind_key(self) -> Keyring:
        """A copy with a fresh blind index root ``b<N+1>`` as current (indexes are then
        rebuilt by `keys rotate-index`; searches match both keys meanwhile)."""
        numbers = [int(m.group(1)) for m in map(_BLIND_ID.fullmatch, self.blind_index_keys) if m]
        new_id = f"b{max(numbers, default=0) + 1}"
        keys = {**self.blind_index_keys, new_id: secrets.token_bytes(KEY_BYTES)}
        return dataclasses.replace(self, blind_index_key_id=new_id, blind_index_keys=keys)

    def without_blind_key(self, key_id: str) -> Keyring:
        """A copy without blind index root ``key_id`` (after the indexes were rebuilt)."""
        if key_id not in self.blind_index_keys:
            raise KeyringError(f"keyring has no blind index key {key_id!r}")
        if key_id == self.blind_index_key_id:
            raise KeyringError(f"blind index key {key_id!r} is current and cannot be removed")
        keys = {k: v for k, v in self.blind_index_keys.items() if k != key_id}
        return dataclasses.replace(self, blind_index_keys=keys)

    def to_json(self) -> str:
        """The keyring file contents (secret: write them only with :func:`write_keyring`)."""
        document = {
            "version": FORMAT_VERSION,
            "development": self.is_development,
            "primary_kek": self.primary_kek_id,
            "keks": _encode_keys(self.keks),
            "blind_index_key": self.blind_index_key_id,
            "blind_index_keys": _encode_keys(self.blind_index_keys),
        }
        return json.dumps(document, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str, source: str, is_development: bool = False) -> Keyring:
        """Parse and validate a keyring document.

        The result is a development keyring if the document or the caller says so: a
        caller can mark a keyring as development but never clear the document's flag,
        so production's refusal of development keys cannot be bypassed here.
        """
        where = f"keyring from {source}"
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            # exc.msg and the position only: str(exc) is safe today, but never risk the text.
            raise KeyringError(
                f"{where} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
            ) from None
        if not isinstance(document, dict):
            raise KeyringError(f"{where} must be a JSON object")
        missing = sorted(_FIELDS - document.keys())
        if missing:
            raise KeyringError(f"{where} is missing field(s): {', '.join(missing)}")
        unknown = sorted(document.keys() - _FIELDS)
        if unknown:
            raise KeyringError(f"{where} has unknown field(s): {', '.join(unknown)}")
        version = document["version"]
        if type(version) is not int or version != FORMAT_VERSION:
            raise KeyringError(f"{where}: version must be {FORMAT_VERSION}")
        development = document["development"]
        if not isinstance(development, bool):
            raise KeyringError(f"{where}: development must be true or false")
        for field in ("primary_kek", "blind_index_key"):
            if not isinstance(document[field], str):
                raise KeyringError(f"{where}: {field} must be a key id string")
        return cls(
            primary_kek_id=document["primary_kek"],
            keks=_decode_keys(where, "keks", document["keks"]),
            blind_index_key_id=document["blind_index_key"],
            blind_index_keys=_decode_keys(where, "blind_index_keys", document["blind_index_keys"]),
            source=source,
            is_development=development or is_development,
        )


def _encode_keys(keys: Mapping[str, bytes]) -> dict[str, str]:
    return {key_id: base64.b64encode(key).decode("ascii") for key_id, key in keys.items()}


def _decode_keys(where: str, field: str, value: Any) -> dict[str, bytes]:
    if not isinstance(value, dict):
        raise KeyringError(f"{where}: {field} must be an object of id to base64 key")
    keys = {}
    for key_id, encoded in value.items():
        not_base64 = f"{where}: {field} {key_id!r} is not a base64 string"
        if not isinstance(encoded, str):
            raise KeyringError(not_base64)
        try:
            key = base64.b64decode(encoded, validate=True)
        except ValueError:  # binascii.Error, or non-ASCII text
            raise KeyringError(not_base64) from None
        if len(key) != KEY_BYTES:
            raise KeyringError(
                f"{where}: {field} {key_id!r} must decode to {KEY_BYTES} bytes, not {len(key)}"
            )
        keys[key_id] = key
    return keys


def load_keyring(path: StrPath) -> Keyring:
    """Read a keyring file, refusing one that group or others could read or change."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        raise KeyringError(f"keyring file {path} does not exist") from None
    except OSError as exc:
        raise KeyringError(f"keyring file {path} cannot be opened: {exc.strerror}") from None
    with os.fdopen(fd, encoding="utf-8") as fh:
        # fstat on the open file, so the checked file is the one read.
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise KeyringError(f"keyring file {path} is not a regular file")
        if os.name == "posix" and st.st_mode & 0o077:
            raise KeyringError(
                f"keyring file {path} has mode {stat.S_IMODE(st.st_mode):04o}, open to group "
                f"or others; restrict it with: chmod 600 {path}"
            )
        text = fh.read()
    return Keyring.from_json(text, source=str(path))


def load_keyring_from_env(value: str) -> Keyring:
    """Parse a keyring passed as JSON in an environment variable."""
    if not value.strip():
        raise KeyringError("keyring from env is empty")
    return Keyring.from_json(value, source="env")


def generate_development_keyring(path: StrPath) -> Keyring:
    """Create a new development keyring file; never overwrites an existing one."""
    path = Path(path)
    keyring = Keyring(
        primary_kek_id="k1",
        keks={"k1": secrets.token_bytes(KEY_BYTES)},
        blind_index_key_id="b1",
        blind_index_keys={"b1": secrets.token_bytes(KEY_BYTES)},
        source=str(path),
        is_development=True,
    )
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        _write_private(path, keyring.to_json(), replace=False)
    except FileExistsError:
        raise KeyringError(f"keyring file {path} already exists; not overwriting it") from None
    return keyring


def write_keyring(path: StrPath, keyring: Keyring) -> None:
    """Atomically replace the keyring file at ``path`` (mode 0600)."""
    _write_private(Path(path), keyring.to_json(), replace=True)


def _write_private(path: Path, text: str, *, replace: bool) -> None:
    """Write ``text`` to ``path`` with mode 0600, all or nothing.

    The text goes to a new temporary file beside ``path`` and is then renamed over it
    (``replace``) or hard-linked to it, which fails if ``path`` exists, so a reader
    never sees a partial file and an existing keyring is never silently lost.
    """
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            if hasattr(os, "fchmod"):
                os.fchmod(fh.fileno(), FILE_MODE)  # the umask may only have narrowed it
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if replace:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    """Make the rename durable (POSIX only; Windows cannot open directories)."""
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# Published test vectors, so a broken or substituted crypto backend stops the app at
# start-up instead of writing data nobody can read back.
# AES-256-GCM: McGrew & Viega, "The Galois/Counter Mode of Operation", test case 16.
_GCM_KEY = bytes.fromhex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308")
_GCM_NONCE = bytes.fromhex("cafebabefacedbaddecaf888")
_GCM_AAD = bytes.fromhex("feedfacedeadbeeffeedfacedeadbeefabaddad2")
_GCM_PLAINTEXT = bytes.fromhex(
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
    "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
)
_GCM_EXPECTED = bytes.fromhex(
    "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
    "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
    "76fc6ece0f4e1768cddf8853bb2d551b"
)
# AES key wrap: RFC 3394 section 4.6, 256 bits of key data with a 256-bit KEK.
_WRAP_KEK = bytes(range(32))
_WRAP_DATA = bytes.fromhex("00112233445566778899aabbccddeeff000102030405060708090a0b0c0d0e0f")
_WRAP_EXPECTED = bytes.fromhex(
    "28c9f404c4b810f4cbccb35cfb87f8263f5786e2d80ed326cbc7f0e71a99f43bfb988b9b7a02dd21"
)
# HMAC-SHA256 (blind indexes): RFC 4231 test case 2.
_HMAC_EXPECTED = bytes.fromhex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")


def known_answer_check(keyring: Keyring) -> None:
    """Check the crypto backend against test vectors and every KEK by round trip.

    Raises KeyringError naming the failed check; nothing secret is reported.
    """
    if AESGCM(_GCM_KEY).encrypt(_GCM_NONCE, _GCM_PLAINTEXT, _GCM_AAD) != _GCM_EXPECTED:
        raise KeyringError("known-answer check failed: AES-256-GCM test vector")
    if aes_key_wrap(_WRAP_KEK, _WRAP_DATA) != _WRAP_EXPECTED:
        raise KeyringError("known-answer check failed: AES key wrap test vector")
    if hmac.digest(b"Jefe", b"what do ya want for nothing?", "sha256") != _HMAC_EXPECTED:
        raise KeyringError("known-answer check failed: HMAC-SHA256 test vector")

    plaintext = b"casework known-answer check"
    aad = b"casework known-answer check aad"
    for kek_id, kek in keyring.keks.items():
        dek = envelope.new_data_key()
        try:
            unwrapped = envelope.unwrap_data_key(keyring, kek_id, aes_key_wrap(kek, dek))
            blob = envelope.encrypt(unwrapped, plaintext, aad)
            ok = unwrapped == dek and envelope.decrypt(dek, blob, aad) == plaintext
        except CryptoError:
            ok = False
        if not ok:
            raise KeyringError(f"known-answer check failed: round trip with KEK {kek_id!r}")
        # A backend that decrypts but does not authenticate must fail here.
        tampered = blob[:-1] + bytes([blob[-1] ^ 1])
        try:
            envelope.decrypt(dek, tampered, aad)
        except CryptoError:
            continue
        raise KeyringError(f"known-answer check failed: tampering undetected with KEK {kek_id!r}")
