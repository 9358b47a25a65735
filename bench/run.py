"""`make bench`: casework end to end under load, on SQLite and PostgreSQL.

    python -m bench.run [--cases 10000,100000,1000000] [--databases sqlite,postgresql]
                        [--quick] [--duration 15] [--connections 16] [--no-write] [--keep]
                        [--reuse DATABASE_URL FOLDER]

For each database and size: a scratch database made for this run alone (a SQLite file
in a temporary folder, or a PostgreSQL database this script creates and drops), the
migrations, N synthetic cases (`flask casework seed-synthetic`, timed), a timed
checkpoint rebuild (up to --rebuild-max cases); then gunicorn with 2 workers on
127.0.0.1 and wrk with 16 connections against `/healthz`, a case page with its
checklist, the case list and a name search (a POST with its CSRF token: a name never
goes in a URL), signed in once as a synthetic caseworker, and the supervision
dashboard, signed in as a synthetic supervisor of the same office; each page's
throughput is also given as a share of `/healthz` in the same run. Then the workers'
peak memory is read, the audit chain the load wrote is verified (timed), and a key
rotation rewraps every data key (timed). The load average is recorded before and
after: the machine may be shared. The tables go into bench/RESULTS.md between its
markers; the notes around them are kept.

Sizes above 100,000 run on PostgreSQL only. --quick: 2,000 cases, 5 s per page, to
check that everything works. Everything runs on this machine; the load generator
sends traffic to 127.0.0.1 only, for a bounded time.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import json
import math
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
START, END = "<!-- results:start -->", "<!-- results:end -->"
BIN = Path(sys.executable).parent
PASSWORD = "bench-staff-password-" + secrets.token_hex(4)
PASSWORD_FILE = "bench-password"  # noqa: S105 (a file name) in a kept folder: its staff password
BENCH_USER_OFFICE = "US-HOU"  # the largest synthetic office
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
START_LOAD = os.getloadavg()
SQLITE_MAX = 100_000  # the embedded database is for one office or a demo


@dataclass
class Load:
    name: str
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int
    alone_p50_ms: float = float("nan")  # one connection: the page's own time, no queue


@dataclass
class Run:
    database: str
    cases: int
    seed_s: float = 0.0
    seed_cpu_s: float = 0.0
    rebuild_s: float = 0.0  # 0: not run at this size
    audit_events: int = 0
    audit_s: float = 0.0
    rotated_rows: int = 0
    rotate_s: float = 0.0
    startup_s: float = 0.0  # the flask CLI's own start-up, taken off the two above
    loads: list[Load] = field(default_factory=list)
    worker_peak_rss_mb: list[float] = field(default_factory=list)
    load_avg: tuple[float, float] = (0.0, 0.0)
    notes: list[str] = field(default_factory=list)


# --- databases -----------------------------------------------------------------------

@contextlib.contextmanager
def scratch_database(kind: str, folder: Path, *, keep: bool = False):
    """A database URL for one run; PostgreSQL's is created here and dropped after
    (unless `keep`: a million cases take an hour to make, and are worth measuring again)."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'bench.sqlite3'}"
        return
    import sqlalchemy as sa

    admin_url = sa.engine.make_url(os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES))
    name = f"casework_bench_{secrets.token_hex(4)}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        if keep:
            print(f"kept database {name}", flush=True)
        else:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


_password: list[str] = []


def password(kept_folder: Path | None = None) -> str:
    """The synthetic staff's password: this run's, or a kept database's."""
    if kept_folder is not None:
        _password[:] = [(kept_folder / PASSWORD_FILE).read_text().strip()]
    return _password[0] if _password else PASSWORD


