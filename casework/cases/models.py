from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.accounts.models import Office, User
from casework.cases.choices import CaseStatus, EncounterType, Separation
from casework.crypto.fields import EncryptedJSON, EncryptedText
from casework.models import Base, TimestampMixin, UUIDMixin, VersionMixin, str_enum, utcnow


class CaseKeyMixin:
    """A record that belongs to a case encrypts with that case's data key."""

    case: Case

    def data_key(self) -> tuple[bytes, int]:
        return self.case.data_key()


class Case(UUIDMixin, TimestampMixin, VersionMixin, Base):
    """One child's case.

    Plain columns are what the schema already shows or what deadlines and
    dashboards need in SQL (office, status, dates, categories). Everything that
    identifies or describes the child is encrypted with the case's own data key.
    """

    __tablename__ = "child_case"
    __table_args__ = (
        # An office's open cases: the dashboard's scope (and the office's foreign key).
        sa.Index("ix_child_case_office_status", "office_id", "status"),
    )

    number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    office_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("office.id"))
    status: Mapped[CaseStatus] = mapped_column(
        str_enum(CaseStatus, 16), default=CaseStatus.OPEN, index=True
    )
    opened_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    closed_at: Mapped[datetime | None]
    encountered_at: Mapped[datetime]
    encounter_type: Mapped[EncounterType] = mapped_column(
        str_enum(EncounterType, 24)
    )
    nationality: Mapped[str] = mapped_column(sa.String(2))
    separation: Mapped[Separation] = mapped_column(
        str_enum(Separation, 16)
    )
    interpreter_needed: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("user_account.id"))
    # When every piece of intake evidence was first present (set by the service, which
    # sees the plaintext), so the checkpoint engine never needs to decrypt.
    intake_completed_at: Mapped[datetime | None]
    intake_completed_by_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("user_account.id")
    )

    # Envelope encryption: the case's data key, wrapped by a key-encryption key.
    # A purged case keeps only its plain columns: no key, no ciphertext (crypto/purge.py).
    wrapped_key: Mapped[bytes | None] = mapped_column(sa.LargeBinary(64))
    kek_id: Mapped[str] = mapped_column(sa.String(16), index=True)
    key_version: Mapped[int] = mapped_column(default=1)
    legal_hold: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    purged_at: Mapped[datetime | None]

    given_names_ct: Mapped[bytes | None] = mapped_column("given_names", sa.LargeBinary)
    family_names_ct: Mapped[bytes | None] = mapped_column("family_names", sa.LargeBinary)
    aliases_ct: Mapped[bytes | None] = mapped_column("aliases", sa.LargeBinary)
    birth_date_ct: Mapped[bytes | None] = mapped_column("birth_date", sa.LargeBinary)
    age_estimate_ct: Mapped[bytes | None] = mapped_column("age_estimate", sa.LargeBinary)
    age_method_ct: Mapped[bytes | None] = mapped_column("age_method", sa.LargeBinary)
    sex_ct: Mapped[bytes | None] = mapped_column("sex", sa.LargeBinary)
    languages_ct: Mapped[bytes | None] = mapped_column("languages", sa.LargeBinary)
    encounter_place_ct: Mapped[bytes | None] = mapped_column("encounter_place", sa.LargeBinary)
    custodian_ct: Mapped[bytes | None] = mapped_column("custodian", sa.LargeBinary)
    custodian_location_ct: Mapped[bytes | None] = mapped_column(
        "custodian_location", sa.LargeBinary
    )
    a_number_ct: Mapped[bytes | None] = mapped_column("a_number", sa.LargeBinary)
    other_ids_ct: Mapped[bytes | None] = mapped_column("other_ids", sa.LargeBinary)
    notes_ct: Mapped[bytes | None] = mapped_column("notes", sa.LargeBinary)

    given_names = EncryptedText("given_names_ct")
    family_names = EncryptedText("family_names_ct")
    aliases = EncryptedJSON("aliases_ct")  # list[str]
    birth_date_iso = EncryptedText("birth_date_ct")
    age_estimate = EncryptedJSON("age_estimate_ct")  # int years, when the date is unknown
    age_method = EncryptedText("age_method_ct")
    sex = EncryptedText("sex_ct")
    languages = EncryptedJSON("languages_ct")  # list of codes or free text
    encounter_place = EncryptedText("encounter_place_ct")
    custodian = EncryptedText("custodian_ct")
    custodian_location = EncryptedText("custodian_location_ct")
    a_number = EncryptedText("a_number_ct")
    other_ids = EncryptedText("other_ids_ct")
    notes = EncryptedText("notes_ct")

    office: Mapped[Office] = relationship(lazy="joined")
    team: Mapped[list[CaseTeamMember]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseTeamMember.added_at"
    )

    _data_key_cache = None  # (data key, version), unwrapped once per loaded instance

    def data_key(self) -> tuple[bytes, int]:
        if self._data_key_cache is None:
            from casework.crypto.envelope import unwrap_data_key
            from casework.crypto.errors import KeyDestroyed
            from casework.crypto.runtime import keyring_for

            if self.wrapped_key is None:
                raise KeyDestroyed(f"case {self.id} was purged: its data key is destroyed")
            dek = unwrap_data_key(keyring_for(self.kek_id), self.kek_id, self.wrapped_key)
            self._data_key_cache = (dek, self.key_version)
        return self._data_key_cache

    def set_new_data_key(self) -> None:
        from casework.crypto.envelope import new_data_key, wrap_data_key
        from casework.crypto.runtime import current_keyring

        dek = new_data_key()
        self.kek_id, self.wrapped_key = wrap_data_key(current_keyring(), dek)
        self.key_version = 1
        self._data_key_cache = (dek, 1)

    @property
    def birth_date(self) -> date | None:
        return date.fromisoformat(self.birth_date_iso) if self.birth_date_iso else None

    @birth_date.setter
    def birth_date(self, value: date | None) -> None:
        self.birth_date_iso = value.isoformat() if value else None

    @property
    def display_name(self) -> str:
        return " ".join(p for p in (self.given_names, self.family_names) if p)

    def age_on(self, day: date) -> int | None:
        born = self.birth_date
        if born is None:
            return self.age_estimate
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    @property
    def country(self):
        return self.office.country

    def __repr__(self) -> str:  # never the child's name
        return f"<Case {self.number}>"


