"""Factories that make real records through the services (real encryption, real audit)."""

from __future__ import annotations

import itertools
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from casework.accounts import services as accounts
from casework.accounts.models import Office, User
from casework.accounts.roles import Role
from casework.cases import services as cases
from casework.cases.choices import LANGUAGES
from casework.cases.models import Case
from casework.extensions import db

PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)


def office(country: str = "MX", code: str | None = None, timezone: str = "UTC") -> Office:
    """Test offices keep UTC unless a test is about time zones, so that a time typed in
    a form is the time stored."""
    n = next(_seq)
    return accounts.create_office(code or f"{country}-T{n}", f"Test office {n}", country,
                                  timezone)


def user(role: Role | str = Role.CASEWORKER, office: Office | None = None, **kw) -> User:
    n = next(_seq)
    office = office or globals()["office"]()
    return accounts.create_user(
        email=kw.pop("email", f"user{n}@example.test"), name=kw.pop("name", f"Staff {n}"),
        role=role, office=office, password=kw.pop("password", PASSWORD), **kw,
    )


def details(**overrides) -> cases.ChildDetails:
    values = dict(
        given_names="Ana Lucía", family_names="Ixcoy Tzoc", birth_date=date(2011, 3, 14),
        nationality="GT", languages=["quc", "es"], interpreter_needed=True,
        separation="unaccompanied",
        encountered_at=datetime.now(UTC).replace(microsecond=0) - timedelta(days=1),
        encounter_type="in_mexico", age_method="documents", sex="female",
        encounter_place="Garita", custodian="DIF", custodian_location="Tijuana",
    )
    values.update(overrides)
    return cases.ChildDetails(**values)


def case(actor: User, office: Office | None = None, **overrides) -> Case:
    c = cases.register_case(details(**overrides), office=office or actor.office, actor=actor)
    db.session.commit()
    return c


def login(client, user: User, password: str = PASSWORD):
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, "login failed"
    return response


@dataclass
class World:
    mx: Office
    us: Office
    users: dict[tuple[str, Role], User] = field(default_factory=dict)

    @classmethod
    def build(cls) -> World:
        w = cls(mx=office("MX"), us=office("US"))
        for country, off in (("MX", w.mx), ("US", w.us)):
            for role in Role:
                w.users[(country, role)] = user(role, off)
        db.session.commit()
        return w

    def __call__(self, country: str, role: Role) -> User:
        return self.users[(country, role)]


