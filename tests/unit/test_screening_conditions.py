"""The consent, custody and screening conditions, read from real records through the
fact sources, and the checkpoint rows the engine stores after each service call."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from casework.accounts.roles import Role
from casework.audit.models import AuditEvent
from casework.extensions import db
from casework.models import utcnow
from casework.workflow import engine
from casework.workflow.engine import Status
from casework.workflow.models import CaseCheckpoint, State
from casework.workflow.registry import CONDITIONS, FACT_SOURCES, FactBatch, Facts, Met


def check(name: str, case):
    """A condition as the engine calls it: with the case's records loaded in one batch."""
    return CONDITIONS[name](Facts(case=case, now=utcnow(), _batch=FactBatch([case.id])))


def row(case, key: str) -> CaseCheckpoint:
    return db.session.scalars(sa.select(CaseCheckpoint).where(
        CaseCheckpoint.case_id == case.id, CaseCheckpoint.key == key)).one()


def us_contiguous_case(world, make):
    """A Mexican child in a US office: every screening applies."""
    return make.case(world("US", Role.PARALEGAL), nationality="MX",
                     encounter_type="port_of_entry")


# --- "met" conditions: none, met by whom and when, latest wins -------------------------

KINDS = ("safety", "trafficking", "contiguous", "protection")


def _consent_at(make, case, actor, at):
    return make.consent(case, actor, given_at=at)


def _screening_at(kind):
    def record(make, case, actor, at):
        return make.screening(case, actor, kind, completed_at=at)
    return record


# condition name -> how to record its evidence at a given time
RECORDERS = {"consent.recorded": _consent_at,
             **{f"screening.{kind}_done": _screening_at(kind) for kind in KINDS}}


@pytest.mark.parametrize("name", sorted(RECORDERS))
def test_no_record_is_not_met(world, make, name):
    assert check(name, us_contiguous_case(world, make)) is None


@pytest.mark.parametrize("name", sorted(RECORDERS))
def test_a_record_is_met_when_and_by_whom_it_says(world, make, name):
    case = us_contiguous_case(world, make)
    actor = world("US", Role.ATTORNEY)
    at = make.recent(hours=3)
    RECORDERS[name](make, case, actor, at)
    assert check(name, case) == Met(at, actor.id)


@pytest.mark.parametrize("name", sorted(RECORDERS))
def test_the_latest_record_wins_whatever_the_order_of_entry(world, make, name):
    case = us_contiguous_case(world, make)
    first, second = world("US", Role.PARALEGAL), world("US", Role.ATTORNEY)
    later, earlier = make.recent(hours=1), make.recent(hours=5)
    RECORDERS[name](make, case, first, later)
    RECORDERS[name](make, case, second, earlier)  # entered afterwards, happened before
    assert check(name, case) == Met(later, first.id)


@pytest.mark.parametrize("kind", KINDS)
def test_a_screening_of_one_kind_meets_only_its_own_checkpoint(world, make, kind):
    case = us_contiguous_case(world, make)
    make.screening(case, world("US", Role.PARALEGAL), kind)
    met = {name for name in RECORDERS if name.startswith("screening.")
           and check(name, case) is not None}
    assert met == {f"screening.{kind}_done"}


# --- custody: the variant of the office's country ---------------------------------------

US_STEPS = ["uac_determination", "hhs_notified", "orr_transfer"]
MX_STEPS = ["procuraduria_notified", "dif_handover", "not_in_immigration_station"]


@pytest.mark.parametrize(("country", "steps", "met"), [
    ("US", US_STEPS, True),
    ("US", US_STEPS[:2], False),
    ("US", US_STEPS[1:], False),
    ("MX", MX_STEPS, True),
    ("MX", MX_STEPS[:2], False),
    ("MX", MX_STEPS[::2], False),
])
def test_custody_is_complete_with_all_three_steps_of_its_country(world, make, country, steps,
                                                                 met):
    case = make.case(world(country, Role.CASEWORKER))
    recorders = [world(country, r) for r in (Role.CASEWORKER, Role.SUPERVISOR, Role.PARALEGAL)]
    # Entered out of order: the last step in time is the first one recorded.
    times = {step: make.recent(hours=10 - 2 * i) for i, step in enumerate(steps)}
    for step, actor in zip(reversed(steps), recorders, strict=False):
        make.custody_event(case, actor, step, occurred_at=times[step])
    result = check("custody.complete", case)
    if not met:
        assert result is None
    else:
        assert result == Met(times[steps[-1]], recorders[0].id)


@pytest.mark.parametrize(("country", "other_step"), [("US", "dif_handover"),
                                                     ("MX", "orr_transfer")])
def test_a_step_of_the_other_countrys_process_is_refused(world, make, country, other_step):
    actor = world(country, Role.CASEWORKER)
    case = make.case(actor)
    with pytest.raises(ValueError, match="other country"):
        make.custody_event(case, actor, other_step)
    assert check("custody.complete", case) is None


