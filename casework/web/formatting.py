"""Template filters for dates and deadlines, in the user's language."""

from __future__ import annotations

import functools
from datetime import datetime

from babel.numbers import format_decimal
from flask import Flask
from flask_babel import (
    format_date,
    format_datetime,
    format_percent,
    get_locale,
    get_timezone,
    ngettext,
)
from flask_babel import gettext as _

from casework.accounts import timezones
from casework.models import utcnow

# Dates and numbers the way our users write them: Mexican Spanish ("12,345", "2:30 p.m.")
# rather than Spain's ("12.345"); the catalogue is the one `es` (gettext falls back).
FORMAT_LOCALES = {"es": "es_MX", "en": "en_US"}


def babel_locale(language: str) -> str:
    """The locale that formats and translates for a language of config LANGUAGES."""
    return FORMAT_LOCALES.get(language, FORMAT_LOCALES["en"])


def due_text(due_at: datetime | None, now: datetime | None = None) -> str:
    """"due in 3 days", "2 days overdue", "due in 5 hours", "due today"."""
    if due_at is None:
        return ""
    now = now or utcnow()
    seconds = (due_at - now).total_seconds()
    hours = int(abs(seconds) // 3600)
    days = int(abs(seconds) // 86400)
    if seconds >= 0:
        if days >= 1:
            return ngettext("due in %(num)d day", "due in %(num)d days", days)
        if hours >= 1:
            return ngettext("due in %(num)d hour", "due in %(num)d hours", hours)
        return ngettext("due in %(num)d minute", "due in %(num)d minutes",
                        max(1, int(seconds // 60)))
    if days >= 1:
        return ngettext("%(num)d day overdue", "%(num)d days overdue", days)
    return ngettext("%(num)d hour overdue", "%(num)d hours overdue", max(1, hours))


def when(value: datetime | None) -> str:
    """A short date and time in the office's time zone, saying which zone: a case moves
    between offices in several zones, and a deadline must not read an hour off."""
    if not value:
        return ""
    return _("%(datetime)s %(zone)s", datetime=format_datetime(value, "short"),
             zone=format_datetime(value, "zzz"))


def number(value) -> str:
    """A count the locale's way ("12,345"): Flask-Babel's format_number, each value
    formatted once per locale and process. The dashboard shows about 400 counts a page,
    mostly the same few numbers, at 14 us each through Babel."""
    return _number(value, get_locale())


@functools.lru_cache(maxsize=4096, typed=True)
def _number(value, locale) -> str:
    return format_decimal(value, locale=locale)


def office_zone_name() -> str:
    """The zone of the signed-in user's office (Flask-Babel's timezone selector)."""
    from flask import has_request_context
    from flask_login import current_user

    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.office.timezone
    return "UTC"


def zone_label() -> str:
    name = str(get_timezone())
    return str(timezones.ZONES.get(name, name))


def register_filters(app: Flask) -> None:
    app.add_template_filter(when, "when")
    app.add_template_filter(due_text, "due_text")
    # Counts and shares grouped and signed the locale's way ("12,345", "87 %").
    app.add_template_filter(number, "number")
    app.add_template_filter(lambda v: format_percent(v) if v is not None else "—", "percent")
    app.add_template_filter(lambda d: format_date(d) if d else "", "date_only")
