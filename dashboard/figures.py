"""Pure figure functions: a small DataFrame in, a plotly Figure out; nothing is computed here.

Traces are written as plain dicts of lists and the figure is built without plotly's property
checks, which cost several times the drawing itself; the tests rebuild every figure with the
checks on.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from dashboard import theme

Trace = dict[str, Any]


def _layout(title: str, *, height: int = 320, legend: bool = True) -> dict[str, Any]:
    return {
        # The title at the top, the legend under it on the left: never one over the other.
        "title": {
            "text": title,
            "x": 0,
            "xanchor": "left",
            "y": 1,
            "yref": "container",
            "yanchor": "top",
            "pad": {"t": 10},
            "font": {"size": 18},
        },
        "font": {"family": theme.FONT_FAMILY, "size": 14, "color": theme.NHS_BLACK},
        "height": height,
        "margin": {"l": 56, "r": 16, "t": (80 if legend else 52) if title else 32, "b": 48},
        "paper_bgcolor": theme.NHS_WHITE,
        "plot_bgcolor": theme.NHS_WHITE,
        "showlegend": legend,
        "legend": {"orientation": "h", "x": 0, "y": 1.01, "xanchor": "left", "yanchor": "bottom"},
        "xaxis": {"gridcolor": theme.NHS_PALE_GREY, "linecolor": theme.NHS_MID_GREY},
        "yaxis": {"gridcolor": theme.NHS_PALE_GREY, "linecolor": theme.NHS_MID_GREY},
        "hoverlabel": {"font": {"family": theme.FONT_FAMILY}},
    }


def _figure(traces: list[Trace], layout: dict[str, Any]) -> go.Figure:
    return go.Figure({"data": traces, "layout": layout}, _validate=False)


def _list(values: Any) -> list[Any]:
    return values.tolist() if isinstance(values, pd.Series) else list(values)


def empty(message: str, *, height: int = 320) -> go.Figure:
    """A blank chart that says why it is blank."""
    layout = _layout("", height=height, legend=False)
    layout["xaxis"] = layout["yaxis"] = {"visible": False}
    layout["annotations"] = [{"text": message, "showarrow": False, "font": {"size": 16}}]
    return _figure([], layout)


def comparison_bars(frame: pd.DataFrame, *, title: str, horizontal: bool = False) -> go.Figure:
    """Now against 24 hours earlier, one pair of bars per group (columns group, now, before)."""
    if frame.empty:
        return empty(f"{title}: none")
    labels = [_wrap(str(g)) for g in frame["group"]]
    traces = []
    for column, name, colour in (
        ("now", "Now", theme.NHS_BLUE),
        ("before", "24 hours earlier", theme.BEFORE),
    ):
        values = _list(frame[column])
        xy = {"x": values, "y": labels} if horizontal else {"x": labels, "y": values}
        orientation = "h" if horizontal else "v"
        traces.append(
            {"type": "bar", "name": name, "marker": {"color": colour}, "orientation": orientation}
            | xy
        )
    height = max(320, 110 + 46 * len(frame)) if horizontal else 320
    layout = _layout(title, height=height) | {"barmode": "group"}
    if horizontal:
        layout["yaxis"] |= {"autorange": "reversed", "automargin": True}
    return _figure(traces, layout)


def capacity_bars(
    frame: pd.DataFrame, *, title: str = "D2A services: occupied and free"
) -> go.Figure:
    """Each service's occupied and free places, stacked to its capacity."""
    if frame.empty:
        return empty(f"{title}: no services")
    labels = [f"P{int(p)} · {n}" for p, n in zip(frame["pathway"], frame["name"], strict=True)]
    bar = {"type": "bar", "y": labels, "orientation": "h"}
    traces = [
        bar
        | {"name": "Occupied", "x": _list(frame["occupied"]), "marker": {"color": theme.NHS_BLUE}},
        bar
        | {
            "name": "Free",
            "x": _list(frame["free"]),
            "marker": {
                "color": theme.NHS_PALE_GREY,
                "line": {"color": theme.NHS_DARK_GREY, "width": 1},
            },
        },
    ]
    traces[0]["marker"] = {"color": theme.NHS_BLUE}
    layout = _layout(title, height=max(320, 120 + 34 * len(frame))) | {"barmode": "stack"}
    layout["yaxis"] |= {"autorange": "reversed", "automargin": True}
    return _figure(traces, layout)


STATUS_COLOURS = {
    "normal": theme.NHS_DARK_GREEN,
    "pressure": "#B35A00",
    "escalation": "#D5281B",
    "unknown": theme.NHS_DARK_GREY,
}


