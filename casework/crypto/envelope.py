"""Envelope encryption: per-case data keys, wrapped by the keyring's key-encryption keys.

A field value is AES-256-GCM under its case's data key (DEK). The DEK is stored only
wrapped (RFC 3394 AES key wrap) by a key-encryption key (KEK) from the keyring, so
rotating a KEK rewraps small keys instead of re-encrypting data, and destroying a DEK
erases its case from every backup.

Ciphertext format: ``0x01 || nonce (12 bytes) || ciphertext || tag (16 bytes)``. The
associated data binds a ciphertext to its table, column, record id and data-key version
(see :func:`aad_for`), so a ciphertext copied to another row or column fails to decrypt.
"""

from __future__ import annotations

import functools
import os
import struct
import uuid
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import (
    InvalidUnwrap,
    aes_key_unwrap,
    aes_key_wrap,
)

from casework.crypto.errors import CryptoError, IntegrityError

if TYPE_CHECKING:
    from casework.crypto.keyring import Keyring

KEY_BYTES = 32
FORMAT_VERSION = 0x01
NONCE_BYTES = 12
TAG_BYTES = 16

_HEADER = bytes([FORMAT_VERSION])
_AAD_PREFIX = b"casework:v1"
_OVERHEAD = len(_HEADER) + NONCE_BYTES + TAG_BYTES


def new_data_key() -> bytes:
    """A fresh random 256-bit data key."""
    return os.urandom(KEY_BYTES)


def wrap_data_key(keyring: Keyring, dek: bytes) -> tuple[str, bytes]:
    """Wrap ``dek`` with the primary KEK; returns ``(kek_id, wrapped)`` to store."""
    _check_key(dek)
    kek_id, kek = keyring.primary_kek()
    return kek_id, aes_key_wrap(kek, dek)


def unwrap_data_key(keyring: Keyring, kek_id: str, wrapped: bytes) -> bytes:
    """Unwrap a stored data key.

    Raises KeyringError if the keyring has no KEK ``kek_id`` and IntegrityError if the
    wrapped key was altered or wrapped under another KEK.
    """
    kek = keyring.kek(kek_id)
    try:
        dek = aes_key_unwrap(kek, wrapped)
    except (InvalidUnwrap, ValueError):
        raise IntegrityError(f"data key failed to unwrap with KEK {kek_id!r}") from None
    if len(dek) != KEY_BYTES:
        raise IntegrityError(f"data key unwrapped with KEK {kek_id!r} has the wrong length")
    return dek


def aad_for(table: str, column: str, record_id: uuid.UUID, key_version: int) -> bytes:
    """Associated data binding a ciphertext to one field of one record.

    Table and column are length-prefixed, so ("a|b", "c") and ("a", "b|c") differ
    whatever characters the names contain; id and version have fixed widths.
    """
    if not isinstance(record_id, uuid.UUID):
        raise TypeError(f"record id must be a uuid.UUID, not {type(record_id).__name__}")
    if not 0 <= key_version < 2**32:
        raise ValueError("key version must fit in 32 unsigned bits")
    parts = [_AAD_PREFIX]
    for name in (table, column):
        encoded = name.encode("utf-8")
        parts += [struct.pack(">H", len(encoded)), encoded]
    parts += [record_id.bytes, struct.pack(">I", key_version)]
    return b"".join(parts)


def encrypt(dek: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """AES-256-GCM with a fresh random nonce; the format byte is authenticated too."""
    nonce = os.urandom(NONCE_BYTES)
    return _HEADER + nonce + _aead(dek).encrypt(nonce, plaintext, _HEADER + aad)


def decrypt(dek: bytes, blob: bytes, aad: bytes) -> bytes:
    """Inverse of :func:`encrypt`; IntegrityError on any change, truncation or wrong key."""
    if len(blob) < _OVERHEAD or blob[0] != FORMAT_VERSION:
        raise IntegrityError("ciphertext is truncated or has an unknown format")
    nonce = blob[1 : 1 + NONCE_BYTES]
    try:
        return _aead(dek).decrypt(nonce, blob[1 + NONCE_BYTES :], _HEADER + aad)
    except (InvalidTag, ValueError):
        raise IntegrityError("ciphertext failed authentication") from None


def _check_key(key: bytes) -> None:
    if not isinstance(key, bytes) or len(key) != KEY_BYTES:
        raise CryptoError(f"data key must be {KEY_BYTES} bytes")


# Building an AESGCM object costs about as much as encrypting a short field, and a
# request touches a few cases many times, so recent ones are kept. The DEKs in it are
# already in process memory; the cache is per process and never persisted.
@functools.lru_cache(maxsize=1024)
def _aead(dek: bytes) -> AESGCM:
    _check_key(dek)
    return AESGCM(dek)