class CaseTeamMember(Base):
    """Staff assigned to a case."""

    __tablename__ = "case_team_member"
    __table_args__ = (
        sa.UniqueConstraint("case_id", "user_id"),
        # "The cases this user is on" (cases.queries.visible_to) from the index alone.
        sa.Index("ix_case_team_member_user_case", "user_id", "case_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    case_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("child_case.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("user_account.id"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    added_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("user_account.id"))

    case: Mapped[Case] = relationship(back_populates="team")
    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")


class CaseSearchToken(Base):
    """Blind-index entries: keyed digests of name tokens and identifiers, never the text."""

    __tablename__ = "case_search_token"
    # A search reads the matching cases from the index alone: digest, key and case.
    __table_args__ = (
        sa.Index("ix_case_search_token_digest_case", "index_name", "digest", "key_id",
                 "case_id"),
        # "Has this case this digest too?", asked of each candidate of a name's rarest
        # token (cases/queries.py _cases_with_every): one probe, from the index alone.
        # (case_id) alone let SQLite, which keeps no statistics, probe by digest instead
        # and read every entry of a common name for each candidate.
        sa.Index("ix_case_search_token_case_digest", "case_id", "index_name", "digest",
                 "key_id"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    case_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("child_case.id", ondelete="CASCADE")
    )
    index_name: Mapped[str] = mapped_column(sa.String(16))
    digest: Mapped[int] = mapped_column(sa.BigInteger)
    # The blind index root that made the digest (`keys rotate-index` rebuilds the rest);
    # null for entries made before ids were kept, which count as the current root's.
    key_id: Mapped[str | None] = mapped_column(sa.String(32))


class BlindIndexBackfill(Base):
    """An index that cases indexed before it existed still lack (an upgrade's migration
    adds the row when there are such cases): searches do not rely on it until `flask
    casework keys backfill-index` has indexed every case and removed the row."""

    __tablename__ = "blind_index_backfill"

    index_name: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    since: Mapped[datetime] = mapped_column(default=utcnow)


class CaseNumberSequence(Base):
    """The last number given per prefix (country and year), for MX-2026-00042."""

    __tablename__ = "case_number_sequence"

    prefix: Mapped[str] = mapped_column(sa.String(12), primary_key=True)
    last: Mapped[int] = mapped_column(default=0)
