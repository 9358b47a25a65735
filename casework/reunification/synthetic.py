"""Synthetic family members, tracing, verification, sponsors, siblings, releases and
follow-ups (see casework/synthetic).

Each case heads somewhere: a closed case to its outcome (a release to a relative in
the US or in Mexico, a reunification abroad on its approved BID, or just tracing), an
open one along the same path as far as its age allows. The records are the ones the
services would have left, in the order the gates demand (verified relationship, the
sponsor's checks, then the release; the 30-day call after it), so the checkpoint rows
are a realistic mix and a closed case looks finished. Family members are indexed as
`services.reindex_member` does, so the matching help finds a synthetic parent by name.
Contact with the country of origin is recorded, as the gated action it is, only where
the child's consent allows it.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import date, datetime, timedelta
from types import SimpleNamespace

import sqlalchemy as sa

from casework.accounts.roles import Role
from casework.cases.models import Case
from casework.crypto.envelope import aad_for, decrypt
from casework.crypto.runtime import current_indexer
from casework.reunification.choices import (
    ALWAYS_REQUIRED_CHECKS,
    ORIGIN_CHANNELS,
    UNRELATED_KINSHIPS,
    CheckKind,
    FollowUpKind,
    SchoolStatus,
    SponsorCategory,
    TracingChannel,
    TracingResult,
    VerificationOutcome,
    Wish,
)
from casework.reunification.conditions import (
    TRAFFICKING_INDICATED,
    home_study_triggers,
    under_12,
)
from casework.reunification.models import (
    FamilyMember,
    FamilyMemberToken,
    FollowUp,
    Release,
    SiblingDecision,
    SiblingLink,
    SponsorAssessment,
    SponsorCheck,
    TracingEntry,
    Verification,
)
from casework.reunification.services import FAMILY_NAME_INDEX
from casework.screening.choices import ScreeningKind
from casework.screening.models import Consent, Screening
from casework.synthetic import names, synthetic_records
from casework.workflow.models import ActionRecord, GateOverride
from casework.workflow.policy import Action

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
# Rows are inserted model by model in the order first added: parents first.
ROW_ORDER = (FamilyMember, FamilyMemberToken, ActionRecord, TracingEntry, Verification,
             SponsorAssessment, SponsorCheck, GateOverride, Release, SiblingLink,
             SiblingDecision, FollowUp)
# Who the child would go to, and the ORR category of that relative as a sponsor.
SPONSOR_KINSHIP = {"mother": 38, "father": 22, "aunt_uncle": 18, "sibling": 8,
                   "grandparent": 4, "cousin": 5, "other_relative": 2, "family_friend": 3}
CATEGORY = {"mother": SponsorCategory.PARENT, "father": SponsorCategory.PARENT,
            "legal_guardian": SponsorCategory.PARENT,
            "aunt_uncle": SponsorCategory.IMMEDIATE_RELATIVE,
            "sibling": SponsorCategory.IMMEDIATE_RELATIVE,
            "grandparent": SponsorCategory.IMMEDIATE_RELATIVE,
            "cousin": SponsorCategory.IMMEDIATE_RELATIVE,
            "other_relative": SponsorCategory.DISTANT_OR_UNRELATED,
            "family_friend": SponsorCategory.DISTANT_OR_UNRELATED}
RELATIONSHIP = {"aunt_uncle": "aunt or uncle", "other_relative": "relative",
                "family_friend": "family friend", "legal_guardian": "legal guardian"}
FEMALE = frozenset({"grandparent"})  # more often a grandmother
PLACES = {
    "US": ("Houston, TX", "Los Angeles, CA", "Queens, NY", "Miami, FL", "Charlotte, NC",
           "Nashville, TN", "Riverside, CA", "Omaha, NE", "Silver Spring, MD"),
    "MX": ("Tapachula, Chiapas", "Monterrey, Nuevo León", "Ciudad de México",
           "Tijuana, Baja California", "Puebla, Puebla"),
    "GT": ("Huehuetenango", "Quetzaltenango", "San Marcos", "Ciudad de Guatemala",
           "Totonicapán", "Cobán"),
    "HN": ("San Pedro Sula", "Tegucigalpa", "Choluteca", "La Ceiba"),
    "SV": ("San Salvador", "San Miguel", "Usulután"),
    "CA": ("Toronto, ON", "Montréal, QC"),
}
DIALLING = {"US": "+1", "MX": "+52", "GT": "+502", "HN": "+504", "SV": "+503", "NI": "+505",
            "EC": "+593", "VE": "+58", "CO": "+57", "CU": "+53", "HT": "+509", "CA": "+1"}
# Third countries of a reunification abroad from Mexico (not the US, Mexico or origin).
THIRD_COUNTRIES = {"CA": 40, "CO": 15, "PE": 10, "BR": 10, "EC": 10, "CU": 5, "NI": 10}
CHANNELS_ABROAD = {TracingChannel.PHONE: 55, TracingChannel.SOCIAL_MEDIA: 20,
                   TracingChannel.PARTNER: 20, TracingChannel.OTHER: 5}
CHANNELS_ORIGIN = {TracingChannel.PHONE: 40, TracingChannel.CONSULATE: 20,
                   TracingChannel.RED_CROSS: 15, TracingChannel.PARTNER: 15,
                   TracingChannel.SOCIAL_MEDIA: 10}
OTHER_RESULTS = {TracingResult.CONTACT_MADE: 35, TracingResult.LOCATED: 15,
                 TracingResult.PENDING: 20, TracingResult.NO_ANSWER: 15,
                 TracingResult.NOT_FOUND: 10, TracingResult.NOT_PURSUED: 5}
TRACING_DETAILS = ("Called the number the child remembered; the relative answered.",
                   "Message through the family's church group.",
                   "Restoring Family Links request with the child's description and photo.",
                   None, None)
DOCUMENTS = ("Child's birth certificate naming the parent; the parent's passport.",
             "Birth certificates of the child and the relative, showing the common parent.",
             "Photos of the family together and the relative's national ID card.")
HOUSEHOLDS = ("Lives with a partner and two children (4 and 9).", "Lives alone.",
              "Lives with the child's grandmother and an adult cousin.",
              "Lives with a spouse; no other adults in the home.")
ADDRESS_STREETS = ("Maple Street", "Calle Hidalgo", "Avenida Juárez", "Oak Avenue",
                   "Elm Street", "Calle 5 de Mayo")
FOLLOW_UP_NOTES = ("Child settling in; attends school; sponsor engaged.",
                   "Spoke with the child alone; says they are well treated.",
                   "Referred to a local clinic for a check-up.", None)
CONCERNS = ("The child is not yet enrolled in school; the sponsor was given the district "
            "contact and a follow-up call is scheduled.",)
OVERRIDE_REASON = ("The sponsor is the verified parent and every check passed; the "
                   "trafficking screening is done at the first home visit.")
JUSTIFICATIONS = ("The older sibling turns 18 soon and will live independently; they "
                  "will keep in weekly contact.",
                  "Each sibling goes to a different parent, as both children and both "
                  "parents wish.")


def _pick(rng, mix: dict):
    return rng.choices(list(mix), weights=list(mix.values()))[0]


def _later(rng, at: datetime, now: datetime, most_minutes: int = 300) -> datetime:
    return min(at + timedelta(minutes=rng.randint(5, most_minutes)), now)


def _between(rng, start: datetime, end: datetime, low: float = 0.1, high: float = 0.9,
             ) -> datetime:
    return (start + (end - start) * rng.uniform(low, high)).replace(microsecond=0)


def _age_on(case, day: date) -> int:
    born = case.birth_date
    if born is None:
        return case.age
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class _Rows:
    """Rows held back and added in ROW_ORDER, so parents are inserted before children
    whatever order the cases produced them in."""

    def __init__(self, batch) -> None:
        self.batch = batch
        self.held: dict[type, list] = {model: [] for model in ROW_ORDER}

    def add(self, model: type, case, **values) -> uuid.UUID | None:
        if "id" not in values and model.__table__.columns["id"].type.python_type is uuid.UUID:
            values["id"] = uuid.uuid4()
        self.held[model].append((case, values))
        return values.get("id")

    def flush(self) -> None:
        for model in ROW_ORDER:
            for case, values in self.held[model]:
                self.batch.add(model, case, **values)


class _Context:
    """What the maker reads of the batch's other rows (no queries): the child's names,
    consents and screenings, and the case rows (a release changes the custodian)."""

    def __init__(self, batch) -> None:
        self.cases = {row["id"]: row for row in batch.rows.get(Case, [])}
        self.consent: dict[uuid.UUID, dict] = {}
        for row in sorted(batch.rows.get(Consent, []), key=lambda r: r["given_at"]):
            self.consent[row["case_id"]] = row
        self.screenings: dict[uuid.UUID, dict] = {}
        for row in sorted(batch.rows.get(Screening, []), key=lambda r: r["completed_at"]):
            self.screenings.setdefault(row["case_id"], {})[row["kind"]] = row
        self.indexer = current_indexer()
        self.digest_cache: dict[str, set[int]] = {}  # names repeat: index each text once
        self.names: dict[tuple, str] = {}
        mapper = sa.inspect(Case)
        self.column = {name: mapper.attrs[f"{name}_ct"].columns[0].name
                       for name in ("given_names", "family_names")}

    def child_name(self, case, name: str) -> str:
        """The child's names as the case row holds them (SyntheticCase does not carry them)."""
        key = (case.id, name)
        if key not in self.names:
            dek, version = case.key
            self.names[key] = decrypt(
                dek, self.cases[case.id][f"{name}_ct"],
                aad_for(Case.__tablename__, self.column[name], case.id, version)).decode()
        return self.names[key]

    def digests(self, text: str) -> set[int]:
        """The blind-index entries of one name, as services.reindex_member makes them."""
        if text not in self.digest_cache:
            self.digest_cache[text] = set(self.indexer.digests(FAMILY_NAME_INDEX, text))
        return self.digest_cache[text]

    def may_contact_origin(self, case, at: datetime) -> bool:
        """The child's consent in force allows it (then no gate or rule refuses it)."""
        consent = self.consent.get(case.id)
        return bool(consent and consent["may_contact_origin_country"]
                    and not consent["never_share_with_origin"] and consent["given_at"] <= at)

    def screened_by(self, case, kind: ScreeningKind, at: datetime) -> bool:
        row = self.screenings.get(case.id, {}).get(kind)
        return row is not None and row["completed_at"] <= at

    def trafficking_indicated(self, case) -> bool:
        latest = self.screenings.get(case.id, {})
        trafficking = latest.get(ScreeningKind.TRAFFICKING)
        contiguous = latest.get(ScreeningKind.CONTIGUOUS)
        return bool((trafficking and trafficking["outcome"] in TRAFFICKING_INDICATED)
                    or (contiguous and contiguous["trafficking_risk"]))

    def set_custodian(self, case, name: str, location: str) -> None:
        row = self.cases[case.id]
        for attr, value in ((Case.custodian, name), (Case.custodian_location, location)):
            row[attr.ciphertext_attribute] = attr.seal(Case, case.id, case.key, value)


