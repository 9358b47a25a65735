"""The generator behind `flask casework seed-synthetic`: offices, staff and cases.

Realistic mixes, roughly as the programmes publish them: two thirds of the children
are met in the US, a third in Mexico; most are 15 to 17, most are boys; Guatemala,
Honduras and El Salvador first, and about half of the Guatemalan children speak a
Maya language first. Cases are spread over the time a national programme takes to
see that many children (about 130,000 a year), so old cases are mostly closed.

Speed: rows are built as dictionaries and inserted in bulk (`database.bulk_insert`:
executemany on SQLite, COPY on PostgreSQL), a batch per transaction; each case's data
key is made and wrapped once, and every field is sealed with it directly (the same
AES-GCM and associated data as an assignment through the model). The checkpoint rows
are the engine's own (`engine.changes_for` reads the batch's facts back, a query per
fact source). Synthetic data is not anyone's activity: the run writes one audit
event, `synthetic.seed`, with the counts, not one per record.
"""

from __future__ import annotations

import multiprocessing
import random
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace

import sqlalchemy as sa
from flask import current_app

from casework import modules
from casework.accounts import timezones
from casework.accounts.models import Office, User, supervised_office
from casework.accounts.passwords import hash_password
from casework.accounts.roles import Country, Role
from casework.audit.services import record
from casework.cases.choices import CaseStatus, EncounterType, Separation
from casework.cases.models import Case, CaseSearchToken, CaseTeamMember
from casework.cases.services import (
    case_number,
    case_number_prefix,
    missing_intake_evidence,
    reserve_case_numbers,
    search_entries,
)
from casework.crypto.envelope import new_data_key, wrap_data_key
from casework.crypto.runtime import current_indexer, current_keyring
from casework.database import bulk_insert
from casework.extensions import db
from casework.models import utcnow
from casework.synthetic import RECORD_MAKERS, SyntheticBatch, SyntheticCase, names
from casework.workflow import engine
from casework.workflow.registry import in_batch

CASES_PER_YEAR = 130_000
STAFF_DOMAIN = "synthetic.casework.test"
STAFF_PER_OFFICE = {Role.CASEWORKER: 6, Role.PARALEGAL: 3, Role.ATTORNEY: 3,
                    Role.SUPERVISOR: 2}


@dataclass(frozen=True)
class OfficeProfile:
    code: str
    name: str
    country: str
    weight: float  # share of the children met
    places: tuple[str, ...]  # where children are met
    custodians: tuple[str, ...]


OFFICES = (
    OfficeProfile("MX-TAP", "Tapachula", "MX", 12, ("Ciudad Hidalgo", "Puente Rodolfo Robles",
                  "Tapachula centro"), ("DIF Chiapas", "Albergue Casa del Migrante")),
    OfficeProfile("MX-TIJ", "Tijuana", "MX", 8, ("Garita El Chaparral", "Playas de Tijuana"),
                  ("DIF Tijuana", "Casa YMCA de Menores Migrantes")),
    OfficeProfile("MX-CJS", "Ciudad Juárez", "MX", 6, ("Puente Paso del Norte",
                  "Anapra"), ("DIF Chihuahua", "Albergue Nohemí Álvarez Quillay")),
    OfficeProfile("MX-CMX", "Ciudad de México", "MX", 5, ("Central de Autobuses del Norte",
                  "Aeropuerto AICM"), ("DIF Ciudad de México",)),
    OfficeProfile("MX-MTY", "Monterrey", "MX", 4, ("Terminal de autobuses",
                  "Estación Monterrey"), ("DIF Nuevo León",)),
    OfficeProfile("US-HOU", "Houston", "US", 12, ("Rio Grande City", "Hidalgo", "Roma"),
                  ("ORR shelter, Houston", "ORR shelter, Baytown")),
    OfficeProfile("US-ELP", "El Paso", "US", 10, ("Paso del Norte port", "Santa Teresa",
                  "Tornillo"), ("ORR shelter, El Paso",)),
    OfficeProfile("US-LAX", "Los Angeles", "US", 10, ("Otay Mesa", "Calexico"),
                  ("ORR shelter, Los Angeles", "ORR foster care, Pasadena")),
    OfficeProfile("US-SAN", "San Diego", "US", 9, ("San Ysidro", "Otay Mesa", "Campo"),
                  ("ORR shelter, San Diego",)),
    OfficeProfile("US-NYC", "New York", "US", 8, ("JFK airport", "Interior, Queens"),
                  ("ORR shelter, Bronx", "ORR foster care, Brooklyn")),
    OfficeProfile("US-MIA", "Miami", "US", 7, ("Miami airport", "Interior, Homestead"),
                  ("ORR shelter, Homestead",)),
    OfficeProfile("US-PHX", "Phoenix", "US", 5, ("Nogales", "San Luis", "Lukeville"),
                  ("ORR shelter, Phoenix",)),
    OfficeProfile("US-CHI", "Chicago", "US", 4, ("O'Hare airport", "Interior, Chicago"),
                  ("ORR shelter, Chicago",)),
)

