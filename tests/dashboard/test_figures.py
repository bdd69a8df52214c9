"""dashboard.figures: tiny literal frames in, the same numbers out in the figure's traces."""

from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.graph_objects as go

from dashboard import figures, theme


def test_comparison_bars_draw_now_and_24_hours_earlier() -> None:
    frame = pd.DataFrame({"group": ["P1", "P2"], "now": [3, 1], "before": [2, 4]})
    figure = figures.comparison_bars(frame, title="Ready")
    now, before = figure.data
    assert (now.name, list(now.x), list(now.y)) == ("Now", ["P1", "P2"], [3, 1])
    assert (before.name, list(before.y)) == ("24 hours earlier", [2, 4])
    assert figure.layout.title.text == "Ready"


def test_horizontal_bars_wrap_long_labels_and_keep_the_values() -> None:
    label = "Awaiting a home-based social care service that has not yet been arranged for them"
    frame = pd.DataFrame({"group": [label], "now": [5], "before": [0]})
    now, _before = figures.comparison_bars(frame, title="Reasons", horizontal=True).data
    assert list(now.x) == [5] and now.orientation == "h"
    assert "<br>" in now.y[0] and now.y[0].replace("<br>", " ") == label


def test_an_empty_frame_gives_a_chart_that_says_so() -> None:
    frame = pd.DataFrame(columns=["group", "now", "before"])
    figure = figures.comparison_bars(frame, title="Ready")
    assert figure.data == () and "none" in figure.layout.annotations[0].text


def test_capacity_bars_stack_occupied_and_free_per_service() -> None:
    frame = pd.DataFrame(
        {"name": ["Reablement", "Beds"], "pathway": [1, 2], "occupied": [8, 4], "free": [2, 0]}
    )
    occupied, free = figures.capacity_bars(frame).data
    assert list(occupied.y) == ["P1 · Reablement", "P2 · Beds"]
    assert (list(occupied.x), list(free.x)) == ([8, 4], [2, 0])


def test_spc_figure_colours_points_by_making_data_count_type() -> None:
    points = pd.DataFrame(
        {
            "period": [date(2025, 3, 3), date(2025, 3, 10)],
            "value": [90.0, 97.0],
            "mean": [93.5, 93.5],
            "lpl": [80.0, 80.0],
            "upl": [107.0, 107.0],
            "point_type": ["common_cause", "special_cause_improvement"],
        }
    )
    figure = figures.spc_figure(points, title="Home First", unit="%", target=95.0)
    by_name = {trace.name: trace for trace in figure.data}
    assert list(by_name["Value (%)"].y) == [90.0, 97.0]
    assert list(by_name["Value (%)"].marker.color) == [
        theme.POINT_COLOURS["common_cause"],
        theme.POINT_COLOURS["special_cause_improvement"],
    ]
    assert list(by_name["Target"].y) == [95.0, 95.0]
    assert list(by_name["Mean"].y) == [93.5, 93.5]
    assert list(by_name["Process limits"].y) == [107.0, 107.0]


def test_metric_figure_draws_a_line_per_group_or_bars_for_one_period() -> None:
    weeks = pd.DataFrame(
        {
            "period": [date(2025, 3, 3), date(2025, 3, 10)] * 2,
            "group": ["1", "1", "2", "2"],
            "value": [1.0, 2.0, 3.0, 4.0],
        }
    )
    lines = figures.metric_figure(weeks, title="Ready", unit="patients").data
    assert [(t.name, list(t.y)) for t in lines] == [("1", [1.0, 2.0]), ("2", [3.0, 4.0])]
    total = pd.DataFrame({"period": [date(2025, 3, 3)], "group": [None], "value": [7.0]})
    [bar] = figures.metric_figure(total, title="Ready", unit="patients").data
    assert (bar.type, list(bar.x), list(bar.y)) == ("bar", ["All"], [7.0])


def test_every_figure_is_valid_plotly() -> None:
    """The figures are built unchecked for speed; rebuilding them checks every property."""
    bars = pd.DataFrame({"group": ["a"], "now": [1], "before": [2]})
    services = pd.DataFrame({"name": ["s"], "pathway": [1], "occupied": [1], "free": [0]})
    points = pd.DataFrame(
        {
            "period": [date(2025, 3, 3)],
            "value": [1.0],
            "mean": [1.0],
            "lpl": [0.0],
            "upl": [2.0],
            "point_type": ["common_cause"],
        }
    )
    rows = pd.DataFrame({"period": [date(2025, 3, 3)], "group": ["1"], "value": [1.0]})
    built = [
        figures.comparison_bars(bars, title="t"),
        figures.comparison_bars(bars, title="t", horizontal=True),
        figures.capacity_bars(services),
        figures.spc_figure(points, title="t", unit="%", target=1.0),
        figures.metric_figure(rows, title="t", unit="%"),
        figures.empty("nothing"),
    ]
    for figure in built:
        go.Figure(figure.to_dict())  # raises ValueError on an unknown or invalid property
