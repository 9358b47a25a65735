"""Persisted checkpoint state, sign-offs and overrides."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.accounts.models import User
from casework.cases.models import Case, CaseKeyMixin
from casework.crypto.fields import EncryptedJSON, EncryptedText
from casework.models import Base, UUIDMixin, str_enum, utcnow


class State(StrEnum):
    """What is stored. Due-soon and overdue are read from due_at and the clock."""

    NOT_APPLICABLE = "not_applicable"
    PENDING = "pending"
    AWAITING_SIGN_OFF = "awaiting_sign_off"
    MET = "met"  # met, and signed off when the checkpoint needs it


# The partial index's condition. A query uses that index only when its own WHERE proves
# this one: `applicable()` says it with the value written out, so that a plan made
# before the value is known (a prepared statement's generic plan) proves it too.
_NOT_APPLICABLE = f"'{State.NOT_APPLICABLE.value}'"  # an SQL literal
APPLICABLE_ROWS = f"state <> {_NOT_APPLICABLE}"


class CaseCheckpoint(Base):
    """One row per case and checkpoint, recomputed by the engine in the same transaction."""

    __tablename__ = "case_checkpoint"
    __table_args__ = (
        sa.UniqueConstraint("case_id", "key"),
        # The dashboards' questions: what is pending/overdue, per checkpoint.
        sa.Index("ix_case_checkpoint_state_due", "state", "due_at"),
        sa.Index("ix_case_checkpoint_key_state", "key", "state"),
        # Everything the dashboard reads of a row, by office: one office's open cases
        # are one range of this index, read without the table or a join to the cases,
        # however many closed cases the years have piled up (bench/RESULTS.md). Only the
        # applicable rows, which are all the dashboard counts: about 40% of the rows
        # are not applicable, and were read only to be skipped.
        sa.Index("ix_case_checkpoint_office_cover", "case_open", "office_id", "case_id",
                 "key", "state", "due_at", "met_at", "late", "signed_off_at",
                 "completed_by_id", postgresql_where=sa.text(APPLICABLE_ROWS),
                 sqlite_where=sa.text(APPLICABLE_ROWS)),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    case_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("child_case.id", ondelete="CASCADE")
    )
    key: Mapped[str] = mapped_column(sa.String(40))
    # The case's office and whether it is open, copied here by the engine with the rest
    # of the row, so the dashboard counts one office's rows without joining the cases.
    # No foreign key: child_case.office_id has it, and a check per row cost seeding a
    # trigger call for each of a case's ~28 rows.
    office_id: Mapped[uuid.UUID]
    case_open: Mapped[bool]
    state: Mapped[State] = mapped_column(str_enum(State, 20))
    due_at: Mapped[datetime | None]
    # Which of a checkpoint's several deadlines (policy.Clock.key) due_at is; NULL for a
    # checkpoint with one deadline.
    due_clock: Mapped[str | None] = mapped_column(sa.String(20))
    met_at: Mapped[datetime | None]
    # Some milestone was met after its due date: stored, so "met late" is a plain SQL count.
    late: Mapped[bool] = mapped_column(default=False)
    completed_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("user_account.id"))
    signed_off_at: Mapped[datetime | None]
    signed_off_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    completed_by: Mapped[User | None] = relationship(foreign_keys=[completed_by_id])
    signed_off_by: Mapped[User | None] = relationship(foreign_keys=[signed_off_by_id])


def applicable(row=CaseCheckpoint) -> sa.ColumnElement[bool]:
    """The rows that apply, in the words of the partial index (APPLICABLE_ROWS), so that
    both databases read that index for it."""
    return row.state != sa.literal_column(_NOT_APPLICABLE)


class CheckpointSignOff(Base):
    """A supervisor's (or attorney's) sign-off of one completion of a checkpoint."""

    __tablename__ = "checkpoint_sign_off"
    __table_args__ = (sa.Index("ix_checkpoint_sign_off_case_key", "case_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    case_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("child_case.id",
                                                             ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(40))
    # The completion it signs: a new completion needs a new sign-off.
    completion_at: Mapped[datetime]
    signed_by_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("user_account.id"))
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)

    signed_by: Mapped[User] = relationship()


class GateOverride(UUIDMixin, CaseKeyMixin, Base):
    """A supervisor let an action pass one soft gate, with a written reason. Kept forever."""

    __tablename__ = "gate_override"
    __table_args__ = (sa.Index("ix_gate_override_case_action", "case_id", "action"),)

    case_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("child_case.id",
                                                             ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(sa.String(40))
    key: Mapped[str] = mapped_column(sa.String(40))
    reason_ct: Mapped[bytes] = mapped_column("reason", sa.LargeBinary)
    reason = EncryptedText("reason_ct")
    by_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship()
    by: Mapped[User] = relationship()


class ActionRecord(UUIDMixin, CaseKeyMixin, Base):
    """A gated action that was carried out (release, reunification, transfer, return,
    contact with the country of origin, closure): when, by whom, and a note."""

    __tablename__ = "case_action"
    __table_args__ = (sa.Index("ix_case_action_case_action", "case_id", "action"),)

    case_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("child_case.id",
                                                             ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(sa.String(40))
    occurred_at: Mapped[datetime]
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    note_ct: Mapped[bytes | None] = mapped_column("note", sa.LargeBinary)
    note = EncryptedText("note_ct")
    # Closure only: the outcome code (plain, for reporting) and what was checked.
    outcome: Mapped[str | None] = mapped_column(sa.String(32))
    details_ct: Mapped[bytes | None] = mapped_column("details", sa.LargeBinary)
    details = EncryptedJSON("details_ct")

    case: Mapped[Case] = relationship()
    recorded_by: Mapped[User] = relationship()
