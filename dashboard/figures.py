"""Pure figure functions: a small DataFrame in, a plotly Figure out; nothing is computed here."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from dashboard import theme


def _layout(title: str, *, height: int = 320, legend: bool = True) -> dict[str, Any]:
    return {
        "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": 18}},
        "font": {"family": theme.FONT_FAMILY, "size": 14, "color": theme.NHS_BLACK},
        "height": height,
        "margin": {"l": 56, "r": 16, "t": 56, "b": 48},
        "paper_bgcolor": theme.NHS_WHITE,
        "plot_bgcolor": theme.NHS_WHITE,
        "showlegend": legend,
        "legend": {"orientation": "h", "x": 1, "y": 1.02, "xanchor": "right", "yanchor": "bottom"},
        "xaxis": {"gridcolor": theme.NHS_PALE_GREY, "linecolor": theme.NHS_MID_GREY},
        "yaxis": {"gridcolor": theme.NHS_PALE_GREY, "linecolor": theme.NHS_MID_GREY},
        "hoverlabel": {"font": {"family": theme.FONT_FAMILY}},
    }


def empty(message: str, *, height: int = 320) -> go.Figure:
    """A blank chart that says why it is blank."""
    figure = go.Figure(layout=_layout("", height=height, legend=False))
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    figure.add_annotation(text=message, showarrow=False, font={"size": 16})
    return figure


def comparison_bars(frame: pd.DataFrame, *, title: str, horizontal: bool = False) -> go.Figure:
    """Now against 24 hours earlier, one pair of bars per group (columns group, now, before)."""
    if frame.empty:
        return empty(f"{title}: none")
    labels = [_wrap(str(g)) for g in frame["group"]]
    height = max(320, 110 + 46 * len(frame)) if horizontal else 320
    figure = go.Figure(layout=_layout(title, height=height))
    for column, name, colour in (
        ("now", "Now", theme.NHS_BLUE),
        ("before", "24 hours earlier", theme.BEFORE),
    ):
        values = frame[column]
        xy = {"x": values, "y": labels} if horizontal else {"x": labels, "y": values}
        figure.add_bar(name=name, marker_color=colour, orientation="h" if horizontal else "v", **xy)
    figure.update_layout(barmode="group")
    if horizontal:
        figure.update_yaxes(autorange="reversed", automargin=True)
    return figure


def capacity_bars(
    frame: pd.DataFrame, *, title: str = "D2A services: occupied and free"
) -> go.Figure:
    """Each service's occupied and free places, stacked to its capacity."""
    if frame.empty:
        return empty(f"{title}: no services")
    labels = [f"P{int(p)} · {n}" for p, n in zip(frame["pathway"], frame["name"], strict=True)]
    figure = go.Figure(layout=_layout(title, height=max(320, 120 + 34 * len(frame))))
    figure.add_bar(
        name="Occupied", x=frame["occupied"], y=labels, orientation="h", marker_color=theme.NHS_BLUE
    )
    figure.add_bar(
        name="Free",
        x=frame["free"],
        y=labels,
        orientation="h",
        marker_color=theme.NHS_PALE_GREY,
        marker_line_color=theme.NHS_DARK_GREY,
        marker_line_width=1,
    )
    figure.update_layout(barmode="stack")
    figure.update_yaxes(autorange="reversed", automargin=True)
    return figure


def spc_figure(
    points: pd.DataFrame, *, title: str, unit: str, target: float | None = None
) -> go.Figure:
    """An XmR chart: the values, mean, process limits, target, points coloured by type."""
    if points.empty:
        return empty(f"{title}: not enough figures for a chart")
    figure = go.Figure(layout=_layout(title, height=340))
    if not title:
        figure.update_layout(margin={"t": 32})
    x = points["period"]
    dashed = {"color": theme.NHS_MID_GREY, "dash": "dash", "width": 1.5}
    figure.add_scatter(x=x, y=points["upl"], name="Process limits", mode="lines", line=dashed)
    figure.add_scatter(x=x, y=points["lpl"], mode="lines", line=dashed, showlegend=False)
    figure.add_scatter(
        x=x, y=points["mean"], name="Mean", mode="lines", line={"color": theme.NHS_BLACK}
    )
    if target is not None:
        line = {"color": theme.NHS_DARK_RED, "dash": "dot", "width": 2}
        figure.add_scatter(x=x, y=[target] * len(points), name="Target", mode="lines", line=line)
    figure.add_scatter(
        x=x,
        y=points["value"],
        name=f"Value ({unit})",
        mode="lines+markers",
        line={"color": theme.NHS_MID_GREY, "width": 1.5},
        marker={"color": [theme.POINT_COLOURS[t] for t in points["point_type"]], "size": 9},
        customdata=[theme.POINT_LABELS[t] for t in points["point_type"]],
        hovertemplate="%{x|%d %b %Y}: %{y}<br>%{customdata}<extra></extra>",
    )
    return figure


def metric_figure(rows: pd.DataFrame, *, title: str, unit: str) -> go.Figure:
    """A metric's rows (period, group, value): a line per group, or bars for a single period."""
    if rows.empty:
        return empty(f"{title}: no figures for this period")
    figure = go.Figure(layout=_layout(title, height=400))
    single = rows["period"].nunique() == 1
    for index, (group, part) in enumerate(rows.groupby("group", sort=False, dropna=False)):
        name = "All" if pd.isna(group) else str(group)
        colour = theme.SERIES[index % len(theme.SERIES)]
        if single:
            figure.add_bar(x=[name], y=part["value"], name=name, marker_color=colour)
        else:
            figure.add_scatter(
                x=part["period"],
                y=part["value"],
                name=name,
                mode="lines+markers",
                line={"color": colour},
            )
    figure.update_yaxes(title_text=unit, rangemode="tozero")
    return figure


def _wrap(label: str, width: int = 40) -> str:
    """A long category label over several lines, so the plot keeps its width."""
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)