# Nationality shares among children met in each country.
NATIONALITY_MIX = {
    "US": {"GT": 45, "HN": 25, "SV": 10, "MX": 6, "EC": 4, "NI": 2, "VE": 2, "CO": 1.5,
           "HT": 1, "CU": 0.5, "PE": 0.5, "BR": 0.5, "CN": 0.5, "IN": 0.5, "AF": 0.2,
           "CA": 0.05, "XX": 0.25},
    "MX": {"HN": 30, "GT": 25, "SV": 10, "VE": 10, "HT": 8, "EC": 5, "MX": 5, "CU": 3,
           "NI": 3, "CO": 1, "BR": 0.5, "PE": 0.5, "CN": 0.2, "IN": 0.2, "AF": 0.3, "XX": 0.3},
}
# How closed cases end, by the country of the office (workflow.forms.CLOSURE_OUTCOMES).
OUTCOMES = {
    "US": {"reunified_us": 70, "aged_out": 8, "handed_over": 10, "returned": 4,
           "local_integration": 3, "whereabouts_unknown": 5},
    "MX": {"reunified_mx": 20, "transferred_us": 25, "returned": 25, "local_integration": 15,
           "reunified_abroad": 5, "handed_over": 5, "whereabouts_unknown": 5},
}
AGE_MIX = {2: 1, 4: 1, 6: 1.5, 8: 2, 10: 3, 11: 3, 12: 3.5, 13: 6, 14: 9, 15: 19, 16: 25,
           17: 27}
MAYAN_FIRST_LANGUAGE = {"quc": 30, "mam": 25, "kjb": 15, "kek": 12, "cak": 8, "knj": 4,
                        "cac": 3, "ixl": 3}
OTHER_LANGUAGES = {"HT": ["ht"], "BR": ["pt"], "CN": ["Mandarin"], "IN": ["Punjabi", "Hindi"],
                   "AF": ["Dari", "Pashto"], "CA": ["en"]}
AGE_METHODS_WITHOUT_PAPERS = ("interview", "medical", "self_declared", "family")
NOTES = (
    "Travelled with a cousin as far as the border; the cousin was not allowed in.",
    "Says an aunt lives in the receiving city; no telephone number yet.",
    "Arrived tired and hungry; seen by the nurse the same day.",
    "Asks to call the mother; the call was made from the shelter.",
    "Was separated from an older brother on the journey.",
    "Has a birth certificate photo on a phone; copy requested.",
    "Wants to go to school; enrolled in classes at the shelter.",
)


@dataclass
class Staff:
    """The synthetic staff of each office, by role."""

    by_office: dict[uuid.UUID, dict[Role, list[uuid.UUID]]] = field(default_factory=dict)
    offices: dict[str, uuid.UUID] = field(default_factory=dict)  # office id by code


@dataclass
class SeedResult:
    cases: int
    rows: dict[str, int]
    seconds: float  # wall time
    phases: dict[str, float]  # CPU seconds per phase, summed over the workers


def staff_email(office_code: str, role: Role, n: int) -> str:
    """The address of a synthetic member of staff: caseworker1.us-hou@synthetic..."""
    return f"{role.value}{n}.{office_code.lower()}@{STAFF_DOMAIN}"


