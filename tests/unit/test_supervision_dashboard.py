"""The dashboard's SQL numbers against a count made independently, in Python, from the same
rows (tests/supervision_scenario.py), at several moments, with every filter."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from datetime import timedelta

import pytest
import sqlalchemy as sa

from casework.accounts.roles import Role
from casework.audit.models import AuditEvent
from casework.cases.models import Case
from casework.extensions import db
from casework.models import utcnow
from casework.supervision import dashboard
from casework.supervision.dashboard import COLUMNS, UNASSIGNED, Counts, Filters
from casework.workflow import engine
from casework.workflow.engine import Status
from casework.workflow.models import CaseCheckpoint, applicable
from casework.workflow.status_sql import URGENCY
from tests import supervision_scenario
from tests.supervision_scenario import expected

# Moments to look from: now, and later with no write in between.
LATER = [timedelta(0), timedelta(hours=20), timedelta(days=2), timedelta(days=4),
         timedelta(days=15), timedelta(days=45)]


@pytest.fixture
def s(world):
    return supervision_scenario.build(world)


def _as_counter(counts: Counts) -> Counter:
    return Counter({k: v for k, v in counts.by_status.items() if v})


def assert_matches(data: dashboard.Dashboard, exp) -> None:
    assert _as_counter(data.totals) == +exp.total
    assert data.totals.cases == len({c.id for _r, c, _s in exp.rows})
    for g in data.by_checkpoint:
        assert _as_counter(g.counts) == +exp.by_key[g.id], g.id
        assert g.counts.cases == sum(exp.by_key[g.id].values())
    assert {g.id for g in data.by_checkpoint} >= set(exp.by_key)
    for g in data.by_office:
        office_id = g.filter["office"]
        assert _as_counter(g.counts) == +exp.by_office[office_id], g.label
        assert g.counts.cases == len(exp.cases_by_office[office_id])
    for g in data.by_recommendation:
        assert _as_counter(g.counts) == +exp.by_rec[g.id], g.id
        assert g.counts.cases == len(exp.cases_by_rec[g.id]), g.id
    assert {g.id for g in data.by_recommendation if g.counts.cases} == {
        r for r, c in exp.by_rec.items() if c}
    # Cases with a checkpoint in each single-status column, per office, staff and in all.
    single = [c for c, statuses in COLUMNS.items() if len(statuses) == 1]
    for column in single:
        status = COLUMNS[column][0]
        assert data.totals.cases_in(column) == len(
            {c.id for _r, c, st in exp.rows if st == status}), column
        for g in data.by_office:
            assert g.counts.cases_in(column) == len(
                {c.id for _r, c, st in exp.rows if st == status
                 and c.office_id == g.filter["office"]}), (g.label, column)
    staff = {(None if g.id == UNASSIGNED else g.filter["staff"]): g for g in data.by_staff}
    assert set(staff) == set(exp.by_staff)
    for user_id, g in staff.items():
        assert _as_counter(g.counts) == +exp.by_staff[user_id], g.label
        assert g.counts.cases == len(exp.cases_by_staff[user_id])
        assert g.counts.cases_in("overdue") == len(
            {c for c in exp.cases_by_staff[user_id]
             if any(st == Status.OVERDUE and case.id == c for _r, case, st in exp.rows)})
    # The columns partition what applies, in every group.
    for g in [*data.by_checkpoint, *data.by_office, *data.by_recommendation, *data.by_staff]:
        assert g.counts["applies"] == sum(g.counts[c] for c in COLUMNS if c != "applies")


def test_every_number_matches_the_count_made_in_python_at_every_moment(s):
    start = utcnow()
    for later in LATER:
        now = start + later
        assert_matches(dashboard.build(s.scope, Filters(), now), expected(s.scope, now))


def test_the_scenario_reaches_every_status_and_column(s):
    seen = set()
    for later in LATER:
        seen |= set(expected(s.scope, utcnow() + later).total)
    assert seen == {st.value for st in Status} - {Status.NOT_APPLICABLE.value}


def test_time_passing_without_writes_makes_checkpoints_overdue(s):
    """No write between the two looks: the rows are the same, the clock is not."""
    before_rows = db.session.execute(sa.select(CaseCheckpoint.__table__)).all()
    before_events = db.session.scalar(sa.select(sa.func.count(AuditEvent.seq)))
    now = utcnow()
    today = dashboard.build(s.scope, Filters(), now)
    two_days = dashboard.build(s.scope, Filters(), now + timedelta(days=2))
    assert db.session.execute(sa.select(CaseCheckpoint.__table__)).all() == before_rows
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.seq))) == before_events

    # The safety screening is due 24 hours after the opening (catalogue). Today it is due
    # soon on the cases opened today with no safety screening (the two fresh ones and the
    # legal one); two days later those three are overdue.
    safety_hours = engine.checkpoint("screen.safety").deadline.amount
    assert safety_hours < 48
    fresh = [s.cases["fresh"], s.cases["fresh2"]]
    safety = "screen.safety"
    assert today.group("by_checkpoint", safety).counts["due_soon"] >= len(fresh)
    overdue_then = two_days.group("by_checkpoint", safety).counts["overdue"]
    overdue_now = today.group("by_checkpoint", safety).counts["overdue"]
    assert overdue_then - overdue_now == len(fresh) + 1
    assert two_days.totals["overdue"] > today.totals["overdue"]
    assert_matches(two_days, expected(s.scope, now + timedelta(days=2)))


def test_a_case_outside_the_offices_is_never_counted(s):
    now = utcnow()
    data = dashboard.build(s.scope, Filters(), now)
    abroad = s.cases["abroad"]
    items, _total = dashboard.drill_down(s.scope, Filters(), now, per_page=1000)
    assert abroad.number not in {i.number for i in items}
    assert {g.label for g in data.by_office} == {s.mx.code, s.mx2.code}
    # ... nor by choosing its office as a filter.
    assert dashboard.build(s.scope, Filters(office=s.us.id), now).totals.cases == 0


def _keep_for(filters: Filters, s):
    team = defaultdict(set)
    from casework.cases.models import CaseTeamMember

    for m in db.session.scalars(sa.select(CaseTeamMember)):
        team[m.case_id].add(m.user_id)
    keys = set(filters.keys())

    def keep(row, case, status):
        if row.key not in keys:
            return False
        if filters.office and case.office_id != filters.office:
            return False
        if filters.staff == UNASSIGNED and team[case.id]:
            return False
        if filters.staff not in (None, UNASSIGNED) and filters.staff not in team[case.id]:
            return False
        if filters.due_from and (row.due_at is None
                                 or row.due_at.date() < filters.due_from):
            return False
        return not (filters.due_to and (row.due_at is None
                                        or row.due_at.date() > filters.due_to))

    return keep


@pytest.mark.parametrize("name", ["office", "recommendation", "stage", "staff", "unassigned",
                                  "dates", "closed", "combined"])
def test_each_filter_matches_the_same_filter_in_python(s, name):
    now = utcnow() + timedelta(days=3)
    today = utcnow().date()
    filters = {
        "office": Filters(office=s.mx2.id),
        "recommendation": Filters(recommendation="R6"),
        "stage": Filters(stage="screening"),
        "staff": Filters(staff=s.pl.id),
        "unassigned": Filters(staff=UNASSIGNED),
        "dates": Filters(due_from=today - timedelta(days=9), due_to=today + timedelta(days=1)),
        "closed": Filters(include_closed=True),
        "combined": Filters(office=s.mx.id, recommendation="R1", staff=s.cw.id,
                            due_to=today + timedelta(days=5)),
    }[name]
    exp = expected(s.scope, now, include_closed=filters.include_closed,
                   keep=_keep_for(filters, s))
    assert exp.rows  # each filter keeps something, so the comparison means something
    data = dashboard.build(s.scope, filters, now)
    assert_matches(data, exp)
    if name != "closed":
        assert data.totals["applies"] < dashboard.build(
            s.scope, Filters(include_closed=True), now).totals["applies"]


def test_closed_cases_are_left_out_unless_asked_for(s):
    now = utcnow()
    closed = s.cases["closed"]
    assert closed.status == "closed"
    open_only = {i.number for i in dashboard.drill_down(s.scope, Filters(), now,
                                                        per_page=1000)[0]}
    with_closed = {i.number for i in dashboard.drill_down(
        s.scope, Filters(include_closed=True), now, per_page=1000)[0]}
    assert closed.number not in open_only and closed.number in with_closed


def test_each_drill_down_lists_exactly_the_rows_behind_its_number(s):
    now = utcnow() + timedelta(days=2)
    data = dashboard.build(s.scope, Filters(), now)
    rows = expected(s.scope, now).rows
    for column in COLUMNS:
        items, total = dashboard.drill_down(s.scope, Filters(column=column), now,
                                            per_page=1000)
        assert total == data.totals[column] == len(items), column
        wanted = {st.value for st in COLUMNS[column]}
        exp = {(c.number, r.key) for r, c, st in rows if st.value in wanted}
        assert {(i.number, i.key) for i in items} == exp, column
        # Per checkpoint as well: the number in each cell is the length of its list.
        for g in data.by_checkpoint:
            if g.counts[column]:
                _, n = dashboard.drill_down(s.scope, Filters(key=g.id, column=column), now)
                assert n == g.counts[column], (g.id, column)


def test_drill_down_is_sorted_by_urgency(s):
    now = utcnow() + timedelta(days=2)
    items, total = dashboard.drill_down(s.scope, Filters(), now, per_page=1000)
    assert total == len(items) > 10
    ranks = [URGENCY.index(i.status) for i in items]
    assert ranks == sorted(ranks)
    overdue = [i for i in items if i.status == Status.OVERDUE]
    assert len(overdue) > 2
    assert [i.due_at for i in overdue] == sorted(i.due_at for i in overdue)  # longest first
    assert overdue[0].days_overdue(now) == max(i.days_overdue(now) for i in overdue) > 0
    # Pages are slices of the same order.
    page2, _ = dashboard.drill_down(s.scope, Filters(), now, page=2, per_page=5)
    assert [(i.number, i.key) for i in page2] == [(i.number, i.key) for i in items[5:10]]


def test_drill_down_names_the_assigned_staff_and_nobody_for_an_unassigned_case(s):
    now = utcnow()
    items, _ = dashboard.drill_down(s.scope, Filters(), now, per_page=1000)
    staff = {i.number: i.staff for i in items}
    assert staff[s.cases["stale"].number] == []
    assert set(staff[s.cases["legal"].number]) == {s.cw.name, s.pl.name}


def test_the_trend_counts_each_week_like_python(s):
    now = utcnow() + timedelta(days=1)
    starts = dashboard.week_starts(now)
    assert len(starts) == 12 and starts[-1] <= now < starts[-1] + timedelta(weeks=1)
    assert all(b - a == timedelta(weeks=1) for a, b in itertools.pairwise(starts))
    due, on_time = Counter(), Counter()
    recurring = {cp.key for cp in engine.catalogue() if cp.deadline and cp.deadline.recurring}
    for row, _case, status in expected(s.scope, now).rows:
        if row.key in recurring or row.due_at is None or not starts[0] <= row.due_at <= now:
            continue
        week = max(i for i, start in enumerate(starts) if row.due_at >= start)
        due[week] += 1
        on_time[week] += status in (Status.MET, Status.SIGNED_OFF)
    assert sum(due.values()) > 0 and sum(on_time.values()) > 0
    want = [(due[i], on_time[i]) for i in range(12)]
    # On its own, counted with the other numbers, and on its own again when a due-date
    # filter narrows the other numbers but not the trend's window.
    dated = Filters(due_from=now.date() - timedelta(days=2))
    for weeks in (dashboard.trend(s.scope, Filters(), now),
                  dashboard.build(s.scope, Filters(), now).trend,
                  dashboard.build(s.scope, dated, now).trend):
        assert [w.start for w in weeks] == starts
        assert [(w.due, w.on_time) for w in weeks] == want


def test_supervisors_of_other_offices_see_other_numbers(s, world):
    now = utcnow()
    us_scope = world("US", Role.SUPERVISOR).office_ids_in_scope()
    data = dashboard.build(us_scope, Filters(), now)
    assert data.totals.cases == 1  # the US case only
    assert db.session.get(Case, s.cases["abroad"].id).office_id in us_scope


def _plans(statements) -> list[str]:
    """The database's plan of each (statement, parameters), as one string each."""
    conn = db.session.connection()
    explain = "EXPLAIN " if conn.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
    return [" ".join(str(row) for row in conn.exec_driver_sql(explain + sql, params))
            for sql, params in statements]


