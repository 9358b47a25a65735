"""Browser-test harness: the real app on a live server, driven by Debian's Chromium.

Playwright comes from PyPI; the browser is Debian's /usr/bin/chromium, never a
downloaded one (`playwright install` is not used anywhere).

Without /usr/bin/chromium (or without the playwright package):
- on a laptop the browser tests are skipped, with one plain reason in pytest's -ra summary;
- on CI (CI=true) they fail: a green CI must never hide browser tests that did not run.
"""

from __future__ import annotations

import importlib.util
import os
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from casework.accounts.roles import Role
from casework.extensions import db
from tests import factories

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DEFAULT_TIMEOUT_MS = 10_000
SHOTS = Path(os.environ.get("CASEWORK_SHOTS") or Path(tempfile.gettempdir(), "casework-shots"))


def on_ci(env: Mapping[str, str]) -> bool:
    return env.get("CI", "").strip().lower() in ("true", "1", "yes")


def browser_problem(
    chromium: Path = CHROMIUM,
    env: Mapping[str, str] = os.environ,
    have_playwright: bool | None = None,
) -> tuple[str, str] | None:
    """None when the browser tests can run; else ("skip" | "fail", reason)."""
    if have_playwright is None:
        have_playwright = importlib.util.find_spec("playwright") is not None
    if not have_playwright:
        missing = "the playwright package is not installed (pip install -e '.[test]')"
    elif not (chromium.is_file() and os.access(chromium, os.X_OK)):
        missing = f"{chromium} not found (apt-get install chromium)"
    else:
        return None
    if on_ci(env):
        return "fail", f"browser tests cannot run on CI: {missing}"
    return "skip", f"browser tests skipped: {missing}"


def _require_browser() -> None:
    problem = browser_problem()
    if problem is None:
        return
    action, reason = problem
    if action == "fail":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


# ---------------------------------------------------------------------------- live server


@dataclass
class LiveServer:
    url: str
    server: object = field(repr=False)
    thread: threading.Thread = field(repr=False)


@pytest.fixture(scope="session")
def live_server(app):
    """The app served on 127.0.0.1 at a free port, in a background thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", server, thread)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def csrf_on(app):
    """Real CSRF protection for the browser: the testing config switches it off."""
    before = app.config["WTF_CSRF_ENABLED"]
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        yield
    finally:
        app.config["WTF_CSRF_ENABLED"] = before


# ---------------------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def _playwright():
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(_playwright):
    browser = _playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True
    )
    try:
        yield browser
    finally:
        browser.close()


# The browser asks every site for /favicon.ico by itself; the app has none yet, and that
# 404 is noise, not an error of the page under test.
IGNORED_CONSOLE_URLS = ("/favicon.ico",)


@dataclass
class PageProblems:
    """What went wrong in the browser while a test ran, beyond its own assertions."""

    console_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)

    def all(self) -> list[str]:
        return self.console_errors + self.csp_violations + self.page_errors + self.server_errors


# Init scripts are injected by the browser itself, so the strict CSP does not block this.
_CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolation(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"}`
                        + ` at ${e.sourceFile || document.location.pathname}:${e.lineNumber}`);
});
"""


@pytest.fixture
def context(browser, live_server, csrf_on):
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", timezone_id="UTC",
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    context.set_default_navigation_timeout(DEFAULT_TIMEOUT_MS)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def page(context, problems, request):
    page = context.new_page()

    def on_console(msg):
        where = msg.location.get("url", "")
        if msg.type == "error" and not where.endswith(IGNORED_CONSOLE_URLS):
            problems.console_errors.append(f"{msg.text} ({where})")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: problems.page_errors.append(str(exc)))
    page.on("response", lambda r: r.status >= 500 and problems.server_errors.append(
        f"{r.status} {r.request.method} {r.url}"))
    page.expose_function("__cspViolation", lambda text: problems.csp_violations.append(text))
    page.add_init_script(_CSP_LISTENER)
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        SHOTS.mkdir(parents=True, exist_ok=True)
        try:
            page.screenshot(path=str(SHOTS / f"FAILED-{request.node.name}.png"), full_page=True)
        except Exception as exc:  # the page may be gone; the test's own error matters more
            print(f"no failure screenshot: {exc}")
    page.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


# ---------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Login:
    user_id: object
    email: str
    password: str
    name: str
    office_code: str


@pytest.fixture
def caseworker(app) -> Login:
    """A caseworker in a Mexican office, committed before the browser reads it."""
    with app.app_context():
        office = factories.office("MX")
        user = factories.user(Role.CASEWORKER, office, name="Carmen Caseworker")
        db.session.commit()
        login = Login(user.id, user.email, factories.PASSWORD, user.name, office.code)
        db.session.remove()
    return login
