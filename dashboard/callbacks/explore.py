"""Explore: a metric's figures as a chart and a table, its definition, the API URL, downloads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

import plotly.graph_objects as go
from dash import Dash, Input, Output, State, ctx, dcc, html, no_update

from dashboard import data, figures
from dashboard.access import allowed
from dashboard.callbacks.trends import baseline_of
from dashboard.components import message, uk_time
from dashboard.data import Backend
from dashboard.ids import Id
from metrics import CATALOGUE, MetricQueryError
from models.clock import day_out_of_range, utc_now

SIGN_IN_FIRST = "Sign in with a token to see the figures."
NUMBER_FORMAT = (
    "params.value == null ? '' : "
    "Number(params.value).toLocaleString('en-GB', {maximumFractionDigits: 2})"
)
GROUP_LABELS = {
    "pathway": "Pathway",
    "organisation": "Organisation",
    "system": "System (ICB)",
    "unit": "Unit",
    "local_authority": "Local authority",
    "reason": "Delay reason",
    "destination": "Destination",
    "band": "Days waiting (band)",
}


@dataclass(frozen=True)
class Question:
    """What the page asks: the same parameters as GET /api/v1/metrics/{name}."""

    metric: str
    start: str | None
    end: str | None
    interval: str | None
    group_by: str | None = None
    organisation: str | None = None
    baseline_start: str | None = None
    baseline_end: str | None = None
    codes: list[str] | None = None  # names the groups by code, not label (the chart only)

    @property
    def baseline(self) -> tuple[date, date] | None:
        """The baseline picked, for a metric compared with one."""
        metric = CATALOGUE.get(self.metric)
        if metric is None or not metric.takes_baseline:
            return None
        return baseline_of(self.baseline_start, self.baseline_end)

    def api_url(self) -> str:
        params = {"start": self.start, "end": self.end, "interval": self.interval}
        params |= {"group_by": self.group_by, "organisation": self.organisation}
        if self.baseline:
            params |= {"baseline_start": self.baseline[0].isoformat()}
            params |= {"baseline_end": self.baseline[1].isoformat()}
        query = urlencode({k: v for k, v in params.items() if v})
        return f"/api/v1/metrics/{self.metric}?{query}"

    def compute(self, backend: Backend) -> Any:
        if not (self.start and self.end):
            raise MetricQueryError("start", "choose the first and last day of the period")
        return data.metric(
            backend,
            self.metric,
            _day(self.start, "start", "first day"),
            _day(self.end, "end", "last day"),
            self.interval or "day",
            self.group_by or None,
            self.organisation or None,
            self.baseline,
        )


def _day(text: str, field: str, label: str) -> date:
    """A date of the period picker, or MetricQueryError with a sentence for the page when it
    is not a date or lies outside the record's calendar (years 1 and 9999 overflow)."""
    try:
        day = date.fromisoformat(text[:10])
    except ValueError as error:
        message = f"The {label}, {text!r}, is not a date: choose one from the calendar."
        raise MetricQueryError(field, message) from error
    problem = day_out_of_range(day)
    if problem:
        raise MetricQueryError(field, f"The {label} {problem}.")
    return day


def metric_options(name: str | None) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The intervals and breakdowns the metric supports."""
    metric = CATALOGUE.get(name or "")
    if metric is None:
        return [], []
    intervals = [{"label": i.capitalize(), "value": i} for i in metric.intervals]
    groups = [{"label": GROUP_LABELS.get(g, g), "value": g} for g in metric.group_bys]
    return intervals, groups


def view(
    backend: Backend, token: str | None, question: Question, now: datetime
) -> tuple[Any, Any, go.Figure, list[dict[str, Any]], list[dict[str, Any]], str]:
    """Status, definition, chart, table rows and columns, and the API URL of the question."""
    url = question.api_url()
    if allowed(backend, token, now, "aggregates:read") is None:
        return message(SIGN_IN_FIRST), None, figures.empty(""), [], [], url
    metric = CATALOGUE.get(question.metric)
    if metric is None:
        return message("Choose a metric.", "error"), None, figures.empty(""), [], [], url
    try:
        result = question.compute(backend)
    except MetricQueryError as error:
        return message(error.message, "error"), about(metric), figures.empty(""), [], [], url
    records = result.records()
    figure = figures.metric_figure(
        result.rows,
        title=metric.title,
        unit=metric.unit,
        interval=result.query.interval,
        codes=bool(question.codes),
    )
    latest = result.latest_event_at
    baseline = ""
    if metric.takes_baseline:
        q = result.query
        baseline = f" Baseline {q.baseline_start:%d %b %Y} to {q.baseline_end:%d %b %Y}."
    status = message(
        f"{len(records):,} rows. Reflects {result.events_reflected:,} events; "
        f"the latest received {uk_time(latest) if latest else 'none'}.{baseline}"
    )
    columns = [_column(c) for c in result.rows.columns]
    return status, about(metric), figure, records, columns, url


def _column(name: str) -> dict[str, Any]:
    """A table column; figures shown to two decimal places (the files keep every digit)."""
    column: dict[str, Any] = {"field": name, "headerName": name}
    if name in ("value", "numerator", "denominator", "priced_value"):
        column["valueFormatter"] = {"function": NUMBER_FORMAT}
        column["type"] = "rightAligned"
    return column


def about(metric: Any) -> html.Div:
    """The catalogue's description of the metric, shown beside its figures."""
    target = "none" if metric.target is None else f"{metric.target:g} {metric.unit}"
    direction = {"increase": "higher", "decrease": "lower"}.get(metric.direction)
    better = f"{direction} is better" if direction else "neither higher nor lower is better"
    return html.Div(
        [
            html.H2(metric.title),
            html.P([html.Strong("Unit: "), metric.unit, " · ", better, f" · target: {target}"]),
            html.H3("Definition"),
            html.P(metric.definition, className="definition-text"),
        ]
    )


