"""Second factor: enrolment with a server-drawn QR code, single-use codes, recovery codes,
required in production, and no page after sign-in before the second factor."""

from __future__ import annotations

import pyotp
import pytest
import sqlalchemy as sa

from casework.accounts import mfa
from casework.accounts.models import RecoveryCode, User, UserSession
from casework.accounts.roles import Role
from casework.extensions import db
from casework.web.access import MFA_STEP, PUBLIC, declaration


@pytest.fixture
def required(app, monkeypatch):
    monkeypatch.setitem(app.config, "MFA_REQUIRED", True)


@pytest.fixture
def clock(monkeypatch):
    """A clock the test moves, so each sign-in can have a fresh time step."""
    now = [mfa._clock()]
    monkeypatch.setattr(mfa, "_clock", lambda: now[0])

    def advance(seconds: int = mfa.STEP_SECONDS) -> None:
        now[0] += seconds

    return advance


def test_required_mfa_sends_a_new_user_to_enrolment_and_nowhere_else(
    app, client, world, make, required
):
    cw = world("MX", Role.CASEWORKER)
    response = client.post("/login", data={"email": cw.email, "password": make.PASSWORD})
    assert response.headers["Location"].endswith("/account/mfa/setup")
    assert client.get("/cases").headers["Location"].endswith("/account/mfa/setup")

    page = client.get("/account/mfa/setup")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<svg" in html and "<script" not in html.split("<main")[1].split("</main>")[0]
    db.session.expire_all()
    secret = mfa.pending_secret(db.session.get(User, cw.id))
    assert secret and secret[:4] in html  # the key for typing in by hand

    wrong = client.post("/account/mfa/setup", data={"code": "000000"})
    assert "not correct" in wrong.get_data(as_text=True)
    assert client.get("/cases").status_code == 302

    code = pyotp.TOTP(secret).now()
    done = client.post("/account/mfa/setup", data={"code": code})
    codes_page = done.get_data(as_text=True)
    assert done.status_code == 200 and "recovery codes" in codes_page.lower()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)
                             .where(RecoveryCode.user_id == cw.id)) == mfa.RECOVERY_CODES
    assert client.get("/cases").status_code == 200


def test_every_page_after_sign_in_waits_for_the_second_factor(app, client, world, make):
    sup = world("MX", Role.SUPERVISOR)
    make.enrol_mfa(sup)
    client.post("/login", data={"email": sup.email, "password": make.PASSWORD})
    checked = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.arguments or rule.endpoint == "static":
            continue
        if declaration(app, rule.endpoint) in (PUBLIC, MFA_STEP):
            continue
        response = client.get(rule.rule)
        assert response.status_code == 302, rule.rule
        assert response.headers["Location"].endswith("/login/verify"), rule.rule
        checked += 1
    assert checked >= 5
    # POSTs too: ending sessions is refused before the second factor.
    assert client.post("/account/sessions/end-others").headers["Location"].endswith(
        "/login/verify")


def test_second_factor_gives_a_new_session_and_a_code_works_once(
    app, client, world, make, clock
):
    cw = world("MX", Role.CASEWORKER)
    make.enrol_mfa(cw)
    clock()
    code = make.totp_code(cw, 0)
    client.post("/login", data={"email": cw.email, "password": make.PASSWORD})
    with client.session_transaction() as s:
        before = s["_user_id"]
    assert client.post("/login/verify", data={"code": code}).status_code == 302
    with client.session_transaction() as s:
        after = s["_user_id"]
    assert after != before
    rows = {r.ended_reason for r in db.session.scalars(
        sa.select(UserSession).where(UserSession.user_id == cw.id))}
    assert rows == {"mfa-step-up", None}
    assert client.get("/cases").status_code == 200

    # The same code again, from another browser, within its validity: refused.
    other = app.test_client()
    other.post("/login", data={"email": cw.email, "password": make.PASSWORD})
    replay = other.post("/login/verify", data={"code": code})
    assert replay.status_code == 200 and "already used" in replay.get_data(as_text=True)
    assert other.get("/cases").status_code == 302
    # An earlier step's code is refused too, even inside the drift window.
    assert other.post("/login/verify", data={"code": make.totp_code(cw, -1)}).status_code == 200
    clock()
    assert other.post("/login/verify", data={"code": make.totp_code(cw, 0)}).status_code == 302