def ensure_staff(password: str, rng: random.Random) -> Staff:
    """The synthetic offices and their staff, made once; all share one password hash."""
    staff = Staff()
    existing = {o.code: o for o in db.session.scalars(
        sa.select(Office).where(Office.code.in_([p.code for p in OFFICES])))}
    password_hash = None
    for profile in OFFICES:
        office = existing.get(profile.code)
        if office is None:
            office = Office(id=uuid.uuid4(), code=profile.code, name=profile.name,
                            country=Country(profile.country),
                            timezone=timezones.default_zone(profile.country))
            db.session.add(office)
        staff.offices[profile.code] = office.id
    db.session.flush()
    users = {u.email: u for u in db.session.scalars(
        sa.select(User).where(User.email.like(f"%@{STAFF_DOMAIN}")))}
    for profile in OFFICES:
        office_id = staff.offices[profile.code]
        roster: dict[Role, list[uuid.UUID]] = {}
        for role, count in STAFF_PER_OFFICE.items():
            for n in range(1, count + 1):
                email = staff_email(profile.code, role, n)
                user = users.get(email)
                if user is None:
                    password_hash = password_hash or hash_password(password)
                    user = User(id=uuid.uuid4(), email=email, name=names.staff_name(rng),
                                role=role, office_id=office_id, password_hash=password_hash)
                    db.session.add(user)
                    if role == Role.SUPERVISOR:
                        db.session.flush()
                        db.session.execute(sa.insert(supervised_office).values(
                            user_id=user.id, office_id=office_id))
                roster.setdefault(role, []).append(user.id)
        staff.by_office[office_id] = roster
    db.session.flush()
    return staff


def _draw(rng: random.Random, mix: dict):
    keys = list(mix)
    return rng.choices(keys, weights=list(mix.values()))[0]


