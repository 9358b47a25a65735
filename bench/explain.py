"""The query plans behind the benchmarked pages, on an already seeded database.

    DATABASE_URL=... CASEWORK_INSTANCE_PATH=... CASEWORK_SYNTHETIC_PASSWORD=... \\
        python -m bench.explain [--show all|scans]

Signs in (Flask test client) as the caseworker and the supervisor the benchmark uses,
opens the case list, a case page, a name search and the supervision dashboard,
records every SQL statement each sends with its parameters, and prints the plan the
database chose for it (SQLite: EXPLAIN QUERY PLAN; PostgreSQL: EXPLAIN), marking the
plans that read a whole table (SQLite "SCAN t" without an index, PostgreSQL
"Seq Scan"). A statement's parameters are never printed: a search's are digests of a
child's name.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import time

import sqlalchemy as sa

from bench.run import BENCH_USER_OFFICE, csrf_token

SCAN = re.compile(r"^\s*(?:SCAN \w+(?! USING)(?:\s*$)|.*Seq Scan)", re.MULTILINE)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--show", choices=("all", "scans"), default="scans")
    parser.add_argument("--analyze", action="store_true",
                        help="PostgreSQL: EXPLAIN (ANALYZE, BUFFERS), which runs each query")
    args = parser.parse_args()

    from casework import create_app
    from casework.accounts.roles import Role
    from casework.extensions import db
    from casework.synthetic.seed import staff_email

    app = create_app()
    app.config["WTF_CSRF_ENABLED"] = True
    password = os.environ["CASEWORK_SYNTHETIC_PASSWORD"]

    def client_for(role: Role):
        client = app.test_client()
        token = csrf_token(client.get("/login").get_data(as_text=True))
        client.post("/login", data={"csrf_token": token, "password": password,
                                    "email": staff_email(BENCH_USER_OFFICE, role, 1)})
        return client

    caseworker, supervisor = client_for(Role.CASEWORKER), client_for(Role.SUPERVISOR)
    listing = caseworker.get("/cases").get_data(as_text=True)
    rows = re.findall(r'<a href="(/cases/[0-9a-f-]{36})">[^<]+</a></td>\s*<td>([^<]+)</td>',
                      listing)
    case_path, display = rows[len(rows) // 2]
    words = html.unescape(display).split()
    pages = [
        ("case list", lambda: caseworker.get("/cases")),
        ("case page", lambda: caseworker.get(case_path)),
        ("name search", lambda: caseworker.post("/cases", data={
            "csrf_token": csrf_token(listing), "q": " ".join(words)})),
        ("dashboard", lambda: supervisor.get("/supervision")),
    ]
    with app.app_context():
        engine = db.engine
    # Requests run outside any app context: inside one, Flask would reuse it (and its
    # `g`, where Flask-Login keeps the signed-in user) for every request.
    for label, fetch in pages:
        fetch()  # warm
        seen = record_selects(engine, fetch)
        print(f"== {label}: {len(seen)} SELECTs, "
              f"{sum(t for *_, t in seen) * 1000:.1f} ms in the database")
        with engine.connect() as conn:
            for statement, parameters, took in seen:
                plan = plan_of(conn, statement, parameters, analyze=args.analyze)
                if args.show == "all" or SCAN.search(plan):
                    print(f"-- {took * 1000:.1f} ms  {' '.join(statement.split())[:300]}")
                    print("   " + plan.replace("\n", "\n   "))
                    print()


def record_selects(engine, fetch) -> list[tuple[str, object, float]]:
    """The SELECTs one call of `fetch` sends, with their parameters and time."""
    seen: list[tuple[str, object, float]] = []
    started: dict[int, float] = {}

    def before(conn, cursor, statement, parameters, context, executemany):
        started[id(cursor)] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        took = time.perf_counter() - started.pop(id(cursor), time.perf_counter())
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append((statement, parameters, took))

    sa.event.listen(engine, "before_cursor_execute", before)
    sa.event.listen(engine, "after_cursor_execute", after)
    try:
        response = fetch()
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
        sa.event.remove(engine, "after_cursor_execute", after)
    if response.status_code != 200:
        raise SystemExit(f"HTTP {response.status_code}")
    return seen


def plan_of(conn, statement: str, parameters, analyze: bool = False) -> str:
    if conn.dialect.name == "sqlite":
        return "\n".join(str(r[-1]) for r in conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + statement, parameters))
    explain = "EXPLAIN (ANALYZE, BUFFERS) " if analyze else "EXPLAIN "
    return "\n".join(r[0] for r in conn.exec_driver_sql(explain + statement, parameters))

if __name__ == "__main__":
    main()
