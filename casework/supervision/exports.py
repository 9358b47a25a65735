"""CSV exports of the dashboard and of a drill-down list, for reporting.

De-identified by default: case numbers, offices, checkpoint keys and states,
dates and counts. Never a child's name or any encrypted field (nothing here
decrypts). Staff names appear only when asked for (`with_staff`).

A spreadsheet runs a cell that starts with `=`, `+`, `-`, `@`, a tab or a
carriage return as a formula; such cells are written with a leading `'` so that
they stay text (CSV injection). Numbers are written as numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime

from flask_babel import lazy_gettext as _l

from casework.supervision.dashboard import COLUMN_LABELS, COLUMNS, Dashboard, Item
from casework.workflow import engine

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> str | int | float:
    """A cell value that a spreadsheet will show as typed and never evaluate."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_lines(rows: Iterable[Iterable]) -> Iterator[str]:
    """Each row as one CSV line (streamed), every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


# Headers are for the people who open the file, so they are in the user's language;
# the codes in the cells (table kinds, checkpoint keys, statuses) stay the same in every
# language so that a report built on them keeps working.
DASHBOARD_HEADER = [_l("Table"), _l("Id"), _l("Name"), _l("Cases"),
                    *(COLUMN_LABELS[c] for c in COLUMNS), _l("Due that week"),
                    _l("Met on time that week")]


def dashboard_rows(data: Dashboard, *, with_staff: bool = False) -> Iterator[list]:
    """The dashboard's tables, one line per group, then the weekly trend."""
    yield [str(h) for h in DASHBOARD_HEADER]
    blank_week = ["", ""]
    yield ["total", "", "", data.totals.cases, *(data.totals[c] for c in COLUMNS), *blank_week]
    for g in data.by_checkpoint:
        yield ["checkpoint", g.id, g.label, g.counts.cases, *(g.counts[c] for c in COLUMNS),
               *blank_week]
    for g in data.by_recommendation:
        yield ["recommendation", g.id, g.label, g.counts.cases,
               *(g.counts[c] for c in COLUMNS), *blank_week]
    for g in data.by_office:
        yield ["office", g.label, g.detail, g.counts.cases, *(g.counts[c] for c in COLUMNS),
               *blank_week]
    if with_staff:
        for g in data.by_staff:
            yield ["staff", "", g.label, g.counts.cases, *(g.counts[c] for c in COLUMNS),
                   *blank_week]
    for week in data.trend:
        yield ["week", week.start.date().isoformat(), "", "", *([""] * len(COLUMNS)),
               week.due, week.on_time]


CASES_HEADER = [_l("Case number"), _l("Office"), _l("Checkpoint"), _l("Checkpoint title"),
                _l("Recommendations"), _l("Status"), _l("Due (UTC)"), _l("Met (UTC)"),
                _l("Days overdue")]


def case_rows(items: Iterable[Item], offices: dict, now: datetime, *,
              with_staff: bool = False) -> Iterator[list]:
    """A drill-down list: one line per case and checkpoint, most urgent first."""
    yield [str(h) for h in CASES_HEADER] + ([str(_l("Assigned staff"))] if with_staff else [])
    for item in items:
        cp = engine.checkpoint(item.key)
        row = [item.number, offices.get(item.office_id, ""), item.key, cp.title,
               " ".join(cp.recommendations), item.status.value, item.due_at, item.met_at,
               item.days_overdue(now)]
        if with_staff:
            row.append("; ".join(item.staff))
        yield row