class CaseMaker:
    """Makes one case at a time: its row, its blind-index rows and its team."""

    def __init__(self, rng: random.Random, staff: Staff, now: datetime, total: int) -> None:
        self.rng = rng
        self.staff = staff
        self.now = now
        # The time a national programme takes to meet this many children, 60 days at least.
        self.span = timedelta(days=max(60.0, 365.0 * total / CASES_PER_YEAR))
        self.profiles = list(OFFICES)
        self.office_weights = [p.weight for p in OFFICES]
        self.keyring = current_keyring()
        self.indexer = current_indexer()
        self.age_keys, self.age_weights = list(AGE_MIX), list(AGE_MIX.values())

    def languages(self, nationality: str) -> list[str]:
        rng = self.rng
        if nationality == "GT" and rng.random() < 0.45:
            first = _draw(rng, MAYAN_FIRST_LANGUAGE)
            return [first, "es"] if rng.random() < 0.7 else [first]
        if nationality in OTHER_LANGUAGES:
            first = rng.choice(OTHER_LANGUAGES[nationality])
            return [first, "es"] if rng.random() < 0.3 else [first]
        if nationality == "HN" and rng.random() < 0.03:
            return ["cab", "es"]
        return ["es", "en"] if rng.random() < 0.05 else ["es"]

    def make(self, batch: SyntheticBatch) -> SyntheticCase:
        rng, now = self.rng, self.now
        profile = rng.choices(self.profiles, weights=self.office_weights)[0]
        office_id = self.staff.offices[profile.code]
        roster = self.staff.by_office[office_id]
        country = profile.country
        nationality = _draw(rng, NATIONALITY_MIX[country])
        # Recent years see more children than older ones: a mild skew towards now.
        encountered = now - self.span * (rng.random() ** 1.15)
        encountered = encountered.replace(microsecond=0)
        opened = encountered + timedelta(hours=rng.uniform(1, 20 if country == "MX" else 60))
        opened = min(opened, now - timedelta(minutes=5)).replace(microsecond=0)
        duration = timedelta(days=rng.expovariate(1 / 150))
        closed = (opened + duration).replace(microsecond=0) if opened + duration < now else None
        outcome = _draw(rng, OUTCOMES[country]) if closed else None

        age = rng.choices(self.age_keys, weights=self.age_weights)[0]
        age = min(17, age + (rng.random() < 0.5 and age < 12))
        birth = None
        if rng.random() < 0.75:
            birth = encountered.date() - timedelta(days=365 * age + rng.randint(1, 364))
        sex = rng.choices(("male", "female", "other", None), weights=(62, 36.5, 0.5, 1))[0]
        languages = self.languages(nationality)
        pool = names.pool_for(nationality, languages)
        given, family = pool.draw(rng, sex)
        aliases = [pool.draw(rng, sex)[0] + " " + family.split(" ")[0]] \
            if rng.random() < 0.08 else []

        caseworker = rng.choice(roster[Role.CASEWORKER])
        team = {Role.CASEWORKER: caseworker}
        if rng.random() < (0.7 if country == "US" else 0.4):
            team[Role.ATTORNEY] = rng.choice(roster[Role.ATTORNEY])
        if rng.random() < 0.5:
            team[Role.PARALEGAL] = rng.choice(roster[Role.PARALEGAL])
        dek = new_data_key()
        kek_id, wrapped = wrap_data_key(self.keyring, dek)
        case = SyntheticCase(
            id=uuid.uuid4(), number="",  # numbered with the batch (number_cases)
            office_id=office_id, office_code=profile.code, country=country,
            nationality=nationality, encountered_at=encountered, opened_at=opened,
            closed_at=closed, birth_date=birth, age=age, sex=sex, languages=languages,
            interpreter_needed=languages[0] not in ("es", "en"), key=(dek, 1), team=team,
            supervisor_id=rng.choice(roster[Role.SUPERVISOR]), office_staff=roster,
            outcome=outcome,
        )
        plain = dict(
            given_names=given, family_names=family, aliases=aliases or None,
            birth_date_iso=birth.isoformat() if birth else None,
            age_estimate=None if birth else age,
            age_method=("documents" if birth else rng.choice(AGE_METHODS_WITHOUT_PAPERS))
            if rng.random() < 0.97 else None,
            sex=sex, languages=languages,
            encounter_place=rng.choice(profile.places),
            custodian=rng.choice(profile.custodians),
            custodian_location=profile.name if rng.random() < 0.96 else None,
            a_number=f"{rng.randint(200_000_000, 249_999_999)}"
            if country == "US" and rng.random() < 0.85 else None,
            other_ids=f"Pasaporte {nationality}{rng.randint(1_000_000, 9_999_999)}"
            if rng.random() < 0.2 else None,
            notes=rng.choice(NOTES) if rng.random() < 0.3 else None,
        )
        complete = not missing_intake_evidence(SimpleNamespace(nationality=nationality,
                                                               **plain))
        encounter_type = EncounterType.IN_MEXICO if country == "MX" else rng.choices(
            (EncounterType.BETWEEN_PORTS, EncounterType.PORT_OF_ENTRY, EncounterType.INTERIOR),
            weights=(70, 20, 10))[0]
        batch.add(
            Case, case, id=case.id, number=case.number, office_id=office_id,
            status=CaseStatus.CLOSED if closed else CaseStatus.OPEN, opened_at=opened,
            closed_at=closed, encountered_at=encountered, encounter_type=encounter_type,
            nationality=nationality,
            separation=Separation.SEPARATED if rng.random() < 0.15 else Separation.UNACCOMPANIED,
            interpreter_needed=case.interpreter_needed, created_by_id=caseworker,
            intake_completed_at=opened if complete else None,
            intake_completed_by_id=caseworker if complete else None,
            wrapped_key=wrapped, kek_id=kek_id, key_version=1, created_at=opened,
            updated_at=opened, version=1, **plain,
        )
        for index_name, digest in search_entries(
                self.indexer, given_names=given, family_names=family, aliases=aliases,
                birth_date_iso=plain["birth_date_iso"], a_number=plain["a_number"]):
            batch.add(CaseSearchToken, case, index_name=index_name, digest=digest,
                      key_id=self.indexer.key_id)
        for member in team.values():
            batch.add(CaseTeamMember, case, user_id=member, added_at=opened,
                      added_by_id=caseworker)
        return case


