"""The child case through the browser: intake, search, list, edit, case team, audit."""

from __future__ import annotations

import html
import re
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from casework.accounts.roles import Role
from casework.audit.models import AuditEvent
from casework.cases.choices import CaseStatus
from casework.cases.models import Case, CaseTeamMember
from casework.extensions import db
from tests import factories


def _cases() -> list[Case]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(Case).order_by(Case.opened_at)))


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _field_errors(response) -> dict[str, str]:
    """Errors shown beside each field: {field id: message}."""
    return {m.group(1): html.unescape(m.group(2)) for m in re.finditer(
        r'id="([\w-]+)-errors" class="invalid-feedback[^"]*">([^<]*)<', response.get_data(
            as_text=True))}


def _value(response, name: str) -> str | None:
    """The value a re-rendered input or textarea holds."""
    page = response.get_data(as_text=True)
    tag = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', page)
    if tag:
        value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
        return html.unescape(value.group(1)) if value else ""
    area = re.search(rf'<textarea[^>]*\bname="{name}"[^>]*>\s*([^<]*)</textarea>', page)
    return html.unescape(area.group(1)) if area else None


def _ids_on(response) -> set[str]:
    return set(re.findall(r'href="/cases/([0-9a-f-]{36})"', response.get_data(as_text=True)))


# -- intake ------------------------------------------------------------------------------

def _today() -> date:
    """The app's "today" is UTC's."""
    # Read when the request is made, not when the module was imported: a run that
    # crosses midnight UTC would otherwise test yesterday's boundary.
    return datetime.now(UTC).date()


def _eighteen_today() -> date:
    today = _today()
    return (today.replace(year=today.year - 18) if (today.month, today.day) != (2, 29)
            else date(today.year - 18, 2, 28))

INVALID_INTAKES = [
    pytest.param({"given_names": ""}, "given_names", id="missing-given-names"),
    pytest.param({"family_names": "  "}, "family_names", id="blank-family-names"),
    pytest.param({"birth_date": lambda: (_today() + timedelta(days=3)).isoformat()},
                 "birth_date",
                 id="birth-in-the-future"),
    pytest.param({"birth_date": lambda: _eighteen_today().isoformat()}, "birth_date",
                 id="eighteen-today"),
    pytest.param({"birth_date": "2011-02-30"}, "birth_date", id="no-such-date"),
    pytest.param({"birth_date": lambda: (_eighteen_today() + timedelta(days=1)).isoformat(),
                  "given_names": ""}, "given_names", id="seventeen-is-a-child"),
    pytest.param({"birth_date_known": None, "birth_date": "", "age_estimate": ""},
                 "age_estimate", id="no-date-and-no-estimate"),
    pytest.param({"birth_date_known": None, "birth_date": "", "age_estimate": "19"},
                 "age_estimate", id="estimate-adult"),
    pytest.param({"birth_date": ""}, "birth_date", id="date-known-but-empty"),
    pytest.param({"a_number": "12345"}, "a_number", id="a-number-too-short"),
    pytest.param({"a_number": "A-1234-5678-90"}, "a_number", id="a-number-too-long"),
    pytest.param({"a_number": "ABC-DEF-GHI"}, "a_number", id="a-number-letters"),
    pytest.param({"encountered_at": (datetime.now(UTC) + timedelta(days=2))
                  .strftime("%Y-%m-%dT%H:%M")}, "encountered_at", id="encounter-in-future"),
    pytest.param({"separation": None}, "separation", id="no-situation"),
]