def test_recovery_code_works_once(app, client, world, make):
    cw = world("MX", Role.CASEWORKER)
    codes = make.enrol_mfa(cw)
    make.login_with_mfa(client, cw, code=codes[0].lower().replace("-", " "))
    assert client.get("/cases").status_code == 200
    other = app.test_client()
    other.post("/login", data={"email": cw.email, "password": make.PASSWORD})
    assert other.post("/login/verify", data={"code": codes[0]}).status_code == 200
    assert other.get("/cases").status_code == 302
    db.session.expire_all()
    assert mfa.recovery_codes_left(db.session.get(User, cw.id)) == mfa.RECOVERY_CODES - 1


def test_recovery_codes_are_stored_hashed_and_the_totp_secret_encrypted(world, make):
    cw = world("MX", Role.CASEWORKER)
    codes = make.enrol_mfa(cw)
    secret = mfa._secret(cw)
    stored = db.session.execute(sa.text(
        "SELECT totp_secret FROM user_account WHERE totp_secret IS NOT NULL")).scalars().all()
    assert len(stored) == 1 and secret.encode() not in bytes(stored[0])
    hashes = set(make.raw_values("mfa_recovery_code", "code_hash"))
    for code in codes:
        assert code not in hashes and code.replace("-", "") not in hashes


def test_a_flipped_byte_in_the_totp_secret_is_detected(world, make):
    from casework.crypto.errors import IntegrityError

    cw = world("MX", Role.CASEWORKER)
    make.enrol_mfa(cw)
    blob = bytearray(cw.totp_secret)
    blob[-3] ^= 0x01
    cw.totp_secret = bytes(blob)
    with pytest.raises(IntegrityError):
        mfa._secret(cw)


def test_wrong_codes_are_throttled(app, client, world, make):
    cw = world("MX", Role.CASEWORKER)
    make.enrol_mfa(cw)
    client.post("/login", data={"email": cw.email, "password": make.PASSWORD})
    for _ in range(app.config["MFA_ATTEMPTS_PER_ACCOUNT"]):
        assert client.post("/login/verify", data={"code": "123456"}).status_code == 200
    blocked = client.post("/login/verify", data={"code": make.totp_code(cw)})
    assert blocked.status_code == 429
    assert client.get("/cases").status_code == 302


def test_mfa_cannot_be_switched_off_by_the_user_when_required(app, client, world, make, required):
    cw = world("MX", Role.CASEWORKER)
    make.enrol_mfa(cw)
    make.login_with_mfa(client, cw)
    client.post("/account/mfa/remove")
    db.session.expire_all()
    assert db.session.get(User, cw.id).mfa_enrolled


def test_admin_reset_ends_sessions_and_asks_for_a_new_enrolment(app, client, world, make):
    cw, admin = world("MX", Role.CASEWORKER), world("MX", Role.ADMIN)
    make.enrol_mfa(cw)
    make.login_with_mfa(client, cw)
    admin_client = app.test_client()
    make.login(admin_client, admin)
    assert admin_client.post(f"/admin/users/{cw.id}/mfa/reset").status_code == 302
    db.session.expire_all()
    assert not db.session.get(User, cw.id).mfa_enrolled
    assert client.get("/cases").status_code == 302  # the phone-less session is gone


def test_account_page_shows_the_state_and_new_codes_replace_old(app, client, world, make):
    cw = world("MX", Role.CASEWORKER)
    old = make.enrol_mfa(cw)
    make.login_with_mfa(client, cw)
    page = client.get("/account").get_data(as_text=True)
    assert "recovery codes left" in page
    fresh = client.post("/account/mfa/recovery-codes")
    assert fresh.status_code == 200
    other = app.test_client()
    other.post("/login", data={"email": cw.email, "password": make.PASSWORD})
    assert other.post("/login/verify", data={"code": old[1]}).status_code == 200
    assert other.get("/cases").status_code == 302
