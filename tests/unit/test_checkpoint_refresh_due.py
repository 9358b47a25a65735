"""`flask casework checkpoints refresh-due`: the daily refresh of only the cases whose
checkpoints time alone may have changed, batch-wise and idempotent."""

from __future__ import annotations

import importlib
import inspect
from datetime import timedelta

import pytest
import sqlalchemy as sa

from casework.accounts.roles import Role
from casework.cli.workflow import due_for_refresh, refresh_due
from casework.extensions import db
from casework.legal.conditions import add_months
from casework.models import utcnow
from casework.workflow import engine
from casework.workflow.deadlines import add_business_days
from casework.workflow.models import CaseCheckpoint, State
from casework.workflow.registry import CLOCKS, CONDITIONS


def state(case_id, key: str) -> CaseCheckpoint:
    return db.session.scalars(sa.select(CaseCheckpoint).where(
        CaseCheckpoint.case_id == case_id, CaseCheckpoint.key == key)).one()


def due(now) -> set:
    return set(db.session.scalars(due_for_refresh(now)))


@pytest.fixture
def kyr_case(world, make):
    """A US case whose orientation was given an hour ago, with no attorney of record."""
    case = make.case(world("US", Role.CASEWORKER))
    make.orientation(case, world("US", Role.PARALEGAL), delivered_at=make.recent(hours=1))
    db.session.commit()
    return case


def test_a_kyr_six_months_old_without_counsel_falls_due_again(world, make, kyr_case):
    given = make.recent(hours=1)
    repeat = add_months(given, 6)
    represented = make.case(world("US", Role.CASEWORKER))
    make.orientation(represented, world("US", Role.PARALEGAL), delivered_at=given)
    make.representation(represented, world("US", Role.ATTORNEY))
    never_given = make.case(world("US", Role.CASEWORKER))
    db.session.commit()
    case_id, never_given_id = kyr_case.id, never_given.id
    assert due(utcnow()) == set()
    later = repeat + timedelta(days=1)
    assert due(later) == {case_id}  # not the represented child, not the one never oriented
    assert state(case_id, "legal.kyr").state == State.AWAITING_SIGN_OFF  # stale until run

    assert refresh_due(later) == 1
    row = state(case_id, "legal.kyr")
    assert row.state == State.PENDING
    assert row.due_at == add_business_days(repeat, 10)
    assert refresh_due(later) == 0  # idempotent: nothing left to do the same day
    assert never_given_id not in due(later + timedelta(days=400))


def test_a_hearing_passed_without_its_outcome_makes_the_hearings_stale(world, make):
    paralegal = world("US", Role.PARALEGAL)
    case = make.case(world("US", Role.CASEWORKER))
    make.proceeding(case, paralegal)
    hearing = make.hearing(case, paralegal)
    db.session.commit()
    case_id, after = case.id, hearing.scheduled_at + timedelta(hours=2)
    assert state(case_id, "legal.hearings").state == State.AWAITING_SIGN_OFF
    assert case_id not in due(hearing.scheduled_at - timedelta(hours=1))
    assert case_id in due(after)
    refresh_due(after)
    assert state(case_id, "legal.hearings").state == State.PENDING
    assert case_id not in due(after + timedelta(days=1))


def test_a_plan_past_its_review_date_is_no_longer_current(world, make):
    cw = world("MX", Role.CASEWORKER)
    case = make.case(cw)
    make.assessment(case, cw)
    plan = make.case_plan(case, cw)
    db.session.commit()
    case_id = case.id
    review = plan.review_on
    assert state(case_id, "bi.plan").state == State.AWAITING_SIGN_OFF
    on_the_day = utcnow().replace(year=review.year, month=review.month, day=review.day)
    assert case_id not in due(on_the_day)
    assert case_id in due(on_the_day + timedelta(days=1))
    refresh_due(on_the_day + timedelta(days=1))
    assert state(case_id, "bi.plan").state == State.PENDING


def test_only_the_due_cases_are_refreshed_in_batches(world, make, monkeypatch):
    paralegal = world("US", Role.PARALEGAL)
    given = make.recent(hours=1)
    due_ids = set()
    for _ in range(3):
        case = make.case(world("US", Role.CASEWORKER))
        make.orientation(case, paralegal, delivered_at=given)
        due_ids.add(case.id)
    untouched = make.case(world("US", Role.CASEWORKER)).id
    db.session.commit()
    batches = []
    real = engine.refresh_many
    monkeypatch.setattr(engine, "refresh_many",
                        lambda cases, now=None: (batches.append([c.id for c in cases]),
                                                 real(cases, now=now))[1])
    later = add_months(given, 6) + timedelta(days=1)
    assert refresh_due(later, batch_size=2) == 3
    assert [len(b) for b in batches] == [2, 1]
    assert {i for b in batches for i in b} == due_ids and untouched not in batches[0]


def test_the_command_reports_a_count_and_nothing_about_a_child(app, make, kyr_case):
    number = kyr_case.number
    runner = app.test_cli_runner()
    later = add_months(make.recent(hours=1), 6) + timedelta(days=2)
    first = runner.invoke(args=["casework", "checkpoints", "refresh-due",
                                "--now", later.strftime("%Y-%m-%dT%H:%M")])
    assert first.exit_code == 0, first.output
    assert "refreshed checkpoints of 1 cases" in first.output
    assert number not in first.output
    again = runner.invoke(args=["casework", "checkpoints", "refresh-due",
                                "--now", later.strftime("%Y-%m-%d")])
    assert again.exit_code == 0 and "of 0 cases" in again.output


def test_every_module_whose_conditions_read_the_clock_registers_a_clock(app):
    """A condition reading `facts.now` whose module forgot its clock would go stale until
    the next save or rebuild; this names it."""
    clocked = {fn.__module__ for fn in CLOCKS.values()}
    modules = {fn.__module__ for fn in CONDITIONS.values()}
    reading = {m for m in modules
               if "facts.now" in inspect.getsource(importlib.import_module(m))}
    assert reading, "no condition reads the clock: this test checks nothing"
    assert reading <= clocked, sorted(reading - clocked)
