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