def test_steps_of_the_other_variant_do_not_count_after_a_move(world, make):
    """A case moved to an office in the other country needs that country's steps."""
    actor = world("US", Role.CASEWORKER)
    case = make.case(actor)
    for step in US_STEPS:
        make.custody_event(case, actor, step)
    assert check("custody.complete", case) is not None
    case.office, case.office_id = world.mx, world.mx.id
    db.session.flush()
    assert check("custody.complete", case) is None
    mx = world("MX", Role.CASEWORKER)
    for hours, step in zip((3, 2, 1), MX_STEPS, strict=True):
        make.custody_event(case, mx, step, occurred_at=make.recent(hours=hours))
    assert check("custody.complete", case) == Met(make.recent(hours=1), mx.id)


def test_custody_counts_the_latest_event_of_each_step(world, make):
    actor, other = world("MX", Role.CASEWORKER), world("MX", Role.SUPERVISOR)
    case = make.case(actor)
    make.custody_event(case, actor, "procuraduria_notified", occurred_at=make.recent(hours=9))
    make.custody_event(case, actor, "dif_handover", occurred_at=make.recent(hours=8))
    make.custody_event(case, actor, "not_in_immigration_station",
                       occurred_at=make.recent(hours=7))
    # A corrected record of the first step, later than the others: it is now the last.
    make.custody_event(case, other, "procuraduria_notified", occurred_at=make.recent(hours=2))
    assert check("custody.complete", case) == Met(make.recent(hours=2), other.id)


# --- never share with the country of origin ---------------------------------------------

# (consent: None or (never_share, may_contact), protection outcomes in time order, expected)
NEVER_SHARE_TABLE = [
    (None, [], False),
    (None, ["no_fear"], False),
    (None, ["fear_or_need_identified"], True),
    ((False, False), [], False),
    ((True, False), [], True),
    ((False, True), [], False),
    ((False, False), ["fear_or_need_identified"], True),
    ((False, True), ["fear_or_need_identified"], False),
    ((True, False), ["no_fear"], True),
    ((False, False), ["fear_or_need_identified", "no_fear"], False),
    ((False, False), ["no_fear", "fear_or_need_identified"], True),
]


@pytest.mark.parametrize(("consent", "outcomes", "expected"), NEVER_SHARE_TABLE)
def test_never_share_with_origin_truth_table(world, make, consent, outcomes, expected):
    actor = world("MX", Role.ATTORNEY)
    case = make.case(actor)
    if consent is not None:
        never, may = consent
        make.consent(case, actor, never_share_with_origin=never, may_contact_origin_country=may)
    for hours_ago, outcome in zip(range(len(outcomes) + 1, 1, -1), outcomes, strict=False):
        make.screening(case, actor, "protection", outcome=outcome,
                       completed_at=make.recent(hours=hours_ago),
                       findings="Fears the gang that threatened the family.")
    assert check("consent.never_share_with_origin", case) is expected


def test_never_share_follows_the_latest_consent(world, make):
    actor = world("MX", Role.CASEWORKER)
    case = make.case(actor)
    make.consent(case, actor, never_share_with_origin=True, given_at=make.recent(hours=5))
    assert check("consent.never_share_with_origin", case) is True
    make.consent(case, actor, may_contact_origin_country=True, given_at=make.recent(hours=1))
    assert check("consent.never_share_with_origin", case) is False


# --- the fact sources: one query for a whole batch --------------------------------------

@pytest.mark.parametrize("source", ["screening.consents", "screening.custody_events",
                                    "screening.screenings"])
def test_a_fact_source_loads_a_batch_of_cases_in_one_query(world, make, source):
    actor = world("MX", Role.CASEWORKER)
    cases = [make.case(actor) for _ in range(3)]
    for case in cases[:2]:
        make.consent(case, actor)
        make.custody_event(case, actor, "dif_handover")
        make.screening(case, actor, "safety")
    ids = [c.id for c in cases]
    db.session.commit()
    statements = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        grouped = FACT_SOURCES[source](ids)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1
    assert set(grouped) == set(ids[:2])
    assert all(len(rows) == 1 for rows in grouped.values())


# --- the engine: checkpoint rows change with the records --------------------------------

# checkpoint key -> (who records, how)
SIGNED_OFF = [
    ("intake.consent", Role.CASEWORKER, lambda make, case, actor: make.consent(case, actor)),
    ("custody.timeline", Role.CASEWORKER,
     lambda make, case, actor: [make.custody_event(case, actor, s) for s in US_STEPS]),
    ("screen.safety", Role.CASEWORKER,
     lambda make, case, actor: make.screening(case, actor, "safety")),
    ("screen.trafficking", Role.CASEWORKER,
     lambda make, case, actor: make.screening(case, actor, "trafficking")),
    ("screen.contiguous", Role.PARALEGAL,
     lambda make, case, actor: make.screening(case, actor, "contiguous")),
    ("screen.protection", Role.PARALEGAL,
     lambda make, case, actor: make.screening(case, actor, "protection")),
]


