"""The compliance dashboard's numbers: SQL aggregates over the `case_checkpoint` rows.

Nothing here loads a case or decrypts anything. Every number is a GROUP BY over
the persisted checkpoint rows (joined to `child_case` for the office and to
`case_team_member` for the staff), with each row's status computed in SQL by
`workflow.status_sql.status_sql`, the SQL twin of `engine.status_of`. The clock
is a parameter (`now`), so a row becomes overdue on the dashboard as soon as its
due date passes, without any write, exactly as on the case page.

A checkpoint counts for its office, for every recommendation it serves
(catalogue), and for every member of its case's team ("unassigned" when the
team is empty). The columns partition the applicable checkpoints:

    applies = met on time + met late + awaiting sign-off + pending + due soon + overdue
"""

from __future__ import annotations

import functools
import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import quote_plus

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from casework.accounts.models import Office, User
from casework.cases.models import Case, CaseTeamMember
from casework.extensions import db
from casework.workflow import engine, policy
from casework.workflow.deadlines import DUE_SOON
from casework.workflow.engine import Status
from casework.workflow.models import CaseCheckpoint, State, applicable
from casework.workflow.status_sql import MET_ON_TIME, status_sql, urgency_sql

UNASSIGNED = "none"  # the staff "filter" of cases that nobody is assigned to
TREND_WEEKS = 12

# The dashboard's columns, each a set of statuses; a drill-down link names one.
COLUMNS: dict[str, tuple[Status, ...]] = {
    "applies": tuple(s for s in Status if s != Status.NOT_APPLICABLE),
    "met_on_time": MET_ON_TIME,
    "met_late": (Status.MET_LATE,),
    "awaiting_sign_off": (Status.AWAITING_SIGN_OFF,),
    "pending": (Status.PENDING,),
    "due_soon": (Status.DUE_SOON,),
    "overdue": (Status.OVERDUE,),
}
COLUMN_LABELS = {
    "applies": _l("Applies"),
    "met_on_time": _l("Met on time"),
    "met_late": _l("Met late"),
    "awaiting_sign_off": _l("Awaiting sign-off"),
    "pending": _l("Pending"),
    "due_soon": _l("Due within %(n)d days", n=DUE_SOON.days),
    "overdue": _l("Overdue"),
}
# A stored state each status can come from: a cheap, index-friendly pre-filter only;
# the status itself is always decided by status_sql.
_STATE_OF = {
    Status.NOT_APPLICABLE: State.NOT_APPLICABLE, Status.AWAITING_SIGN_OFF: State.AWAITING_SIGN_OFF,
    Status.MET: State.MET, Status.MET_LATE: State.MET, Status.SIGNED_OFF: State.MET,
    Status.PENDING: State.PENDING, Status.DUE_SOON: State.PENDING, Status.OVERDUE: State.PENDING,
}


