"""Encryption of case data: keyring, envelope encryption, encrypted fields, blind indexes.

Every sensitive field is AES-256-GCM under its case's own data key, bound to table,
column, record id and key version; data keys are wrapped by key-encryption keys that
never live in the database; exact-match search goes through truncated HMAC blind
indexes. See DESIGN.md, "Protecting the data".
"""

from casework.crypto.blind_index import (
    DIGEST_BYTES,
    BlindIndexer,
    derive_index_key,
    normalize,
    tokens,
)
from casework.crypto.envelope import (
    aad_for,
    decrypt,
    encrypt,
    new_data_key,
    unwrap_data_key,
    wrap_data_key,
)
from casework.crypto.errors import CryptoError, IntegrityError, KeyringError
from casework.crypto.fields import EncryptedJSON, EncryptedText
from casework.crypto.keyring import (
    Keyring,
    generate_development_keyring,
    known_answer_check,
    load_keyring,
    load_keyring_from_env,
    write_keyring,
)

__all__ = [
    "DIGEST_BYTES",
    "BlindIndexer",
    "CryptoError",
    "EncryptedJSON",
    "EncryptedText",
    "IntegrityError",
    "Keyring",
    "KeyringError",
    "aad_for",
    "decrypt",
    "derive_index_key",
    "encrypt",
    "generate_development_keyring",
    "known_answer_check",
    "load_keyring",
    "load_keyring_from_env",
    "new_data_key",
    "normalize",
    "tokens",
    "unwrap_data_key",
    "wrap_data_key",
    "write_keyring",
]
