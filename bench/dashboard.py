"""How long the supervision dashboard's queries take on N synthetic cases.

    python -m bench.dashboard --cases 100000 [--database-url URL] [--repeat 3] [--reuse]

Fills a scratch database (SQLite in a temp folder unless --database-url is given;
that database is WIPED, unless --reuse finds it already filled) by bulk INSERTs
straight into the tables: N cases over 20 offices, their case teams, one
`case_checkpoint` row per case and checkpoint of the catalogue with a plausible
spread of states and dates over the last year, and an audit log with refused
actions. No case is encrypted or refreshed: the dashboard never reads either,
which is the point.

Then times, at `now`, each dashboard computation a supervisor's page runs
(national scope: every office; and one office), prints the statements the
database spent most time on, and one Markdown table row per measurement for
bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta

OFFICES = 20
STAFF_PER_OFFICE = 12
BATCH = 20_000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--audit-events", type=int, default=None,
                        help="audit log size (default: 5 per case)")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the data of an earlier run with the same --database-url")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="casework-bench-")
    os.environ["CASEWORK_INSTANCE_PATH"] = tmp
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
    os.environ.setdefault("CASEWORK_CONFIG", "development")

    from casework import create_app
    from casework.extensions import db

    app = create_app()
    with app.test_request_context():
        world = reused(args.cases) if args.reuse else None
        if world is None:
            if db.engine.dialect.name == "postgresql":
                with db.engine.begin() as conn:
                    conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
            db.create_all()
            started = time.perf_counter()
            world = fill(args.cases, args.audit_events or 5 * args.cases)
            filled = time.perf_counter() - started
            # Fresh planner statistics, as autovacuum (PostgreSQL) or `PRAGMA optimize`
            # (SQLite) would have gathered on a live database.
            with db.engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
            print(f"filled {args.cases} cases, {world['checkpoints']} checkpoint rows, "
                  f"{world['events']} audit events in {filled:.0f} s")
        results = measure(world, args.repeat)
        dialect = db.engine.dialect.name
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, check=False).stdout.strip()
    print()
    print("| date | commit | database | cases | checkpoint rows | what | median s | "
          "machine |")
    for what, seconds in results:
        print(f"| {datetime.now(UTC):%Y-%m-%d} | {commit} | {dialect} | {args.cases} "
              f"| {world['checkpoints']} | {what} | {seconds:.2f} "
              f"| {platform.machine()}, {os.cpu_count()} cores |")


def reused(n: int) -> dict | None:
    """The world of an earlier run on this database, when it has `n` cases."""
    import sqlalchemy as sa

    from casework.accounts.models import Office, User
    from casework.cases.models import Case
    from casework.extensions import db
    from casework.workflow.models import CaseCheckpoint

    try:
        if db.session.scalar(sa.select(sa.func.count()).select_from(Case)) != n:
            return None
    except sa.exc.DBAPIError:
        db.session.rollback()
        return None
    offices = [{"id": i} for i in db.session.scalars(sa.select(Office.id).order_by(Office.code))]
    return {"offices": offices,
            "supervisor_id": db.session.scalar(sa.select(User.id).where(
                User.email == "national@bench.test")),
            "checkpoints": db.session.scalar(sa.select(sa.func.count()).select_from(
                CaseCheckpoint))}


# --- synthetic data --------------------------------------------------------------------------


def fill(n: int, audit_events: int) -> dict:
    """Offices, staff, cases, teams, checkpoint rows and audit events, by bulk insert."""
    import sqlalchemy as sa

    from casework.accounts.models import Office, User, supervised_office
    from casework.accounts.roles import Role
    from casework.audit.models import AuditEvent
    from casework.cases.models import Case, CaseTeamMember
    from casework.extensions import db
    from casework.workflow import engine
    from casework.workflow.deadlines import due_date
    from casework.workflow.models import CaseCheckpoint

    rng = random.Random(7)
    now = datetime.now(UTC)
    offices = [{"id": uuid.uuid4(), "code": f"B-{c}{i:02d}", "name": f"Bench {c} {i}",
                "country": c, "active": True, "created_at": now, "updated_at": now}
               for i in range(OFFICES // 2) for c in ("MX", "US")]
    db.session.execute(sa.insert(Office), offices)
    staff = []
    for office in offices:
        for j in range(STAFF_PER_OFFICE):
            role = Role.CASEWORKER if j < 8 else Role.PARALEGAL if j < 10 else Role.ATTORNEY
            staff.append({"id": uuid.uuid4(), "email": f"{office['code']}-{j}@bench.test",
                          "name": f"Staff {office['code']}-{j}", "role": role,
                          "office_id": office["id"], "password_hash": "x", "active": True,
                          "created_at": now, "updated_at": now})
    supervisor = {"id": uuid.uuid4(), "email": "national@bench.test", "name": "National",
                  "role": Role.SUPERVISOR, "office_id": offices[0]["id"],
                  "password_hash": "x", "active": True, "created_at": now, "updated_at": now}
    db.session.execute(sa.insert(User), [*staff, supervisor])
    db.session.execute(sa.insert(supervised_office), [
        {"user_id": supervisor["id"], "office_id": o["id"]} for o in offices])
    db.session.commit()
    by_office = defaultdict(list)
    for person in staff:
        by_office[person["office_id"]].append(person["id"])

    catalogue = engine.catalogue()
    checkpoints = events = 0
    seq = 0
    for start in range(0, n, BATCH):
        cases, teams, rows = [], [], []
        for i in range(start, min(n, start + BATCH)):
            office = offices[i % len(offices)]
            opened = now - timedelta(minutes=rng.randint(0, 365 * 24 * 60))
            closed = opened < now - timedelta(days=120) and rng.random() < 0.6
            case_id = uuid.uuid4()
            cases.append({
                "id": case_id, "number": f"{office['country']}-B{i + 1:07d}",
                "office_id": office["id"], "status": "closed" if closed else "open",
                "opened_at": opened, "closed_at": opened + timedelta(days=100) if closed
                else None, "encountered_at": opened - timedelta(hours=rng.randint(1, 72)),
                "encounter_type": "in_mexico" if office["country"] == "MX" else "between_ports",
                "nationality": rng.choice(["GT", "HN", "SV", "MX"]),
                "separation": "unaccompanied", "interpreter_needed": False,
                "wrapped_key": b"\0" * 40, "kek_id": "bench", "key_version": 1, "version": 1,
                "created_at": opened, "updated_at": opened,
            })
            if rng.random() > 0.03:  # a few cases nobody is assigned to
                for user_id in rng.sample(by_office[office["id"]], rng.choice((1, 1, 2))):
                    teams.append({"case_id": case_id, "user_id": user_id, "added_at": opened})
            for cp in catalogue:
                rows.append(_checkpoint_row(rng, cp, case_id, opened, closed, now, due_date)
                            | {"office_id": office["id"], "case_open": not closed})
        db.session.execute(sa.insert(Case), cases)
        db.session.execute(sa.insert(CaseTeamMember), teams)
        db.session.execute(sa.insert(CaseCheckpoint), rows)
        checkpoints += len(rows)
        db.session.commit()
        # The audit log: mostly views; about one event in fifty a refused action.
        share = audit_events * len(cases) // n
        log = []
        for _ in range(share):
            seq += 1
            case = rng.choice(cases)
            refused = rng.random() < 0.02
            log.append({
                "occurred_at": case["opened_at"] + timedelta(hours=rng.randint(1, 2000)),
                "actor_id": rng.choice(by_office[case["office_id"]]),
                "action": "action.refused" if refused else "case.view",
                "outcome": "refused" if refused else "ok", "case_id": case["id"],
                "request_id": None, "details": {"action": "record-return",
                                                "checkpoints": ["bi.bid"]} if refused else {},
                "prev_hash": f"{seq - 1:064x}", "hash": f"{seq:064x}",
            })
        if log:
            db.session.execute(sa.insert(AuditEvent), log)
            events += len(log)
        db.session.commit()
        print(f"  {min(n, start + BATCH)} cases", flush=True)
    return {"offices": offices, "supervisor_id": supervisor["id"], "checkpoints": checkpoints,
            "events": events}


def _checkpoint_row(rng, cp, case_id, opened, closed, now, due_date) -> dict:
    """A plausible stored row: most checkpoints met, some late, some waiting, some not
    applicable (the conditional ones), recurring reviews due again."""
    from casework.workflow import engine
    from casework.workflow.models import State

    row = {"case_id": case_id, "key": cp.key, "state": State.NOT_APPLICABLE, "due_at": None,
           "met_at": None, "late": False, "signed_off_at": None, "updated_at": now}
    always = cp.applies in ("always",) or (cp.applies == "case.open" and not closed)
    if not always and rng.random() > (0.5 if closed and cp.key == "case.closure" else 0.15):
        return row
    due = due_date(cp.deadline, opened) if cp.deadline else None
    row["due_at"] = due
    if cp.deadline and cp.deadline.recurring:
        last = opened + timedelta(days=rng.randint(0, 60))
        last = min(last, now)
        row.update(state=State.PENDING, met_at=last, due_at=due_date(cp.deadline, last))
        return row
    done_by = (due or opened + timedelta(days=20)) + timedelta(hours=rng.gauss(-24, 60))
    if rng.random() < (0.97 if closed else 0.8) and done_by < now:
        row["met_at"] = max(done_by, opened)
        row["late"] = bool(due and row["met_at"] > due)
        if engine.needs_sign_off(cp) and rng.random() < 0.12:
            row["state"] = State.AWAITING_SIGN_OFF
        else:
            row["state"] = State.MET
            if engine.needs_sign_off(cp):
                row["signed_off_at"] = row["met_at"] + timedelta(hours=rng.randint(1, 96))
    else:
        row["state"] = State.PENDING
    return row


# --- measurements -------------------------------------------------------------------------


def measure(world: dict, repeat: int) -> list[tuple[str, float]]:
    import sqlalchemy as sa
    from sqlalchemy import event

    from casework.accounts.models import User
    from casework.extensions import db
    from casework.supervision import dashboard, queries, queue
    from casework.supervision.dashboard import Filters

    statements: dict[str, list[float]] = defaultdict(list)

    def before(conn, cursor, statement, params, context, executemany):
        conn.info.setdefault("started", []).append(time.perf_counter())

    def after(conn, cursor, statement, params, context, executemany):
        elapsed = time.perf_counter() - conn.info["started"].pop()
        statements[" ".join(statement.split())[:110]].append(elapsed)

    engine_ = db.engine
    event.listen(engine_, "before_cursor_execute", before)
    event.listen(engine_, "after_cursor_execute", after)

    now = datetime.now(UTC)
    national = {o["id"] for o in world["offices"]}
    one = {world["offices"][0]["id"]}
    sup = db.session.get(User, world["supervisor_id"])
    since = now - timedelta(days=30)
    tasks = [
        ("dashboard, national (20 offices)",
         lambda: dashboard.build(national, Filters(), now)),
        ("dashboard, one office", lambda: dashboard.build(one, Filters(), now)),
        ("dashboard, national, R3 and closed cases included",
         lambda: dashboard.build(national, Filters(recommendation="R3",
                                                   include_closed=True), now)),
        ("trend alone, national", lambda: dashboard.trend(national, Filters(), now)),
        ("drill-down overdue, national, first page",
         lambda: dashboard.drill_down(national, Filters(column="overdue"), now)),
        ("drill-down overdue, one office, first page",
         lambda: dashboard.drill_down(one, Filters(column="overdue"), now)),
        ("overrides and refusals per office, 30 days",
         lambda: queries.oversight_by_office(national, since, now)),
        ("refused actions list, 30 days", lambda: queries.refusals(national, since, now)),
        ("sign-off queue (200 oldest)", lambda: queue.sign_off_queue(sup)),
    ]
    results = []
    for what, task in tasks:
        times = []
        for _ in range(repeat):
            db.session.expire_all()
            started = time.perf_counter()
            task()
            times.append(time.perf_counter() - started)
        results.append((what, statistics.median(times)))
        print(f"{what:<52} median {statistics.median(times):6.2f} s  "
              f"(runs: {', '.join(f'{t:.2f}' for t in times)})", flush=True)
    event.remove(engine_, "before_cursor_execute", before)
    event.remove(engine_, "after_cursor_execute", after)
    print("\nslowest statements (total s, runs):")
    for sql, times in sorted(statements.items(), key=lambda kv: -sum(kv[1]))[:8]:
        print(f"  {sum(times):7.2f} {len(times):3d}  {sql}")
    rows = db.session.scalar(sa.select(sa.func.count()).select_from(sa.table("case_checkpoint")))
    print(f"\n{rows} checkpoint rows in the database")
    return results


if __name__ == "__main__":
    main()
