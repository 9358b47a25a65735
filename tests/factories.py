"""Factories that make real records through the services (real encryption, real audit)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from casework.accounts import services as accounts
from casework.accounts.models import Office, User
from casework.accounts.roles import Role
from casework.cases import services as cases
from casework.cases.models import Case
from casework.extensions import db

PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)


def office(country: str = "MX", code: str | None = None) -> Office:
    n = next(_seq)
    return accounts.create_office(code or f"{country}-T{n}", f"Test office {n}", country)


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