def queue_against_capacity(pathways: list[dict[str, Any]]) -> go.Figure:
    """Per D2A pathway, the people waiting for it beside its free places (and its capacity),
    each pathway on its own axis (home-care slots and beds are not one scale); the waiting
    bar is coloured by the pathway's status, which its title also says in words."""
    if not pathways:
        return empty("No D2A services")
    count = len(pathways)
    gap = 0.08
    width = (1 - gap * (count - 1)) / count
    layout = _layout("", height=340, legend=False)
    layout["margin"] = {"l": 48, "r": 16, "t": 64, "b": 40}
    traces: list[Trace] = []
    annotations = []
    for index, p in enumerate(pathways):
        n = "" if index == 0 else str(index + 1)
        start = index * (width + gap)
        layout[f"xaxis{n}"] = {
            "domain": [start, start + width],
            "anchor": f"y{n}",
            "linecolor": theme.NHS_MID_GREY,
        }
        layout[f"yaxis{n}"] = {
            "anchor": f"x{n}",
            "rangemode": "tozero",
            "gridcolor": theme.NHS_PALE_GREY,
            "linecolor": theme.NHS_MID_GREY,
        }
        status = p.get("status") or "unknown"
        labels = ["Waiting", "Free", "Capacity"]
        values = [p.get("waiting"), p.get("free"), p.get("capacity")]
        colours = [STATUS_COLOURS.get(status, theme.NHS_DARK_GREY), theme.NHS_BLUE, theme.BEFORE]
        traces.append(
            {
                "type": "bar",
                "x": labels,
                "y": values,
                "xaxis": f"x{n}",
                "yaxis": f"y{n}",
                "name": f"Pathway {p['pathway']}",
                "marker": {"color": colours},
                "text": ["–" if v is None else str(v) for v in values],
                "textposition": "outside",
                "cliponaxis": False,
                "hovertemplate": "%{x}: %{y}<extra>Pathway " + str(p["pathway"]) + "</extra>",
            }
        )
        annotations.append(
            {
                "text": f"<b>Pathway {p['pathway']}: {status}</b>",
                "x": start,
                "xref": "paper",
                "xanchor": "left",
                "y": 1.0,
                "yref": "paper",
                "yanchor": "bottom",
                "yshift": 18,
                "showarrow": False,
                "font": {"size": 16},
            }
        )
    layout["annotations"] = annotations
    return _figure(traces, layout)


def spc_figure(
    points: pd.DataFrame,
    *,
    title: str,
    unit: str,
    target: float | None = None,
    x_title: str = "Period starting",
    notes: list[dict[str, Any]] | None = None,
) -> go.Figure:
    """An XmR chart: the values, mean, process limits, target, points coloured by type."""
    if points.empty:
        return empty(f"{title}: not enough figures for a chart")
    x = _list(points["period"])
    line: Trace = {"type": "scatter", "x": x, "mode": "lines"}
    dashed = {"color": theme.NHS_MID_GREY, "dash": "dash", "width": 1.5}
    traces = [
        line | {"y": _list(points["upl"]), "name": "Process limits", "line": dashed},
        line | {"y": _list(points["lpl"]), "line": dashed, "showlegend": False},
        line | {"y": _list(points["mean"]), "name": "Mean", "line": {"color": theme.NHS_BLACK}},
    ]
    if target is not None:
        target_line = {"color": theme.NHS_DARK_RED, "dash": "dot", "width": 2}
        traces.append(line | {"y": [target] * len(x), "name": "Target", "line": target_line})
    kinds = _list(points["point_type"])
    pending = _incomplete_flags(points)
    colours = [theme.POINT_COLOURS.get(k, theme.NHS_DARK_GREY) for k in kinds]
    labels = [
        theme.INCOMPLETE_LABEL if p else theme.POINT_LABELS.get(k, "")
        for k, p in zip(kinds, pending, strict=True)
    ]
    traces.append(
        line
        | {
            "y": _list(points["value"]),
            "name": f"Value ({unit})",
            "mode": "lines+markers",
            "line": {"color": theme.NHS_MID_GREY, "width": 1.5},
            # Incomplete periods are drawn hollow: their figure can still change.
            "marker": {
                "color": colours,
                "size": 9,
                "symbol": ["circle-open" if p else "circle" for p in pending],
                "line": {"color": colours, "width": 2},
            },
            "customdata": labels,
            "hovertemplate": "%{x|%d %b %Y}: %{y}<br>%{customdata}<extra></extra>",
        }
    )
    layout = _layout(title, height=340)
    layout["xaxis"] |= {"title": {"text": x_title}}
    layout["yaxis"] |= {"title": {"text": unit}}
    _mark_notes(layout, notes or [])
    return _figure(traces, layout)


