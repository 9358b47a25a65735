"""Charts drawn on the server as SVG: no JavaScript, readable in print, with text alternatives.

Each chart is an `<svg role="img">` with a `<title>` and a `<desc>` that say what it
shows in words, and a `<title>` on every bar for pointer users. The page puts
the same numbers in a table next to the chart (the full text alternative), which
`aria-describedby` names. Colours are presentation attributes (the CSP allows no
inline style), and overdue is also hatched, so it reads in grey on paper.

Every text and attribute value passes through `escape`; the markup is built only
from the fixed tags below.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from flask_babel import format_date, format_percent
from flask_babel import gettext as _
from markupsafe import Markup, escape

from casework.supervision.dashboard import COLUMN_LABELS, Group, Week

# The parts of a stacked bar, from done to most urgent, with their fill.
SEGMENTS = (
    ("met_on_time", "#1e7b34"),
    ("met_late", "#8dbb6e"),
    ("awaiting_sign_off", "#2f6fd6"),
    ("pending", "#b8bfc6"),
    ("due_soon", "#e0a100"),
    ("overdue", "#c0392b"),
)
TEXT = "#212529"
MUTED = "#6c757d"
GRID = "#dee2e6"


def _num(value) -> str:
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def el(tag: str, content: object = "", **attrs) -> Markup:
    """One SVG element. Attribute names: trailing `_` dropped, `_` becomes `-`; text
    content is escaped, Markup content (child elements) is kept."""
    rendered = "".join(
        f' {name.rstrip("_").replace("_", "-")}="{escape(_num(value))}"'
        for name, value in attrs.items() if value is not None
    )
    if isinstance(content, list | tuple):
        content = Markup("").join(content)
    elif not isinstance(content, Markup):
        content = str(content)  # lazy strings too
    return Markup(f"<{tag}{rendered}>{escape(content)}</{tag}>")  # noqa: S704 (escaped)


def _svg(chart_id: str, width: int, height: int, title: str, desc: str, body: list[Markup],
         described_by: str | None = None) -> Markup:
    return el(
        "svg",
        [el("title", title, id=f"{chart_id}-title"), el("desc", desc, id=f"{chart_id}-desc"),
         *body],
        xmlns="http://www.w3.org/2000/svg", id=chart_id, class_="chart",
        viewBox=f"0 0 {width} {height}", role="img",
        aria_labelledby=f"{chart_id}-title {chart_id}-desc", aria_describedby=described_by,
        font_family="system-ui, sans-serif", font_size=12,
    )


def _hatch(chart_id: str, colour: str) -> Markup:
    pattern = el("pattern", [el("rect", width=6, height=6, fill=colour),
                             el("line", x1=0, y1=0, x2=0, y2=6, stroke="#ffffff",
                                stroke_width=2)],
                 id=f"{chart_id}-hatch", width=6, height=6, patternUnits="userSpaceOnUse",
                 patternTransform="rotate(45)")
    return el("defs", [pattern])


def _fill(chart_id: str, column: str, colour: str) -> str:
    return f"url(#{chart_id}-hatch)" if column == "overdue" else colour


def _pct(share: float | None) -> str:
    return "—" if share is None else format_percent(share, "#,##0%")


def _week(week: Week) -> str:
    return format_date(week.start.date(), "d MMM")


def trend_chart(weeks: Sequence[Week], chart_id: str = "trend-chart",
                described_by: str | None = None) -> Markup:
    """Columns: per week, the share of the checkpoints due that week that were met on time."""
    width, height = 720, 240
    left, right, top, bottom = 44, 12, 14, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    base = top + plot_h
    slot = plot_w / max(len(weeks), 1)
    body = []
    for pct in (0.0, 0.5, 1.0):
        y = top + plot_h * (1 - pct)
        body.append(el("line", x1=left, x2=width - right, y1=y, y2=y, stroke=GRID))
        body.append(el("text", _pct(pct), x=left - 6, y=y + 4, text_anchor="end", fill=MUTED))
    for i, week in enumerate(weeks):
        x = left + i * slot
        if week.share is None:
            tip = _("Week of %(week)s: nothing fell due", week=_week(week))
            body.append(el("text", [el("title", tip), escape("–")], x=x + slot / 2,
                           y=base - 4, text_anchor="middle", fill=MUTED))
        else:
            bar_h = plot_h * week.share
            tip = _("Week of %(week)s: %(share)s met on time (%(on_time)d of %(due)d)",
                    week=_week(week), share=_pct(week.share), on_time=week.on_time,
                    due=week.due)
            body.append(el("rect", [el("title", tip)], x=x + slot * 0.15, y=base - bar_h,
                           width=slot * 0.7, height=bar_h, fill=SEGMENTS[0][1],
                           data_share=f"{week.share:.4f}"))
        body.append(el("text", _week(week), x=x + slot / 2, y=base + 16,
                       text_anchor="middle", fill=TEXT))
    body.append(el("line", x1=left, x2=width - right, y1=base, y2=base, stroke=TEXT))
    title = _("Share of checkpoints met on time, by the week they fell due")
    return _svg(chart_id, width, height, title, _trend_summary(weeks), body, described_by)


def _trend_summary(weeks: Sequence[Week]) -> str:
    known = [w for w in weeks if w.share is not None]
    if not known:
        return _("No checkpoint fell due in the last %(n)d weeks.", n=len(weeks))
    last = known[-1]
    lowest = min(known, key=lambda w: w.share)
    return _("Last %(n)d weeks. Most recent week with checkpoints due (%(week)s): %(share)s "
             "met on time. Lowest: %(low)s in the week of %(low_week)s.",
             n=len(weeks), week=_week(last), share=_pct(last.share), low=_pct(lowest.share),
             low_week=_week(lowest))


def status_bars(groups: Sequence[Group], chart_id: str = "status-chart",
                described_by: str | None = None, title: str | None = None,
                name: Callable[[Group], str] = lambda g: g.id) -> Markup:
    """One stacked bar per group (named by `name`, short): its applicable checkpoints by
    status, as shares of the bar."""
    width, left, right, top, row_h = 720, 90, 12, 8, 26
    plot_w = width - left - right
    rows_h = row_h * max(len(groups), 1)
    height = top + rows_h + 52
    body = [_hatch(chart_id, SEGMENTS[-1][1])]
    for i, group in enumerate(groups):
        y = top + i * row_h
        applies = group.counts["applies"]
        body.append(el("text", name(group), x=left - 8, y=y + row_h / 2 + 4,
                       text_anchor="end", fill=TEXT))
        if not applies:
            body.append(el("text", _("does not apply to any case"), x=left,
                           y=y + row_h / 2 + 4, fill=MUTED))
            continue
        x = float(left)
        for column, colour in SEGMENTS:
            n = group.counts[column]
            if not n:
                continue
            w = plot_w * n / applies
            tip = f"{name(group)} · {COLUMN_LABELS[column]}: {n}"
            body.append(el("rect", [el("title", tip)], x=x, y=y + 4, width=w,
                           height=row_h - 8, fill=_fill(chart_id, column, colour),
                           data_column=column, data_count=n))
            x += w
    body.append(_legend(top + rows_h + 12, left, plot_w, chart_id))
    summary = "; ".join(
        _("%(group)s: %(overdue)d overdue of %(applies)d", group=name(g),
          overdue=g.counts["overdue"], applies=g.counts["applies"]) for g in groups)
    return _svg(chart_id, width, height, title or _("Checkpoints by status"),
                summary or _("No data."), body, described_by)


def _legend(y: float, left: int, plot_w: int, chart_id: str) -> Markup:
    """Three keys a line, so that longer (Spanish) labels still fit."""
    parts = []
    col_w = plot_w / 3
    for i, (column, colour) in enumerate(SEGMENTS):
        x, row_y = left + (i % 3) * col_w, y + (i // 3) * 18
        parts.append(el("rect", x=x, y=row_y, width=12, height=12,
                        fill=_fill(chart_id, column, colour)))
        parts.append(el("text", str(COLUMN_LABELS[column]), x=x + 16, y=row_y + 10,
                        fill=TEXT))
    return el("g", parts, aria_hidden="true")
