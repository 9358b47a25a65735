"""Encrypted model attributes, through a real SQLAlchemy session on SQLite."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from sqlalchemy import LargeBinary, create_engine, select, update
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from casework.crypto import (
    CryptoError,
    EncryptedJSON,
    EncryptedText,
    IntegrityError,
    aad_for,
    decrypt,
    encrypt,
    new_data_key,
)
from casework.crypto import fields as fields_module

DEK = new_data_key()


class Base(DeclarativeBase):
    pass


class Child(Base):
    __tablename__ = "child"

    # The application keeps a wrapped key per case; the tests share one and swap it.
    dek: ClassVar[bytes] = DEK
    key_version: ClassVar[int] = 1

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    given_names_ct: Mapped[bytes | None] = mapped_column("given_names", LargeBinary)
    given_names = EncryptedText("given_names_ct")
    family_name_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    family_name = EncryptedText("family_name_ct")
    details_ct: Mapped[bytes | None] = mapped_column("details", LargeBinary)
    details = EncryptedJSON("details_ct")
    notes_ct: Mapped[bytes | None] = mapped_column("notes", LargeBinary)
    notes = EncryptedText("notes_ct", column="legacy_notes")

    def data_key(self) -> tuple[bytes, int]:
        return self.dek, self.key_version


DETAILS = {"language": "K’iche’", "siblings": ["Ana", "Luis"], "age": 14, "school": None}


@pytest.fixture
def session() -> Iterator[Session]:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        yield session
    engine.dispose()


def reload(session: Session, child: Child) -> Child:
    """The child as a fresh instance read back from the database."""
    child_id = child.id
    session.commit()
    session.expunge_all()
    return session.get_one(Child, child_id)


def test_round_trip_through_the_database(session: Session) -> None:
    child = Child(given_names="José María", family_name="Ñandú-Pérez", details=DETAILS)
    session.add(child)
    loaded = reload(session, child)
    assert loaded is not child
    assert loaded.given_names == "José María"
    assert loaded.family_name == "Ñandú-Pérez"
    assert loaded.details == DETAILS


def test_none_is_stored_as_null(session: Session) -> None:
    child = Child(given_names="Ana")
    child.given_names = None
    session.add(child)
    loaded = reload(session, child)
    assert loaded.given_names is None
    assert loaded.given_names_ct is None
    assert loaded.details is None


def test_an_id_is_assigned_before_encrypting() -> None:
    child = Child()
    assert child.id is None
    child.given_names = "Ana"
    assert isinstance(child.id, uuid.UUID)


def test_an_existing_id_is_kept() -> None:
    child_id = uuid.uuid4()
    child = Child(id=child_id, given_names="Ana")
    assert child.id == child_id
    assert child.given_names == "Ana"


def test_two_encryptions_of_the_same_text_differ() -> None:
    child = Child(given_names="Ana")
    first = child.given_names_ct
    child.given_names = "Ana"
    assert first != child.given_names_ct


def test_the_associated_data_names_table_column_id_and_version() -> None:
    child = Child(given_names="Ana", family_name="Flores", notes="seen")
    for blob, column in [
        (child.given_names_ct, "given_names"),  # the database column name
        (child.family_name_ct, "family_name_ct"),  # no explicit name: the attribute's
        (child.notes_ct, "legacy_notes"),  # pinned by column=
    ]:
        assert blob is not None
        decrypt(DEK, blob, aad_for("child", column, child.id, 1))


def test_json_is_canonical_and_compact() -> None:
    child = Child(details={"b": 1, "a": "ñ"})
    assert child.details_ct is not None
    aad = aad_for("child", "details", child.id, 1)
    assert decrypt(DEK, child.details_ct, aad) == '{"a":"ñ","b":1}'.encode()


def test_json_reads_return_fresh_copies() -> None:
    child = Child(details={"siblings": ["Ana"]})
    child.details["siblings"].append("Luis")
    assert child.details == {"siblings": ["Ana"]}


def test_text_refuses_other_types() -> None:
    child = Child()
    with pytest.raises(TypeError):
        child.given_names = 42  # type: ignore[assignment]
    assert child.given_names_ct is None


def test_repeated_reads_decrypt_once(monkeypatch: pytest.MonkeyPatch, session: Session) -> None:
    session.add(Child(given_names="Ana"))
    session.commit()
    loaded = session.scalars(select(Child)).one()
    calls = []

    def counting_decrypt(*args: Any) -> bytes:
        calls.append(1)
        return decrypt(*args)

    monkeypatch.setattr(fields_module, "decrypt", counting_decrypt)
    assert [loaded.given_names for _ in range(3)] == ["Ana"] * 3
    assert len(calls) == 1


def test_written_values_are_read_without_decrypting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fields_module, "decrypt", None)
    child = Child(given_names="Ana")
    assert child.given_names == "Ana"


def test_cache_follows_ciphertext_replaced_underneath(session: Session) -> None:
    child = Child(given_names="Ana")
    session.add(child)
    session.commit()
    assert child.given_names == "Ana"
    aad = aad_for("child", "given_names", child.id, 1)
    session.execute(
        update(Child).where(Child.id == child.id).values(given_names_ct=encrypt(DEK, b"Bea", aad))
    )
    session.refresh(child)
    assert child.given_names == "Bea"


def test_ciphertext_moved_to_another_row_fails(session: Session) -> None:
    ana, bea = Child(given_names="Ana"), Child(given_names="Bea")
    session.add_all([ana, bea])
    bea.given_names_ct = ana.given_names_ct
    with pytest.raises(IntegrityError):
        _ = bea.given_names
    loaded = reload(session, bea)
    with pytest.raises(IntegrityError, match=r"^child\.given_names failed to decrypt$"):
        _ = loaded.given_names


def test_ciphertext_moved_to_another_column_fails(session: Session) -> None:
    child = Child(given_names="Ana")
    session.add(child)
    child.family_name_ct = child.given_names_ct
    loaded = reload(session, child)
    with pytest.raises(IntegrityError, match="family_name_ct"):
        _ = loaded.family_name
    assert loaded.given_names == "Ana"


def test_wrong_key_version_fails(session: Session) -> None:
    child = Child(given_names="Ana")
    session.add(child)
    loaded = reload(session, child)
    loaded.key_version = 2
    with pytest.raises(IntegrityError):
        _ = loaded.given_names


def test_wrong_data_key_fails(session: Session) -> None:
    child = Child(given_names="Ana")
    session.add(child)
    loaded = reload(session, child)
    loaded.dek = new_data_key()
    with pytest.raises(IntegrityError):
        _ = loaded.given_names


def test_tampered_ciphertext_fails_without_revealing_values(session: Session) -> None:
    child = Child(given_names="Ana")
    session.add(child)
    loaded = reload(session, child)
    blob = loaded.given_names_ct
    assert blob is not None
    loaded.given_names_ct = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(IntegrityError) as excinfo:
        _ = loaded.given_names
    assert "Ana" not in str(excinfo.value)


def test_plaintext_never_reaches_the_database_file(tmp_path: Path) -> None:
    path = tmp_path / "casework.sqlite3"
    engine = create_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(Child(given_names="Guadalupe", family_name="Xochiquetzal", details=DETAILS))
        session.commit()
    engine.dispose()

    stored = path.read_bytes()
    for secret in ["Guadalupe", "Xochiquetzal", "siblings", "K’iche’", "Luis"]:
        assert secret.encode() not in stored
    with sqlite3.connect(path) as raw:
        row = raw.execute("select given_names, family_name_ct, details from child").fetchone()
    assert all(isinstance(value, bytes) and value[0] == 0x01 for value in row)


def test_descriptor_on_an_unmapped_class_uses_its_own_name() -> None:
    class Plain:
        __tablename__ = "plain"
        secret = EncryptedText("secret_ct")

        def __init__(self) -> None:
            self.id: uuid.UUID | None = None
            self.secret_ct: bytes | None = None

        def data_key(self) -> tuple[bytes, int]:
            return DEK, 3

    obj = Plain()
    obj.secret = "Ana"
    assert obj.secret_ct is not None
    assert obj.id is not None
    assert decrypt(DEK, obj.secret_ct, aad_for("plain", "secret", obj.id, 3)) == b"Ana"
    assert isinstance(Plain.secret, EncryptedText)


def test_a_misnamed_ciphertext_attribute_is_refused() -> None:
    class OtherBase(DeclarativeBase):
        pass

    class Misnamed(OtherBase):
        __tablename__ = "misnamed"
        id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
        secret_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
        secret = EncryptedText("secrte_ct")

        def data_key(self) -> tuple[bytes, int]:
            return DEK, 1

    with pytest.raises(CryptoError, match="'secrte_ct' is not a mapped column"):
        Misnamed().secret = "Ana"