class _Member:
    def __init__(self, id, kinship, country, given, family, wants_contact) -> None:
        self.id, self.kinship, self.country = id, kinship, country
        self.given, self.family, self.wants_contact = given, family, wants_contact

    @property
    def name(self) -> str:
        return f"{self.given} {self.family}"


@synthetic_records(order=50)
def family(batch, rng) -> None:
    rows, context = _Rows(batch), _Context(batch)
    ends: dict[uuid.UUID, datetime] = {}  # a release ends the time siblings are decided in
    for case in batch.cases:
        released = _case_family(case, rng, rows, context, batch.now)
        ends[case.id] = released or case.until(batch.now)
    _siblings(batch, rng, rows, context, ends)
    rows.flush()


def _destination(case, rng) -> tuple[str | None, str | None]:
    """Where the child is heading: ("release" | "abroad" | "verify" | None, country)."""
    origin = case.nationality
    if case.outcome == "reunified_us":
        return "release", "US"
    if case.outcome == "reunified_mx":
        return "release", "MX"
    if case.outcome == "reunified_abroad":
        third = [c for c in THIRD_COUNTRIES if c != origin]
        return "abroad", rng.choices(third, [THIRD_COUNTRIES[c] for c in third])[0]
    if case.outcome == "transferred_us":
        return "verify", "US"
    if case.outcome == "returned":
        return "verify", origin
    if case.outcome is not None:
        return None, None
    if case.country == "US":
        return ("release", "US") if rng.random() < 0.75 else (None, None)
    draw = rng.random()
    return ("release", "MX") if draw < 0.15 else (("verify", "US") if draw < 0.4
                                                   else (None, None))


