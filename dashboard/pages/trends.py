"""Trends: the executive board's weekly and monthly SPC charts of the headline figures."""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from dashboard.components import fieldset, labelled
from dashboard.ids import Id
from metrics import CATALOGUE, catalogue

ALL_PARTNERS = ""
HEADLINES = catalogue.HEADLINES  # the catalogue marks the board's headline metrics


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
            # One card per metric, each filled by its own request, so each shows when ready.
            html.Div([placeholder(name) for name in HEADLINES], className="chart-grid"),
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
            baseline_control(Id.TRENDS_BASELINE),
        ],
        className="controls",
        role="group",
        **{"aria-label": "Chart options"},  # type: ignore[arg-type]
    )


def baseline_control(component_id: str) -> html.Div:
    """The baseline period of bed days saved: empty means the default (the 12 weeks before
    the first period shown)."""
    picker = dcc.DatePickerRange(
        id=component_id,
        display_format="D MMM YYYY",
        first_day_of_week=1,
        clearable=True,
        start_date_placeholder_text="Baseline from",
        end_date_placeholder_text="Baseline to",
    )
    return html.Div(
        labelled("Baseline for bed days saved (default: 12 weeks before)", picker, component_id),
        className="control-wide",
    )


def card_id(name: Any) -> dict[str, Any]:
    """A card's pattern-matching id (`name` a metric, or MATCH in the callback)."""
    return {"type": Id.TRENDS_CARD, "metric": name}


def placeholder(name: str) -> html.Section:
    """A metric's card before its chart arrives, named so the page reads right at once."""
    metric = CATALOGUE[name]
    return html.Section(
        dcc.Loading(
            html.Div(card_body(f"{metric.title} ({metric.unit})", []), id=card_id(name)),
            delay_show=200,
        ),
        className="card",
        **{"aria-label": metric.title},  # type: ignore[arg-type]
    )


def card_body(title: str, body: list[Any]) -> list[Any]:
    """One metric's heading, then its badges, chart, notes and definition."""
    return [html.H2(title), *body]