def reused_plan(url: str) -> tuple[str, int]:
    """(database kind, cases) of a database to measure again."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        cases = conn.exec_driver_sql("SELECT count(*) FROM child_case").scalar_one()
    engine.dispose()
    return engine.dialect.name, cases


def postgres_reachable() -> bool:
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES))
        with engine.connect():
            pass
        engine.dispose()
        return True
    except sa.exc.OperationalError:
        return False


# --- commands ------------------------------------------------------------------------

def flask(env: dict, *args: str, timeout: float = 7200) -> tuple[str, float, float]:
    """Run `flask ...`; (its output, wall seconds, CPU seconds of the child)."""
    before = os.times()
    started = time.perf_counter()
    done = subprocess.run([str(BIN / "flask"), *args], env=env, cwd=ROOT, text=True,
                          capture_output=True, timeout=timeout, check=False)
    wall = time.perf_counter() - started
    after = os.times()
    if done.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    cpu = (after.children_user - before.children_user) + (after.children_system
                                                          - before.children_system)
    return done.stdout, wall, cpu


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        print("installing wrk from Debian's packages", flush=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is needed: apt-get install wrk")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def gunicorn(env: dict, port: int, root: Path = ROOT):
    """gunicorn serving the checkout at `root` (bench.ab serves two)."""
    proc = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "--timeout", "120", "--log-level", "warning", "wsgi:app"],
        env=env, cwd=root, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.5)
        yield proc
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def worker_peak_rss(master_pid: int) -> list[float]:
    """VmHWM (peak resident memory) of each gunicorn worker, in MiB."""
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master_pid)], text=True,
                         capture_output=True, check=False).stdout.split()
    peaks = []
    for pid in out:
        with contextlib.suppress(OSError):
            status = Path(f"/proc/{pid}/status").read_text()
            match = re.search(r"VmHWM:\s+(\d+) kB", status)
            if match:
                peaks.append(int(match.group(1)) / 1024)
    return peaks


# --- a signed-in session -------------------------------------------------------------

def bench_email(role: str = "caseworker") -> str:
    """The first synthetic caseworker (or supervisor) of the largest office: sees (or
    supervises) that office's cases."""
    from casework.accounts.roles import Role
    from casework.synthetic.seed import staff_email

    return staff_email(BENCH_USER_OFFICE, Role(role), 1)


class Browser:
    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=60) as r:
            return r.read().decode()

    def post(self, path: str, data: dict) -> str:
        body = urllib.parse.urlencode(data).encode()
        with self.opener.open(self.base + path, body, timeout=60) as r:
            return r.read().decode()

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


def csrf_token(page: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if not match:
        raise RuntimeError("no CSRF token on the page")
    return match.group(1)


def signed_in(base: str, email: str) -> Browser:
    b = Browser(base)
    token = csrf_token(b.get("/login"))
    b.post("/login", {"csrf_token": token, "email": email, "password": password()})
    return b


def sign_in(base: str, email: str) -> tuple[Browser, str, str, str]:
    """Signed in; returns (browser, a case path, a name to search, a CSRF token)."""
    b = signed_in(base, email)
    listing = b.get("/cases")
    if "/logout" not in listing:
        raise RuntimeError("sign-in failed")
    rows = re.findall(r'<a href="(/cases/[0-9a-f-]{36})">[^<]+</a></td>\s*<td>([^<]+)</td>',
                      listing)
    if not rows:
        raise RuntimeError("the case list shows no case")
    case_path, display = rows[len(rows) // 2]
    # The child's whole name, as staff copy it from a referral: how many cases match
    # (recorded beside the results) grows with the caseload only for common names.
    name = " ".join(html.unescape(display).split())
    return b, case_path, name, csrf_token(listing)


def matches(page: str) -> str:
    """"7" or "more than 1000": the number of cases a list page says it found."""
    found = re.search(r"(More than \d+|\d+) cases?</p>", page)
    return found.group(1).lower() if found else "?"


# --- load ----------------------------------------------------------------------------

def drained(base: str, limit_s: float = 120) -> None:
    """Wait until the workers have worked off the requests a load left queued (wrk
    closes its connections; gunicorn still answers them): /healthz answers at once."""
    deadline = time.monotonic() + limit_s
    quick = 0
    while quick < 2 and time.monotonic() < deadline:
        started = time.perf_counter()
        with contextlib.suppress(OSError), \
                urllib.request.urlopen(base + "/healthz", timeout=60) as r:  # noqa: S310 (http://127.0.0.1 only)
            r.read()
        quick = quick + 1 if time.perf_counter() - started < 0.05 else 0

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(binary: str, url: str, name: str, cookie: str, duration: int, connections: int,
        body: str | None = None, threads: int = 2) -> Load:
    script = None
    args = [binary, f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency",
            "--timeout", "30s", "-H", f"Cookie: {cookie}"]
    if body is not None:
        script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)  # noqa: SIM115
        script.write('wrk.method = "POST"\n'
                     f"wrk.body = {json.dumps(body)}\n"
                     'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n')
        script.close()
        args += ["-s", script.name]
    try:
        out = subprocess.run([*args, url], text=True, capture_output=True, check=True,
                             timeout=duration + 120).stdout
    finally:
        if script:
            os.unlink(script.name)

    def latency(pct: str) -> float:
        m = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
        return float(m.group(1)) * _UNITS[m.group(2)] if m else float("nan")

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                              r"timeout (\d+)", out)
    n_errors = int(errors.group(1)) if errors else 0
    if socket_errors:
        n_errors += sum(int(x) for x in socket_errors.groups())
    return Load(name, rps, latency("50"), latency("99"), n_errors, total)