@pytest.mark.parametrize(("change", "field"), INVALID_INTAKES)
def test_intake_shows_the_error_beside_the_field_and_keeps_what_was_typed(
        world, signin, change, field):
    staff = signin(world("MX", Role.CASEWORKER))
    typed = factories.intake_form(
        given_names="Marisol", family_names="Quispe Mamani", aliases="Mari",
        custodian="Casa del Migrante", a_number="A-012-345-678", notes="Llegó sola",
    )
    typed.update({k: v() if callable(v) else v for k, v in change.items()})
    typed = {k: v for k, v in typed.items() if v is not None}
    response = staff.post("/cases/new", data=typed)

    assert response.status_code == 200
    errors = _field_errors(response)
    if field == "separation":  # a radio group: its message sits under the group
        assert "invalid-feedback d-block" in response.get_data(as_text=True)
    else:
        assert field in errors, errors
        assert re.search(rf'aria-describedby="[^"]*\b{field}-errors"', response.get_data(
            as_text=True)), "the error is not tied to its field"
    assert set(errors) == ({field} if field != "separation" else set())  # and only there
    for name in ("given_names", "family_names", "custodian", "a_number"):
        assert _value(response, name) == typed[name], name
    assert _value(response, "aliases") == "Mari"
    assert _value(response, "notes") == "Llegó sola"
    assert _cases() == []


def test_intake_without_a_date_of_birth_takes_an_estimated_age(world, signin):
    staff = signin(world("MX", Role.CASEWORKER))
    response = staff.post("/cases/new", data=factories.intake_form(
        birth_date_known=None, birth_date="", age_estimate="15", age_method="interview"))
    assert response.status_code == 302
    (case,) = _cases()
    assert case.birth_date is None and case.age_estimate == 15
    assert case.age_method == "interview"


def test_a_valid_intake_creates_the_case_numbered_by_country_and_encounter_year(world, signin):
    cw = world("MX", Role.CASEWORKER)
    staff = signin(cw)
    last_year = datetime.now(UTC).year - 1
    first = staff.post("/cases/new", data=factories.intake_form(
        given_names="Marisol", family_names="Quispe", languages=["es", "quc"],
        other_languages="Tz'utujil; Mixteco", a_number="A 012 345 678",
        encountered_at=f"{last_year}-12-31T23:30"))
    assert first.status_code == 302
    now = datetime.now(UTC)
    second = staff.post("/cases/new", data=factories.intake_form(
        given_names="Rosa", encountered_at=now.strftime("%Y-%m-%dT%H:%M")))
    third = staff.post("/cases/new", data=factories.intake_form(
        given_names="Luz", encountered_at=f"{last_year}-06-01T08:00"))
    assert second.status_code == third.status_code == 302

    by_name = {c.given_names: c for c in _cases()}
    year = now.year
    assert by_name["Marisol"].number == f"MX-{last_year}-00001"
    assert by_name["Luz"].number == f"MX-{last_year}-00002"
    assert by_name["Rosa"].number == f"MX-{year}-00001"
    marisol = by_name["Marisol"]
    assert first.location.endswith(f"/cases/{marisol.id}")
    assert marisol.office_id == world.mx.id
    assert marisol.created_by_id == cw.id
    assert [m.user_id for m in marisol.team] == [cw.id]
    assert marisol.languages == ["es", "quc", "Tz'utujil", "Mixteco"]
    assert marisol.a_number == "012345678"
    assert marisol.encountered_at == datetime(last_year, 12, 31, 23, 30, tzinfo=UTC)

    page = _text(staff.get(f"/cases/{marisol.id}"))
    assert f"MX-{last_year}-00001" in page and "Marisol Quispe" in page
    assert "A-012-345-678" in page and "Tz'utujil" in page


def test_us_office_numbers_start_with_us(world, signin):
    staff = signin(world("US", Role.PARALEGAL))
    assert staff.post("/cases/new", data=factories.intake_form()).status_code == 302
    (case,) = _cases()
    year = case.encountered_at.year
    assert re.fullmatch(rf"US-{year}-00001", case.number)


def test_a_supervisor_registers_without_joining_the_team(world, signin):
    staff = signin(world("MX", Role.SUPERVISOR))
    assert staff.post("/cases/new", data=factories.intake_form()).status_code == 302
    (case,) = _cases()
    assert case.team == []


