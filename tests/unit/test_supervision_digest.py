"""`flask casework digest`: each supervisor's overdue and due-soon checkpoints, for cron."""

from __future__ import annotations

import os
import stat
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, format_datetime

from casework.accounts.roles import Role
from casework.audit.models import AuditEvent
from casework.extensions import db
from casework.models import utcnow
from casework.supervision import dashboard
from casework.supervision.dashboard import Filters
from tests import supervision_scenario


@pytest.fixture
def s(world):
    scenario = supervision_scenario.build(world)
    scenario.sup.locale = "en"  # the Mexican supervisor chose English; see the test below
    db.session.commit()
    return scenario


def _run(app, *args):
    return app.test_cli_runner().invoke(args=["casework", "digest", *args])


def _section(out: str, user) -> str:
    return out.split(f"== {user.name} <{user.email}>")[1].split("\n== ")[0]


def test_each_supervisor_gets_their_offices_overdue_and_due_soon(app, s, world):
    now = utcnow() + timedelta(days=1)
    result = _run(app, "--now", now.isoformat(), "--limit", "500")
    assert result.exit_code == 0, result.output
    out = result.output
    mine = _section(out, s.sup)
    numbers = dashboard.build(s.scope, Filters(), now).totals
    assert f"Overdue: {numbers['overdue']} · Due within 3 days: {numbers['due_soon']}" in mine
    items, _ = dashboard.drill_down(s.scope, Filters(column="overdue"), now, per_page=500)
    lines = [line for line in mine.splitlines() if line.startswith("  ")]
    assert len(lines) == numbers["overdue"] + numbers["due_soon"]
    assert [line.split()[0] for line in lines[:len(items)]] == [i.number for i in items]
    assert "days overdue" in lines[0] and "due in" in lines[-1]
    assert s.cases["abroad"].number not in mine
    assert s.cases["abroad"].number in _section(out, world("US", Role.SUPERVISOR))
    assert not any(name in out for name in ("Ana Lucía", "Ixcoy", "Tzoc"))
    db.session.rollback()
    event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "supervision.digest")).one()
    assert event.details["supervisors"] == 2 and event.details["items"] >= len(lines)


def test_a_long_digest_says_how_many_more_there_are(app, s):
    now = utcnow() + timedelta(days=1)
    out = _section(_run(app, "--now", now.isoformat(), "--limit", "3").output, s.sup)
    numbers = dashboard.build(s.scope, Filters(), now).totals
    assert len([line for line in out.splitlines() if line.startswith("  MX-")]) == 3
    assert f"and {numbers['overdue'] + numbers['due_soon'] - 3} more" in out


def test_each_section_is_in_its_supervisors_language(app, s):
    s.sup.locale = "es"
    db.session.commit()
    now = utcnow() + timedelta(days=1)
    mine = _section(_run(app, "--now", now.isoformat()).output, s.sup)
    items, _ = dashboard.drill_down(s.scope, Filters(column="overdue"), now, per_page=1)
    with force_locale("es_MX"):  # Spanish as Mexico writes it (web/formatting.py)
        spanish = format_datetime(items[0].due_at, "short")
    with force_locale("en_US"):
        english = format_datetime(items[0].due_at, "short")
    assert spanish != english and spanish in mine and english not in mine


def test_it_writes_a_private_file_when_asked(app, s, tmp_path):
    target = tmp_path / "digest.txt"
    result = _run(app, "--output", str(target))
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    text = target.read_text(encoding="utf-8")
    assert f"== {s.sup.name}" in text and "Overdue:" in text


def test_a_bad_moment_is_refused(app, ctx):
    result = _run(app, "--now", "yesterday")
    assert result.exit_code != 0 and "--now" in result.output


def test_nothing_to_do_is_said_plainly(app, world):
    out = _run(app).output
    assert "Nothing overdue or due soon." in _section(out, world("US", Role.SUPERVISOR))
    # The Mexican supervisor saved no language: the office country's, Spanish.
    assert "Nothing overdue" not in _section(out, world("MX", Role.SUPERVISOR))


def test_a_supervisor_with_no_saved_language_gets_the_office_country_language(app, s):
    s.sup.locale = None  # a Mexican office: Spanish
    db.session.commit()
    out = _section(_run(app, "--now", (utcnow() + timedelta(days=1)).isoformat()).output,
                   s.sup)
    assert "Vencidos:" in out and "Overdue" not in out