def test_the_numbers_read_the_applicable_rows_of_an_office_from_their_index(s):
    """The index by office holds the applicable rows only, and both statements that read
    checkpoint rows read it. PostgreSQL plans a table this small as it likes, so there
    the question is put alone: with scans priced out and no other index that serves it,
    is the partial index usable? Only if the query's condition proves the index's (with
    `applicable()` replaced by `sa.true()`, it is not)."""
    from tests.querycount import count_queries

    conn = db.session.connection()
    postgres = conn.dialect.name == "postgresql"
    definition = conn.exec_driver_sql(
        "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_case_checkpoint_office_cover'"
        if postgres else
        "SELECT sql FROM sqlite_master WHERE name = 'ix_case_checkpoint_office_cover'"
    ).scalar_one()
    assert "WHERE" in definition.upper() and "not_applicable" in definition

    with count_queries(with_parameters=True) as queries:
        dashboard.build(s.scope, Filters(), utcnow())
        db.session.execute(sa.select(CaseCheckpoint.id).where(
            CaseCheckpoint.case_open, CaseCheckpoint.office_id.in_(s.scope), applicable()))
    reads = [(sql, params) for sql, params in queries.with_parameters
             if "FROM case_checkpoint" in sql]
    assert len(reads) == 3  # the dashboard's two, and the question alone
    if postgres:
        # Each case's team is probed per case (a parameterised look-up), never joined
        # to a hash of every team membership: even with nested loops priced out, as a
        # hash looks cheaper to the planner when it overestimates the cases.
        conn.exec_driver_sql("SET LOCAL enable_nestloop = off")
        per_case_plan = _plans(reads[1:2])[0]
        conn.exec_driver_sql("RESET enable_nestloop")
        assert "(case_id = per_case" in per_case_plan, per_case_plan
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        conn.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
        reads = reads[-1:]
    for plan in _plans(reads):
        assert "ix_case_checkpoint_office_cover" in plan, plan
    if postgres:
        conn.exec_driver_sql("RESET enable_seqscan")
        conn.exec_driver_sql("RESET enable_bitmapscan")


