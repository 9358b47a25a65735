"""CSV cells that a spreadsheet would run are neutralised; the SVG charts are well-formed and
say in words what they draw."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest

from casework.supervision import charts, exports
from casework.supervision.dashboard import Counts, Group, Week

SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize("dangerous", ["=1+2", "+1", "-1+1", "@SUM(A1)", "\tx", "\rx",
                                       '=HYPERLINK("http://x","y")'])
def test_a_cell_that_would_run_is_written_as_text(dangerous):
    assert exports.neutralise(dangerous) == "'" + dangerous


@pytest.mark.parametrize(("value", "written"), [
    ("MX-2026-00001", "MX-2026-00001"), ("screen.safety", "screen.safety"), ("", ""),
    (None, ""), (3, 3), (0, 0), (True, "yes"), (False, "no"), ("a=b", "a=b"),
    (datetime(2026, 3, 1, 9, 5, tzinfo=UTC), "2026-03-01 09:05 UTC"),
])
def test_other_cells_are_written_as_they_are(value, written):
    assert exports.neutralise(value) == written


def test_csv_lines_round_trip_and_neutralise_every_cell():
    rows = [["a", "=cmd", 3], ["-5", "x,y", 'he said "no"'], ["\r\nline", "@x", None]]
    text = "".join(exports.csv_lines(rows))
    back = list(csv.reader(io.StringIO(text, newline="")))
    assert back == [["a", "'=cmd", "3"], ["'-5", "x,y", 'he said "no"'],
                    ["'\r\nline", "'@x", ""]]


def _parse(svg) -> ET.Element:
    return ET.fromstring(str(svg))  # noqa: S314 (our own markup)


def _counts(**by_status) -> Counts:
    c = Counts()
    for status, n in by_status.items():
        c.add(status, n)
    c.cases = sum(by_status.values())
    return c


def test_the_trend_chart_draws_one_bar_per_week_with_data(ctx):
    start = datetime(2026, 1, 5, tzinfo=UTC)
    weeks = [Week(start + timedelta(weeks=i), due, on_time)
             for i, (due, on_time) in enumerate([(4, 4), (0, 0), (10, 5), (8, 2)])]
    root = _parse(charts.trend_chart(weeks, "t", described_by="t-table"))
    assert root.get("role") == "img" and root.get("aria-describedby") == "t-table"
    assert root.find(f"{SVG}title").text.startswith("Share of checkpoints met on time")
    desc = root.find(f"{SVG}desc").text
    assert "(26 Jan): 25% met on time" in desc and "Lowest: 25% in the week of 26 Jan" in desc
    bars = root.findall(f"{SVG}rect")
    assert [float(b.get("data-share")) for b in bars] == [1.0, 0.5, 0.25]
    heights = [float(b.get("height")) for b in bars]
    assert heights[0] == pytest.approx(2 * heights[1], rel=0.01)
    assert [b.find(f"{SVG}title").text for b in bars][2].endswith("(2 of 8)")


def test_the_status_chart_splits_each_bar_by_status(ctx):
    groups = [Group("R1", "Best interests", _counts(met=2, overdue=6), {}),
              Group("R3", "Family unity", Counts(), {}),
              Group("R6", "<script>x</script>", _counts(due_soon=1), {})]
    root = _parse(charts.status_bars(groups, "s", title="By recommendation"))
    segments = [r for r in root.iter(f"{SVG}rect") if r.get("data-column")]
    assert [(r.get("data-column"), r.get("data-count")) for r in segments] == [
        ("met_on_time", "2"), ("overdue", "6"), ("due_soon", "1")]
    widths = [float(r.get("width")) for r in segments]
    assert widths[1] == pytest.approx(3 * widths[0], rel=0.01)
    assert widths[2] == pytest.approx(widths[0] + widths[1], rel=0.01)  # a full bar each
    assert segments[1].get("fill") == "url(#s-hatch)"  # overdue reads on grey paper too
    desc = root.find(f"{SVG}desc").text
    assert "R1: 6 overdue of 8" in desc and "R3: 0 overdue of 0" in desc
    assert "does not apply" in str(charts.status_bars(groups, "s"))
    assert "<script>" not in str(charts.status_bars(groups, "s", name=lambda g: g.label))