def insert_rows(batch: SyntheticBatch) -> dict[str, int]:
    """Every row of the batch, a statement per model and set of keys, parents first."""
    counts: dict[str, int] = {}
    for model, rows in batch.rows.items():
        by_keys: dict[tuple, list[dict]] = {}
        for row in rows:
            by_keys.setdefault(tuple(row), []).append(row)
        for group in by_keys.values():
            bulk_insert(model.__table__, group, _attribute_columns(model))
        counts[model.__tablename__] = len(rows)
    return counts


_ATTR_COLUMNS: dict[type, dict[str, str]] = {}


def _attribute_columns(model: type) -> dict[str, str]:
    """Column keys by attribute name, where they differ (`given_names_ct`...)."""
    if model not in _ATTR_COLUMNS:
        mapper = sa.inspect(model)
        _ATTR_COLUMNS[model] = {prop.key: prop.columns[0].key
                                for prop in mapper.column_attrs if prop.key != prop.columns[0].key}
    return _ATTR_COLUMNS[model]


def number_cases(batch: SyntheticBatch) -> None:
    """Give the batch's cases their numbers, taken from the same sequences as a
    registration's, so later registrations carry on after them.

    The numbers are taken on a connection of their own and committed at once: a worker
    holding a sequence's row lock until its whole batch commits would make every other
    worker wait for it. Prefixes in order, so two workers never lock in opposite orders.
    """
    by_prefix: dict[str, list[tuple[SyntheticCase, dict]]] = {}
    for case, row in zip(batch.cases, batch.rows[Case], strict=True):
        prefix = case_number_prefix(case.country, case.opened_at.year)
        by_prefix.setdefault(prefix, []).append((case, row))
    with db.engine.begin() as connection:
        for prefix, cases in sorted(by_prefix.items()):
            last = reserve_case_numbers(prefix, len(cases), connection)
            for n, (case, row) in enumerate(cases, start=last - len(cases) + 1):
                case.number = row["number"] = case_number(prefix, n)


@dataclass(frozen=True)
class Plan:
    """What every batch of a run shares (sent to worker processes as it is)."""

    seed: int
    now: datetime
    total: int
    staff: Staff
    # Commit a batch's records before computing its checkpoint rows, which then go in a
    # transaction of their own: SQLite's one writer is then not held while a batch's
    # facts are read and evaluated, and other workers write meanwhile. A run stopped
    # between the two leaves that batch's cases without checkpoint rows until
    # `flask casework checkpoints rebuild`.
    split: bool = False


# SQLite's page cache for the run's connections (its default is 2 MB): the indexes on
# random UUIDs that every batch inserts into soon outgrow it.
SQLITE_CACHE_KIB = 256 * 1024

PHASES = ("generate", "insert", "checkpoints", "commit")


def make_batch(plan: Plan, index: int, size: int) -> tuple[dict[str, int], dict[str, float]]:
    """Make, insert, check and commit batch number `index` of the run: its rows per
    table and the CPU seconds of each phase.

    Each batch draws from a generator of its own, seeded with the run's seed and the
    batch's index, so a seed gives the same children however many workers share the
    batches (only the order of their numbers may differ).
    """
    rng = random.Random(f"{plan.seed}-{index}")  # noqa: S311  (made-up data, not secrets)
    if db.engine.dialect.name == "sqlite":
        db.session.connection().exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    maker = CaseMaker(rng, plan.staff, plan.now, plan.total)
    t0 = time.process_time()
    batch = SyntheticBatch([], plan.now)
    for _ in range(size):
        batch.cases.append(maker.make(batch))
    for record_maker in RECORD_MAKERS:
        record_maker.make(batch, rng)
    number_cases(batch)
    t1 = time.process_time()
    counts = insert_rows(batch)
    if plan.split:
        db.session.commit()
    t2 = time.process_time()
    cases = db.session.scalars(
        sa.select(Case).where(in_batch(Case.id, [c.id for c in batch.cases]))).all()
    changes = engine.changes_for(cases, now=plan.now)
    if plan.split:
        db.session.commit()  # a write after a read in one SQLite transaction may be refused
    engine.store(changes)
    t3 = time.process_time()
    db.session.commit()
    db.session.expunge_all()
    t4 = time.process_time()
    return counts, dict(zip(PHASES, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True))


