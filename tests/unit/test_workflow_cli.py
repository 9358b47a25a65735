import json

import sqlalchemy as sa

from casework.accounts.roles import Role
from casework.extensions import db
from casework.workflow.models import CaseCheckpoint, State
from casework.workflow.policy import CATALOGUE, Action
from casework.workflow.registry import CONDITIONS


def test_policy_json_lists_the_whole_catalogue(app):
    result = app.test_cli_runner().invoke(args=["casework", "policy", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [c["key"] for c in data["checkpoints"]] == [c.key for c in CATALOGUE]
    bid = next(c for c in data["checkpoints"] if c["key"] == "bi.bid")
    assert "R5" in bid["recommendations"]
    assert {"action": Action.RECORD_RETURN.value, "block": "hard"} in bid["blocks"]
    safety = next(c for c in data["checkpoints"] if c["key"] == "screen.safety")
    assert safety["deadline"] == {"amount": 24, "unit": "hours", "from": "case.opened",
                                  "recurring": False}


def test_policy_check_passes_and_fails_on_a_missing_condition(app, monkeypatch):
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["casework", "policy", "--check"])
    assert ok.exit_code == 0 and "catalogue OK" in ok.output
    monkeypatch.delitem(CONDITIONS, "screening.safety_done")
    broken = runner.invoke(args=["casework", "policy", "--check"])
    assert broken.exit_code == 1
    assert "screening.safety_done" in broken.output


def test_rebuild_recomputes_every_case(app, world, make):
    cases = [make.case(world("MX", Role.CASEWORKER)) for _ in range(3)]
    first = cases[0].id
    # Rows missing for two cases, and wrong for the first: rebuild mends both.
    db.session.execute(sa.delete(CaseCheckpoint).where(CaseCheckpoint.case_id != first))
    db.session.execute(sa.update(CaseCheckpoint).values(state=State.MET))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["casework", "checkpoints", "rebuild",
                                                "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    assert "rebuilt checkpoints of 3 cases" in result.output
    count = db.session.scalar(sa.select(sa.func.count()).select_from(CaseCheckpoint))
    assert count == 3 * len(CATALOGUE)
    states = db.session.scalars(sa.select(CaseCheckpoint.state).where(
        CaseCheckpoint.case_id == first, CaseCheckpoint.key == "screen.safety")).all()
    assert states == [State.PENDING]
