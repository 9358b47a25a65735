"""Every gated action: refused on a fresh case with the right reasons, allowed once its
checkpoints are met, and for soft gates allowed after a supervisor's written override."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from casework.accounts.roles import Role
from casework.audit.models import AuditEvent
from casework.errors import NotPermitted
from casework.extensions import db
from casework.workflow import engine, services
from casework.workflow.engine import CheckpointBlocked
from casework.workflow.models import ActionRecord
from casework.workflow.policy import Action, Block
from casework.workflow.registry import CONDITIONS, Met

# From POLICY.md's "blocks" column, for a fresh case of a Guatemalan child in Mexico.
FRESH_MX_REASONS = {
    Action.RELEASE_TO_SPONSOR: {"screen.trafficking": Block.SOFT, "ftr.verify": Block.HARD,
                                "ftr.sponsor": Block.HARD},
    Action.REUNIFY_ABROAD: {"bi.bid": Block.HARD, "ftr.verify": Block.HARD},
    Action.RECORD_TRANSFER: {"intake.consent": Block.SOFT, "bi.plan": Block.SOFT,
                             "bi.bid": Block.HARD, "transfer.mx_us": Block.HARD},
    Action.RECORD_RETURN: {"screen.trafficking": Block.SOFT, "screen.protection": Block.HARD,
                           "legal.screening": Block.HARD, "bi.bid": Block.HARD,
                           "return.plan": Block.HARD},
    Action.CLOSE_CASE: {"legal.kyr": Block.SOFT},
    Action.CONTACT_ORIGIN_COUNTRY: {"intake.consent": Block.SOFT},
    Action.FILE_RELIEF: {"legal.representation": Block.SOFT},
}

NOW = datetime.now(UTC)


@pytest.fixture
def satisfy(monkeypatch):
    """Make named `met` conditions return Met, as their records would."""
    def _satisfy(*keys):
        for key in keys:
            name = engine.checkpoint(key).met
            monkeypatch.setitem(CONDITIONS, name, lambda facts: Met(NOW, None))
    return _satisfy


@pytest.mark.parametrize("action", list(Action))
def test_fresh_case_refuses_every_action_with_its_reasons(world, make, action):
    case = make.case(world("MX", Role.CASEWORKER))
    with pytest.raises(CheckpointBlocked) as refused:
        engine.require(case, action)
    got = {r.key: r.block for r in refused.value.reasons}
    assert got == FRESH_MX_REASONS[action]
    for reason in refused.value.reasons:
        assert reason.recommendations, "every reason names its recommendation"


def test_a_return_on_a_fresh_case_is_refused_naming_r5(world, make):
    case = make.case(world("MX", Role.CASEWORKER))
    with pytest.raises(CheckpointBlocked) as refused:
        services.perform(case, Action.RECORD_RETURN, actor=world("MX", Role.CASEWORKER),
                         occurred_at=NOW)
    assert any("R5" in r.recommendations and r.block == Block.HARD
               for r in refused.value.reasons)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ActionRecord)) == 0


def test_contiguous_screening_gates_the_return_of_a_mexican_child_in_the_us(world, make):
    case = make.case(world("US", Role.CASEWORKER), nationality="MX",
                     encounter_type="port_of_entry")
    keys = {r.key for r in engine.blockers(case, Action.RECORD_RETURN)}
    assert "screen.contiguous" in keys
    other = make.case(world("US", Role.CASEWORKER), nationality="GT")
    assert "screen.contiguous" not in {r.key for r in engine.blockers(other,
                                                                       Action.RECORD_RETURN)}


@pytest.mark.parametrize("action", list(Action))
def test_allowed_once_its_checkpoints_are_met(world, make, satisfy, action):
    actor = world("MX", Role.CASEWORKER)
    case = make.case(actor)
    satisfy(*FRESH_MX_REASONS[action])
    assert engine.blockers(case, action) == []
    entry = services.perform(case, action, actor=actor, occurred_at=NOW, note="done")
    db.session.commit()
    assert entry.action == action.value
    if action == Action.CLOSE_CASE:
        assert case.status == "closed"


def _soft_only(action):
    return [k for k, b in FRESH_MX_REASONS[action].items() if b == Block.SOFT]


@pytest.mark.parametrize("action", [a for a in Action if _soft_only(a)])
def test_soft_gates_pass_after_a_supervisors_written_override(world, make, satisfy, action):
    case = make.case(world("MX", Role.CASEWORKER))
    hard = [k for k, b in FRESH_MX_REASONS[action].items() if b == Block.HARD]
    satisfy(*hard)
    supervisor = world("MX", Role.SUPERVISOR)
    for key in _soft_only(action):
        with pytest.raises(ValueError):
            engine.override(case, action, key, "", actor=supervisor)
        with pytest.raises(NotPermitted):
            engine.override(case, action, key, "A reason that is long enough.",
                            actor=world("MX", Role.CASEWORKER))
        assert engine.blockers(case, action), "a refused override lifts nothing"
        engine.override(case, action, key, "The child is in danger; acting now.",
                        actor=supervisor)
    db.session.commit()
    assert engine.blockers(case, action) == []
    events = db.session.scalars(sa.select(AuditEvent.action)).all()
    assert "gate.override" in events


def test_hard_gates_cannot_be_overridden(world, make):
    case = make.case(world("MX", Role.CASEWORKER))
    with pytest.raises(NotPermitted):
        engine.override(case, Action.RECORD_RETURN, "bi.bid", "Supervisor wants it done now.",
                        actor=world("MX", Role.SUPERVISOR))


def test_an_override_applies_to_one_action_only(world, make):
    case = make.case(world("MX", Role.CASEWORKER))
    engine.override(case, Action.CONTACT_ORIGIN_COUNTRY, "intake.consent",
                    "Consent is being taken by phone today.", actor=world("MX", Role.SUPERVISOR))
    assert "intake.consent" in {r.key for r in engine.blockers(case, Action.RECORD_TRANSFER)}
    assert engine.blockers(case, Action.CONTACT_ORIGIN_COUNTRY) == []


def test_never_share_flag_refuses_contact_with_the_country_of_origin(world, make, satisfy,
                                                                    monkeypatch):
    case = make.case(world("MX", Role.CASEWORKER))
    satisfy("intake.consent")
    assert engine.blockers(case, Action.CONTACT_ORIGIN_COUNTRY) == []
    monkeypatch.setitem(CONDITIONS, "consent.never_share_with_origin", lambda facts: True)
    reasons = engine.blockers(case, Action.CONTACT_ORIGIN_COUNTRY)
    assert len(reasons) == 1 and reasons[0].block == Block.HARD and not reasons[0].overridable
    assert "R7" in reasons[0].recommendations


def test_closing_twice_is_refused(world, make, satisfy):
    actor = world("MX", Role.CASEWORKER)
    case = make.case(actor)
    satisfy("legal.kyr")
    services.perform(case, Action.CLOSE_CASE, actor=actor, occurred_at=NOW)
    with pytest.raises(CheckpointBlocked):
        services.perform(case, Action.CLOSE_CASE, actor=actor, occurred_at=NOW)


def _reasons_from_full_evaluation(case, action):
    """The gate reasons as the full catalogue evaluation gives them (the case page's
    checklist), for checking that `blockers` evaluating only the gating checkpoints
    answers the same."""
    from casework.workflow.registry import FactBatch, Facts

    facts = Facts(case=case, now=NOW, proposed=frozenset({action}),
                  _batch=FactBatch([case.id]))
    overridden = {o.key for o in engine.overrides_for(case, action)}
    return {ev.checkpoint.key: gate.block for ev in engine.evaluate(facts)
            if (gate := ev.checkpoint.gate_for(action)) and ev.applies and ev.met is None
            and not (gate.block == Block.SOFT and ev.checkpoint.key in overridden)}


def test_blockers_by_action_agree_with_the_full_evaluation(world, make, satisfy):
    fresh = make.case(world("MX", Role.CASEWORKER))
    overridden = make.case(world("MX", Role.CASEWORKER))
    engine.override(overridden, Action.CONTACT_ORIGIN_COUNTRY, "intake.consent",
                    "Consent is being taken by phone today.", actor=world("MX", Role.SUPERVISOR))
    engine.override(overridden, Action.CLOSE_CASE, "legal.kyr",
                    "The child left the shelter before the session.",
                    actor=world("MX", Role.SUPERVISOR))
    satisfy("bi.bid")
    in_us = make.case(world("US", Role.CASEWORKER), nationality="MX")
    db.session.commit()
    for case in (fresh, overridden, in_us):
        by_action = engine.blockers_by_action(case)
        assert set(by_action) == set(Action)
        for action, reasons in by_action.items():
            keyed = {r.key: r.block for r in reasons if r.key}
            assert keyed == _reasons_from_full_evaluation(case, action), (case, action)
            assert reasons == engine.blockers(case, action, now=NOW)
