"""Blind indexes: exact-match search over encrypted values.

A searchable value is normalized, split into tokens, and each token is stored as a
truncated HMAC-SHA256 under a key derived (HKDF) from the keyring's blind index root
for that one index, so equal names in two indexes do not link. A digest match is only
a candidate: the caller decrypts the record and checks the value.
"""

from __future__ import annotations

import hmac
import unicodedata

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from casework.crypto.keyring import Keyring

# 32 bits: with a million cases the index holds a few million distinct tokens, so a
# lookup only rarely (well under 1 in 1000) hits another token's digest, and those false
# candidates are dropped after decrypting. More bits would only make the index bigger.
# Values are 0..2**32-1, so the column must be a BIGINT.
DIGEST_BYTES = 4

_INFO_PREFIX = b"casework blind index v1:"

# Removed, so "K'iche'" and "K’iche’" both become "kiche". Done before NFKC, which
# would turn the acute accent into a space and a combining mark.
_APOSTROPHES = dict.fromkeys(
    map(ord, "'`\u00b4\u02b9\u02bb\u02bc\u2018\u2019\u201b\u2032\uff07\uff40")
)


def normalize(text: str) -> str:
    """Fold a value so spellings that people treat as equal compare equal.

    NFKC, casefold, accents and other combining marks dropped, apostrophes removed,
    punctuation, symbols and controls turned into spaces, whitespace collapsed.
    """
    text = unicodedata.normalize("NFKC", text.translate(_APOSTROPHES)).casefold()
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    kept = []
    for char in unicodedata.normalize("NFC", text):
        category = unicodedata.category(char)
        if category == "Cf":  # soft hyphens, zero-width joiners: invisible, not separators
            continue
        kept.append(" " if category[0] in "PSZC" else char)
    return " ".join("".join(kept).split())


def tokens(text: str) -> list[str]:
    """The distinct tokens of ``normalize(text)``, in order of first appearance."""
    return list(dict.fromkeys(normalize(text).split()))


# A token pair's value: the two tokens in order, one space apart. Tokens never hold a
# space (normalize splits on them), so no pair can be mistaken for a token or for
# another pair, and the value is the same whichever token comes first.
def pair_value(first: str, second: str) -> str:
    return " ".join(sorted((first, second)))


def derive_index_key(root: bytes, index_name: str) -> bytes:
    """The 256-bit key of one index, derived from the blind index root key."""
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=_INFO_PREFIX + index_name.encode("utf-8"),
    )
    return hkdf.derive(root)


class BlindIndexer:
    """Computes blind index digests with the keyring's blind index roots.

    Digests are made with the current root unless ``key_id`` names another one, which
    searches do while `keys rotate-index` is rebuilding the indexes.
    """

    def __init__(self, keyring: Keyring) -> None:
        self.key_id = keyring.blind_index_key_id
        self._roots = dict(keyring.blind_index_keys)
        self._root = keyring.blind_root()
        self._keys: dict[tuple[str, str], bytes] = {}

    @property
    def key_ids(self) -> list[str]:
        """Every root in the keyring, the current one first."""
        return [self.key_id, *sorted(k for k in self._roots if k != self.key_id)]

    def _key(self, index_name: str, key_id: str | None = None) -> bytes:
        key_id = key_id or self.key_id
        key = self._keys.get((key_id, index_name))
        if key is None:
            key = self._keys[(key_id, index_name)] = derive_index_key(self._roots[key_id],
                                                                      index_name)
        return key

    def digest(self, index_name: str, token: str, key_id: str | None = None) -> int:
        """Digest of one already-normalized token (from :func:`tokens`)."""
        mac = hmac.digest(self._key(index_name, key_id), token.encode("utf-8"), "sha256")
        return int.from_bytes(mac[:DIGEST_BYTES], "big")

    def digests(self, index_name: str, text: str) -> list[int]:
        """One digest per distinct token of ``text``: store one index row for each."""
        return [self.digest(index_name, token) for token in tokens(text)]

    def exact_digest(self, index_name: str, value: str) -> int:
        """Digest of a whole normalized value, for indexes that match all of it.

        Callers canonicalize first where the format varies (an A-number without its
        dashes); a date "2011-03-04" is fine as it is.
        """
        return self.digest(index_name, normalize(value))
