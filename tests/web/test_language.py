"""Spanish and English (issue 9): which language a page speaks, times in the office's
zone, deadlines and plurals in both languages, and names in any script kept intact."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from casework.accounts.models import User
from casework.accounts.roles import Role
from casework.cases.models import Case
from casework.extensions import db
from casework.web.formatting import due_text
from tests import factories


def _lang(response) -> str:
    return re.search(r'<html lang="(\w+)"', response.get_data(as_text=True)).group(1)


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


# --- which language -------------------------------------------------------------------------

@pytest.mark.parametrize(("header", "expected"), [
    ("es-MX,es;q=0.9,en;q=0.5", "es"), ("en-US,en;q=0.9", "en"), ("fr-FR", "en"), ("", "en")])
def test_before_sign_in_the_browser_language_decides(browser, header, expected):
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = header
    assert _lang(browser.get("/login")) == expected


def test_the_switcher_before_sign_in_is_remembered_through_sign_in(make, browser, ctx):
    user = make.user(Role.CASEWORKER, make.office("US"))
    db.session.commit()
    response = browser.post("/language", data={"language": "es", "next": "/login"})
    assert response.status_code == 302 and response.location.endswith("/login")
    page = browser.get("/login")
    assert _lang(page) == "es" and "Iniciar sesión" in _text(page)
    factories.login(browser, user)
    assert _lang(browser.get("/cases")) == "es"


def test_the_switcher_saves_the_choice_on_the_account(make, signin, new_browser, ctx):
    user = make.user(Role.CASEWORKER, make.office("US"))
    db.session.commit()
    staff = signin(user)
    assert _lang(staff.get("/cases")) == "en"
    staff.post("/language", data={"language": "es", "next": "/cases"})
    db.session.rollback()
    assert db.session.get(User, user.id).locale == "es"
    # Another computer whose browser asks for English: the saved choice wins.
    elsewhere = new_browser()
    factories.login(elsewhere, user)
    assert _lang(elsewhere.get("/cases")) == "es"


def test_the_switcher_refuses_a_language_we_do_not_have(make, signin, ctx):
    user = make.user(Role.CASEWORKER, make.office("US"))
    db.session.commit()
    staff = signin(user)
    staff.post("/language", data={"language": "fr", "next": "/cases"})
    db.session.rollback()
    assert db.session.get(User, user.id).locale is None
    assert _lang(staff.get("/cases")) == "en"


def test_the_switcher_never_redirects_off_site(browser):
    response = browser.post("/language", data={"language": "es",
                                                "next": "https://evil.example/"})
    assert response.status_code == 302 and "evil.example" not in response.location


@pytest.mark.parametrize(("country", "expected"), [("MX", "es"), ("US", "en")])
def test_with_no_choice_and_no_browser_language_the_office_country_decides(
        make, signin, ctx, country, expected):
    user = make.user(Role.CASEWORKER, make.office(country))
    db.session.commit()
    staff = signin(user)
    staff.environ_base["HTTP_ACCEPT_LANGUAGE"] = ""
    assert _lang(staff.get("/cases")) == expected


# --- deadlines, plurals, numbers ------------------------------------------------------------

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("delta", "en", "es"), [
    (timedelta(days=1, hours=2), "due in 1 day", "vence en 1 día"),
    (timedelta(days=2, hours=1), "due in 2 days", "vence en 2 días"),
    (timedelta(hours=5), "due in 5 hours", "vence en 5 horas"),
    (-timedelta(days=1, hours=1), "1 day overdue", "1 día de retraso"),
    (-timedelta(days=3, hours=1), "3 days overdue", "3 días de retraso"),
])
def test_relative_deadlines_in_both_languages_with_their_plurals(app, delta, en, es):
    with app.test_request_context():
        with force_locale("en"):
            assert due_text(NOW + delta, NOW) == en
        with force_locale("es"):
            assert due_text(NOW + delta, NOW) == es


# --- time zones -----------------------------------------------------------------------------

def test_a_time_typed_in_tijuana_is_stored_in_utc_and_shown_back_in_tijuana_time(
        make, signin, ctx):
    office = make.office("MX", timezone="America/Tijuana")
    user = make.user(Role.CASEWORKER, office)
    db.session.commit()
    staff = signin(user)
    typed = (datetime.now(UTC) - timedelta(days=2)).astimezone(
        factories.zone("America/Tijuana")).replace(second=0, microsecond=0, tzinfo=None)
    response = staff.post("/cases/new", data=factories.intake_form(
        encountered_at=typed.strftime("%Y-%m-%dT%H:%M")))
    assert response.status_code == 302, _text(response)
    db.session.rollback()
    case = db.session.scalars(sa.select(Case)).one()
    expected = typed.replace(tzinfo=factories.zone("America/Tijuana")).astimezone(UTC)
    assert case.encountered_at == expected
    # The edit form shows the same wall-clock time that was typed, and says the zone.
    page = _text(staff.get(f"/cases/{case.id}/edit"))
    assert f'value="{typed:%Y-%m-%dT%H:%M}"' in page
    assert "Tijuana" in page


def test_a_time_is_shown_in_the_office_zone_with_the_zone_named(make, app):
    office = make.office("US", timezone="America/New_York")
    user = make.user(Role.CASEWORKER, office)
    from casework.web.formatting import when

    winter = datetime(2026, 1, 15, 17, 30, tzinfo=UTC)
    with app.test_request_context():
        from flask_login import login_user

        login_user(user)
        with force_locale("en"):
            shown = when(winter)
    assert "12:30" in shown and "EST" in shown


# --- names in any script --------------------------------------------------------------------

NAMES = [
    ("Xʼunan Q'anjob'al", "Pascual Tzʼib K'iche'"),
    ("María José Ñuñez", "Peña O'Connor"),
    ("Tzʼikin", "B'alam Ajpop"),
]


@pytest.mark.parametrize(("given", "family"), NAMES)
def test_names_in_any_script_round_trip_through_forms_and_search(
        make, signin, ctx, given, family):
    user = make.user(Role.CASEWORKER, make.office("MX"))
    db.session.commit()
    staff = signin(user)
    response = staff.post("/cases/new", data=factories.intake_form(
        given_names=given, family_names=family, notes=f"Habla {family} y español"))
    assert response.status_code == 302, _text(response)
    db.session.rollback()
    case = db.session.scalars(sa.select(Case)).one()
    assert (case.given_names, case.family_names) == (given, family)
    assert case.notes == f"Habla {family} y español"
    page = _text(staff.get(f"/cases/{case.id}"))
    assert given in page and family in page
    edit = _text(staff.get(f"/cases/{case.id}/edit"))
    assert f'value="{given}"' in edit
    # Search by the exact spelling, and by the spelling typed on a keyboard without the
    # Mayan glottal-stop letter or the accents.
    for query in (family, family.replace("ʼ", "'"), given.replace("ñ", "n").replace("í", "i")):
        found = _text(staff.post("/cases", data={"q": query}))
        assert f"/cases/{case.id}" in found, query


def test_staff_names_in_any_script_round_trip_through_the_csv_export(make, signin, ctx):
    office = make.office("MX")
    supervisor = make.user(Role.SUPERVISOR, office)
    caseworker = make.user(Role.CASEWORKER, office, name="Juana Tzʼunun K'iche'")
    make.case(caseworker)
    db.session.commit()
    staff = signin(supervisor)
    response = staff.get("/supervision/export/cases.csv",
                         query_string={"status": "applies", "with_staff": "1"}, buffered=True)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert any("Juana Tzʼunun K'iche'" in row[-1] for row in rows[1:]), rows[:3]


@pytest.mark.parametrize(("header", "expected"), [
    ("es-MX", "12,345 · 88%"), ("es-ES", "12,345 · 88%"), ("en-US", "12,345 · 88%")])
def test_numbers_are_grouped_the_way_mexico_and_the_us_write_them(app, header, expected):
    """Spanish pages format like Mexico ("12,345"), not Spain ("12.345"): a count on the
    dashboard must never read as a decimal."""
    from flask import render_template_string

    with app.test_request_context(headers={"Accept-Language": header}):
        assert render_template_string("{{ 12345|number }} · {{ 0.875|percent }}") == expected


def test_spanish_times_read_the_mexican_way(app):
    from flask_babel import format_datetime

    with app.test_request_context(headers={"Accept-Language": "es"}):
        shown = format_datetime(datetime(2026, 3, 5, 14, 30, tzinfo=UTC), "short")
    assert shown.startswith("05/03/26") and "p.m." in shown