def download(backend: Backend, token: str | None, question: Question, fmt: str) -> Any:
    """The API's file for the question, or nothing when the reader may not have it (files
    need the exports permission: not the board's or a partner's)."""
    if allowed(backend, token, utc_now(), "exports") is None:
        return None
    try:
        body, filename = data.export(question.compute(backend), fmt)
    except MetricQueryError:
        return None
    return dcc.send_bytes(body, filename)


def organisation_options(
    backend: Backend, token: str | None, now: datetime
) -> list[dict[str, str]]:
    """The systems and organisations to filter by, for a reader of figures only."""
    if allowed(backend, token, now, "aggregates:read") is None:
        return []
    return data.place_options(backend)


QUESTION = [
    Input(Id.EXPLORE_METRIC, "value"),
    Input(Id.EXPLORE_PERIOD, "start_date"),
    Input(Id.EXPLORE_PERIOD, "end_date"),
    Input(Id.EXPLORE_INTERVAL, "value"),
    Input(Id.EXPLORE_GROUP_BY, "value"),
    Input(Id.EXPLORE_ORGANISATION, "value"),
    Input(Id.EXPLORE_BASELINE, "start_date"),
    Input(Id.EXPLORE_BASELINE, "end_date"),
    Input(Id.EXPLORE_CODES, "value"),
]


def register(app: Dash, backend: Backend) -> None:
    @app.callback(
        Output(Id.EXPLORE_INTERVAL, "options"),
        Output(Id.EXPLORE_GROUP_BY, "options"),
        Output(Id.EXPLORE_GROUP_BY, "value"),
        Input(Id.EXPLORE_METRIC, "value"),
        State(Id.EXPLORE_GROUP_BY, "value"),
    )
    def _options(name: str | None, group_by: str | None) -> tuple[Any, Any, Any]:
        intervals, groups = metric_options(name)
        keep = group_by if group_by in {g["value"] for g in groups} else None
        return intervals, groups, keep

    @app.callback(
        Output(Id.EXPLORE_ORGANISATION, "options"),
        Input(Id.EXPLORE_ORGANISATION, "id"),
        State(Id.TOKEN, "data"),
    )
    def _organisations(_id: str, token: str | None) -> list[dict[str, str]]:
        return organisation_options(backend, token, utc_now())

    @app.callback(
        Output(Id.EXPLORE_STATUS, "children"),
        Output(Id.EXPLORE_DEFINITION, "children"),
        Output(Id.EXPLORE_FIGURE, "figure"),
        Output(Id.EXPLORE_TABLE, "rowData"),
        Output(Id.EXPLORE_TABLE, "columnDefs"),
        Output(Id.EXPLORE_API_URL, "children"),
        *QUESTION,
        State(Id.TOKEN, "data"),
    )
    def _view(*args: Any) -> tuple[Any, ...]:
        *asked, token = args
        return view(backend, token, Question(*asked), utc_now())

    @app.callback(
        Output(Id.EXPLORE_DOWNLOAD, "data"),
        Input(Id.EXPLORE_CSV, "n_clicks"),
        Input(Id.EXPLORE_XLSX, "n_clicks"),
        *[State(i.component_id, i.component_property) for i in QUESTION],
        State(Id.TOKEN, "data"),
        prevent_initial_call=True,
    )
    def _download(_csv: Any, _xlsx: Any, *args: Any) -> Any:
        *asked, token = args
        fmt = "xlsx" if ctx.triggered_id == Id.EXPLORE_XLSX else "csv"
        return download(backend, token, Question(*asked), fmt) or no_update
