"""The board pack: one month's headline summary and SPC charts (metrics.board) as an XLSX and as
a printable page; and the Making Data Count icons both it and the dashboard draw.

The icons are our own small SVGs following NHS England's Making Data Count meanings: a circle
coloured grey (common cause), blue (improvement), orange (concern) or purple (neutral), with H
or L for a high or low special cause; assurance blue P (target consistently met), orange F
(consistently missed), grey ? (hit and miss).
"""

from __future__ import annotations

import io
from datetime import date
from html import escape
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference

from metrics.board import Headline

GREY, BLUE, ORANGE, PURPLE = "#425563", "#005EB8", "#B35A00", "#330072"
VARIATION_WORDS = {
    "common_cause": "Common cause variation",
    "special_cause_improvement": "Special cause: improvement",
    "special_cause_concern": "Special cause: concern",
    "special_cause_neutral_high": "Special cause: higher",
    "special_cause_neutral_low": "Special cause: lower",
}
ASSURANCE_WORDS = {
    "pass": "Target consistently met",
    "fail": "Target consistently missed",
    "hit_and_miss": "Target hit and miss",
}
POINT_COLOURS = {
    "common_cause": GREY,
    "special_cause_improvement": BLUE,
    "special_cause_concern": ORANGE,
    "special_cause_neutral_high": PURPLE,
    "special_cause_neutral_low": PURPLE,
}


def variation_icon(variation: str | None, direction: str, size: int = 40) -> str:
    """The variation icon of a chart's last point, as SVG ('' without one)."""
    if not variation:
        return ""
    colour = POINT_COLOURS.get(variation, GREY)
    if variation == "common_cause":
        mark = '<path d="M11 22 l6 -6 l6 6 l6 -6" fill="none" stroke="{c}" stroke-width="3"/>'
        return _circle(colour, mark.format(c=colour), VARIATION_WORDS[variation], size)
    high = variation.endswith("_high") or _is_high(variation, direction)
    letter = "H" if high else "L"
    arrow = "M20 6 l-5 6 h10 z" if high else "M20 34 l-5 -6 h10 z"
    mark = f'<path d="{arrow}" fill="{colour}"/>' + _letter(letter, colour)
    return _circle(colour, mark, VARIATION_WORDS.get(variation, variation), size)


def assurance_icon(assurance: str | None, size: int = 40) -> str:
    """The assurance icon (target met, missed, or hit and miss), as SVG ('' without one)."""
    if not assurance:
        return ""
    colour, letter = {"pass": (BLUE, "P"), "fail": (ORANGE, "F")}.get(assurance, (GREY, "?"))
    return _circle(colour, _letter(letter, colour), ASSURANCE_WORDS[assurance], size)


def _is_high(variation: str, direction: str) -> bool:
    improvement = variation == "special_cause_improvement"
    return improvement == (direction == "increase")


def _circle(colour: str, inner: str, title: str, size: int) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
        f'viewBox="0 0 40 40" role="img" aria-label="{escape(title)}"><title>{escape(title)}'
        f'</title><circle cx="20" cy="20" r="17" fill="#fff" stroke="{colour}" '
        f'stroke-width="3"/>{inner}</svg>'
    )


def _letter(letter: str, colour: str) -> str:
    return (
        f'<text x="20" y="26" text-anchor="middle" font-family="Arial" font-size="15" '
        f'font-weight="bold" fill="{colour}">{letter}</text>'
    )


def summary_rows(found: list[Headline]) -> list[dict[str, Any]]:
    return [h.row() for h in found]


