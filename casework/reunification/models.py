"""Family members, tracing, verification, sponsor assessment, siblings, release, follow-up.

Plain columns are what the checkpoint engine and the dashboards read: dates, channels,
results, outcomes, sponsor categories and the home-study triggers. Everything said by or
about a relative (names, kinship, where they live, how to reach them, the child's wish
to be in contact) is encrypted with the case's data key. Records are never edited, except
a family member's own details: a newer record of the same kind supersedes an older one.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.accounts.models import User
from casework.cases.models import Case, CaseKeyMixin
from casework.crypto.fields import EncryptedText
from casework.models import Base, UUIDMixin, VersionMixin, str_enum, utcnow
from casework.reunification.choices import (
    CheckKind,
    FollowUpKind,
    SchoolStatus,
    SponsorCategory,
    TracingChannel,
    TracingResult,
    VerificationOutcome,
    Wish,
)


def _case_fk():
    return mapped_column(sa.ForeignKey("child_case.id", ondelete="CASCADE"), index=True)


def _named_enum(enum_cls, length: int, name: str) -> sa.Enum:
    """`str_enum` under its own name: two columns of one table with the same enum need
    two check constraints, and a constraint's name comes from the enum's name."""
    return sa.Enum(enum_cls, native_enum=False, length=length, create_constraint=True,
                   values_callable=lambda cls: [m.value for m in cls], name=name)


class FamilyMember(UUIDMixin, CaseKeyMixin, VersionMixin, Base):
    """A relative (or another adult) the child names. Every detail is encrypted."""

    __tablename__ = "family_member"

    case_id: Mapped[uuid.UUID] = _case_fk()
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    added_by_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    kinship_ct: Mapped[bytes] = mapped_column("kinship", sa.LargeBinary)
    given_names_ct: Mapped[bytes | None] = mapped_column("given_names", sa.LargeBinary)
    family_names_ct: Mapped[bytes | None] = mapped_column("family_names", sa.LargeBinary)
    country_ct: Mapped[bytes | None] = mapped_column("country", sa.LargeBinary)
    place_ct: Mapped[bytes | None] = mapped_column("place", sa.LargeBinary)
    contact_ct: Mapped[bytes | None] = mapped_column("contact", sa.LargeBinary)
    wants_contact_ct: Mapped[bytes] = mapped_column("wants_contact", sa.LargeBinary)
    notes_ct: Mapped[bytes | None] = mapped_column("notes", sa.LargeBinary)
    kinship = EncryptedText("kinship_ct")  # a code of choices.KINSHIPS
    given_names = EncryptedText("given_names_ct")
    family_names = EncryptedText("family_names_ct")
    country = EncryptedText("country_ct")  # a code of choices.LOCATION_COUNTRIES
    place = EncryptedText("place_ct")
    contact = EncryptedText("contact_ct")  # phone, address, social media: as given
    wants_contact = EncryptedText("wants_contact_ct")  # a code of choices.CONTACT_WISHES
    notes = EncryptedText("notes_ct")

    case: Mapped[Case] = relationship()
    added_by: Mapped[User] = relationship()

    @property
    def display_name(self) -> str:
        return " ".join(p for p in (self.given_names, self.family_names) if p)

    def __repr__(self) -> str:  # never a name
        return f"<FamilyMember {self.id}>"


class FamilyMemberToken(Base):
    """Blind-index entries of a family member's name tokens, for the matching help."""

    __tablename__ = "family_member_token"
    __table_args__ = (sa.Index("ix_family_member_token_lookup", "index_name", "digest"),)

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    case_id: Mapped[uuid.UUID] = _case_fk()
    member_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("family_member.id", ondelete="CASCADE"), index=True
    )
    index_name: Mapped[str] = mapped_column(sa.String(16))
    digest: Mapped[int] = mapped_column(sa.BigInteger)


