"""Two checkouts of casework under the same load, interleaved: which is faster, by how much.

    python -m bench.ab --reuse DATABASE_URL FOLDER --base OTHER_CHECKOUT
                       [--pages case-page,case-list,name-search,dashboard,healthz]
                       [--rounds 4] [--duration 6] [--connections 16]

Two `bench.run` runs minutes apart on a shared machine differ by more than most changes
move (on 2026-12-08 `/healthz` alone went from 792 to 601 requests/s between two runs of
the same code). Here both checkouts serve the same kept database (`bench.run --keep`:
DATABASE_URL and its FOLDER, which holds the keyring and the staff password) from
gunicorns of their own, 2 workers each, and short wrk runs alternate between them, the
order swapped every round, so that both see the same drift; one server is loaded at a
time. This checkout is "new"; OTHER_CHECKOUT (a `git worktree add` of the commit to
compare with, its catalogues compiled: `make catalogues` there) is "base". Prints, per
page, the median requests/s of each and each round's runs. Nothing is written.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import urllib.parse
from pathlib import Path

from bench.run import (
    ROOT,
    bench_email,
    drained,
    ensure_wrk,
    free_port,
    gunicorn,
    password,
    sign_in,
    signed_in,
    wrk,
)

PAGES = ("case-page", "case-list", "name-search", "dashboard", "healthz")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reuse", nargs=2, metavar=("DATABASE_URL", "FOLDER"), required=True)
    parser.add_argument("--base", type=Path, required=True, help="the checkout to compare with")
    parser.add_argument("--pages", default="case-page,case-list,name-search,dashboard")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--duration", type=int, default=6, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    pages = args.pages.split(",")
    if unknown := set(pages) - set(PAGES):
        parser.error(f"unknown pages: {', '.join(sorted(unknown))}")
    url, folder = args.reuse[0], Path(args.reuse[1])
    password(folder)
    wrk_binary = ensure_wrk()
    checkouts = {"base": args.base.resolve(), "new": ROOT}
    with contextlib.ExitStack() as stack:
        targets = {}
        for name, root in checkouts.items():
            env = {**os.environ, "CASEWORK_INSTANCE_PATH": str(folder / "instance"),
                   "DATABASE_URL": url, "CASEWORK_CONFIG": "development",
                   "FLASK_APP": "wsgi", "PYTHONPATH": str(root)}
            env.pop("CASEWORK_KEYRING", None)
            port = free_port()
            stack.enter_context(gunicorn(env, port, root))
            targets[name] = _targets(f"http://127.0.0.1:{port}")
        for page in pages:
            runs: dict[str, list[float]] = {name: [] for name in checkouts}
            for round_ in range(args.rounds):
                order = list(checkouts) if round_ % 2 == 0 else list(reversed(checkouts))
                for name in order:
                    base, path, body, cookie = targets[name][page]
                    drained(base)
                    if round_ == 0:  # warm
                        wrk(wrk_binary, base + path, page, cookie, 2, args.connections, body)
                    load = wrk(wrk_binary, base + path, page, cookie, args.duration,
                               args.connections, body)
                    runs[name].append(load.requests_per_s)
            medians = {name: statistics.median(v) for name, v in runs.items()}
            for name, values in runs.items():
                print(f"{page:12} {name:4} {medians[name]:7.1f} requests/s (median of "
                      f"{', '.join(f'{v:.1f}' for v in values)})", flush=True)
            print(f"{page:12} new / base: {medians['new'] / medians['base']:.2f}", flush=True)


def _targets(base: str) -> dict[str, tuple[str, str, str | None, str]]:
    """Per page: (server, path, POST body, cookie), as bench.run loads them."""
    browser, case_path, name, token = sign_in(base, bench_email())
    cookie = browser.cookie_header()
    supervisor = signed_in(base, bench_email("supervisor")).cookie_header()
    search = urllib.parse.urlencode({"csrf_token": token, "q": name})
    return {"healthz": (base, "/healthz", None, cookie),
            "case-page": (base, case_path, None, cookie),
            "case-list": (base, "/cases", None, cookie),
            "name-search": (base, "/cases", search, cookie),
            "dashboard": (base, "/supervision", None, supervisor)}


if __name__ == "__main__":
    main()