@pytest.mark.parametrize("changes", [
    {}, {"column": "overdue"}, {"staff": UNASSIGNED, "key": "bid.before_return"},
    {"office": None, "include_closed": False}, {"recommendation": "R1 & R2 / ñ"},
])
def test_a_drill_down_query_string_is_urlencode_of_the_filters(changes):
    import uuid
    from datetime import date
    from urllib.parse import urlencode

    filters = Filters(office=uuid.uuid4(), staff=uuid.uuid4(), due_from=date(2026, 1, 2),
                      include_closed=True, stage="intake")
    assert filters.query_string(**changes) == urlencode(filters.as_args(**changes))
    assert Filters().query_string(**changes) == urlencode(Filters().as_args(**changes))


def test_filters_that_keep_no_checkpoint_count_nothing_and_the_next_build_still_counts(s):
    """A recommendation with no checkpoint in a stage: an empty key table (built once per
    shape and reused), every number 0; the full dashboard after it is unchanged."""
    from casework.workflow import policy

    now = utcnow()
    stages = {cp.stage for cp in engine.catalogue()}
    rec, stage = next((r, st) for r in policy.RECOMMENDATIONS for st in sorted(stages)
                      if not Filters(recommendation=r, stage=st).keys())
    before = dashboard.build(s.scope, Filters(), now)
    for _ in range(2):
        empty = dashboard.build(s.scope, Filters(recommendation=rec, stage=stage), now)
        assert empty.totals["applies"] == 0 and empty.totals.cases == 0
        assert all(g.counts["applies"] == 0 for g in empty.by_office)
    after = dashboard.build(s.scope, Filters(), now)
    assert after.totals.by_status == before.totals.by_status and after.totals["applies"] > 0
    assert [g.counts.cases for g in after.by_staff] == [g.counts.cases for g in before.by_staff]