def _member(case, rng, rows, context, pool, child_family, kinship, country, added, by,
            wants_contact=None, given=None, family_names=None, notes=None) -> _Member:
    sex = ("female" if kinship == "mother" else "male" if kinship == "father"
           else "female" if rng.random() < (0.7 if kinship in FEMALE else 0.5) else "male")
    given = given or pool.draw(rng, sex)[0]
    same = {"mother": 0.7, "father": 0.7, "sibling": 0.85, "grandparent": 0.4,
            "aunt_uncle": 0.4}.get(kinship, 0.1)
    family_names = family_names or (child_family if rng.random() < same
                                    else pool.draw(rng, sex)[1])
    wants = wants_contact or _pick(rng, {"yes": 80, "unsure": 15, "no": 5})
    places = PLACES.get(country)
    member = _Member(uuid.uuid4(), kinship, country, given, family_names, wants)
    rows.add(FamilyMember, case, id=member.id, added_at=added, added_by_id=by,
             updated_at=added, version=1, kinship=kinship, given_names=given,
             family_names=family_names, country=country,
             place=rng.choice(places) if places and rng.random() < 0.8 else None,
             contact=f"{DIALLING[country]} {rng.randint(200, 999)} {rng.randint(1000, 9999)}"
             if country in DIALLING and rng.random() < 0.6 else None,
             wants_contact=wants, notes=notes)
    for digest in context.digests(given) | context.digests(family_names):
        rows.add(FamilyMemberToken, case, member_id=member.id, index_name=FAMILY_NAME_INDEX,
                 digest=digest)
    return member