# --- filters -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What the supervisor narrowed the view to. Ids, keys and dates only: these travel
    in URLs (`as_args`), so never anything about a child."""

    office: uuid.UUID | None = None
    recommendation: str | None = None
    stage: str | None = None
    staff: uuid.UUID | str | None = None  # a user's id, or UNASSIGNED
    due_from: date | None = None
    due_to: date | None = None
    include_closed: bool = False
    # The drill-down's own two: one checkpoint, one column.
    key: str | None = None
    column: str | None = None

    # URL argument names: the filter form's field names, and `status` for the column.
    ARG_NAMES = {"column": "status"}

    def keys(self, *, recurring: bool = True) -> list[str]:
        """The catalogue keys these filters keep, in catalogue order."""
        return [cp.key for cp in engine.catalogue()
                if (self.recommendation is None or self.recommendation in cp.recommendations)
                and (self.stage is None or cp.stage == self.stage)
                and (self.key is None or cp.key == self.key)
                and (recurring or not (cp.deadline and cp.deadline.recurring))]

    def with_(self, **changes) -> Filters:
        return replace(self, **changes)

    def as_args(self, **changes) -> dict[str, str]:
        """URL arguments for these filters (with `changes`), leaving out the empty ones."""
        out = {}
        values = {name: getattr(self, name) for name in _FILTER_FIELDS} | changes
        for name, value in values.items():
            if value is None or value is False or value == "":
                continue
            if value is True:
                text = "1"
            elif isinstance(value, date):
                text = value.isoformat()
            else:
                text = str(value)
            out[self.ARG_NAMES.get(name, name)] = text
        return out

    def query_string(self, **changes) -> str:
        """`urlencode(self.as_args(**changes))`, each argument encoded once per process:
        the dashboard links about 400 numbers a page, each with the same few arguments."""
        return "&".join(_encoded_arg(name, text)
                        for name, text in self.as_args(**changes).items())

    def audit_details(self) -> dict:
        """The filters for an audit event: ids, keys and dates, never a value about a child."""
        return self.as_args()


_FILTER_FIELDS = tuple(f.name for f in fields(Filters))


@functools.lru_cache(maxsize=4096)
def _encoded_arg(name: str, text: str) -> str:
    return f"{quote_plus(name)}={quote_plus(text)}"


def start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def checkpoint_rows(scope: Collection[uuid.UUID], filters: Filters, now: datetime,
                    *, recurring: bool = True, dated: bool = True) -> sa.Select:
    """The applicable checkpoint rows in `scope` (office ids) that `filters` keep, with
    each row's status. Everything else in this module aggregates over this select.

    `dated=False` leaves the due-date range out (the trend has its own window).
    """
    cc = CaseCheckpoint
    status = status_sql(now).label("status")
    offices = set(scope)
    if filters.office is not None:
        offices &= {filters.office}
    keys = filters.keys(recurring=recurring)
    # The row's own copies of its case's office and open flag (the engine keeps them):
    # one office's open cases are one range of ix_case_checkpoint_office_cover. Closed
    # cases too: `case_open IN (true, false)` rather than no condition, since the index
    # leads with it.
    stmt = (
        sa.select(cc.case_id, cc.key, cc.due_at, cc.met_at, cc.completed_by_id, cc.office_id,
                  status)
        .where(cc.case_open.in_([True, False] if filters.include_closed else [True]),
               cc.office_id.in_(offices), cc.key.in_(keys),
               applicable(cc))
    )
    if filters.staff == UNASSIGNED:
        stmt = stmt.where(~sa.exists().where(CaseTeamMember.case_id == cc.case_id))
    elif filters.staff is not None:
        stmt = stmt.where(cc.case_id.in_(
            sa.select(CaseTeamMember.case_id).where(CaseTeamMember.user_id == filters.staff)))
    if dated and filters.due_from:
        stmt = stmt.where(cc.due_at >= start_of(filters.due_from))
    if dated and filters.due_to:
        stmt = stmt.where(cc.due_at < start_of(filters.due_to + timedelta(days=1)))
    if filters.column:
        wanted = COLUMNS[filters.column]
        stmt = stmt.where(cc.state.in_({_STATE_OF[s] for s in wanted}),
                          status.in_([s.value for s in wanted]))
    return stmt


# --- the numbers ---------------------------------------------------------------------------


@dataclass
class Counts:
    """Checkpoints per status in one group, and the number of cases they belong to."""

    by_status: dict[str, int] = field(default_factory=dict)
    cases: int = 0
    # Cases with at least one checkpoint in this status (per office, staff and in total).
    cases_by_status: dict[str, int] = field(default_factory=dict)

    def add(self, status: str, n: int) -> None:
        self.by_status[status] = self.by_status.get(status, 0) + n

    def cases_in(self, column: str) -> int:
        """Cases with a checkpoint in this column (a column of one status only)."""
        (status,) = COLUMNS[column]
        return self.cases_by_status.get(status.value, 0)

    def __getitem__(self, column: str) -> int:
        return sum(self.by_status.get(s.value, 0) for s in COLUMNS[column])

    @property
    def on_time_share(self) -> float | None:
        """Met on time, as a share of the checkpoints already met (on time or late)."""
        done = self["met_on_time"] + self["met_late"]
        return self["met_on_time"] / done if done else None


@dataclass
class Group:
    id: str  # the checkpoint key, recommendation id, office id, user id or UNASSIGNED
    label: object
    counts: Counts
    filter: dict  # the Filters change that narrows a drill-down to this group
    detail: object = ""


@dataclass
class Week:
    start: datetime
    due: int  # checkpoints due this week (so far, for the current week)
    on_time: int  # ... of which met on time

    @property
    def share(self) -> float | None:
        return self.on_time / self.due if self.due else None


@dataclass
class Dashboard:
    now: datetime
    filters: Filters
    totals: Counts
    by_checkpoint: list[Group]
    by_recommendation: list[Group]
    by_office: list[Group]
    by_staff: list[Group]
    trend: list[Week]

    def group(self, table: str, group_id: str) -> Group | None:
        return next((g for g in getattr(self, table) if g.id == group_id), None)


def _grouped(sub, *dims) -> Iterable:
    return db.session.execute(
        sa.select(*dims, sub.c.status, sa.func.count()).group_by(*dims, sub.c.status))


_APPLICABLE = [s for s in Status if s != Status.NOT_APPLICABLE]


def _key_recommendations(keys: list[str], recs: list[str]):
    """A table of the catalogue: one row per key, a 0/1 column per recommendation it
    serves. Joined to the rows (a hash look-up per row), it replaces a list test per
    recommendation per row."""
    catalogue = {cp.key: cp for cp in engine.catalogue()}
    return _key_recommendations_table(
        tuple((key, catalogue[key].recommendations) for key in keys), tuple(recs))


@functools.lru_cache(maxsize=256)
def _key_recommendations_table(serves: tuple[tuple[str, tuple[str, ...]], ...],
                               recs: tuple[str, ...]):
    """Built once per set of keys and recommendations: its 28 selects of about 200
    literals cost the dashboard 6 ms a request to build again."""

    def row(key: str | None, served: tuple[str, ...]) -> sa.Select:
        return sa.select(sa.literal(key, sa.String).label("key"),
                         *(sa.literal(int(rec in served), sa.Integer).label(f"r_{rec}")
                           for rec in recs))

    if not serves:  # filters that keep no checkpoint: an empty table of the same shape
        return row(None, ()).where(sa.false()).cte("key_recs")
    return sa.union_all(*(row(key, served) for key, served in serves)).cte("key_recs")


def _per_case(sub, keys: list[str], recs: list[str]):
    """One line per case: its office, whether it has an applicable checkpoint of each
    recommendation, and how many of its checkpoints are in each status."""
    kr = _key_recommendations(keys, recs)
    flags = [sa.func.max(kr.c[f"r_{rec}"]).label(f"r_{rec}") for rec in recs]
    sums = [sa.func.count().filter(sub.c.status == s.value).label(f"n_{s.value}")
            for s in _APPLICABLE]
    return (sa.select(sub.c.case_id, sub.c.office_id, *flags, *sums)
            .join_from(sub, kr, kr.c.key == sub.c.key)
            .group_by(sub.c.case_id, sub.c.office_id).cte("per_case"))


def _cases_per_office_and_member(sub, keys: list[str], recs: list[str]):
    """Per office: its cases and, per recommendation, its cases with a checkpoint of that
    recommendation. Per member of staff (None: cases with nobody assigned): the cases of
    their team and the checkpoints of those cases per status. One statement; the per-case
    CTE is used twice, so both databases compute it once."""
    pc = _per_case(sub, keys, recs)
    rec_cols = [pc.c[f"r_{rec}"] for rec in recs]
    status_cols = [pc.c[f"n_{s.value}"] for s in _APPLICABLE]

    def totals(*dims):
        return [*dims, sa.func.count(), *(sa.func.sum(c) for c in (*rec_cols, *status_cols)),
                *(sa.func.count().filter(c > 0) for c in status_cols)]

    office = sa.select(*totals(sa.literal("office"), pc.c.office_id)).group_by(pc.c.office_id)
    # Each case's team by one index look-up per case. PostgreSQL cannot know how few
    # cases the CTE holds (it guessed 40,787 for an office of a few thousand) and hashed
    # the team of every case ever opened (a parallel scan of 570,000 rows at 300,000
    # cases); LATERAL, fenced by OFFSET 0 so that it is not flattened back into a join,
    # makes it probe. SQLite joins by nested loops through the index anyway, and has no
    # LATERAL.
    if db.session.get_bind().dialect.name == "postgresql":
        team = (sa.select(CaseTeamMember.user_id)
                .where(CaseTeamMember.case_id == pc.c.case_id).offset(0).lateral("team"))
        joined, member_id = pc.outerjoin(team, sa.true()), team.c.user_id
    else:
        joined = pc.outerjoin(CaseTeamMember, CaseTeamMember.case_id == pc.c.case_id)
        member_id = CaseTeamMember.user_id
    member = (sa.select(*totals(sa.literal("staff"), member_id)).select_from(joined)
              .group_by(member_id))
    statuses = [s.value for s in _APPLICABLE]
    for kind, dim, cases, *values in db.session.execute(sa.union_all(office, member)):
        by_rec = dict(zip(recs, values[:len(recs)], strict=True))
        by_status = dict(zip(statuses, values[len(recs):len(recs) + len(statuses)],
                             strict=True))
        cases_by_status = dict(zip(statuses, values[len(recs) + len(statuses):], strict=True))
        yield kind, dim, cases, by_rec, by_status, cases_by_status


def _room_to_hash() -> None:
    """PostgreSQL cannot estimate how few groups a GROUP BY of a computed status makes
    (it guesses one per hundred rows), and with the default 4 MB of sort memory it
    sorts every row on disk instead of hashing into about a hundred groups. Enough
    memory for this transaction's statements, on PostgreSQL only. (JIT compilation,
    which cost these statements more than it saved, is off for every connection:
    database.py.)"""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SET LOCAL work_mem = '32MB'"))


def build(scope: Collection[uuid.UUID], filters: Filters, now: datetime,
          *, offices: Iterable[Office] | None = None) -> Dashboard:
    """Every number of the dashboard for these offices and filters, at `now`. `offices`:
    the offices of `scope`, if the caller has them loaded already.

    Two statements: checkpoints per key, office, status and week of the trend; then cases
    per office, recommendation and member of staff. Checkpoint, office and recommendation
    counts are sums of the first's cells (a case has one row per checkpoint). A due-date
    filter narrows the rows but not the trend, which then takes a third statement.
    """
    _room_to_hash()
    # OFFSET 0 keeps the databases from inlining the rows into the statements below,
    # where the status expression would be evaluated once per use (seven times a row).
    sub = checkpoint_rows(scope, filters, now).offset(0).subquery("cp")
    keys = filters.keys()
    catalogue = {cp.key: cp for cp in engine.catalogue()}
    recs = [r for r in policy.RECOMMENDATIONS
            if filters.recommendation in (None, r)
            and any(r in catalogue[k].recommendations for k in keys)]

    per_key: dict[str, Counts] = defaultdict(Counts)
    per_office: dict[uuid.UUID, Counts] = defaultdict(Counts)
    per_rec: dict[str, Counts] = defaultdict(Counts)
    totals = Counts()
    # Without a due-date filter the trend's rows are these rows, so the same statement
    # counts them per week too (one read of the rows fewer); with one, trend() reads its own.
    starts = week_starts(now)
    weeks = [Week(start, 0, 0) for start in starts]
    fold_trend = not (filters.due_from or filters.due_to)
    week = (_week_of(sub.c.due_at, sub.c.key, starts, now) if fold_trend
            else sa.literal(-1, sa.Integer))
    on_time = {s.value for s in MET_ON_TIME}
    for key, office_id, w, status, n in _grouped(sub, sub.c.key, sub.c.office_id, week):
        per_key[key].add(status, n)
        per_office[office_id].add(status, n)
        totals.add(status, n)
        for rec in catalogue[key].recommendations:
            per_rec[rec].add(status, n)
        if w >= 0:
            weeks[w].due += n
            weeks[w].on_time += n if status in on_time else 0
    for counts in per_key.values():
        counts.cases = sum(counts.by_status.values())

    # A case counts for each member of its team (None: nobody assigned).
    per_staff: dict[uuid.UUID | None, Counts] = defaultdict(Counts)
    for kind, dim, cases, by_rec, by_status, with_status in _cases_per_office_and_member(
            sub, keys, recs):
        having = {s: int(n) for s, n in with_status.items() if n}
        if kind == "office":
            per_office[dim].cases = cases
            per_office[dim].cases_by_status = having
            for rec, n in by_rec.items():
                per_rec[rec].cases += int(n or 0)
        else:
            per_staff[dim] = Counts({s: int(n) for s, n in by_status.items() if n}, cases,
                                    having)
    totals.cases = sum(c.cases for c in per_office.values())
    for c in per_office.values():  # a case is in one office: these add up
        for s, n in c.cases_by_status.items():
            totals.cases_by_status[s] = totals.cases_by_status.get(s, 0) + n

    return Dashboard(
        now=now, filters=filters, totals=totals,
        by_checkpoint=[
            Group(key, catalogue[key].title, per_key.get(key, Counts()), {"key": key},
                  detail=catalogue[key])
            for key in keys
        ],
        by_recommendation=[
            Group(rec, policy.RECOMMENDATIONS[rec].title, per_rec.get(rec, Counts()),
                  {"recommendation": rec})
            for rec in recs
        ],
        by_office=_office_groups(scope, filters, per_office, offices),
        by_staff=_staff_groups(per_staff),
        trend=weeks if fold_trend else trend(scope, filters, now),
    )


def _office_groups(scope, filters: Filters, per_office,
                   loaded: Iterable[Office] | None) -> list[Group]:
    ids = {filters.office} if filters.office else set(scope)
    if loaded is None:
        loaded = db.session.scalars(sa.select(Office).where(Office.id.in_(ids)))
    offices = sorted((o for o in loaded if o.id in ids), key=lambda o: o.code)
    return [Group(str(o.id), o.code, per_office.get(o.id, Counts()), {"office": o.id},
                  detail=o.name) for o in offices]


def _staff_groups(per_staff: dict[uuid.UUID | None, Counts]) -> list[Group]:
    ids = [k for k in per_staff if k is not None]
    users = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(ids)))}
    groups = [Group(str(k), users[k].name, counts, {"staff": k}, detail=users[k].role.label)
              for k, counts in per_staff.items() if k in users]
    # Who needs help first: the most overdue, then the most due soon.
    groups.sort(key=lambda g: (-g.counts["overdue"], -g.counts["due_soon"], str(g.label)))
    if None in per_staff:
        groups.append(Group(UNASSIGNED, _l("Nobody assigned"), per_staff[None],
                            {"staff": UNASSIGNED}))
    return groups


# --- trend ----------------------------------------------------------------------------------


def week_starts(now: datetime, weeks: int = TREND_WEEKS) -> list[datetime]:
    """The Mondays (00:00 UTC) of the last `weeks` weeks, oldest first; the last is this week."""
    today = now.astimezone(UTC).date()
    monday = start_of(today - timedelta(days=today.weekday()))
    return [monday - timedelta(weeks=i) for i in reversed(range(weeks))]


def _week_of(due_at, key, starts: list[datetime], now: datetime) -> sa.ColumnElement[int]:
    """The week of `starts` in which a row fell due (up to `now`), or -1: not due in the
    trend's window, no due date, or a recurring checkpoint, which has only its next due
    date stored and would only ever count as missed."""
    recurring = [cp.key for cp in engine.catalogue() if cp.deadline and cp.deadline.recurring]
    return sa.case(
        (key.in_(recurring), -1), (due_at < starts[0], -1), (due_at > now, -1),
        *((due_at >= start, i) for i, start in reversed(list(enumerate(starts)))),
        else_=-1)


def trend(scope: Collection[uuid.UUID], filters: Filters, now: datetime,
          weeks: int = TREND_WEEKS) -> list[Week]:
    """Per week, the checkpoints that fell due in it (up to `now`) and how many of them are
    met on time. The due-date filters do not apply: the window is the trend's own."""
    starts = week_starts(now, weeks)
    base = checkpoint_rows(scope, filters, now, recurring=False, dated=False).subquery("cp")
    within = (sa.select(_week_of(base.c.due_at, base.c.key, starts, now).label("week"),
                        base.c.status)
              .where(base.c.due_at >= starts[0], base.c.due_at <= now).subquery("w"))
    out = [Week(start, 0, 0) for start in starts]
    on_time = {s.value for s in MET_ON_TIME}
    for week, status, n in _grouped(within, within.c.week):
        if 0 <= week < len(out):
            out[week].due += n
            if status in on_time:
                out[week].on_time += n
    return out