def _mark_notes(layout: dict[str, Any], notes: list[dict[str, Any]]) -> None:
    """A vertical line on each annotated day (solid purple for a rebase, dotted grey for a
    note) with its short text at the top."""
    shapes, labels = [], []
    for note in notes:
        day = note["day"].isoformat() if hasattr(note["day"], "isoformat") else note["day"]
        colour = theme.NHS_PURPLE if note["rebase"] else theme.NHS_MID_GREY
        line = {"color": colour, "width": 2, "dash": "solid" if note["rebase"] else "dot"}
        shapes.append(
            {"type": "line", "xref": "x", "yref": "paper", "x0": day, "x1": day, "y0": 0}
            | {"y1": 1, "line": line}
        )
        text = ("Rebase: " if note["rebase"] else "") + str(note["text"])
        labels.append(
            {"x": day, "xref": "x", "yref": "paper", "y": 1, "yanchor": "bottom", "text": text}
            | {"showarrow": False, "font": {"size": 11, "color": colour}, "xanchor": "left"}
        )
    if shapes:
        layout["shapes"] = shapes
        layout["annotations"] = labels


def _incomplete_flags(points: pd.DataFrame) -> list[bool]:
    if "incomplete" not in points:
        return [False] * len(points)
    return [bool(p) for p in points["incomplete"].fillna(False)]


def stacked_bars(rows: pd.DataFrame, *, title: str, unit: str, x_title: str) -> go.Figure:
    """A metric broken down by group (period, group, value) as bars stacked per period."""
    if rows.empty:
        return empty(f"{title}: no figures for this period")
    traces: list[Trace] = []
    for index, (group, part) in enumerate(rows.groupby("group", sort=False)):
        colour = theme.BANDS[index % len(theme.BANDS)]
        traces.append(
            {"type": "bar", "name": str(group), "x": _list(part["period"])}
            | {"y": _list(part["value"]), "marker": {"color": colour}}
        )
    layout = _layout(title, height=340) | {"barmode": "stack"}
    layout["xaxis"] |= {"title": {"text": x_title}}
    layout["yaxis"] |= {"title": {"text": unit}}
    layout["legend"] |= {"title": {"text": "Days delayed"}}
    return _figure(traces, layout)


def metric_figure(
    rows: pd.DataFrame, *, title: str, unit: str, interval: str | None = None, codes: bool = False
) -> go.Figure:
    """A metric's rows (period, group, value; label and reason_group when broken down): a line
    per group named by its label (or code), or bars for a single period. Delay reasons are
    gathered under their national group in the legend; weeks are ticked on Mondays."""
    if rows.empty:
        return empty(f"{title}: no figures for this period")
    single = rows["period"].nunique() == 1
    traces: list[Trace] = []
    for index, (group, whole) in enumerate(rows.groupby("group", sort=False, dropna=False)):
        name = _group_name(group, whole, codes)
        colour = theme.MANY[index % len(theme.MANY)]
        part = _from_first_figure(whole)
        values = _list(part["value"])
        if single:
            traces.append({"type": "bar", "x": [name], "y": values, "name": name})
            traces[-1]["marker"] = {"color": colour}
        else:
            dash = ("solid", "dash", "dot")[(index // len(theme.MANY)) % 3]
            traces.append(
                {
                    "type": "scatter",
                    "x": _list(part["period"]),
                    "y": values,
                    "name": name,
                    "mode": "lines+markers",
                    "line": {"color": colour, "dash": dash},
                }
            )
        if "reason_group" in part and part["reason_group"].notna().any():
            reason_group = str(part["reason_group"].dropna().iloc[0])
            traces[-1] |= {"legendgroup": reason_group, "legendgrouptitle": {"text": reason_group}}
    layout = _layout(title, height=400 if len(traces) < 8 else 400 + 18 * len(traces))
    layout["yaxis"] |= {"title": {"text": unit}, "rangemode": "tozero"}
    if len(traces) >= 8:
        layout["legend"] = {"orientation": "v", "groupclick": "toggleitem"}
    if interval == "week" and not single:
        weeks = rows["period"].nunique()
        step = max(1, -(-weeks // 12))  # at most about 12 ticks, always on a Monday
        layout["xaxis"] |= {"tick0": "2000-01-03", "dtick": step * 7 * 86_400_000}
        layout["xaxis"] |= {"tickformat": "%d %b %Y", "title": {"text": "Week starting (Monday)"}}
    return _figure(traces, layout)


def _from_first_figure(part: pd.DataFrame) -> pd.DataFrame:
    """A group's rows from its first figure on: the periods before its data start (null, not
    0) are not drawn, so a line starts where the data does."""
    known = part["value"].notna().to_numpy()
    return part.iloc[int(known.argmax()) :] if known.any() else part.iloc[:0]


def _group_name(group: Any, part: pd.DataFrame, codes: bool) -> str:
    if pd.isna(group):
        return "All"
    if codes or "label" not in part:
        return str(group)
    return str(part["label"].iloc[0])


def _wrap(label: str, width: int = 40) -> str:
    """A long category label over several lines, so the plot keeps its width."""
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)
