"""The browser harness's own rule: a missing browser is a skip on a laptop, a failure on CI.

No browser is needed here: the check is a pure function of a path and the environment.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import browser_problem


@pytest.fixture
def fake_chromium(tmp_path):
    exe = tmp_path / "chromium"
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    return exe


@pytest.mark.parametrize("env", [{}, {"CI": "true"}, {"CI": "false"}])
def test_browser_present_runs(fake_chromium, env):
    assert browser_problem(fake_chromium, env, have_playwright=True) is None


@pytest.mark.parametrize("env", [{}, {"CI": ""}, {"CI": "false"}, {"CI": "0"}])
def test_missing_browser_on_a_laptop_is_a_plain_skip(tmp_path, env):
    missing = tmp_path / "chromium"
    action, reason = browser_problem(missing, env, have_playwright=True)
    assert action == "skip"
    assert reason == f"browser tests skipped: {missing} not found (apt-get install chromium)"


@pytest.mark.parametrize("ci", ["true", "TRUE", "1"])
def test_missing_browser_on_ci_is_a_failure(tmp_path, ci):
    action, reason = browser_problem(tmp_path / "chromium", {"CI": ci}, have_playwright=True)
    assert action == "fail"
    assert "chromium not found" in reason


def test_a_file_that_cannot_run_is_missing(tmp_path):
    exe = tmp_path / "chromium"
    exe.write_text("not a program")
    exe.chmod(0o644)
    assert browser_problem(exe, {"CI": "true"}, have_playwright=True)[0] == "fail"


def test_missing_playwright_follows_the_same_rule(fake_chromium):
    assert browser_problem(fake_chromium, {}, have_playwright=False)[0] == "skip"
    assert browser_problem(fake_chromium, {"CI": "true"}, have_playwright=False)[0] == "fail"