def test_a_likely_duplicate_blocks_saving_until_confirmed(world, make, signin):
    cw = world("MX", Role.CASEWORKER)
    existing = make.case(cw, given_names="José Luis", family_names="Pérez Chún",
                         birth_date=date(2010, 4, 2))
    staff = signin(world("MX", Role.PARALEGAL))
    again = factories.intake_form(given_names="jose luis", family_names="PEREZ CHUN",
                                  birth_date="2010-04-02", custodian="Otro")

    warned = staff.post("/cases/new", data=again)
    assert warned.status_code == 200
    page = _text(warned)
    assert "Possible duplicates" in page and existing.number in page
    assert 'name="confirm_not_duplicate"' in page
    assert _value(warned, "custodian") == "Otro"  # nothing typed is lost
    assert len(_cases()) == 1

    saved = staff.post("/cases/new", data={**again, "confirm_not_duplicate": "y"})
    assert saved.status_code == 302
    assert len(_cases()) == 2


@pytest.mark.parametrize(("change", "warned"), [
    ({"birth_date": "2010-04-03"}, False),
    ({"given_names": "Juan Luis"}, False),
    ({"birth_date_known": None, "birth_date": "", "age_estimate": "15"}, False),
    ({"family_names": "Pérez"}, True),  # fewer names, all the same child's: still warned
    ({"given_names": "JOSE  luis", "family_names": "perez-chun"}, True),
], ids=["other-birth-date", "other-given-name", "no-birth-date", "fewer-names",
        "spelt-differently"])
def test_the_duplicate_warning_compares_names_and_birth_date(world, make, signin, change,
                                                             warned):
    make.case(world("MX", Role.CASEWORKER), given_names="José Luis",
              family_names="Pérez Chún", birth_date=date(2010, 4, 2))
    staff = signin(world("MX", Role.PARALEGAL))
    form = factories.intake_form(given_names="José Luis", family_names="Pérez Chún",
                                 birth_date="2010-04-02")
    form.update(change)
    form = {k: v for k, v in form.items() if v is not None}
    response = staff.post("/cases/new", data=form)
    if warned:
        assert response.status_code == 200 and "Possible duplicates" in _text(response)
        assert len(_cases()) == 1
    else:
        assert response.status_code == 302
        assert len(_cases()) == 2


def test_the_duplicate_check_does_not_reveal_other_offices_cases(world, make, signin):
    other = make.case(world("US", Role.CASEWORKER), given_names="José Luis",
                      family_names="Pérez Chún", birth_date=date(2010, 4, 2))
    staff = signin(world("MX", Role.CASEWORKER))
    response = staff.post("/cases/new", data=factories.intake_form(
        given_names="José Luis", family_names="Pérez Chún", birth_date="2010-04-02"))
    assert response.status_code == 302
    assert other.number not in _text(response)


# -- search and list ---------------------------------------------------------------------


@pytest.fixture
def registry(world, make):
    """Four MX cases and one US case, all with names that share tokens."""
    cw = world("MX", Role.CASEWORKER)
    made = {
        "jose": make.case(cw, given_names="José Luis", family_names="Pérez Chún",
                          a_number="012345678"),
        "maria": make.case(cw, given_names="María José", family_names="Hernández López"),
        "kevin": make.case(cw, given_names="Kevin", family_names="Martínez Pérez",
                           aliases=["Kevin Josué"]),
        "ana": make.case(cw, given_names="Ana", family_names="Ixcoy"),
        "us_jose": make.case(world("US", Role.CASEWORKER), given_names="José",
                             family_names="Pérez", a_number="87654321"),
    }
    return {k: str(v.id) for k, v in made.items()} | {
        "numbers": {k: v.number for k, v in made.items()}}


SEARCHES = [
    ("Pérez", {"jose", "kevin"}),
    ("perez", {"jose", "kevin"}),
    ("jose", {"jose", "maria"}),
    ("JOSÉ", {"jose", "maria"}),
    ("José Pérez", {"jose"}),
    ("perez jose", {"jose"}),
    ("Hernández-López", {"maria"}),
    ("josue", {"kevin"}),  # an alias
    ("Ixcoy", {"ana"}),
    ("Nadie", set()),
    ("Jos", set()),  # tokens match whole, not by prefix
    ("A-012-345-678", {"jose"}),
    ("A012345678", {"jose"}),
    ("012345678", {"jose"}),
    ("12345678", {"jose"}),
    ("012 345 678", {"jose"}),
    ("a-012-345-678", {"jose"}),
    ("087654321", set()),  # the US office's child: out of scope
]