# --- one database, one size ----------------------------------------------------------

def run_one(kind: str, cases: int, args, wrk_binary: str) -> Run:
    run = Run(kind, cases)
    reused = args.reuse is not None
    if reused:  # a database an earlier --keep left, with its folder (the keyring)
        folder = Path(args.reuse[1])
        database = contextlib.nullcontext(args.reuse[0])
    else:
        folder = Path(tempfile.mkdtemp(prefix=f"casework-bench-{kind}-"))
        database = scratch_database(kind, folder, keep=args.keep)
    with database as url:
        env = {**os.environ, "CASEWORK_INSTANCE_PATH": str(folder / "instance"),
               "DATABASE_URL": url, "CASEWORK_CONFIG": "development", "FLASK_APP": "wsgi",
               "CASEWORK_SYNTHETIC_PASSWORD": password(folder if reused else None),
               "PYTHONPATH": str(ROOT)}
        env.pop("CASEWORK_KEYRING", None)
        started = time.perf_counter()
        flask(env, "db", "upgrade")
        if reused:
            run.notes.append(f"reused the database of an earlier run; its migrations to "
                             f"this commit took {time.perf_counter() - started:.0f} s")
        else:
            seed(run, env, args)
        if kind == "postgresql" and not reused:
            # Planner statistics, as autovacuum gathers them on a live database. SQLite
            # gets none: the application never runs ANALYZE there.
            flask_sql(env, "VACUUM ANALYZE")
        measure(run, env, args, wrk_binary)
    if args.keep or reused:  # the folder holds the keyring that opens the database
        (folder / PASSWORD_FILE).write_text(password())
        (folder / PASSWORD_FILE).chmod(0o600)
        print(f"kept {folder} (DATABASE_URL={url})", flush=True)
    else:
        shutil.rmtree(folder, ignore_errors=True)
    return run


def seed(run: Run, env: dict, args) -> None:
    kind, cases = run.database, run.cases
    print(f"[{kind} {cases}] seeding", flush=True)
    _out, run.seed_s, run.seed_cpu_s = flask(env, "casework", "seed-synthetic",
                                             "--cases", str(cases))
    print(f"[{kind} {cases}] seeded in {run.seed_s:.0f} s", flush=True)
    if cases <= args.rebuild_max:
        print(f"[{kind} {cases}] rebuilding checkpoints", flush=True)
        _out, run.rebuild_s, _cpu = flask(env, "casework", "checkpoints", "rebuild")
    else:
        run.notes.append(f"checkpoint rebuild not run above {args.rebuild_max:,} cases")


