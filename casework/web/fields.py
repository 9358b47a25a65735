"""Form fields for date-times typed in the office's local time and stored in UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import LazyString, get_timezone
from flask_babel import gettext as _
from wtforms import DateTimeLocalField

from casework.accounts.timezones import zone
from casework.web.formatting import zone_label

INPUT_FORMAT = "%Y-%m-%dT%H:%M"


def _zone_hint() -> str:
    return _("Local time: %(zone)s", zone=zone_label())


def _office_zone():
    # zoneinfo, not the tzinfo Flask-Babel hands out: with pytz installed that one
    # would give local mean time when attached with replace().
    return zone(str(get_timezone()))


class LocalDateTimeField(DateTimeLocalField):
    """Reads the browser's `datetime-local` value as the office's wall-clock time and
    gives an aware UTC datetime; shows a stored value back in the office's time.

    Naive values set by code are taken as UTC, like everything stored.
    """

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("format", INPUT_FORMAT)
        kwargs.setdefault("description", LazyString(_zone_hint))
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None:
            # fold=0: an hour repeated when clocks go back reads as its first occurrence.
            self.data = self.data.replace(tzinfo=_office_zone()).astimezone(UTC)

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        if isinstance(self.data, datetime):
            aware = self.data if self.data.tzinfo else self.data.replace(tzinfo=UTC)
            return aware.astimezone(_office_zone()).strftime(INPUT_FORMAT)
        return ""