def intake_form(**overrides) -> dict:
    """The fields of the intake form (POST /cases/new) as a browser sends them.

    A value of None leaves the field out, as a browser does for an unticked box.
    """
    encountered = datetime.now(UTC) - timedelta(days=1)
    values = {
        "given_names": "Ana Lucía", "family_names": "Ixcoy Tzoc", "aliases": "",
        "birth_date_known": "y", "birth_date": "2011-03-14", "age_estimate": "",
        "age_method": "documents", "sex": "female", "nationality": "GT",
        "languages": ["quc", "es"], "other_languages": "", "interpreter_needed": "y",
        "separation": "unaccompanied", "encountered_at": encountered.strftime("%Y-%m-%dT%H:%M"),
        "encounter_type": "in_mexico", "encounter_place": "Garita El Chaparral",
        "custodian": "DIF", "custodian_location": "Tijuana", "a_number": "",
        "other_ids": "", "notes": "",
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


_LISTED = {code for code, _label in LANGUAGES}


def edit_form(case: Case, **overrides) -> dict:
    """The edit form of `case` as the edit page fills it, with `overrides` typed in."""
    d = cases.ChildDetails.of(case)
    values = intake_form(
        given_names=d.given_names, family_names=d.family_names,
        aliases="\n".join(d.aliases or []),
        birth_date_known="y" if d.birth_date else None,
        birth_date=d.birth_date.isoformat() if d.birth_date else "",
        age_estimate="" if d.age_estimate is None else str(d.age_estimate),
        age_method=d.age_method, sex=d.sex or "", nationality=d.nationality,
        languages=[x for x in d.languages or [] if x in _LISTED],
        other_languages="; ".join(x for x in d.languages or [] if x not in _LISTED),
        interpreter_needed="y" if d.interpreter_needed else None,
        separation=d.separation, encountered_at=d.encountered_at.strftime("%Y-%m-%dT%H:%M"),
        encounter_type=d.encounter_type, encounter_place=d.encounter_place or "",
        custodian=d.custodian or "", custodian_location=d.custodian_location or "",
        a_number=d.a_number or "", other_ids=d.other_ids or "", notes=d.notes or "",
        version=str(case.version),
    )
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


# --- Screening, legal and supervision records, through their services ------------------

def recent(**ago) -> datetime:
    """A moment just past, to the minute like the forms: recent(hours=3); default 5 minutes."""
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    return now - timedelta(**(ago or {"minutes": 5}))


def consent(case: Case, actor: User, **overrides):
    from casework.screening import services as screening

    values = dict(given_at=recent(), language="es", sharing_scope=["legal_service_provider"])
    values.update(overrides)
    return screening.record_consent(case, screening.ConsentDetails(**values), actor=actor)


def custody_event(case: Case, actor: User, kind: str, **overrides):
    from casework.screening import services as screening

    values = dict(kind=kind, occurred_at=recent(), details="Ref. 2026/001")
    values.update(overrides)
    return screening.record_custody_event(case, screening.CustodyEventDetails(**values),
                                          actor=actor)


# A valid outcome for each kind, so tests name only what they are about.
SCREENING_DEFAULTS = {
    "safety": {"outcome": "no_urgent_needs"},
    "trafficking": {"outcome": "no_indicators"},
    "protection": {"outcome": "no_fear"},
    "contiguous": {"trafficking_risk": False, "credible_fear": False, "can_decide": True},
}


def screening(case: Case, actor: User, kind: str, **overrides):
    from casework.screening import services as screening

    values = dict(kind=kind, completed_at=recent(), **SCREENING_DEFAULTS[kind])
    values.update(overrides)
    return screening.record_screening(case, screening.ScreeningDetails(**values), actor=actor)


def orientation(case: Case, actor: User, **overrides):
    from casework.legal import services as legal

    values = dict(delivered_at=recent(), language="es", presenter="Lic. Marta Ruiz",
                  session_format="group", provider="Legal aid partner")
    values.update(overrides)
    return legal.record_orientation(case, legal.OrientationDetails(**values), actor=actor)


def review(case: Case, actor: User, **overrides):
    from casework.supervision import services as supervision

    values = dict(reviewed_at=recent(), note="Case on track.", decisions=None)
    values.update(overrides)
    return supervision.record_review(case, supervision.ReviewDetails(**values), actor=actor)


def form_time(**ago) -> str:
    """`recent(**ago)` as a datetime-local form field value."""
    return recent(**ago).strftime("%Y-%m-%dT%H:%M")


def count(model) -> int:
    import sqlalchemy as sa

    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def raw_values(table: str, column: str) -> list[bytes | None]:
    """A column's stored bytes, as a copy of the database would show them."""
    import sqlalchemy as sa

    return list(db.session.scalars(sa.select(sa.column(column)).select_from(sa.table(table))))


def switch_user(client, user: User) -> None:
    """Sign out whoever is signed in, sign `user` in, and check who it is.

    `login` alone does not switch: the login page sends a signed-in user away with
    the same 302 a successful login gives, and every request of a test shares the
    test's app context (so Flask-Login's user in `g`) whichever client sends it.
    """
    client.post("/logout")
    login(client, user)
    page = client.get("/account/password").get_data(as_text=True)
    assert f"{user.name} · " in page, "the wrong user is signed in"


# --- Family tracing and reunification records, through their services ------------------

def family_member(case: Case, actor: User, **overrides):
    from casework.reunification import services as family

    values = dict(kinship="mother", given_names="Rosa Amalia", family_names="Tzoc Ajanel",
                  country="US", place="Houston, Texas", contact="+1 713 555 0148",
                  wants_contact="yes")
    values.update(overrides)
    return family.add_member(case, family.MemberDetails(**values), actor=actor)


def tracing(case: Case, actor: User, **overrides):
    from casework.reunification import services as family

    values = dict(occurred_at=recent(), channel="phone", result="contact_made",
                  confidentiality_confirmed=True, details="Called the number the child gave.")
    values.update(overrides)
    return family.record_tracing(case, family.TracingDetails(**values), actor=actor)


def verification(case: Case, actor: User, member, **overrides):
    from casework.reunification import services as family

    values = dict(member_id=member.id, verified_at=recent(), outcome="verified",
                  child_wish="wants", family_wish="wants", documents_seen=True,
                  documents="Birth certificate naming the mother", child_interviewed=True,
                  family_interviewed=True)
    values.update(overrides)
    return family.record_verification(case, family.VerificationDetails(**values), actor=actor)


def sponsor_assessment(case: Case, actor: User, member, **overrides):
    from casework.reunification import services as family

    values = dict(assessed_at=recent(), category="1", member_id=member.id if member else None,
                  household="Lives with her partner (41) and a son (9).")
    values.update(overrides)
    return family.record_assessment(case, family.AssessmentDetails(**values), actor=actor)


def sponsor_check(case: Case, actor: User, kind: str, **overrides):
    from casework.reunification import services as family

    values = dict(kind=kind, completed_at=recent(), passed=True)
    values.update(overrides)
    return family.record_check(case, family.CheckDetails(**values), actor=actor)


def sponsor_ready(case: Case, actor: User, *, home_study: bool = False, **assessment):
    """A parent in the US, verified, assessed and checked: what a release to a sponsor needs
    from the family checkpoints."""
    member = family_member(case, actor)
    verification(case, actor, member)
    sponsor_assessment(case, actor, member, **assessment)
    for kind in ("application", "identity", "background"):
        sponsor_check(case, actor, kind)
    if home_study:
        sponsor_check(case, actor, "home_study")
    return member


def release(case: Case, actor: User, **overrides):
    from casework.reunification import services as family

    values = dict(released_at=recent(), address="1200 Main St, Apt 4, Houston, TX 77002")
    values.update(overrides)
    return family.release_to_sponsor(case, family.ReleaseDetails(**values), actor=actor)

# --- Best interests, transfer, return and reintegration records, through their services ----

def assessment(case: Case, actor: User, **overrides):
    from casework.best_interests import services as bi

    values = dict(kind="short", assessed_at=recent(),
                  areas={"child_views": "Quiere volver con su abuela.",
                         "safety": "No threats reported at home."})
    values.update(overrides)
    return bi.record_assessment(case, bi.AssessmentDetails(**values), actor=actor)


def case_plan(case: Case, actor: User, **overrides):
    from casework.best_interests import services as bi

    made = overrides.pop("made_at", recent())
    values = dict(made_at=made, review_on=(made + timedelta(days=60)).date(),
                  measures=[bi.Measure("Psychological support", "DIF psychologist")])
    values.update(overrides)
    return bi.record_plan(case, bi.PlanDetails(**values), actor=actor)


def bid(case: Case, drafter: User, **overrides):
    from casework.best_interests import services as bi

    values = dict(question="return", recommendation="return",
                  options="Return: family waiting. Stay: no family in Mexico.",
                  child_views="Wants to go home to her grandmother.",
                  views_weight="Given great weight: she is 15 and clear.",
                  reasons="Family assessed as safe; school place found.")
    values.update(overrides)
    return bi.draft_bid(case, bi.BidDraft(**values), actor=drafter)


def vote(b, member: User, vote: str = "concur", **overrides):
    from casework.best_interests import services as bi

    values = dict(vote=vote, confidentiality_undertaking=True,
                  dissent="I see a risk." if vote == "dissent" else None)
    values.update(overrides)
    return bi.cast_vote(b, bi.VoteDetails(**values), actor=member)


def panel(office: Office, size: int = 3) -> list[User]:
    """Panel members of several roles, in the case's office."""
    roles = [Role.PARALEGAL, Role.ATTORNEY, Role.SUPERVISOR, Role.CASEWORKER]
    return [user(roles[i % len(roles)], office) for i in range(size)]


EXPLANATION = "Explained in K'iche' with an interpreter; she was relieved."


def approved_bid(case: Case, drafter: User, approver: User, recommendation: str = "return",
                 members: list[User] | None = None, explain: bool = True, **overrides):
    """A BID decided by a panel of three, approved, and (by default) explained to the child."""
    from casework.best_interests import services as bi

    b = bid(case, drafter, recommendation=recommendation, **overrides)
    for member in members or panel(case.office):
        vote(b, member)
    bi.approve_bid(b, actor=approver)
    if explain:
        bi.record_explanation(b, bi.ExplanationDetails(
            explained_at=recent(minutes=0), explanation=EXPLANATION), actor=drafter)
    return b


def return_plan(case: Case, actor: User, **overrides):
    from casework.transfers import services as tr

    today = recent(minutes=0).date()
    values = dict(planned_at=recent(), receiving_authority="pgn",
                  authority_notified_on=today - timedelta(days=10),
                  family_assessed_on=today - timedelta(days=12),
                  family_assessment="Grandmother visited; safe home.",
                  travel_documents_ready=True, travel_documents="Consular ID 2026-114",
                  escort="Lic. Rosa Pérez, DIF", referral_made_on=today - timedelta(days=14),
                  referral_consent=True, reintegration_partner="KIND Guatemala",
                  reintegration_plan="School enrolment and counselling.",
                  departure_on=today - timedelta(days=1))
    values.update(overrides)
    return tr.record_return_plan(case, tr.ReturnPlanDetails(**values), actor=actor)


def transfer_plan(case: Case, actor: User, to_office: Office, **overrides):
    from casework.transfers import services as tr

    today = recent(minutes=0).date()
    values = dict(planned_at=recent(hours=2), to_office_id=to_office.id,
                  family="Aunt María Tzoc, Houston TX (verified)",
                  legal_pathway="asylum_at_port", measure_on=today,
                  measure="Medida de protección PPNNA-88/2026", escort="Lic. Juan Ruiz, DIF",
                  mx_authorities_notified_on=today, us_authorities_notified_on=today,
                  consulates_notified_on=today)
    values.update(overrides)
    return tr.record_transfer_plan(case, tr.TransferPlanDetails(**values), actor=actor)


# --- Second factor (security) ----------------------------------------------------------

def totp_code(user: User, steps_ahead: int = 1) -> str:
    """A valid TOTP code of a time step still unused (the current one may be spent)."""
    import pyotp

    from casework.accounts import mfa

    secret = mfa._secret(user)
    step = int(mfa._clock()) // mfa.STEP_SECONDS + steps_ahead
    return pyotp.TOTP(secret).generate_otp(step)


def enrol_mfa(user: User) -> list[str]:
    """Switch MFA on for `user` through the services; returns the recovery codes."""
    from casework.accounts import mfa

    mfa.begin_enrolment(user)
    codes = mfa.confirm_enrolment(user, totp_code(user, 0))
    db.session.commit()
    return codes


def login_with_mfa(client, user: User, code: str | None = None) -> None:
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302 and "/login/verify" in response.location
    db.session.expire_all()
    response = client.post("/login/verify", data={"code": code or totp_code(user)})
    assert response.status_code == 302, "second factor refused"


# --- Legal records (issue 4), through their services ------------------------------------

def days_ago(n: int = 0) -> date:
    return (datetime.now(UTC) - timedelta(days=n)).date()


def legal_screening(case: Case, actor: User, **overrides):
    from casework.legal import services as legal

    values = dict(screened_at=recent(), considered=["asylum", "sijs"], identified=[],
                  wishes_to_apply=False)
    if overrides.get("identified"):
        values.update(wishes_to_apply=True, analysis="Facts that support the relief.")
    values.update(overrides)
    return legal.record_screening(case, legal.ScreeningDetails(**values), actor=actor)


def representation(case: Case, actor: User, **overrides):
    """An attorney of record (the actor, an attorney) from today, with a G-28 in the US."""
    from casework.legal import services as legal

    values = dict(kind="attorney_of_record", started_on=days_ago(0), attorney_id=actor.id,
                  g28_on=days_ago(0) if case.office.country == "US" else None)
    values.update(overrides)
    return legal.record_representation(case, legal.RepresentationDetails(**values),
                                       actor=actor)


def proceeding(case: Case, actor: User, **overrides):
    from casework.legal import services as legal

    values = dict(a_number="A-012-345-678", court="San Antonio Immigration Court",
                  nta_on=days_ago(0))
    values.update(overrides)
    return legal.record_proceeding(case, legal.ProceedingDetails(**values), actor=actor)


def hearing(case: Case, actor: User, **overrides):
    """An upcoming master calendar hearing in two weeks, unless told otherwise."""
    from casework.legal import services as legal

    values = dict(kind="master_calendar",
                  scheduled_at=recent(minutes=0) + timedelta(days=14, hours=9))
    values.update(overrides)
    return legal.record_hearing(case, legal.HearingDetails(**values), actor=actor)


def relief_filing(case: Case, actor: User, **overrides):
    from casework.legal import services as legal

    values = dict(kind="asylum_i589", filed_on=days_ago(0))
    values.update(overrides)
    return legal.record_filing(case, legal.FilingDetails(**values), actor=actor)


def comar_claim(case: Case, actor: User, **overrides):
    from casework.legal import services as legal

    values = dict(entered_on=days_ago(3), filed_on=days_ago(0))
    values.update(overrides)
    return legal.record_claim(case, legal.ClaimDetails(**values), actor=actor)


def legal_note(case: Case, actor: User, body: str = "Privileged: the child told me."):
    from casework.legal import services as legal

    return legal.write_note(case, body, actor=actor)


def on_team(case: Case, *users: User) -> None:
    from casework.cases.models import CaseTeamMember

    present = {m.user_id for m in case.team}
    for u in users:
        if u.id not in present:
            db.session.add(CaseTeamMember(case_id=case.id, user_id=u.id))
    db.session.commit()


def zone(name: str):
    """A time zone of the office list (accounts/timezones.py)."""
    from casework.accounts.timezones import zone as office_zone

    return office_zone(name)


@contextmanager
def attacker_connection():
    """A connection that writes the audit table directly, as an attacker with the database
    would. On PostgreSQL it must switch the append-only triggers off first, which only a
    superuser can (session_replication_role)."""
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        yield conn


def checkpoint_rows() -> set[tuple]:
    """Every stored checkpoint row's values, to compare with what a rebuild computes."""
    from casework.workflow.models import CaseCheckpoint

    return set(db.session.execute(sa.select(
        CaseCheckpoint.case_id, CaseCheckpoint.key, CaseCheckpoint.office_id,
        CaseCheckpoint.case_open, CaseCheckpoint.state,
        CaseCheckpoint.due_at, CaseCheckpoint.met_at, CaseCheckpoint.late,
        CaseCheckpoint.completed_by_id, CaseCheckpoint.signed_off_at,
        CaseCheckpoint.signed_off_by_id)))