def measure(run: Run, env: dict, args, wrk_binary: str) -> None:
    """The page loads, the workers' memory, audit verification and key rotation."""
    kind, cases = run.database, run.cases
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    load_before = os.getloadavg()[0]
    with gunicorn(env, port) as server:
        browser, case_path, name, token = sign_in(base, bench_email())
        cookie = browser.cookie_header()
        supervisor = signed_in(base, bench_email("supervisor")).cookie_header()
        search = urllib.parse.urlencode({"csrf_token": token, "q": name})
        targets = [("/healthz", "/healthz", None, cookie),
                   ("case page", case_path, None, cookie),
                   ("case list", "/cases", None, cookie),
                   ("name search", "/cases", search, cookie),
                   ("dashboard", "/supervision", None, supervisor)]
        found = matches(browser.post("/cases", {"csrf_token": token, "q": name}))
        run.notes.append(f"cases matching the name searched: {found}")
        for label, path, body, who in targets:
            print(f"[{kind} {cases}] load: {label}", flush=True)
            wrk(wrk_binary, base + path, label, who, 3, args.connections, body)  # warm
            load = wrk(wrk_binary, base + path, label, who, args.duration,
                       args.connections, body)
            # The same page with one connection: its own latency, without the queue
            # that 16 connections on 2 workers build (p50 ~ connections / rps).
            drained(base)
            alone = wrk(wrk_binary, base + path, label, who, max(args.duration // 2, 3),
                        1, body, threads=1)
            if alone.requests:  # else the queue the load left behind took it all
                load.alone_p50_ms = alone.p50_ms
            run.loads.append(load)
        run.worker_peak_rss_mb = worker_peak_rss(server.pid)
    run.load_avg = (load_before, os.getloadavg()[0])
    print(f"[{kind} {cases}] audit verify, key rotation", flush=True)
    # Each command's time less the CLI's start-up (the app made, no work done).
    run.startup_s = min(flask(env, "casework", "audit", "--help")[1] for _ in range(3))
    out, audit_s, _cpu = flask(env, "casework", "audit", "verify")
    run.audit_s = max(audit_s - run.startup_s, 1e-3)
    run.audit_events = int(re.search(r"(\d+) events", out).group(1))
    if args.reuse:
        run.notes.append("key rotation not run on a reused database")
        return
    out, rotate_s, _cpu = flask(env, "casework", "keys", "rotate")
    run.rotate_s = max(rotate_s - run.startup_s, 1e-3)
    counts = re.search(r"(\d+) case keys and (\d+) TOTP secrets", out)
    run.rotated_rows = int(counts.group(1)) + int(counts.group(2))


def flask_sql(env: dict, statement: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(env["DATABASE_URL"], isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(statement)
    engine.dispose()


# --- report --------------------------------------------------------------------------

def machine() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = ""
    with contextlib.suppress(OSError):
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        mem = f", {kb / 1024 / 1024:.0f} GiB"
    return f"{cpu}, {os.cpu_count()} cores{mem}, {platform.system()} {platform.release()}, " \
           f"Python {platform.python_version()}"


def commit() -> str:
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                         capture_output=True, check=False).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                           text=True, capture_output=True, check=False).stdout.strip()
    return out + ("+changes" if dirty else "") if out else "unknown"


def report(runs: list[Run], args) -> str:
    lines = [
        f"Run of {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit `{commit()}`.",
        f"Machine: {machine()}.",
        f"Load: gunicorn 2 sync workers; wrk {args.connections} connections, 2 threads, "
        f"{args.duration} s per page after a 3 s warm-up; 127.0.0.1.",
        "Shared machine: other work ran on the same cores during the run; load average "
        f"(1, 5, 15 min) at the start {START_LOAD[0]:.2f}, {START_LOAD[1]:.2f}, "
        f"{START_LOAD[2]:.2f}, at the end {os.getloadavg()[0]:.2f}, "
        f"{os.getloadavg()[1]:.2f}, {os.getloadavg()[2]:.2f}; per run in the last column.",
        "The last column: the same page with one connection for half as long, its own "
        "latency without the queue (with 16 connections on 2 workers, p50 is about "
        "16 / requests per second).",
        "Key rotation and audit verification: the command's wall time less the CLI's "
        "start-up; on SQLite the rotation includes the VACUUM that clears old wrapped keys.",
        "",
        "| database | cases | seed s (cases/s) | rebuild cases/s | key rotation rows/s "
        "| audit verify events/s | worker peak RSS MiB | load avg before/after |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        rss = " / ".join(f"{x:.0f}" for x in r.worker_peak_rss_mb) or "?"
        rebuild = f"{r.cases / r.rebuild_s:.0f}" if r.rebuild_s else "not run"
        seeded = (f"{r.seed_s:.0f} ({r.cases / r.seed_s:.0f}; CPU {r.seed_cpu_s:.0f} s)"
                  if r.seed_s else "reused")
        rotation = (f"{r.rotated_rows / r.rotate_s:,.0f} ({r.rotated_rows:,} rows)"
                    if r.rotate_s else "not run")
        lines.append(
            f"| {r.database} | {r.cases:,} | {seeded} | {rebuild} | {rotation} | "
            f"{r.audit_events / r.audit_s:,.0f} ({r.audit_events:,} events) | {rss} | "
            f"{r.load_avg[0]:.1f} / {r.load_avg[1]:.1f} |")
    lines += ["", "| database | cases | page | requests/s | p50 ms | p99 ms | share of /healthz "
              "| errors | p50 ms, 1 connection |",
              "|---|---:|---|---:|---:|---:|---:|---:|---:|"]
    for r in runs:
        floor = next(x.requests_per_s for x in r.loads if x.name == "/healthz")
        for x in r.loads:
            alone = "—" if math.isnan(x.alone_p50_ms) else f"{x.alone_p50_ms:.1f}"
            if x.requests == 0:  # wrk reports no latency when nothing finished
                timing = f"none finished in {args.duration} s | — | — |"
            else:
                timing = f"{x.p50_ms:.1f} | {x.p99_ms:.1f} | {x.requests_per_s / floor:.0%} |"
            lines.append(f"| {r.database} | {r.cases:,} | {x.name} | {x.requests_per_s:.1f} | "
                         f"{timing} {x.errors} of {x.requests} | {alone} |")
    notes = [f"- {r.database} {r.cases:,}: {n}" for r in runs for n in r.notes]
    if notes:
        lines += ["", *notes]
    return "\n".join(lines)


def write_results(text: str) -> None:
    current = RESULTS.read_text() if RESULTS.exists() else f"# Benchmarks\n\n{START}\n{END}\n"
    if START not in current:
        current += f"\n{START}\n{END}\n"
    head, rest = current.split(START, 1)
    _old, tail = rest.split(END, 1)
    RESULTS.write_text(f"{head}{START}\n{text}\n{END}{tail}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", default="10000,100000,1000000",
                        help="comma-separated sizes; above 100000 on PostgreSQL only "
                             "(default 10000,100000,1000000)")
    parser.add_argument("--databases", default="sqlite,postgresql",
                        help="comma-separated: sqlite, postgresql (default both)")
    parser.add_argument("--quick", action="store_true",
                        help="2,000 cases, 5 s per page: a check that everything runs")
    parser.add_argument("--duration", type=int, default=15, help="seconds of load per page")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rebuild-max", type=int, default=100_000,
                        help="time the checkpoint rebuild up to this many cases")
    parser.add_argument("--no-write", action="store_true", help="print, do not write RESULTS")
    parser.add_argument("--reuse", nargs=2, metavar=("DATABASE_URL", "FOLDER"),
                        help="measure again a database that --keep left (its URL and the "
                             "folder it printed): migrated to this commit, not seeded, "
                             "its keys not rotated")
    parser.add_argument("--keep", action="store_true",
                        help="keep each PostgreSQL database and instance folder (their "
                             "names are printed), to measure them again; drop them by hand")
    args = parser.parse_args()
    if args.quick:
        args.cases, args.duration = "2000", 5
    if not 1 <= args.duration <= 300:
        parser.error("--duration must be 1..300 seconds")
    sizes = [int(x) for x in args.cases.split(",") if x]
    databases = [d for d in args.databases.split(",") if d]
    if set(databases) - {"sqlite", "postgresql"}:
        parser.error("--databases: sqlite, postgresql")
    wrk_binary = ensure_wrk()
    plan = [(db, n) for db in databases for n in sizes
            if db == "postgresql" or n <= SQLITE_MAX]
    if args.reuse:
        plan = [reused_plan(args.reuse[0])]
    runs = []
    for kind, n in plan:
        if kind == "postgresql" and not postgres_reachable():
            print("PostgreSQL is not reachable (BENCH_POSTGRES_URL); skipped", flush=True)
            continue
        runs.append(run_one(kind, n, args, wrk_binary))
        text = report(runs, args)
        print(text, flush=True)
        if not args.no_write:
            # After every run: a long run that fails later keeps what it measured.
            left = len(plan) - len(runs)
            write_results(text + (f"\n\n(Still running: {left} more of this plan.)"
                                  if left else ""))
    if not args.no_write:
        print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