class PlannerStatistics:
    """ANALYZE on PostgreSQL each time the run has doubled the cases it made.

    A batch reads its facts back by case id (`= ANY(ids)`). Without statistics for
    tables that grew from nothing, PostgreSQL chose a sequential scan of every
    checkpoint row for that, so each batch read everything the earlier ones wrote: at
    160,000 cases, 130 cases/s instead of 380. Autovacuum would gather them on a live
    database, but may be off or behind during a bulk load; a doubling schedule costs
    about twenty ANALYZEs for a million cases. SQLite keeps using its indexes without.
    """

    def __init__(self, first: int) -> None:
        self.made = 0
        self.next_at = first

    def grew(self, cases: int) -> None:
        self.made += cases
        if self.made >= self.next_at and db.engine.dialect.name == "postgresql":
            db.session.connection().exec_driver_sql("ANALYZE")
            db.session.commit()
            self.next_at = self.made * 2


def seed(count: int, *, seed: int = 2026, batch_size: int = 1000, password: str,
         progress: Callable[[int], None] | None = None, workers: int = 1) -> SeedResult:
    """Make `count` synthetic cases and their records; commits every batch.

    With `workers` > 1 the batches are shared among that many processes (each with its
    own database connection): on PostgreSQL a batch's Python work and another's
    database work then run on different cores; SQLite still writes one batch at a time.
    """
    modules.load("synthetic")
    started = time.perf_counter()
    now = utcnow().replace(microsecond=0)
    # Staff names from a generator of their own: the children's draws do not depend on
    # whether this run had to make the staff.
    staff = ensure_staff(password, random.Random(f"staff-{seed}"))  # noqa: S311
    db.session.commit()
    plan = Plan(seed, now, count, staff,
                split=workers > 1 and db.engine.dialect.name == "sqlite")
    sizes = [min(batch_size, count - start) for start in range(0, count, batch_size)]
    totals: dict[str, int] = {}
    phases = dict.fromkeys(PHASES, 0.0)
    statistics = PlannerStatistics(batch_size)

    def collect(size: int, counts: dict[str, int], spent: dict[str, float]) -> None:
        for table, n in counts.items():
            totals[table] = totals.get(table, 0) + n
        for name, seconds in spent.items():
            phases[name] += seconds
        statistics.grew(size)
        if progress:
            progress(size)

    if workers <= 1:
        for index, size in enumerate(sizes):
            collect(size, *make_batch(plan, index, size))
    else:
        context = multiprocessing.get_context("spawn")  # no inherited connections
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                                 initargs=_worker_app_settings()) as pool:
            running = {pool.submit(make_batch, plan, index, size): size
                       for index, size in enumerate(sizes)}
            for done in as_completed(running):
                collect(running[done], *done.result())
    record("synthetic.seed", details={"cases": count, "seed": seed,
                                      "rows": sum(totals.values())})
    db.session.commit()
    return SeedResult(count, totals, time.perf_counter() - started, phases)


def _worker_app_settings() -> tuple[str, dict]:
    """The configuration name and the settings a worker's app must share with this one."""
    config = current_app.config
    return config["NAME"], {name: config[name] for name in (
        "SQLALCHEMY_DATABASE_URI", "CASEWORK_KEYRING", "SECRET_KEY", "INSTANCE_PATH")}


def _start_worker(config_name: str, overrides: dict) -> None:
    """A worker process: its own app, kept in context for the batches it is given."""
    from casework import create_app

    app = create_app(config_name, overrides)
    app.app_context().push()
    if db.engine.dialect.name == "sqlite":
        # SQLite writes one batch at a time: wait for the other workers' batches
        # (seconds each) rather than give up after the app's usual ten seconds.
        sa.event.listen(db.engine, "connect", lambda connection, _record: connection.execute(
            "PRAGMA busy_timeout=600000"))
    modules.load("synthetic")
