"""Encrypted model attributes.

A SQLAlchemy TypeDecorator never sees the row, so it cannot bind a ciphertext to its
record id. Instead a descriptor sits beside a plain ``LargeBinary`` mapped column::

    class Child(Base):
        __tablename__ = "child"
        id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
        given_names_ct: Mapped[bytes | None] = mapped_column("given_names", LargeBinary)
        given_names = EncryptedText("given_names_ct")

        def data_key(self) -> tuple[bytes, int]: ...  # (dek, key version)

The associated data is ``aad_for(type(obj).__tablename__, column, obj.id, version)``
with the version from ``obj.data_key()``. ``column`` is, in this order: the ``column``
argument; else the database column name of the ciphertext attribute, read from the
SQLAlchemy mapper (``"given_names"`` above); else, for a class that is not mapped, the
descriptor's own attribute name. Renaming the column or table makes existing
ciphertexts unreadable, so pass ``column=`` to pin the name before such a rename.

Ids are made in Python: assigning an encrypted value to an object without an id gives
it one. Pass ``id=`` before encrypted fields to a constructor, or not at all.
Values are cached on the instance after the first read or write; mutating a value
returned by :class:`EncryptedJSON` changes nothing stored: assign the attribute.
"""

from __future__ import annotations

import json
import uuid
from abc import ABC, abstractmethod
from typing import Any, Generic, Self, TypeVar, overload

from sqlalchemy import inspect
from sqlalchemy.exc import NoInspectionAvailable
from sqlalchemy.orm import ColumnProperty

from casework.crypto.envelope import aad_for, decrypt, encrypt
from casework.crypto.errors import CryptoError, IntegrityError

T = TypeVar("T")

# obj.__dict__[_CACHE][attribute name] = (ciphertext object, plaintext str)
_CACHE = "_casework_plain"


class _EncryptedAttribute(ABC, Generic[T]):
    """Encrypts on assignment, decrypts on first read; see the module docstring."""

    def __init__(self, ct_attr: str, column: str | None = None) -> None:
        self._ct_attr = ct_attr
        self._column = column
        self._name = ""
        self._columns: dict[type, str] = {}  # resolved column name per mapped class

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @abstractmethod
    def _encode(self, value: T) -> str:
        """The plaintext to encrypt; TypeError for a value of the wrong type."""

    @abstractmethod
    def _decode(self, text: str) -> T:
        """The value for a decrypted plaintext."""

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> Self: ...

    @overload
    def __get__(self, obj: object, owner: type | None = None) -> T | None: ...

    def __get__(self, obj: Any, owner: type | None = None) -> Self | T | None:
        if obj is None:
            return self
        blob = getattr(obj, self._ct_attr)
        if blob is None:
            return None
        cache = obj.__dict__.setdefault(_CACHE, {})
        cached = cache.get(self._name)
        # Identity, not equality: a reload from the database gives a new bytes object,
        # and the cache holds the old one, so its id cannot be reused meanwhile.
        if cached is not None and cached[0] is blob:
            return self._decode(cached[1])
        table, column = self._location(type(obj))
        dek, version = obj.data_key()
        try:
            text = decrypt(dek, blob, aad_for(table, column, obj.id, version)).decode("utf-8")
        except IntegrityError:
            raise IntegrityError(f"{table}.{column} failed to decrypt") from None
        cache[self._name] = (blob, text)
        return self._decode(text)

    def __set__(self, obj: Any, value: T | None) -> None:
        cache = obj.__dict__.setdefault(_CACHE, {})
        if value is None:
            setattr(obj, self._ct_attr, None)
            cache.pop(self._name, None)
            return
        text = self._encode(value)
        if obj.id is None:
            obj.id = uuid.uuid4()
        table, column = self._location(type(obj))
        dek, version = obj.data_key()
        blob = encrypt(dek, text.encode("utf-8"), aad_for(table, column, obj.id, version))
        setattr(obj, self._ct_attr, blob)
        cache[self._name] = (blob, text)

    @property
    def ciphertext_attribute(self) -> str:
        """The name of the mapped attribute that holds the ciphertext."""
        return self._ct_attr

    def seal(self, cls: type, record_id: uuid.UUID, key: tuple[bytes, int],
             value: T | None) -> bytes | None:
        """The ciphertext that assigning ``value`` to a ``cls`` record with this id and
        data key ``(dek, version)`` stores: for bulk inserts that build rows, not objects."""
        if value is None:
            return None
        table, column = self._location(cls)
        dek, version = key
        return encrypt(dek, self._encode(value).encode("utf-8"),
                       aad_for(table, column, record_id, version))

    def _location(self, cls: type) -> tuple[str, str]:
        table = getattr(cls, "__tablename__", None)
        if not isinstance(table, str):
            raise CryptoError(f"{cls.__name__}.{self._name}: the class has no __tablename__")
        column = self._column or self._columns.get(cls)
        if column is None:
            column = self._columns[cls] = self._resolve_column(cls)
        return table, column

    def _resolve_column(self, cls: type) -> str:
        try:
            mapper = inspect(cls)
        except NoInspectionAvailable:
            return self._name
        prop = mapper.attrs.get(self._ct_attr)
        if not isinstance(prop, ColumnProperty) or len(prop.columns) != 1:
            # Otherwise the ciphertext would be a plain attribute, silently never saved.
            raise CryptoError(
                f"{cls.__name__}.{self._name}: {self._ct_attr!r} is not a mapped column"
            )
        return prop.columns[0].name


class EncryptedText(_EncryptedAttribute[str]):
    """A ``str`` stored encrypted as UTF-8."""

    def _encode(self, value: str) -> str:
        if not isinstance(value, str):
            raise TypeError(f"{self._name} takes str, not {type(value).__name__}")
        return value

    def _decode(self, text: str) -> str:
        return text


class EncryptedJSON(_EncryptedAttribute[Any]):
    """A JSON-serializable value stored encrypted; each read returns a fresh copy."""

    def _encode(self, value: Any) -> str:
        return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)

    def _decode(self, text: str) -> Any:
        return json.loads(text)