def xlsx(month: date, found: list[Headline]) -> bytes:
    """The pack as a workbook: the summary sheet, then a sheet and a line chart per metric."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "summary"
    sheet.append([f"Board pack, {month:%B %Y}: headline metrics, monthly SPC"])
    columns = ["metric", "title", "unit", "period", "value", "target", "variation", "assurance"]
    sheet.append(columns)
    for row in summary_rows(found):
        shown = row | {
            "variation": VARIATION_WORDS.get(row["variation"] or "", row["variation"]),
            "assurance": ASSURANCE_WORDS.get(row["assurance"] or "", row["assurance"]),
        }
        sheet.append([shown[c] for c in columns])
    for headline in found:
        _chart_sheet(book, headline)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _chart_sheet(book: Workbook, headline: Headline) -> None:
    sheet = book.create_sheet(headline.metric.name[:31])
    columns = ["period", "value", "mean", "lpl", "upl", "point_type", "incomplete"]
    sheet.append(columns)
    points = headline.chart.points
    for record in points.to_dict("records") if not points.empty else []:
        sheet.append([_cell(record.get(c)) for c in columns])
    if points.empty:
        return
    chart = LineChart()
    chart.title = f"{headline.metric.title} ({headline.metric.unit})"
    chart.y_axis.title = headline.metric.unit
    chart.x_axis.title = "Month starting"
    rows = len(points) + 1
    chart.add_data(
        Reference(sheet, min_col=2, max_col=5, min_row=1, max_row=rows), titles_from_data=True
    )
    chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=rows))
    chart.width, chart.height = 22, 9
    sheet.add_chart(chart, "I2")


def _cell(value: Any) -> Any:
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:  # NaN
        return None
    return value


def page(month: date, found: list[Headline], organisation: str | None = None) -> str:
    """The pack as a printable HTML page: the summary table and each metric's chart."""
    who = escape(organisation) if organisation else "all partners"
    rows = "".join(_table_row(h) for h in found)
    charts = "".join(_chart_block(h) for h in found)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Board pack {month:%B %Y}</title><style>{STYLE}</style></head><body>"
        f"<h1>Board pack: {month:%B %Y}</h1><p>Headline metrics, {who}: monthly statistical "
        "process control charts (NHS England “Making Data Count”). Hollow points can still "
        "change and are left out of the limits and rules.</p>"
        '<table><thead><tr><th scope="col">Metric</th><th scope="col">Latest month</th>'
        '<th scope="col">Value</th><th scope="col">Target</th><th scope="col">Variation</th>'
        f'<th scope="col">Assurance</th></tr></thead><tbody>{rows}</tbody></table>'
        f"{KEY}{charts}</body></html>"
    )


def _table_row(h: Headline) -> str:
    row = h.row()
    value = "no figure" if row["value"] is None else f"{row['value']:,.1f}"
    target = "" if row["target"] is None else f"{row['target']:g}"
    period = date.fromisoformat(row["period"]).strftime("%b %Y") if row["period"] else ""
    return (
        f'<tr><th scope="row"><a href="#{h.metric.name}">{escape(h.metric.title)}</a> '
        f"({escape(h.metric.unit)})</th><td>{period}</td><td>{value}</td><td>{target}</td>"
        f"<td>{variation_icon(row['variation'], h.metric.direction, 32)}</td>"
        f"<td>{assurance_icon(row['assurance'], 32)}</td></tr>"
    )


def _chart_block(h: Headline) -> str:
    notes = "".join(f"<li>{escape(n)}</li>" for n in h.notes())
    marks = "".join(
        f"<li>{a['day']:%d %b %Y}{' (rebase)' if a['rebase'] else ''}: {escape(a['text'])}</li>"
        for a in h.annotations
    )
    return (
        f'<section id="{h.metric.name}" class="chart"><h2>{escape(h.metric.title)} '
        f"({escape(h.metric.unit)})</h2>{chart_svg(h)}<ul>{marks}{notes}</ul></section>"
    )


