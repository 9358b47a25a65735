"""KEK rotation rewraps every data key, resumes after a kill, never loses a case;
retire refuses while a key is used; verify decrypts everything and finds tampering."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from casework.accounts.models import User
from casework.accounts.roles import Role
from casework.cases.models import Case
from casework.crypto import rotation
from casework.crypto.errors import IntegrityError, KeyringError
from casework.crypto.keyring import load_keyring
from casework.extensions import db


class Killed(Exception):
    """Stands for the process being killed between two batches."""


def _cases(make, actor, n):
    return [make.case(actor, given_names=f"Niña {i}", family_names=f"Apellido{i} Tzoc")
            for i in range(n)]


def _keks() -> dict[str, int]:
    return dict(db.session.execute(
        sa.select(Case.kek_id, sa.func.count()).group_by(Case.kek_id)).all())


def _read_all(expected: dict) -> None:
    db.session.expunge_all()
    for case in db.session.scalars(sa.select(Case)):
        assert case.given_names == expected[case.id]


def test_rotation_rewraps_every_key_and_everything_stays_readable(
    app, world, make, private_keyring
):
    cw = world("MX", Role.CASEWORKER)
    make.enrol_mfa(cw)
    cases = _cases(make, cw, 5)
    expected = {c.id: c.given_names for c in cases}
    old = load_keyring(private_keyring).primary_kek_id

    report = rotation.rotate(app, batch_size=2)

    assert report.new_key and report.kek_id != old
    assert report.cases == 5 and report.secrets == 1 and not report.failed
    assert _keks() == {report.kek_id: 5}
    assert db.session.get(User, cw.id).totp_kek_id == report.kek_id
    assert load_keyring(private_keyring).primary_kek_id == report.kek_id
    _read_all(expected)
    check = rotation.verify()
    assert check.cases == 5 and check.secrets == 1 and not check.failed
    assert check.fields >= 5 * 5


def test_a_rotation_killed_between_batches_finishes_when_run_again(
    app, world, make, private_keyring
):
    cw = world("MX", Role.CASEWORKER)
    cases = _cases(make, cw, 5)
    expected = {c.id: c.given_names for c in cases}

    def kill(batch):
        raise Killed

    with pytest.raises(Killed):
        rotation.rotate(app, batch_size=2, after_batch=kill)
    db.session.rollback()
    keyring = load_keyring(private_keyring)
    assert sorted(_keks().values()) == [2, 3]  # half-way: two rows on the new KEK
    _read_all(expected)  # and every case readable meanwhile

    report = rotation.rotate(app, batch_size=2)
    assert not report.new_key  # finished the rotation, did not start another
    assert report.kek_id == keyring.primary_kek_id
    assert load_keyring(private_keyring).keks.keys() == keyring.keks.keys()
    assert _keks() == {keyring.primary_kek_id: 5}
    _read_all(expected)
    assert not rotation.verify().failed


def test_a_rotation_killed_after_writing_the_keyring_resumes(
    app, world, make, private_keyring, monkeypatch
):
    cw = world("MX", Role.CASEWORKER)
    cases = _cases(make, cw, 3)
    expected = {c.id: c.given_names for c in cases}

    real = rotation._rewrap_cases

    def killed(*args, **kwargs):
        raise Killed

    monkeypatch.setattr(rotation, "_rewrap_cases", killed)
    with pytest.raises(Killed):
        rotation.rotate(app)
    monkeypatch.setattr(rotation, "_rewrap_cases", real)
    db.session.rollback()
    primary = load_keyring(private_keyring).primary_kek_id
    assert primary not in _keks()  # the new KEK is on disk, no row uses it yet
    _read_all(expected)
    report = rotation.rotate(app)
    assert not report.new_key and _keks() == {primary: 3}


def test_retire_refuses_while_a_key_is_used_then_removes_it(app, world, make, private_keyring):
    from casework.cli.keys import keys

    cw = world("MX", Role.CASEWORKER)
    cases = _cases(make, cw, 2)
    expected = {c.id: c.given_names for c in cases}
    old = load_keyring(private_keyring).primary_kek_id
    with pytest.raises(KeyringError, match="primary"):
        rotation.retire(app, old)
    runner = app.test_cli_runner()

    def killed_after_first(batch):
        raise Killed

    with pytest.raises(Killed):
        rotation.rotate(app, batch_size=1, after_batch=killed_after_first)
    db.session.rollback()
    refused = runner.invoke(keys, ["retire", old])
    assert refused.exit_code == 1 and "still used by 1 cases" in refused.output
    assert old in load_keyring(private_keyring).keks

    assert runner.invoke(keys, ["rotate"]).exit_code == 0
    done = runner.invoke(keys, ["retire", old])
    assert done.exit_code == 0, done.output
    assert old not in load_keyring(private_keyring).keks
    _read_all(expected)
    verified = runner.invoke(keys, ["verify"])
    assert verified.exit_code == 0 and "case data keys unwrapped: 2" in verified.output


def test_a_flipped_byte_in_a_wrapped_key_is_detected(app, world, make, private_keyring):
    from casework.cli.keys import keys

    cw = world("MX", Role.CASEWORKER)
    case_id = make.case(cw).id
    table = Case.__table__
    wrapped = bytearray(db.session.scalar(sa.select(table.c.wrapped_key)))
    wrapped[7] ^= 0x80
    db.session.execute(sa.update(table).values(wrapped_key=bytes(wrapped)))
    db.session.commit()
    db.session.expunge_all()
    with pytest.raises(IntegrityError):
        _ = db.session.get(Case, case_id).given_names
    db.session.rollback()
    result = app.test_cli_runner().invoke(keys, ["verify"])
    assert result.exit_code == 1 and f"child_case {case_id}: data key" in result.output
    # Rotation refuses to rewrap what it cannot verify, and says so.
    assert rotation.rotate(app).failed == [f"child_case {case_id}"]


def test_a_flipped_byte_in_a_ciphertext_is_detected(app, world, make, private_keyring):
    cw = world("MX", Role.CASEWORKER)
    case_id = make.case(cw).id
    table = Case.__table__
    blob = bytearray(db.session.scalar(sa.select(table.c.family_names)))
    blob[-1] ^= 0x01
    db.session.execute(sa.update(table).values(family_names=bytes(blob)))
    db.session.commit()
    report = rotation.verify()
    assert report.failed == [f"child_case {case_id}: family_names"]


def test_a_worker_with_the_old_keyring_reads_rewrapped_cases(app, world, make, private_keyring):
    from casework.crypto.runtime import current_keyring, set_keyring

    cw = world("MX", Role.CASEWORKER)
    case_id = make.case(cw).id
    stale = current_keyring()
    rotation.rotate(app)
    set_keyring(app, stale)  # as a worker started before the rotation holds it
    db.session.expunge_all()
    assert db.session.get(Case, case_id).given_names == "Ana Lucía"
    assert current_keyring().primary_kek_id != stale.primary_kek_id


# --- blind index root --------------------------------------------------------------------

def _found(user, q: str) -> set:
    from casework.cases.queries import CaseFilters, case_list_query

    return {c.number for c in db.session.scalars(case_list_query(user, CaseFilters(q=q)))}


def _entries_by_key() -> dict:
    from casework.cases.models import CaseSearchToken

    return dict(db.session.execute(sa.select(CaseSearchToken.key_id, sa.func.count())
                                   .group_by(CaseSearchToken.key_id)).all())


def test_index_rotation_killed_half_way_keeps_search_working_and_finishes(
    app, world, make, private_keyring
):
    from casework.cli.keys import keys

    cw = world("MX", Role.CASEWORKER)
    cases = _cases(make, cw, 5)
    numbers = {c.number for c in cases}
    one = cases[3].number
    old = load_keyring(private_keyring).blind_index_key_id
    assert _found(cw, "Tzoc") == numbers and _found(cw, "Apellido3") == {one}

    def kill(batch):
        raise Killed

    with pytest.raises(Killed):
        rotation.rotate_index(app, batch_size=2, after_batch=kill)
    db.session.rollback()
    new = load_keyring(private_keyring).blind_index_key_id
    assert new != old and set(_entries_by_key()) == {old, new}
    # Half-way, with entries of both keys: every search still finds every case, by a
    # token or by a pair (cases/queries.py), whichever root indexed it.
    assert _found(cw, "Tzoc") == numbers and _found(cw, "Apellido3") == {one}
    assert _found(cw, "Niña Tzoc") == numbers and _found(cw, "tzoc apellido3") == {one}
    refused = app.test_cli_runner().invoke(keys, ["retire-index", old])
    assert refused.exit_code == 1 and "not yet rebuilt" in refused.output

    result = app.test_cli_runner().invoke(keys, ["rotate-index"])
    assert result.exit_code == 0 and "finished rebuilding" in result.output
    cw = db.session.merge(cw)  # the command ended the session it shared with the test
    assert set(_entries_by_key()) == {new}
    assert load_keyring(private_keyring).blind_index_key_id == new
    assert app.test_cli_runner().invoke(keys, ["retire-index", old]).exit_code == 0
    assert old not in load_keyring(private_keyring).blind_index_keys
    assert _found(cw, "Tzoc") == numbers and _found(cw, "Apellido3") == {one}
    assert _found(cw, "Niña Tzoc") == numbers and _found(cw, "tzoc apellido3") == {one}
    assert _found(cw, "Nobody") == set() and _found(cw, "Niña Nobody") == set()


def test_index_rotation_leaves_a_case_edited_meanwhile_as_its_editor_indexed_it(
    app, world, make, private_keyring, monkeypatch
):
    from casework.cases import services as case_services

    cw = world("MX", Role.CASEWORKER)
    case = make.case(cw, given_names="Original")
    case_id, number = case.id, case.number
    real = case_services.reindex

    def edited_meanwhile(c):
        real(c)
        # Another worker saves the case between our read and our write.
        db.session.execute(sa.update(Case.__table__).where(Case.__table__.c.id == case_id)
                           .values(version=Case.__table__.c.version + 1))

    monkeypatch.setattr(case_services, "reindex", edited_meanwhile)
    report = rotation.rotate_index(app)
    assert report.cases == 0  # not overwritten: the editor's reindex stands
    monkeypatch.setattr(case_services, "reindex", real)
    report = rotation.rotate_index(app)
    assert report.cases == 1
    assert _found(db.session.merge(cw), "Original") == {number}