@pytest.mark.parametrize(("key", "role", "record"), SIGNED_OFF, ids=[k for k, *_ in SIGNED_OFF])
def test_a_record_moves_its_checkpoint_to_awaiting_sign_off(world, make, key, role, record):
    case = us_contiguous_case(world, make)
    assert row(case, key).state == State.PENDING
    actor = world("US", role)
    record(make, case, actor)
    got = row(case, key)
    assert got.state == State.AWAITING_SIGN_OFF
    assert got.completed_by_id == actor.id and got.met_at is not None
    assert engine.status_of(got) == Status.AWAITING_SIGN_OFF


def test_every_service_call_is_audited_with_ids_only(world, make):
    actor = world("MX", Role.CASEWORKER)
    case = make.case(actor)
    make.consent(case, actor, notes="Mother lives in Quetzaltenango")
    make.custody_event(case, actor, "dif_handover", details="Acta DIF-77/2026")
    make.screening(case, actor, "safety", outcome="needs_addressed",
                   findings="Untreated wound on the left hand")
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.case_id == case.id)
                                .order_by(AuditEvent.seq)).all()
    assert [e.action for e in events][-3:] == ["consent.record", "custody.record",
                                               "screening.record"]
    dumped = repr([e.details for e in events])
    for plaintext in ("Quetzaltenango", "DIF-77", "wound"):
        assert plaintext not in dumped


@pytest.mark.parametrize(("hours_after_opening", "late"), [(20, False), (30, True)])
def test_safety_screening_after_24_hours_is_met_late(world, make, hours_after_opening, late):
    cw, sup = world("MX", Role.CASEWORKER), world("MX", Role.SUPERVISOR)
    case = make.case(cw)
    opened = make.recent(hours=hours_after_opening + 1)
    case.opened_at = opened
    make.screening(case, cw, "safety", completed_at=opened + timedelta(hours=hours_after_opening))
    got = row(case, "screen.safety")
    assert got.due_at == opened + timedelta(hours=24)
    assert got.late is late
    engine.sign_off(case, "screen.safety", actor=sup)
    assert engine.status_of(row(case, "screen.safety")) == (Status.MET_LATE if late
                                                            else Status.SIGNED_OFF)


def test_a_newer_screening_needs_a_new_sign_off(world, make):
    cw, sup = world("MX", Role.CASEWORKER), world("MX", Role.SUPERVISOR)
    case = make.case(cw)
    make.screening(case, cw, "trafficking", completed_at=make.recent(hours=3))
    engine.sign_off(case, "screen.trafficking", actor=sup)
    assert row(case, "screen.trafficking").state == State.MET
    make.screening(case, cw, "trafficking", completed_at=make.recent(hours=1),
                   outcome="indicators_referred", referral_made=True,
                   referral_to="Anti-trafficking unit")
    assert row(case, "screen.trafficking").state == State.AWAITING_SIGN_OFF


# --- the custody clocks: HHS within 48 h, ORR within 72 h of the determination (US) --------

@pytest.mark.parametrize("hhs_after_hours", [47, 50])
def test_us_custody_is_due_by_hhs_notice_then_orr_transfer(world, make, hhs_after_hours):
    cw, sup = world("US", Role.CASEWORKER), world("US", Role.SUPERVISOR)
    encountered = utcnow().replace(microsecond=0) - timedelta(days=5)
    case = make.case(cw, encountered_at=encountered)
    custody = row(case, "custody.timeline")
    assert (custody.due_clock, custody.due_at) == ("hhs", encountered + timedelta(hours=48))
    determined = encountered + timedelta(hours=3)
    make.custody_event(case, cw, "uac_determination", occurred_at=determined)
    make.custody_event(case, cw, "hhs_notified",
                       occurred_at=encountered + timedelta(hours=hhs_after_hours))
    custody = row(case, "custody.timeline")
    # HHS notified: now due by the ORR transfer, 72 hours after the determination.
    assert (custody.due_clock, custody.due_at) == ("orr", determined + timedelta(hours=72))
    assert engine.status_of(custody) == Status.OVERDUE
    make.custody_event(case, cw, "orr_transfer", occurred_at=determined + timedelta(hours=70))
    engine.sign_off(case, "custody.timeline", actor=sup)
    late = hhs_after_hours > 48
    assert row(case, "custody.timeline").late is late
    assert engine.status_of(row(case, "custody.timeline")) == (
        Status.MET_LATE if late else Status.SIGNED_OFF)


def test_mx_custody_keeps_its_one_deadline(world, make):
    cw = world("MX", Role.CASEWORKER)
    case = make.case(cw)
    custody = row(case, "custody.timeline")
    assert custody.due_clock == "mx"
    assert custody.due_at == case.encountered_at + timedelta(hours=72)