@pytest.mark.parametrize(("query", "expected"), SEARCHES, ids=[q for q, _ in SEARCHES])
@pytest.mark.parametrize("how", ["post", "get"])
def test_search_finds_by_name_token_and_a_number_in_scope(world, signin, registry, query,
                                                          expected, how):
    staff = signin(world("MX", Role.CASEWORKER))
    if how == "post":
        response = staff.post("/cases", data={"q": query})
    else:
        response = staff.get("/cases", query_string={"q": query})
    assert response.status_code == 200
    assert _ids_on(response) == {registry[k] for k in expected}
    if not expected:
        assert "No case matches this search" in _text(response)


def test_search_by_case_number(world, signin, registry):
    staff = signin(world("MX", Role.CASEWORKER))
    number = registry["numbers"]["maria"]
    prefix, year, seq = number.split("-")
    for query in (number, number.lower(), f"{prefix}-{year}-{int(seq)}"):
        assert _ids_on(staff.post("/cases", data={"q": query})) == {registry["maria"]}, query
    us_number = registry["numbers"]["us_jose"]
    assert _ids_on(staff.post("/cases", data={"q": us_number})) == set()
    us_staff = signin(world("US", Role.CASEWORKER))
    assert _ids_on(us_staff.post("/cases", data={"q": us_number})) == {registry["us_jose"]}


def test_the_list_shows_only_cases_in_scope(world, signin, registry):
    mx_ids = {registry[k] for k in ("jose", "maria", "kevin", "ana")}
    for role in (Role.CASEWORKER, Role.PARALEGAL, Role.ATTORNEY, Role.SUPERVISOR):
        assert _ids_on(signin(world("MX", role)).get("/cases")) == mx_ids, role
        assert _ids_on(signin(world("US", role)).get("/cases")) == {registry["us_jose"]}, role


def test_a_supervisor_sees_the_offices_they_supervise(world, make, signin, registry):
    boss = make.user(Role.SUPERVISOR, world.mx, supervised=[world.mx, world.us])
    db.session.commit()
    assert len(_ids_on(signin(boss).get("/cases"))) == 5


def test_filter_by_status_and_assignee(world, make, signin, registry):
    db.session.execute(sa.update(Case).where(Case.id == uuid.UUID(registry["ana"]))
                       .values(status=CaseStatus.CLOSED))
    paralegal = world("MX", Role.PARALEGAL)
    for key in ("maria", "ana"):
        db.session.add(CaseTeamMember(case_id=uuid.UUID(registry[key]), user_id=paralegal.id))
    db.session.commit()
    staff = signin(world("MX", Role.ATTORNEY))

    def shown(**filters):
        by_get = _ids_on(staff.get("/cases", query_string=filters))
        by_post = _ids_on(staff.post("/cases", data=filters))
        assert by_get == by_post, filters
        return {k for k, v in registry.items() if k != "numbers" and v in by_get}

    assert shown(status="closed") == {"ana"}
    assert shown(status="open") == {"jose", "maria", "kevin"}
    assert shown(assignee=str(paralegal.id)) == {"maria", "ana"}
    assert shown(assignee=str(paralegal.id), status="open") == {"maria"}
    assert shown(assignee=str(paralegal.id), q="josé") == {"maria"}
    assert shown(assignee=str(world("MX", Role.CASEWORKER).id)) == {
        "jose", "maria", "kevin", "ana"}
    # Staff of another office are not offered as a filter, and do not filter.
    page = _text(staff.get("/cases"))
    assert world("US", Role.CASEWORKER).name not in page
    assert paralegal.name in page


