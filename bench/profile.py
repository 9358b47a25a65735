"""Profile one benchmarked page with pyinstrument, on an already seeded database.

    DATABASE_URL=... CASEWORK_INSTANCE_PATH=... CASEWORK_SYNTHETIC_PASSWORD=... \\
        python -m bench.profile [case-page|case-list|name-search|dashboard] [--requests 20]
                                [--case CASE_ID] [--html out.html]

Signs in through the Flask test client as the benchmark's caseworker (or supervisor,
for the dashboard), warms the page up once, times `--requests` requests of it in this
process without the profiler (wall ms per request, and SQL statements per request),
then profiles as many again and prints pyinstrument's call tree (wall time). The case
page is the middle one of the first page of the case list, or `--case` (an id the
caseworker may open). No names are printed: the search is posted, and the profile
shows code, not data.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import time

from bench.run import BENCH_USER_OFFICE, csrf_token

PAGES = ("case-page", "case-list", "name-search", "dashboard")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("page", choices=PAGES, nargs="?", default="case-page")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--case", help="the case page of this case id")
    parser.add_argument("--html", help="also write pyinstrument's HTML report here")
    args = parser.parse_args()

    from pyinstrument import Profiler

    from casework import create_app
    from casework.accounts.roles import Role
    from casework.synthetic.seed import staff_email

    app = create_app()
    app.config["WTF_CSRF_ENABLED"] = True
    role = Role.SUPERVISOR if args.page == "dashboard" else Role.CASEWORKER
    client = app.test_client()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"csrf_token": token, "email": staff_email(
        BENCH_USER_OFFICE, role, 1), "password": os.environ["CASEWORK_SYNTHETIC_PASSWORD"]})
    listing = client.get("/cases").get_data(as_text=True)
    rows = re.findall(r'<a href="(/cases/[0-9a-f-]{36})">[^<]+</a></td>\s*<td>([^<]+)</td>',
                      listing)
    case_path, display = rows[len(rows) // 2]
    if args.case:
        case_path = f"/cases/{args.case}"
    words = html.unescape(display).split()
    fetch = {
        "case-page": lambda: client.get(case_path),
        "case-list": lambda: client.get("/cases"),
        "name-search": lambda: client.post("/cases", data={
            "csrf_token": csrf_token(listing), "q": " ".join(words)}),
        "dashboard": lambda: client.get("/supervision"),
    }[args.page]
    if fetch().status_code != 200:
        raise SystemExit("the page did not answer 200")
    import sqlalchemy as sa

    from casework.extensions import db

    statements = []
    in_database = [0.0]  # seconds from each statement's send to its result, all read
    with app.app_context():
        engine = db.engine

    def count(_conn, _cursor, statement, *_args):
        # As tests/querycount.py counts: PRAGMAs and savepoints are not queries.
        if not statement.lstrip().upper().startswith(("PRAGMA", "SAVEPOINT", "RELEASE")):
            statements.append(statement)
        in_database[0] -= time.perf_counter()

    def done(*_args):
        in_database[0] += time.perf_counter()

    sa.event.listen(engine, "before_cursor_execute", count)
    sa.event.listen(engine, "after_cursor_execute", done)
    started = time.perf_counter()
    for _ in range(args.requests):
        fetch()
    took = (time.perf_counter() - started) / args.requests
    sa.event.remove(engine, "before_cursor_execute", count)
    sa.event.remove(engine, "after_cursor_execute", done)
    print(f"{args.page}: {took * 1000:.1f} ms per request in one process, of which "
          f"{in_database[0] / args.requests * 1000:.1f} ms in the database; "
          f"{len(statements) / args.requests:.1f} SQL statements per request "
          f"({args.requests} requests, no profiler)")
    profiler = Profiler(interval=0.0005)
    started = time.perf_counter()
    with profiler:
        for _ in range(args.requests):
            fetch()
    took = (time.perf_counter() - started) / args.requests
    print(f"{args.page}: {took * 1000:.1f} ms per request under the profiler "
          f"({args.requests} requests)")
    print(profiler.output_text(unicode=False, color=False, show_all=False))
    if args.html:
        with open(args.html, "w") as out:
            out.write(profiler.output_html())


if __name__ == "__main__":
    main()
