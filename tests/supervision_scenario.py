"""A supervisor's world for the dashboard tests, made through the real services.

Two Mexican offices that one supervisor oversees (their own and one more), a US
office they do not, and cases at every stage: fresh, part-screened, signed off,
met late, awaiting sign-off, overdue for weeks, unassigned, closed. The tests
count what the dashboard should say from these rows in Python (`expected`),
independently of the SQL.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from casework.accounts.models import Office, User
from casework.accounts.roles import Role
from casework.cases import services as cases
from casework.cases.choices import CaseStatus
from casework.cases.models import Case, CaseTeamMember
from casework.extensions import db
from casework.models import utcnow
from casework.workflow import engine, services
from casework.workflow.engine import Status
from casework.workflow.models import CaseCheckpoint, State
from casework.workflow.policy import Action
from tests import factories as make


@dataclass
class Scenario:
    sup: User
    cw: User
    cw2: User
    pl: User
    att: User
    mx: Office
    mx2: Office
    us: Office
    cases: dict[str, Case] = field(default_factory=dict)

    @property
    def scope(self) -> set:
        return {self.mx.id, self.mx2.id}


def backdate(case: Case, days: int) -> None:
    """As if the case had been opened `days` ago (deadlines count from the opening)."""
    case.opened_at = utcnow() - timedelta(days=days)
    engine.refresh(case)
    db.session.commit()


def build(world) -> Scenario:
    sup, cw = world("MX", Role.SUPERVISOR), world("MX", Role.CASEWORKER)
    mx2 = make.office("MX")
    sup.supervised_offices.append(mx2)
    s = Scenario(sup=sup, cw=cw, cw2=make.user(Role.CASEWORKER, mx2, name="Rosa Caseworker"),
                 pl=world("MX", Role.PARALEGAL), att=world("MX", Role.ATTORNEY),
                 mx=world.mx, mx2=mx2, us=world.us)
    db.session.commit()
    long_ago = {"encountered_at": make.recent(days=45)}

    s.cases["fresh"] = make.case(cw)
    s.cases["fresh2"] = make.case(s.cw2, office=mx2)

    screened = s.cases["screened"] = make.case(cw)
    make.screening(screened, cw, "safety")
    make.screening(screened, cw, "trafficking")
    engine.sign_off(screened, "screen.trafficking", actor=sup)
    db.session.commit()

    late = s.cases["late"] = make.case(s.cw2, office=mx2, **long_ago)
    backdate(late, 10)
    make.screening(late, s.cw2, "safety", completed_at=make.recent(days=2))
    engine.sign_off(late, "screen.safety", actor=sup)  # met, but late
    make.consent(late, s.cw2, given_at=make.recent(days=9, hours=20))  # within 72 hours
    db.session.commit()

    stale = s.cases["stale"] = make.case(cw, **long_ago)
    backdate(stale, 40)
    cases.remove_team_member(stale, cw.id, actor=sup)  # nobody assigned
    db.session.commit()

    legal = s.cases["legal"] = make.case(cw)
    cases.add_team_member(legal, s.pl, actor=sup)
    make.orientation(legal, s.pl)  # legal.kyr awaits a supervisor's sign-off
    make.screening(legal, s.att, "protection")  # an attorney's, awaiting another attorney
    make.review(legal, sup)
    db.session.commit()

    closed = s.cases["closed"] = make.case(cw)
    engine.override(closed, Action.CLOSE_CASE, "legal.kyr",
                    "Know-your-rights given by the partner; record on file.", actor=sup)
    services.perform(closed, Action.CLOSE_CASE, actor=cw, occurred_at=make.recent(),
                     outcome="handed_over",
                     details={"follow_ups_done": True, "proceedings": "none"})
    db.session.commit()

    s.cases["abroad"] = make.case(world("US", Role.CASEWORKER))  # outside the scope
    return s


# --- the independent count ----------------------------------------------------------------


@dataclass
class Expected:
    """What the dashboard should say, counted in Python with engine.status_of."""

    by_key: dict = field(default_factory=lambda: defaultdict(Counter))
    by_office: dict = field(default_factory=lambda: defaultdict(Counter))
    by_rec: dict = field(default_factory=lambda: defaultdict(Counter))
    by_staff: dict = field(default_factory=lambda: defaultdict(Counter))
    cases_by_office: dict = field(default_factory=lambda: defaultdict(set))
    cases_by_rec: dict = field(default_factory=lambda: defaultdict(set))
    cases_by_staff: dict = field(default_factory=lambda: defaultdict(set))
    total: Counter = field(default_factory=Counter)
    rows: list = field(default_factory=list)  # (row, case, status) kept


def expected(scope, now: datetime, *, include_closed: bool = False, keep=None) -> Expected:
    """Every checkpoint row of every case, loaded and judged one by one in Python."""
    catalogue = {cp.key: cp for cp in engine.catalogue()}
    team: dict = defaultdict(list)
    for member in db.session.scalars(sa.select(CaseTeamMember)):
        team[member.case_id].append(member.user_id)
    out = Expected()
    for row in db.session.scalars(sa.select(CaseCheckpoint)):
        case = db.session.get(Case, row.case_id)
        if case.office_id not in scope or row.key not in catalogue:
            continue
        if case.status == CaseStatus.CLOSED and not include_closed:
            continue
        status = engine.status_of(row, now)
        if status == Status.NOT_APPLICABLE or row.state == State.NOT_APPLICABLE:
            continue
        if keep is not None and not keep(row, case, status):
            continue
        out.rows.append((row, case, status))
        out.total[status.value] += 1
        out.by_key[row.key][status.value] += 1
        out.by_office[case.office_id][status.value] += 1
        out.cases_by_office[case.office_id].add(case.id)
        for rec in catalogue[row.key].recommendations:
            out.by_rec[rec][status.value] += 1
            out.cases_by_rec[rec].add(case.id)
        for user_id in team[case.id] or [None]:
            out.by_staff[user_id][status.value] += 1
            out.cases_by_staff[user_id].add(case.id)
    return out
