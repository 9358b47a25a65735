"""`legal.kyr_delivered`, read from know-your-rights records, and the `legal.kyr` row."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from casework.accounts.roles import Role
from casework.extensions import db
from casework.models import utcnow
from casework.workflow.models import CaseCheckpoint, State
from casework.workflow.registry import CONDITIONS, FactBatch, Facts, Met


def kyr_delivered(case):
    return CONDITIONS["legal.kyr_delivered"](
        Facts(case=case, now=utcnow(), _batch=FactBatch([case.id])))


def test_no_orientation_is_not_met(world, make):
    assert kyr_delivered(make.case(world("MX", Role.CASEWORKER))) is None


def test_the_latest_orientation_counts_whatever_the_order_of_entry(world, make):
    case = make.case(world("US", Role.CASEWORKER))
    first, second = world("US", Role.PARALEGAL), world("US", Role.SUPERVISOR)
    two_hours_ago, an_hour_ago = make.recent(hours=2), make.recent(hours=1)
    make.orientation(case, first, delivered_at=two_hours_ago)
    assert kyr_delivered(case) == Met(two_hours_ago, first.id)
    make.orientation(case, second, delivered_at=make.recent(days=3))  # older, entered later
    assert kyr_delivered(case) == Met(two_hours_ago, first.id)
    make.orientation(case, second, delivered_at=an_hour_ago)
    assert kyr_delivered(case) == Met(an_hour_ago, second.id)


def test_an_orientation_moves_legal_kyr_to_awaiting_sign_off(world, make):
    paralegal = world("MX", Role.PARALEGAL)
    case = make.case(world("MX", Role.CASEWORKER))

    def state():
        return db.session.scalars(sa.select(CaseCheckpoint.state).where(
            CaseCheckpoint.case_id == case.id, CaseCheckpoint.key == "legal.kyr")).one()

    assert state() == State.PENDING
    make.orientation(case, paralegal)
    assert state() == State.AWAITING_SIGN_OFF


def test_an_orientation_in_the_future_is_refused(world, make):
    case = make.case(world("MX", Role.CASEWORKER))
    with pytest.raises(ValueError):
        make.orientation(case, world("MX", Role.PARALEGAL), delivered_at=make.recent(minutes=-90))
    assert kyr_delivered(case) is None
