"""Errors raised by casework.crypto.

Messages name keys, tables and columns, never plaintext or key material: they end
up in logs and tracebacks.
"""

from __future__ import annotations


class CryptoError(Exception):
    """Base class of every error raised by casework.crypto."""


class IntegrityError(CryptoError):
    """A ciphertext or wrapped key failed authentication.

    Raised for a changed or truncated ciphertext, a ciphertext moved to another row
    or column, and the wrong key: none of them may be told apart from tampering.
    """


class KeyringError(CryptoError):
    """The keyring is missing, malformed, unsafe on disk or failed its self-check."""


class KeyDestroyed(CryptoError):
    """The record's data key was destroyed on purpose (crypto-shredding)."""