def _case_family(case, rng, rows, context, now) -> datetime | None:
    """Members, tracing and, on the way to the case's destination, verification, sponsor,
    release or reunification abroad, and follow-ups. Returns the release's time."""
    closed = not case.open
    by = case.staff(Role.CASEWORKER, rng)
    supervisor = case.staff(Role.SUPERVISOR, rng)
    goal, country = _destination(case, rng)
    # The child names relatives on the first day or two; a few name no one at all.
    added = case.moment(rng, case.opened_at, 6, now)
    if added is None and closed:
        added = _between(rng, case.opened_at, case.closed_at, 0.05, 0.2)
    if added is None or (goal is None and rng.random() < 0.05):
        return None
    pool = names.pool_for(case.nationality, case.languages)
    child_family = context.child_name(case, "family_names")
    origin = case.nationality
    members: list[_Member] = []
    target = None
    if goal:
        kinship = _pick(rng, SPONSOR_KINSHIP) if goal == "release" else rng.choice(
            ("mother", "father", "mother", "aunt_uncle", "grandparent"))
        target = _member(case, rng, rows, context, pool, child_family, kinship, country,
                         added, by, wants_contact="yes")
        members.append(target)
    for kinship, share in (("mother", 0.6), ("father", 0.4), ("aunt_uncle", 0.2),
                           ("grandparent", 0.15)):
        if (target is None or target.kinship != kinship) and rng.random() < share:
            members.append(_member(case, rng, rows, context, pool, child_family, kinship,
                                   origin, min(added + timedelta(minutes=rng.randint(1, 90)),
                                               case.until(now)), by))
    # Tracing: the relative the child goes to first, then the others.
    first = _when(case, rng, added, 26, now)
    contact_at = None
    if first is not None:
        contact_at = _tracing(case, rng, rows, context, members, target, first, by, now)
        if rng.random() < 0.8:  # the first entry opened tracing
            rows.batch.sign_off(case, "ftr.trace", first, supervisor, rng)
        if contact_at is None and closed:
            contact_at = first  # reached in person, not by a recorded tracing action
    if target is None or contact_at is None:
        return None
    return _towards(case, rng, rows, context, goal, target, contact_at, by, supervisor, now)


def _when(case, rng, after, hours, now):
    at = case.moment(rng, after, hours, now)
    if at is None and not case.open and after < case.closed_at:
        at = _between(rng, after, case.closed_at, 0.05, 0.3)
    return at