# --- drill-down -----------------------------------------------------------------------------


@dataclass
class Item:
    """One checkpoint of one case in a drill-down list. No field of the child."""

    case_id: uuid.UUID
    number: str
    office_id: uuid.UUID
    key: str
    status: Status
    due_at: datetime | None
    met_at: datetime | None
    completed_by_id: uuid.UUID | None = None  # who completed it (no one signs off their own)
    staff: list[str] = field(default_factory=list)

    def days_overdue(self, now: datetime) -> int | None:
        if self.status != Status.OVERDUE or self.due_at is None:
            return None
        return (now - self.due_at).days


def drill_down_query(scope, filters: Filters, now: datetime) -> sa.Select:
    """The checkpoint rows behind one number, most urgent first: overdue (longest first),
    due soon, awaiting sign-off (oldest first), pending, then the met ones."""
    sub = checkpoint_rows(scope, filters, now).subquery("cp")
    return (
        sa.select(sub.c.case_id, Case.number, sub.c.office_id, sub.c.key, sub.c.status,
                  sub.c.due_at, sub.c.met_at, sub.c.completed_by_id)
        .join(Case, Case.id == sub.c.case_id)
        .order_by(urgency_sql(sub.c.status), sub.c.due_at.is_(None), sub.c.due_at,
                  sub.c.met_at, Case.number, sub.c.key)
    )


