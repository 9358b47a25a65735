"""How long `flask casework checkpoints rebuild` takes for N cases.

    python -m bench.checkpoint_rebuild --cases 10000 [--database-url URL]

Makes N cases with real encryption in a scratch database (SQLite in a temp
folder unless --database-url is given; that database is wiped), then times a
full rebuild of their checkpoint rows. Prints one Markdown table row for
bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import subprocess
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="casework-bench-")
    os.environ["CASEWORK_INSTANCE_PATH"] = tmp
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
    os.environ.setdefault("CASEWORK_CONFIG", "development")

    from casework import create_app
    from casework.extensions import db

    app = create_app()
    with app.test_request_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        db.create_all()
        started = time.perf_counter()
        make_cases(args.cases)
        made = time.perf_counter() - started

        from casework.cli.workflow import rebuild_all

        started = time.perf_counter()
        count = rebuild_all(args.batch_size)
        elapsed = time.perf_counter() - started
        dialect = db.engine.dialect.name
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, check=False).stdout.strip()
    print(f"made {args.cases} cases in {made:.1f} s")
    print("| date | commit | database | cases | rebuild s | cases/s | machine |")
    print(f"| {datetime.now(UTC):%Y-%m-%d} | {commit} | {dialect} | {count} | {elapsed:.1f} "
          f"| {count / elapsed:.0f} | {platform.machine()}, {os.cpu_count()} cores |")


def make_cases(n: int) -> None:
    """Cases with encrypted fields and wrapped keys, inserted in bulk (no per-case refresh)."""
    from casework.accounts import services as accounts
    from casework.cases.models import Case
    from casework.extensions import db

    rng = random.Random(7)
    offices = [(o.id, o.country.value)
               for o in (accounts.create_office(f"B-{c}", f"Bench {c}", c) for c in ("MX", "US"))]
    db.session.commit()
    now = datetime.now(UTC)
    for start in range(0, n, 1000):
        batch = []
        for i in range(start, min(n, start + 1000)):
            office_id, country = offices[i % 2]
            case = Case(id=uuid.uuid4(), office_id=office_id,
                        number=f"{country}-2026-{i + 1:05d}",
                        encountered_at=now - timedelta(hours=rng.randint(1, 2000)),
                        encounter_type="in_mexico" if country == "MX" else "between_ports",
                        nationality=rng.choice(["GT", "HN", "SV", "MX"]),
                        separation="unaccompanied")
            case.set_new_data_key()
            case.given_names = rng.choice(["Ana", "José", "María", "Wilmer", "Kevin"])
            case.family_names = rng.choice(["Pérez Chún", "Ixcoy Tzoc", "López"])
            batch.append(case)
        db.session.add_all(batch)
        db.session.commit()
        db.session.expunge_all()


if __name__ == "__main__":
    main()