def _tracing(case, rng, rows, context, members, target, first, by, now) -> datetime | None:
    """Tracing entries from `first` on; returns when the target relative was reached."""
    at, reached = first, None
    traced_any = False
    for member in members:
        if at is None:
            break
        in_origin = member.country == case.nationality and member.country != "XX"
        results = [TracingResult.CONTACT_MADE] if member is target else [_pick(rng, OTHER_RESULTS)]
        if member is target and rng.random() < 0.3:
            results.insert(0, rng.choice((TracingResult.PENDING, TracingResult.NO_ANSWER)))
        if member.wants_contact == "no":
            results = [TracingResult.NOT_PURSUED]
        for result in results:
            if at is None:
                break
            channel = _pick(rng, CHANNELS_ORIGIN if in_origin else CHANNELS_ABROAD)
            origin = in_origin or channel in ORIGIN_CHANNELS
            if origin and not context.may_contact_origin(case, at):
                # Contact with the country of origin is not allowed: tracing goes through
                # the Red Cross's family links without reaching that country's authorities,
                # or not at all for a relative living there.
                if in_origin:
                    break
                channel, origin = TracingChannel.RED_CROSS, False
            action_id = None
            if origin:
                action_id = rows.add(ActionRecord, case, action=Action.CONTACT_ORIGIN_COUNTRY.value,
                                     occurred_at=at, recorded_by_id=by,
                                     recorded_at=_later(rng, at, now, 60), outcome=None,
                                     note=None, details=None)
            rows.add(TracingEntry, case, member_id=member.id, occurred_at=at, channel=channel,
                     result=result, in_origin_country=origin, action_id=action_id,
                     confidentiality_confirmed=True, recorded_by_id=by,
                     recorded_at=_later(rng, at, now), details=rng.choice(TRACING_DETAILS))
            traced_any = True
            if member is target and result == TracingResult.CONTACT_MADE:
                reached = at
            at = case.moment(rng, at, 24 * 4, now)
    if not traced_any:
        # Nobody could be traced directly: a Red Cross request with the child's description.
        rows.add(TracingEntry, case, member_id=None, occurred_at=first,
                 channel=TracingChannel.RED_CROSS, result=TracingResult.PENDING,
                 in_origin_country=False, action_id=None, confidentiality_confirmed=True,
                 recorded_by_id=by, recorded_at=_later(rng, first, now),
                 details=TRACING_DETAILS[2])
    return reached