def _items(rows, with_staff: bool) -> list[Item]:
    items = [Item(case_id=r.case_id, number=r.number, office_id=r.office_id, key=r.key,
                  status=Status(r.status), due_at=r.due_at, met_at=r.met_at,
                  completed_by_id=r.completed_by_id)
             for r in rows]
    if with_staff and items:
        names = staff_names({i.case_id for i in items})
        for item in items:
            item.staff = names.get(item.case_id, [])
    return items


def drill_down(scope, filters: Filters, now: datetime, *, page: int = 1,
               per_page: int = 50, total: int | None = None) -> tuple[list[Item], int]:
    """One page of the list behind a number, and the number of rows in all (counted
    unless the caller has just counted them: `total`)."""
    stmt = drill_down_query(scope, filters, now)
    if total is None:
        total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
    rows = db.session.execute(stmt.limit(per_page).offset((max(page, 1) - 1) * per_page))
    return _items(rows, with_staff=True), total


def iter_drill_down(scope, filters: Filters, now: datetime, *, with_staff: bool,
                    batch: int = 1000) -> Iterable[Item]:
    """Every row behind a number, in batches (for exports and the digest)."""
    result = db.session.execute(drill_down_query(scope, filters, now),
                                execution_options={"yield_per": batch})
    for rows in result.partitions():
        yield from _items(rows, with_staff)


def staff_names(case_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    """The assigned staff of these cases, by name, in the order they were added."""
    out: dict[uuid.UUID, list[str]] = defaultdict(list)
    for case_id, name in db.session.execute(
        sa.select(CaseTeamMember.case_id, User.name)
        .join(User, User.id == CaseTeamMember.user_id)
        .where(CaseTeamMember.case_id.in_(list(case_ids)))
        .order_by(CaseTeamMember.added_at, User.name)
    ):
        out[case_id].append(name)
    return out
