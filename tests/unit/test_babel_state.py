"""Flask-Babel's per-request state, found by casework.extensions._babel_request_state.

The app replaces `flask_babel._get_current_context` with a faster look-up of the same
object; these tests fail if Flask-Babel stops using it, or if translating, forcing a
locale or refreshing behaves differently with it.
"""

from __future__ import annotations

import flask_babel
from flask import g
from flask_babel import force_locale, get_locale, gettext, lazy_gettext, refresh

from casework.extensions import _babel_request_state


def test_flask_babel_looks_its_state_up_through_ours(app, monkeypatch):
    calls = []

    def spy():
        calls.append(1)
        return _babel_request_state()

    assert flask_babel._get_current_context is _babel_request_state
    monkeypatch.setattr(flask_babel, "_get_current_context", spy)
    with app.test_request_context(headers={"Accept-Language": "es"}):
        assert gettext("Overdue") == "Vencido"
        assert str(lazy_gettext("Overdue")) == "Vencido"
        assert get_locale().language == "es"
    assert calls  # a release that stopped calling it would make the patch dead code


def test_the_state_is_flask_babels_own_namespace_on_g(app):
    with app.test_request_context(headers={"Accept-Language": "es"}):
        state = _babel_request_state()
        assert state is g._flask_babel
        assert _babel_request_state() is state  # one per request, made once
        get_locale()
        assert state.babel_locale.language == "es"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert _babel_request_state() is not state  # a new request starts afresh
        assert gettext("Overdue") == "Overdue"


def test_outside_an_app_context_there_is_no_state_and_nothing_is_translated():
    assert _babel_request_state() is None
    assert gettext("Overdue") == "Overdue"
    assert get_locale() is None


def test_force_locale_and_refresh_still_switch_the_language(app):
    with app.test_request_context(headers={"Accept-Language": "es"}):
        assert gettext("Overdue") == "Vencido"
        with force_locale("en_US"):
            assert gettext("Overdue") == "Overdue"
        assert gettext("Overdue") == "Vencido"
        g._flask_babel.babel_locale = flask_babel.Locale.parse("en_US")
        assert gettext("Overdue") == "Overdue"
        refresh()  # forgets the cached locale: the selector (the browser's Spanish) again
        assert gettext("Overdue") == "Vencido"


def test_the_number_filter_formats_each_locale_its_own_way(app):
    from babel.numbers import format_decimal

    from casework.web.formatting import number

    with app.test_request_context(headers={"Accept-Language": "es"}):
        assert number(12345) == format_decimal(12345, locale="es_MX") == "12,345"
        with force_locale("de_DE"):  # a cached "12,345" must not answer for another locale
            assert number(12345) == "12.345"
            assert number(1234.5) == "1.234,5"
        assert number(12345) == "12,345"
        assert number(1) == "1" and number(1.0) == format_decimal(1.0, locale="es_MX")