class TracingEntry(UUIDMixin, CaseKeyMixin, Base):
    """One tracing action: a channel, a date and a result (the `ftr.trace` evidence)."""

    __tablename__ = "tracing_entry"

    case_id: Mapped[uuid.UUID] = _case_fk()
    member_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("family_member.id", ondelete="CASCADE"), index=True
    )
    occurred_at: Mapped[datetime]
    channel: Mapped[TracingChannel] = mapped_column(str_enum(TracingChannel, 24))
    result: Mapped[TracingResult] = mapped_column(str_enum(TracingResult, 16))
    # Contact with anyone in the country of origin: the gated action
    # `contact-origin-country`, recorded in case_action (action_id) when it passed.
    in_origin_country: Mapped[bool] = mapped_column(default=False)
    action_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("case_action.id"))
    # The person recording confirmed that nothing about the child's protection claim
    # or whereabouts was shared beyond what tracing needs.
    confidentiality_confirmed: Mapped[bool] = mapped_column(default=False)
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    details_ct: Mapped[bytes | None] = mapped_column("details", sa.LargeBinary)
    details = EncryptedText("details_ct")

    case: Mapped[Case] = relationship()
    member: Mapped[FamilyMember | None] = relationship()
    recorded_by: Mapped[User] = relationship()


class Verification(UUIDMixin, CaseKeyMixin, Base):
    """The verification of one relationship; the latest per member counts (`ftr.verify`)."""

    __tablename__ = "family_verification"

    case_id: Mapped[uuid.UUID] = _case_fk()
    member_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("family_member.id", ondelete="CASCADE"), index=True
    )
    verified_at: Mapped[datetime]
    documents_seen: Mapped[bool] = mapped_column(default=False)
    child_interviewed: Mapped[bool] = mapped_column(default=False)
    family_interviewed: Mapped[bool] = mapped_column(default=False)
    child_wish: Mapped[Wish] = mapped_column(_named_enum(Wish, 16, "child_wish"))
    family_wish: Mapped[Wish] = mapped_column(_named_enum(Wish, 16, "family_wish"))
    outcome: Mapped[VerificationOutcome] = mapped_column(str_enum(VerificationOutcome, 16))
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    documents_ct: Mapped[bytes | None] = mapped_column("documents", sa.LargeBinary)
    notes_ct: Mapped[bytes | None] = mapped_column("notes", sa.LargeBinary)
    documents = EncryptedText("documents_ct")
    notes = EncryptedText("notes_ct")

    case: Mapped[Case] = relationship()
    member: Mapped[FamilyMember] = relationship()
    recorded_by: Mapped[User] = relationship()


class SponsorAssessment(UUIDMixin, CaseKeyMixin, Base):
    """Who would sponsor the child, and the facts the home-study rule reads (`ftr.sponsor`).

    The latest assessment of the case is the one in force. The checks (application,
    identity, background, home study) belong to the sponsor, not to one assessment, so
    re-assessing the same sponsor keeps them.
    """

    __tablename__ = "sponsor_assessment"

    case_id: Mapped[uuid.UUID] = _case_fk()
    # The sponsor; none for category 4 (no sponsor identified).
    member_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("family_member.id", ondelete="CASCADE"), index=True
    )
    assessed_at: Mapped[datetime]
    category: Mapped[SponsorCategory] = mapped_column(str_enum(SponsorCategory, 4))
    sponsor_related: Mapped[bool] = mapped_column(default=True)
    children_sponsored: Mapped[int] = mapped_column(default=1)  # this child included
    sponsored_before: Mapped[bool] = mapped_column(default=False)
    child_trafficking_victim: Mapped[bool] = mapped_column(default=False)
    child_abuse_victim: Mapped[bool] = mapped_column(default=False)
    child_disability: Mapped[bool] = mapped_column(default=False)
    # Computed by the service from the child's (encrypted) age on assessed_at, so the
    # home-study rule never decrypts; an unknown age counts as under 12.
    child_under_12: Mapped[bool] = mapped_column(default=False)
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    household_ct: Mapped[bytes | None] = mapped_column("household", sa.LargeBinary)
    notes_ct: Mapped[bytes | None] = mapped_column("notes", sa.LargeBinary)
    household = EncryptedText("household_ct")  # the household members, as described
    notes = EncryptedText("notes_ct")

    case: Mapped[Case] = relationship()
    member: Mapped[FamilyMember | None] = relationship()
    recorded_by: Mapped[User] = relationship()