def _towards(case, rng, rows, context, goal, target, contact_at, by, supervisor, now,
             ) -> datetime | None:
    """Verification, then the sponsor and its checks, then the release (or the
    reunification abroad), then the follow-ups. A closed case went all the way, before
    its closing; an open one as far as its time allows."""
    closed = not case.open
    end = case.closed_at
    if goal == "abroad":
        explained = _bid_explained(case)
        if explained is None or explained >= end:
            return None
        final = _between(rng, explained, end, 0.1, 0.5)
    elif closed and goal == "release":
        final = _between(rng, contact_at, end, 0.5, 0.8)
    else:
        final = end if closed else None
    # Verification.
    if final is not None:
        verified = _between(rng, contact_at, final, 0.05, 0.35)
    else:
        verified = case.moment(rng, contact_at, 24 * 10, now)
    if verified is None:
        return None
    outcome = VerificationOutcome.VERIFIED
    child_wish = family_wish = Wish.WANTS
    if not closed and rng.random() < 0.1:
        outcome = rng.choice((VerificationOutcome.INCONCLUSIVE, VerificationOutcome.VERIFIED))
        child_wish = rng.choice((Wish.UNSURE, Wish.WANTS))
    documents = rng.random() < 0.75
    rows.add(Verification, case, member_id=target.id, verified_at=verified,
             documents_seen=documents, child_interviewed=True,
             family_interviewed=not documents or rng.random() < 0.7, child_wish=child_wish,
             family_wish=family_wish, outcome=outcome, recorded_by_id=by,
             recorded_at=_later(rng, verified, now),
             documents=rng.choice(DOCUMENTS) if documents else None,
             notes="Interviewed by video call with the interpreter."
             if case.interpreter_needed else None)
    passes = outcome == VerificationOutcome.VERIFIED and child_wish == Wish.WANTS
    if passes and rng.random() < 0.8:
        rows.batch.sign_off(case, "ftr.verify", verified, supervisor, rng)
    if not passes or goal == "verify":
        return None
    if goal == "abroad":
        return _reunify_abroad(case, rng, rows, target, final, by, supervisor, now)
    # The sponsor assessment and its checks.
    assessed = (_between(rng, verified, final, 0.05, 0.3) if final
                else case.moment(rng, verified, 24 * 4, now))
    if assessed is None:
        return None
    category = CATEGORY[target.kinship]
    if category == SponsorCategory.IMMEDIATE_RELATIVE and rng.random() < 0.3 \
            and target.kinship != "cousin":
        category = SponsorCategory.PREVIOUS_CAREGIVER
    related = target.kinship not in UNRELATED_KINSHIPS
    values = dict(
        member_id=target.id, assessed_at=assessed, category=category, sponsor_related=related,
        children_sponsored=rng.choices((1, 2, 3), weights=(85, 12, 3))[0],
        sponsored_before=rng.random() < 0.05,
        child_trafficking_victim=context.trafficking_indicated(case) and rng.random() < 0.5,
        child_abuse_victim=rng.random() < 0.05, child_disability=rng.random() < 0.03,
        child_under_12=under_12(_age_on(case, assessed.date())), recorded_by_id=by,
        recorded_at=_later(rng, assessed, now), household=rng.choice(HOUSEHOLDS), notes=None)
    rows.add(SponsorAssessment, case, **values)
    needed = list(ALWAYS_REQUIRED_CHECKS)
    if home_study_triggers(SimpleNamespace(**values),
                           trafficking_screened=context.trafficking_indicated(case)):
        needed.append(CheckKind.HOME_STUDY)
    at, done = assessed, [assessed, verified]
    for kind in needed:
        if final:
            at = _between(rng, at, final, 0.1, 0.5)
        else:
            at = case.moment(rng, at, 24 * (12 if kind == CheckKind.HOME_STUDY else 4), now)
        if at is None:
            return None
        passed = closed or rng.random() > 0.03
        rows.add(SponsorCheck, case, member_id=target.id, kind=kind, completed_at=at,
                 passed=passed, recorded_by_id=by, recorded_at=_later(rng, at, now),
                 details=None if passed else "Concerns found; the case is reviewed again.")
        if not passed:
            return None
        done.append(at)
    if rng.random() < 0.8:
        rows.batch.sign_off(case, "ftr.sponsor", max(done), supervisor, rng)
    # The release to the sponsor.
    released = final or case.moment(rng, max(done), 24 * 5, now)
    if released is None:
        return None
    if not context.screened_by(case, ScreeningKind.TRAFFICKING, released):
        # The soft gate: a supervisor let the release pass without the screening.
        rows.add(GateOverride, case, action=Action.RELEASE_TO_SPONSOR.value,
                 key="screen.trafficking", by_id=supervisor,
                 at=max(released - timedelta(hours=rng.uniform(1, 48)), max(done)),
                 reason=OVERRIDE_REASON)
    address = (f"{rng.randint(10, 9999)} {rng.choice(ADDRESS_STREETS)}, "
               f"{rng.choice(PLACES[target.country])}")
    action_id = rows.add(ActionRecord, case, action=Action.RELEASE_TO_SPONSOR.value,
                         occurred_at=released, recorded_by_id=by,
                         recorded_at=_later(rng, released, now, 60), outcome=None, note=None,
                         details=None)
    rows.add(Release, case, action_id=action_id, member_id=target.id, released_at=released,
             address_changed_on=released.date(), recorded_by_id=by,
             recorded_at=_later(rng, released, now), address=address)
    context.set_custodian(case, target.name, address)
    case.facts["released_at"] = released
    _follow_ups(case, rng, rows, released, by, supervisor, now)
    return released


def _bid_explained(case) -> datetime | None:
    """When the approved BID (best_interests' maker, order 40) was explained to the
    child: the reunification abroad it recommends comes after."""
    return case.facts.get("bid_explained_at")


def _reunify_abroad(case, rng, rows, target, at, by, supervisor, now) -> datetime:
    rows.add(ActionRecord, case, action=Action.REUNIFY_ABROAD.value, occurred_at=at,
             recorded_by_id=by, recorded_at=_later(rng, at, now, 60), outcome=None,
             note=None, details={"country": target.country, "received_by": target.name,
                                 "relationship": RELATIONSHIP.get(target.kinship, target.kinship),
                                 "escort": names.staff_name(rng)})
    case.facts["released_at"] = at
    _follow_ups(case, rng, rows, at, by, supervisor, now)
    return at