def test_pagination(app, world, make, signin, monkeypatch):
    monkeypatch.setitem(app.config, "CASES_PER_PAGE", 2)
    cw = world("MX", Role.CASEWORKER)
    for n in range(5):
        make.case(cw, given_names=f"Niña {chr(65 + n)}", family_names="Común")
    staff = signin(cw)

    seen = [_ids_on(staff.get("/cases", query_string={"page": p})) for p in (1, 2, 3)]
    assert [len(s) for s in seen] == [2, 2, 1]
    assert len(set().union(*seen)) == 5
    first = _text(staff.get("/cases"))
    assert "Page 1 of 3" in first and "5 cases" in first
    assert 'href="/cases?page=2"' in first
    assert _ids_on(staff.get("/cases", query_string={"page": 9})) == set()

    # A search's pages are posted, with the query kept out of the address.
    searched = [_ids_on(staff.post("/cases", data={"q": "común", "page": p})) for p in (1, 2, 3)]
    assert [len(s) for s in searched] == [2, 2, 1]
    assert set().union(*searched) == set().union(*seen)
    page_one = staff.post("/cases", data={"q": "común"}).get_data(as_text=True)
    assert "común" not in "".join(re.findall(r'href="([^"]*)"', page_one)).lower()
    assert 'name="page" value="2"' in page_one


def test_a_filtered_lists_pages_keep_the_filter(app, world, make, signin, monkeypatch):
    monkeypatch.setitem(app.config, "CASES_PER_PAGE", 2)
    cw = world("MX", Role.CASEWORKER)
    for n in range(3):
        make.case(cw, given_names=f"Abierto {n}")
    closed = [make.case(cw, given_names=f"Cerrado {n}") for n in range(3)]
    db.session.execute(sa.update(Case).where(Case.id.in_([c.id for c in closed]))
                       .values(status=CaseStatus.CLOSED))
    db.session.commit()
    closed_ids = {str(c.id) for c in closed}
    staff = signin(cw)

    # The filter form posts; the link to page 2 must still be the closed cases' page 2.
    first = staff.post("/cases", data={"status": "closed"})
    assert _ids_on(first) < closed_ids
    link = re.search(r'href="(/cases\?[^"]*page=2[^"]*)"', first.get_data(as_text=True))
    assert link, "no link to page 2"
    second = staff.get(html.unescape(link.group(1)))
    assert _ids_on(first) | _ids_on(second) == closed_ids


# -- the case page and edit --------------------------------------------------------------


def test_edit_saves_and_is_audited(world, make, signin):
    cw = world("MX", Role.CASEWORKER)
    case = make.case(cw, a_number="012345678")
    staff = signin(world("MX", Role.ATTORNEY))
    form_page = staff.get(f"/cases/{case.id}/edit")
    assert form_page.status_code == 200
    assert _value(form_page, "given_names") == "Ana Lucía"
    assert _value(form_page, "version") == "1"

    response = staff.post(f"/cases/{case.id}/edit", data=factories.edit_form(
        case, family_names="Ixcoy Tzoc de León", custodian="Casa Tochan",
        aliases="Anita\nLucy", a_number="A-087-654-321"))
    assert response.status_code == 302
    assert response.location.endswith(f"/cases/{case.id}")
    db.session.rollback()
    case = db.session.get(Case, case.id)
    assert case.family_names == "Ixcoy Tzoc de León" and case.custodian == "Casa Tochan"
    assert case.aliases == ["Anita", "Lucy"] and case.a_number == "087654321"
    assert case.version == 2
    # The search index follows the edit: new tokens found, dropped ones gone.
    assert _ids_on(staff.post("/cases", data={"q": "León"})) == {str(case.id)}
    assert _ids_on(staff.post("/cases", data={"q": "Lucy"})) == {str(case.id)}
    assert _ids_on(staff.post("/cases", data={"q": "012345678"})) == set()
    assert _ids_on(staff.post("/cases", data={"q": "A-087-654-321"})) == {str(case.id)}


def test_an_invalid_edit_saves_nothing_and_keeps_what_was_typed(world, make, signin):
    case = make.case(world("MX", Role.CASEWORKER))
    staff = signin(world("MX", Role.CASEWORKER))
    response = staff.post(f"/cases/{case.id}/edit", data=factories.edit_form(
        case, given_names="", custodian="Typed custodian"))
    assert response.status_code == 200
    assert "given_names" in _field_errors(response)
    assert _value(response, "custodian") == "Typed custodian"
    db.session.rollback()
    assert db.session.get(Case, case.id).version == 1