class SponsorCheck(UUIDMixin, CaseKeyMixin, Base):
    """One check of a sponsor; the latest of each kind per sponsor counts."""

    __tablename__ = "sponsor_check"
    __table_args__ = (sa.Index("ix_sponsor_check_case_member", "case_id", "member_id"),)

    case_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("child_case.id",
                                                             ondelete="CASCADE"))
    member_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("family_member.id", ondelete="CASCADE")
    )
    kind: Mapped[CheckKind] = mapped_column(str_enum(CheckKind, 16))
    completed_at: Mapped[datetime]
    passed: Mapped[bool]
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    details_ct: Mapped[bytes | None] = mapped_column("details", sa.LargeBinary)
    details = EncryptedText("details_ct")

    case: Mapped[Case] = relationship()
    member: Mapped[FamilyMember] = relationship()
    recorded_by: Mapped[User] = relationship()


class SiblingLink(Base):
    """Two cases of siblings, linked by a caseworker (never automatically).

    One row per pair, the smaller case id first, so a pair cannot be linked twice.
    """

    __tablename__ = "sibling_link"
    __table_args__ = (sa.UniqueConstraint("case_id", "sibling_case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    case_id: Mapped[uuid.UUID] = _case_fk()
    sibling_case_id: Mapped[uuid.UUID] = _case_fk()
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)
    linked_by_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("user_account.id"))

    linked_by: Mapped[User] = relationship()

    def other(self, case_id: uuid.UUID) -> uuid.UUID:
        return self.sibling_case_id if self.case_id == case_id else self.case_id


class SiblingDecision(UUIDMixin, CaseKeyMixin, Base):
    """Whether the child stays with the linked siblings, and if not, why (`ftr.siblings`).

    A decision covers the siblings linked when it was recorded; a later link needs a
    new decision.
    """

    __tablename__ = "sibling_decision"

    case_id: Mapped[uuid.UUID] = _case_fk()
    decided_at: Mapped[datetime]
    together: Mapped[bool]
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    justification_ct: Mapped[bytes | None] = mapped_column("justification", sa.LargeBinary)
    justification = EncryptedText("justification_ct")

    case: Mapped[Case] = relationship()
    recorded_by: Mapped[User] = relationship()


class Release(UUIDMixin, CaseKeyMixin, Base):
    """The release to a sponsor: the effect of the gated action `release-to-sponsor`.

    `address_changed_on` is the day the child's address of record changed (the release
    date). The legal module counts the EOIR-33 change-of-address deadline (5 working days,
    POLICY.md `legal.hearings`) from it, without decrypting the address.
    """

    __tablename__ = "family_release"

    case_id: Mapped[uuid.UUID] = _case_fk()
    action_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("case_action.id"), unique=True)
    member_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("family_member.id"))
    released_at: Mapped[datetime]
    address_changed_on: Mapped[date] = mapped_column(index=True)
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    address_ct: Mapped[bytes] = mapped_column("address", sa.LargeBinary)
    address = EncryptedText("address_ct")

    case: Mapped[Case] = relationship()
    member: Mapped[FamilyMember] = relationship()
    recorded_by: Mapped[User] = relationship()


class FollowUp(UUIDMixin, CaseKeyMixin, Base):
    """A contact with the child and sponsor after the release (`ftr.followup`)."""

    __tablename__ = "release_follow_up"

    case_id: Mapped[uuid.UUID] = _case_fk()
    contacted_at: Mapped[datetime]
    kind: Mapped[FollowUpKind] = mapped_column(str_enum(FollowUpKind, 16))
    reached: Mapped[bool]  # the child and the sponsor were reached
    school: Mapped[SchoolStatus] = mapped_column(str_enum(SchoolStatus, 16))
    concerns: Mapped[bool] = mapped_column(default=False)
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    concern_details_ct: Mapped[bytes | None] = mapped_column("concern_details", sa.LargeBinary)
    notes_ct: Mapped[bytes | None] = mapped_column("notes", sa.LargeBinary)
    concern_details = EncryptedText("concern_details_ct")
    notes = EncryptedText("notes_ct")

    case: Mapped[Case] = relationship()
    recorded_by: Mapped[User] = relationship()