def _follow_ups(case, rng, rows, released, by, supervisor, now) -> None:
    """The 30-day safety and well-being call (some late, a few missed at first), and now
    and then another contact; a closed case had its call before closing."""
    at = case.moment(rng, released, 24 * 22, now)
    if at is None and not case.open:
        at = _between(rng, released, case.closed_at, 0.3, 0.95)
    while at is not None:
        reached = not case.open or rng.random() < 0.9
        concerns = reached and rng.random() < 0.06
        rows.add(FollowUp, case, contacted_at=at, kind=FollowUpKind.SAFETY_CALL,
                 reached=reached,
                 school=_pick(rng, {SchoolStatus.ENROLLED: 55, SchoolStatus.IN_PROGRESS: 25,
                                    SchoolStatus.NOT_ENROLLED: 8,
                                    SchoolStatus.NOT_APPLICABLE: 4, SchoolStatus.UNKNOWN: 8}
                              ) if reached else SchoolStatus.UNKNOWN,
                 concerns=concerns, recorded_by_id=by, recorded_at=_later(rng, at, now),
                 concern_details=CONCERNS[0] if concerns else None,
                 notes=rng.choice(FOLLOW_UP_NOTES) if reached else "No answer; tried twice.")
        if reached:
            if rng.random() < 0.8:
                rows.batch.sign_off(case, "ftr.followup", at, supervisor, rng)
            break
        at = case.moment(rng, at, 24 * 3, now)


def _siblings(batch, rng, rows, context, ends) -> None:
    """Children met together (same office and nationality, a family name in common,
    encountered within days) are linked as siblings: each case names the other child
    as a sibling and records whether they stay together, before any release."""
    groups: dict[tuple, list] = {}
    for case in batch.cases:
        for surname in dict.fromkeys(context.child_name(case, "family_names").split()):
            groups.setdefault((case.office_id, case.nationality, surname), []).append(case)
    now, linked_cases = batch.now, set()
    for group in groups.values():
        group.sort(key=lambda c: c.encountered_at)
        for a, b in itertools.pairwise(group):
            if ({a.id, b.id} & linked_cases or b.encountered_at - a.encountered_at > 3 * DAY
                    or rng.random() > 0.5):
                continue
            start = max(a.opened_at, b.opened_at)
            end = min(ends[a.id], ends[b.id])
            if end - start < 2 * HOUR:
                continue
            linked_cases |= {a.id, b.id}
            linked = start + min(timedelta(hours=rng.expovariate(1 / 48)), (end - start) / 3)
            linked = linked.replace(microsecond=0)
            first, second = (a, b) if a.id.int < b.id.int else (b, a)
            rows.add(SiblingLink, None, case_id=first.id, sibling_case_id=second.id,
                     linked_at=linked, linked_by_id=a.staff(Role.CASEWORKER, rng))
            for case, other in ((a, b), (b, a)):
                _sibling_member(case, other, rng, rows, context, linked)
                _sibling_decision(case, other, rng, rows, linked, ends[case.id], now)


def _sibling_member(case, other, rng, rows, context, linked) -> None:
    by = case.staff(Role.CASEWORKER, rng)
    pool = names.pool_for(case.nationality, case.languages)
    _member(case, rng, rows, context, pool, None, "sibling", case.country,
            min(linked, case.opened_at + HOUR), by, wants_contact="yes",
            given=context.child_name(other, "given_names"),
            family_names=context.child_name(other, "family_names"),
            notes="Met together on the journey; also in care.")


def _sibling_decision(case, other, rng, rows, linked, end, now) -> None:
    at = case.moment(rng, linked, 24 * 3, now)
    if at is None or at >= end:
        if case.open and end == case.until(now):
            return  # not decided yet
        at = _between(rng, linked, end, 0.2, 0.9)
    together = (case.outcome == other.outcome or case.open or other.open) and rng.random() < 0.9
    rows.add(SiblingDecision, case, decided_at=at, together=together,
             recorded_by_id=case.staff(Role.CASEWORKER, rng),
             recorded_at=min(at + timedelta(minutes=rng.randint(5, 120)), end, now),
             justification=None if together else rng.choice(JUSTIFICATIONS))
    if rng.random() < 0.8:
        rows.batch.sign_off(case, "ftr.siblings", at, case.staff(Role.SUPERVISOR, rng), rng)
