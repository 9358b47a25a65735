"""`review.latest` and the recurring `case.review` checkpoint."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from casework.accounts.roles import Role
from casework.errors import NotPermitted
from casework.extensions import db
from casework.models import utcnow
from casework.workflow.models import CaseCheckpoint, State
from casework.workflow.registry import CONDITIONS, FactBatch, Facts, Met


def latest_review(case):
    return CONDITIONS["review.latest"](
        Facts(case=case, now=utcnow(), _batch=FactBatch([case.id])))


def review_row(case) -> CaseCheckpoint:
    return db.session.scalars(sa.select(CaseCheckpoint).where(
        CaseCheckpoint.case_id == case.id, CaseCheckpoint.key == "case.review")).one()


def test_no_review_is_not_met(world, make):
    assert latest_review(make.case(world("MX", Role.CASEWORKER))) is None


def test_the_latest_review_counts(world, make):
    case = make.case(world("MX", Role.CASEWORKER))
    sup = world("MX", Role.SUPERVISOR)
    make.review(case, sup, reviewed_at=make.recent(hours=1))
    make.review(case, sup, reviewed_at=make.recent(days=20))
    assert latest_review(case) == Met(make.recent(hours=1), sup.id)


def test_a_review_sets_the_next_one_due_thirty_days_later(world, make):
    case = make.case(world("MX", Role.CASEWORKER))
    first_due = review_row(case).due_at
    assert first_due == case.opened_at + timedelta(days=30)
    at = make.recent(hours=2)
    make.review(case, world("MX", Role.SUPERVISOR), reviewed_at=at)
    row = review_row(case)
    assert row.state == State.PENDING  # recurring: always due again
    assert row.met_at == at and row.due_at == at + timedelta(days=30)
    assert row.completed_by_id == world("MX", Role.SUPERVISOR).id


def test_only_the_catalogues_reviewer_may_review(world, make):
    case = make.case(world("MX", Role.CASEWORKER))
    with pytest.raises(NotPermitted):
        make.review(case, world("MX", Role.CASEWORKER))
    assert latest_review(case) is None