def chart_svg(h: Headline, width: int = 640, height: int = 220) -> str:
    """A small XmR chart: values, mean, limits, target, rebase lines, points by type."""
    points = h.chart.points
    if points.empty:
        return "<p>No figures to chart.</p>"
    values = [float(v) for v in points["value"]]
    lines = {k: [float(v) for v in points[k]] for k in ("mean", "lpl", "upl")}
    target = h.metric.target
    known = values + [v for line in lines.values() for v in line if v == v]
    known += [target] if target is not None else []
    low, high = min(known), max(known)
    high = high if high > low else low + 1
    left, right, top, bottom = 50, width - 10, 10, height - 30
    n = len(values)

    def x(i: int) -> float:
        return left + (right - left) * (i / (n - 1) if n > 1 else 0.5)

    def y(v: float) -> float:
        return bottom - (bottom - top) * (v - low) / (high - low)

    parts = [
        f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#768692"/>',
        f'<text x="{left}" y="{height - 8}" font-size="11">{points["period"].iloc[0]:%b %Y}'
        f'</text><text x="{right}" y="{height - 8}" font-size="11" text-anchor="end">'
        f"{points['period'].iloc[-1]:%b %Y}</text>",
        f'<text x="4" y="{top + 10}" font-size="11">{high:,.4g}</text>'
        f'<text x="4" y="{bottom}" font-size="11">{low:,.4g}</text>',
    ]
    for key, dash in (
        ("mean", ""),
        ("lpl", ' stroke-dasharray="5 3"'),
        ("upl", ' stroke-dasharray="5 3"'),
    ):
        path = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(lines[key]) if v == v)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#231f20"{dash}/>')
    if target is not None:
        parts.append(
            f'<line x1="{left}" y1="{y(target):.1f}" x2="{right}" y2="{y(target):.1f}" '
            'stroke="#8A1538" stroke-dasharray="2 2"/>'
        )
    for rebased in h.rebase:
        i = list(points["period"]).index(rebased)
        parts.append(
            f'<line x1="{x(i):.1f}" y1="{top}" x2="{x(i):.1f}" y2="{bottom}" stroke="#330072"/>'
        )
    path = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
    parts.append(f'<polyline points="{path}" fill="none" stroke="#768692"/>')
    for i, (v, kind, pending) in enumerate(
        zip(values, points["point_type"], points["incomplete"], strict=True)
    ):
        colour = POINT_COLOURS.get(kind or "", GREY)
        fill = "#fff" if pending else colour
        parts.append(
            f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="4" fill="{fill}" stroke="{colour}" '
            'stroke-width="2"/>'
        )
    title = escape(f"{h.metric.title}: SPC chart")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="{title}">{"".join(parts)}</svg>'
    )


KEY = (
    '<section class="key"><h2>Key</h2><ul>'
    f"<li>{variation_icon('common_cause', 'increase', 24)} grey: common cause variation</li>"
    f"<li>{variation_icon('special_cause_improvement', 'increase', 24)} blue: special cause, "
    "improvement (H high, L low)</li>"
    f"<li>{variation_icon('special_cause_concern', 'increase', 24)} orange: special cause, "
    "concern</li>"
    f"<li>{variation_icon('special_cause_neutral_high', 'neutral', 24)} purple: special cause "
    "where neither way is better</li>"
    f"<li>{assurance_icon('pass', 24)} target consistently met; "
    f"{assurance_icon('fail', 24)} consistently missed; "
    f"{assurance_icon('hit_and_miss', 24)} hit and miss</li>"
    "<li>Lines: black the mean, dashed the process limits, red dotted the target, purple a "
    "rebase. Hollow points can still change.</li></ul></section>"
)
STYLE = (
    "body{font-family:Arial,sans-serif;color:#231f20;margin:2em}table{border-collapse:collapse}"
    "th,td{border:1px solid #d8dde0;padding:4px 8px;text-align:left;vertical-align:middle}"
    ".chart{break-inside:avoid;margin-top:1.5em}.key li{list-style:none}"
    "@media print{a{color:inherit;text-decoration:none}}"
)