def test_two_edits_from_the_same_version_the_second_gets_409_and_loses_nothing(
        world, make, signin):
    case = make.case(world("MX", Role.CASEWORKER))
    first, second = signin(world("MX", Role.CASEWORKER)), signin(world("MX", Role.ATTORNEY))
    assert first.get(f"/cases/{case.id}/edit").status_code == 200
    assert second.get(f"/cases/{case.id}/edit").status_code == 200
    form = factories.edit_form(case)  # what both loaded: version 1

    saved = first.post(f"/cases/{case.id}/edit", data={**form, "custodian": "ORR shelter Nogales",
                                                        "notes": "First person's note"})
    assert saved.status_code == 302
    conflict = second.post(f"/cases/{case.id}/edit", data={
        **form, "custodian": "DIF Sonora", "notes": "Second person's careful note",
        "encounter_place": "Puente Dennis DeConcini"})
    assert conflict.status_code == 409
    page = _text(conflict)
    assert "Someone else saved this case" in page
    assert "ORR shelter Nogales" in page and "First person's note" in page  # theirs
    assert _value(conflict, "custodian") == "DIF Sonora"  # and mine, still in the form
    assert _value(conflict, "notes") == "Second person's careful note"
    assert _value(conflict, "encounter_place") == "Puente Dennis DeConcini"
    assert _value(conflict, "version") == "2"  # saving again now means "keep mine"

    db.session.rollback()
    stored = db.session.get(Case, case.id)
    assert (stored.custodian, stored.notes, stored.version) == (
        "ORR shelter Nogales", "First person's note", 2)

    resaved = second.post(f"/cases/{case.id}/edit", data={
        **form, "version": "2", "custodian": "DIF Sonora"})
    assert resaved.status_code == 302
    db.session.rollback()
    assert db.session.get(Case, case.id).custodian == "DIF Sonora"
    assert _actions(case.id).count("case.edit_conflict") == 1


def test_an_edit_without_a_version_is_not_saved(world, make, signin):
    case = make.case(world("MX", Role.CASEWORKER))
    staff = signin(world("MX", Role.CASEWORKER))
    form = factories.edit_form(case, custodian="Sneaky")
    del form["version"]
    assert staff.post(f"/cases/{case.id}/edit", data=form).status_code == 409
    db.session.rollback()
    assert db.session.get(Case, case.id).custodian == "DIF"


# -- case team ---------------------------------------------------------------------------


def _team(case_id) -> set:
    db.session.rollback()
    return set(db.session.scalars(sa.select(CaseTeamMember.user_id)
                                  .where(CaseTeamMember.case_id == case_id)))


def test_case_team_add_and_remove(world, make, signin):
    cw, attorney = world("MX", Role.CASEWORKER), world("MX", Role.ATTORNEY)
    case = make.case(cw)
    staff = signin(cw)
    page = _text(staff.get(f"/cases/{case.id}"))
    assert attorney.name in page  # offered
    assert world("US", Role.ATTORNEY).name not in page and world("MX", Role.ADMIN).name not in page

    assert staff.post(f"/cases/{case.id}/team", data={"user": str(attorney.id)}).status_code == 302
    assert _team(case.id) == {cw.id, attorney.id}
    assert attorney.name in _text(staff.get(f"/cases/{case.id}"))

    removed = staff.post(f"/cases/{case.id}/team/remove", data={"user": str(cw.id)})
    assert removed.status_code == 302
    assert _team(case.id) == {attorney.id}
    assert _actions(case.id).count("case.team_add") == 1
    assert _actions(case.id).count("case.team_remove") == 1


