"""Name search by how common the names are, with and without the name-pair index.

    DATABASE_URL=... CASEWORK_INSTANCE_PATH=... CASEWORK_SYNTHETIC_PASSWORD=... \\
        python -m bench.search [--repeat 15]

On an already seeded database, signs in (Flask test client) as the caseworker the
benchmark uses and posts searches of the commonest names of the synthetic lists
(casework/synthetic/names.py is in order of how common a name is) and of a rare one,
each `--repeat` times: the whole request (form, queries, decryption of the page, HTML),
and of that the time in the database (the machine's other load moves the first more).
"tokens" is the search as it was before the pair index (rarest token, then a probe of
each of its cases), which is also what an upgraded database does until `keys
backfill-index` has finished. Prints the median and the slowest time and the matches
the page reports.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from unittest import mock

import sqlalchemy as sa

from bench.run import bench_email, csrf_token, matches

QUERIES = ("María López", "José García", "María José López", "Juan Hernández Pérez",
           "Ana Xol")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()

    from casework import create_app
    from casework.cases import queries
    from casework.extensions import db

    app = create_app()
    with app.app_context():
        engine = db.engine
    in_database = [0.0]

    @sa.event.listens_for(engine, "before_cursor_execute")
    def started(conn, *_args) -> None:
        conn.info["bench_started"] = time.perf_counter()

    @sa.event.listens_for(engine, "after_cursor_execute")
    def finished(conn, *_args) -> None:
        in_database[0] += time.perf_counter() - conn.info.pop("bench_started")

    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"csrf_token": token, "email": bench_email(),
                                "password": os.environ["CASEWORK_SYNTHETIC_PASSWORD"]})
    listing = client.get("/cases").get_data(as_text=True)
    if "/logout" not in listing:
        raise SystemExit("sign-in failed")
    token = csrf_token(listing)

    print(f"{'query':<24} {'path':<7} {'matches':>16} {'p50 ms':>8} {'max ms':>8} "
          f"{'db p50 ms':>10}")
    for q in QUERIES:
        for path in ("pairs", "tokens"):
            with mock.patch.object(queries, "pairs_indexed", lambda path=path: path == "pairs"):
                page = client.post("/cases", data={"csrf_token": token, "q": q})  # warm
                found = matches(page.get_data(as_text=True))
                took, database = [], []
                for _ in range(args.repeat):
                    in_database[0] = 0.0
                    begun = time.perf_counter()
                    client.post("/cases", data={"csrf_token": token, "q": q})
                    took.append((time.perf_counter() - begun) * 1000)
                    database.append(in_database[0] * 1000)
            print(f"{q:<24} {path:<7} {found:>16} {statistics.median(took):>8.1f} "
                  f"{max(took):>8.1f} {statistics.median(database):>10.1f}", flush=True)


if __name__ == "__main__":
    main()
