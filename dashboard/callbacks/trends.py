"""Trends: the headline metrics as SPC charts over complete weeks or months."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from dash import Dash, Input, Output, State, html

from dashboard import data, figures
from dashboard.access import may_read_aggregates, principal_for
from dashboard.components import definition, graph_of, message, spc_badges
from dashboard.data import Source
from dashboard.ids import Id
from dashboard.pages.trends import ALL_PARTNERS, card
from metrics import MetricResult
from metrics.calendar import local_date, utc_now

HEADLINES = (
    "home_first_rate",
    "delayed_bed_days",
    "bed_days_lost",
    "bed_days_saved",
    "stranded_7",
    "stranded_21",
    "d2a_occupancy",
    "readmission_30d_rate",
)
WEEKS = 52
MONTHS = 24
SIGN_IN_FIRST = "Sign in with a token to see the figures."


def period(interval: str, today: date, first: date | None) -> tuple[date, date] | None:
    """Complete weeks (Monday to Sunday) or months before `today`, from the first complete one
    after the data begins; None when there is not one."""
    if interval == "month":
        end = today.replace(day=1) - timedelta(days=1)
        start = _months_before(end.replace(day=1), MONTHS - 1)
        first_full = _next_month(first) if first and first.day > 1 else first
    else:
        end = today - timedelta(days=today.weekday() + 1)
        start = end - timedelta(weeks=WEEKS) + timedelta(days=1)
        first_full = first + timedelta(days=(7 - first.weekday()) % 7) if first else None
    if first_full is not None:
        start = max(start, first_full)
    return (start, end) if start < end else None


def _months_before(first_of_month: date, months: int) -> date:
    index = first_of_month.year * 12 + first_of_month.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def _next_month(day: date) -> date:
    return _months_before(day.replace(day=1), -1)


def organisation_options(source: Source, token: str | None, now: datetime) -> list[dict[str, str]]:
    """All partners, then each organisation (only for a signed-in reader)."""
    options = [{"label": "All partners", "value": ALL_PARTNERS}]
    if not may_read_aggregates(principal_for(source.database, token, now)):
        return options
    return options + [{"label": o["name"], "value": o["code"]} for o in data.organisations(source)]


def charts(
    source: Source, token: str | None, interval: str, organisation: str | None, now: datetime
) -> tuple[Any, list[Any]]:
    """A status line and one card per headline metric."""
    if not may_read_aggregates(principal_for(source.database, token, now)):
        return message(SIGN_IN_FIRST), []
    span = period(interval, local_date(now), data.first_event_date(source))
    if span is None:
        return message("There is not yet a complete period of data to chart."), []
    start, end = span
    org = organisation or None
    results = data.metrics(source, HEADLINES, start, end, interval, organisation=org)
    shown = "all partners" if org is None else org
    status = message(
        f"{'Weeks' if interval == 'week' else 'Months'} from {start:%d %b %Y} to {end:%d %b %Y}, "
        f"{shown}. Reflects {results[0].events_reflected:,} events."
    )
    return status, [_card(result) for result in results]


def _card(result: MetricResult) -> html.Section:
    metric = result.metric
    found = data.spc_charts(result)
    chart = found[0] if found else data.SpcChart(None, pd.DataFrame(), None, None, [])
    # The card's heading names the chart; the figure itself carries no second title.
    figure = figures.spc_figure(chart.points, title="", unit=metric.unit, target=metric.target)
    notes = [html.P(w, className="chart-note") for w in chart.warnings + _incomplete(result)]
    return card(
        f"{metric.title} ({metric.unit})",
        [
            spc_badges(chart.variation, chart.assurance, metric.target, metric.unit),
            graph_of(f"{Id.TRENDS_CHARTS}-{metric.name}", figure, f"{metric.title}: SPC chart"),
            *notes,
            definition(metric.definition),
        ],
    )


def _incomplete(result: MetricResult) -> list[str]:
    """Readmission periods still inside their 30-day follow-up say so."""
    if "incomplete" not in result.rows.columns:
        return []
    count = int(result.rows["incomplete"].sum())
    note = f"The last {count} period(s) have under 30 days of follow-up, so are incomplete."
    return [note] if count else []


def register(app: Dash, source: Source) -> None:
    @app.callback(
        Output(Id.TRENDS_ORGANISATION, "options"),
        Input(Id.TRENDS_ORGANISATION, "id"),
        State(Id.TOKEN, "data"),
    )
    def _options(_id: str, token: str | None) -> list[dict[str, str]]:
        return organisation_options(source, token, utc_now())

    @app.callback(
        Output(Id.TRENDS_STATUS, "children"),
        Output(Id.TRENDS_CHARTS, "children"),
        Input(Id.TRENDS_INTERVAL, "value"),
        Input(Id.TRENDS_ORGANISATION, "value"),
        State(Id.TOKEN, "data"),
    )
    def _charts(interval: str, organisation: str | None, token: str | None) -> tuple[Any, Any]:
        return charts(source, token, interval, organisation, utc_now())