@pytest.mark.parametrize("who", ["other-office", "admin", "inactive", "unknown", "garbage"])
def test_case_team_refuses_who_cannot_be_on_it(world, make, signin, who):
    cw = world("MX", Role.CASEWORKER)
    case = make.case(cw)
    inactive = make.user(Role.PARALEGAL, world.mx, active=False)
    db.session.commit()
    user_id = {"other-office": str(world("US", Role.ATTORNEY).id),
               "admin": str(world("MX", Role.ADMIN).id), "inactive": str(inactive.id),
               "unknown": str(uuid.uuid4()), "garbage": "x' OR 1=1"}[who]
    staff = signin(cw)
    response = staff.post(f"/cases/{case.id}/team", data={"user": user_id})
    assert response.status_code == 302
    assert "cannot be added" in _text(staff.get(response.location))
    assert _team(case.id) == {cw.id}
    assert "case.team_add" not in _actions(case.id)


def test_removing_with_a_malformed_id_is_refused(world, make, signin):
    cw = world("MX", Role.CASEWORKER)
    case = make.case(cw)
    staff = signin(cw)
    assert staff.post(f"/cases/{case.id}/team/remove", data={"user": "nope"}).status_code == 400
    assert _team(case.id) == {cw.id}


# -- audit -------------------------------------------------------------------------------


def _actions(case_id) -> list[str]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(AuditEvent.action)
                                   .where(AuditEvent.case_id == case_id)
                                   .order_by(AuditEvent.seq)))


def test_create_view_and_edit_are_audited_with_who_and_which_case(world, signin):
    cw = world("MX", Role.CASEWORKER)
    staff = signin(cw)
    created = staff.post("/cases/new", data=factories.intake_form())
    case_id = uuid.UUID(created.location.rsplit("/", 1)[-1])
    staff.get(f"/cases/{case_id}")
    db.session.rollback()
    case = db.session.get(Case, case_id)
    staff.post(f"/cases/{case_id}/edit", data=factories.edit_form(case, custodian="X"))
    assert _actions(case_id) == ["case.create", "case.view", "case.edit"]
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.case_id == case_id)).all()
    assert all(e.actor_id == cw.id and e.outcome == "ok" and e.request_id for e in events)
    assert all("Ana" not in str(e.details) and "DIF" not in str(e.details) for e in events)
    assert len({e.request_id for e in events}) == len(events)


def test_a_search_of_punctuation_alone_finds_nothing(client, world, make):
    cw = world("MX", Role.CASEWORKER)
    make.case(cw)
    make.login(client, cw)
    html = client.post("/cases", data={"q": "- '"}).get_data(as_text=True)
    assert "No case matches this search" in html


def test_the_case_count_stops_at_its_cap_and_the_pages_go_on(app, world, make, signin,
                                                               monkeypatch):
    """Past CASE_COUNT_CAP the list says "more than" instead of counting every case, and
    Next still leads on while a page is full."""
    monkeypatch.setitem(app.config, "CASES_PER_PAGE", 2)
    monkeypatch.setitem(app.config, "CASE_COUNT_CAP", 3)
    cw = world("MX", Role.CASEWORKER)
    for n in range(7):
        make.case(cw, given_names=f"Niño {chr(65 + n)}", family_names="Común")
    staff = signin(cw)

    first = _text(staff.get("/cases"))
    assert "More than 3 cases" in first and "7 cases" not in first
    assert "Page 1" in first and "Page 1 of" not in first
    seen = [_ids_on(staff.get("/cases", query_string={"page": p})) for p in (1, 2, 3, 4, 5)]
    assert [len(s) for s in seen] == [2, 2, 2, 1, 0]
    assert len(set().union(*seen)) == 7
    assert 'href="/cases?page=4"' in _text(staff.get("/cases", query_string={"page": 3}))
    assert 'href="/cases?page=5"' not in _text(staff.get("/cases", query_string={"page": 4}))
    # A search is capped the same way, its pages posted.
    searched = staff.post("/cases", data={"q": "común"}).get_data(as_text=True)
    assert "More than 3 cases" in searched and 'name="page" value="2"' in searched

    monkeypatch.setitem(app.config, "CASE_COUNT_CAP", 7)
    assert "7 cases" in _text(staff.get("/cases")), "at the cap the count is exact"
