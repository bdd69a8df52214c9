"""Trends: the executive board's weekly and monthly SPC charts of the headline figures."""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from dashboard.components import fieldset, labelled
from dashboard.ids import Id

ALL_PARTNERS = ""


def layout() -> html.Div:
    return html.Div(
        [
            html.H1("Trends"),
            html.P(
                "The headline figures week by week or month by month, as statistical process "
                "control charts (NHS “Making Data Count”): the mean, the process limits, the "
                "target, and points coloured where something has changed.",
                className="lede",
            ),
            controls(),
            html.Div(id=Id.TRENDS_STATUS, role="status"),
            dcc.Loading(html.Div(id=Id.TRENDS_CHARTS, className="chart-grid"), delay_show=300),
        ],
        className="page",
    )


def controls() -> html.Div:
    interval = dcc.RadioItems(
        id=Id.TRENDS_INTERVAL,
        options=[{"label": "Weekly", "value": "week"}, {"label": "Monthly", "value": "month"}],
        value="week",
        inline=True,
        className="radios",
    )
    organisation = dcc.Dropdown(
        id=Id.TRENDS_ORGANISATION,
        options=[{"label": "All partners", "value": ALL_PARTNERS}],
        value=ALL_PARTNERS,
        clearable=False,
        searchable=True,
    )
    return html.Div(
        [
            fieldset("Interval", interval),
            html.Div(
                labelled("Partner organisation", organisation, Id.TRENDS_ORGANISATION),
                className="control-wide",
            ),
        ],
        className="controls",
        role="group",
        **{"aria-label": "Chart options"},  # type: ignore[arg-type]
    )


def card(title: str, body: list[Any]) -> html.Section:
    """One metric's chart with its badges, notes and definition."""
    return html.Section([html.H2(title), *body], className="card")
