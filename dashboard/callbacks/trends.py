"""Trends: the headline metrics as SPC charts over complete weeks or months."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from dash import MATCH, Dash, Input, Output, State, html

from dashboard import data, figures
from dashboard.access import allowed
from dashboard.components import definition, graph_of, message, spc_badges
from dashboard.data import Backend
from dashboard.ids import Id
from dashboard.pages.trends import ALL_PARTNERS, card_body, card_id
from metrics import CATALOGUE, MetricResult
from metrics.answer import GroupChart
from models.clock import local_date, utc_now

WEEKS = 52
MONTHS = 24
SIGN_IN_FIRST = "Sign in with a token to see the figures."
NO_PERIOD = "There is not yet a complete period of data to chart."


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


def organisation_options(
    backend: Backend, token: str | None, now: datetime
) -> list[dict[str, str]]:
    """All partners, then each organisation (only for a signed-in reader)."""
    options = [{"label": "All partners", "value": ALL_PARTNERS}]
    if allowed(backend, token, now, "aggregates:read") is None:
        return options
    return options + [{"label": o["name"], "value": o["code"]} for o in data.organisations(backend)]


def status(
    backend: Backend, token: str | None, interval: str, organisation: str | None, now: datetime
) -> Any:
    """What the charts cover, or why there are none."""
    if allowed(backend, token, now, "aggregates:read") is None:
        return message(SIGN_IN_FIRST)
    span = period(interval, local_date(now), data.first_event_date(backend))
    if span is None:
        return message(NO_PERIOD)
    start, end = span
    shown = organisation or "all partners"
    unit = "Weeks" if interval == "week" else "Months"
    return message(f"{unit} from {start:%d %b %Y} to {end:%d %b %Y}, {shown}.")


def chart_card(
    backend: Backend,
    token: str | None,
    name: str,
    interval: str,
    organisation: str | None,
    now: datetime,
    baseline: tuple[date, date] | None = None,
) -> list[Any]:
    """One headline metric's card: SPC badges, chart, notes and definition; `baseline` for
    bed days saved (default: the 12 weeks before the first period)."""
    metric = CATALOGUE[name]
    title = f"{metric.title} ({metric.unit})"
    if allowed(backend, token, now, "aggregates:read") is None:
        return card_body(title, [])
    span = period(interval, local_date(now), data.first_event_date(backend))
    if span is None:
        return card_body(title, [html.P(NO_PERIOD, className="chart-note")])
    asked = baseline if metric.takes_baseline else None
    result = data.metric(
        backend, name, *span, interval, organisation=organisation or None, baseline=asked
    )
    found = result.spc_charts()
    chart = found[0] if found else GroupChart(None, pd.DataFrame())
    # The card's heading names the chart; the figure itself carries no second title.
    figure = figures.spc_figure(chart.points, title="", unit=metric.unit, target=metric.target)
    written = _baseline(result) + chart.warnings + _incomplete(result)
    written += _priced(result, backend.settings.cost_currency)
    notes = [html.P(w, className="chart-note") for w in written]
    return card_body(
        title,
        [
            spc_badges(chart.variation, chart.assurance, metric.target, metric.unit),
            graph_of(f"{Id.TRENDS_CHART}-{name}", figure, f"{metric.title}: SPC chart"),
            *notes,
            definition(metric.definition),
        ],
    )


def _priced(result: MetricResult, currency: str) -> list[str]:
    """Bed days saved in money, as metrics/ prices them for the latest period."""
    rows = result.rows
    if "priced_value" not in rows.columns or rows.empty or pd.isna(rows["priced_value"].iloc[-1]):
        return []
    last = rows.iloc[-1]
    symbol = {"GBP": "£"}.get(currency, f"{currency} ")
    return [
        f"Latest period ({last['period']:%d %b %Y}): {last['value']:,.0f} bed days saved, "
        f"worth {symbol}{last['priced_value']:,.0f} at {symbol}"
        f"{result.query.cost_per_bed_day:,.0f} a bed day."
    ]


def _incomplete(result: MetricResult) -> list[str]:
    """Periods whose figure can still change (drawn hollow) say so."""
    count = int(result.rows["incomplete"].sum())
    why = "are still in their 30 days of follow-up or not yet over"
    note = f"{count} period(s) {why}: drawn hollow, left out of the limits and rules."
    return [note] if count else []


def _baseline(result: MetricResult) -> list[str]:
    """The baseline period beside a figure that is compared with one, and why a period has
    no figure when the baseline has no data."""
    if "baseline_start" not in result.extras:
        return []
    start, end = (date.fromisoformat(result.extras[k]) for k in ("baseline_start", "baseline_end"))
    shown = [f"Baseline: {start:%d %b %Y} to {end:%d %b %Y}."]
    notes: list[str] = []
    if "note" in result.rows:
        notes = [str(n) for n in result.rows["note"].dropna().unique()]
    return shown + [f"No figure where there is {n}." for n in notes]


def baseline_of(start: str | None, end: str | None) -> tuple[date, date] | None:
    """The baseline picked on a page, when both ends are picked and in order."""
    if not start or not end:
        return None
    first, last = date.fromisoformat(start[:10]), date.fromisoformat(end[:10])
    return (first, last) if first <= last else None


def register(app: Dash, backend: Backend) -> None:
    @app.callback(
        Output(Id.TRENDS_ORGANISATION, "options"),
        Input(Id.TRENDS_ORGANISATION, "id"),
        State(Id.TOKEN, "data"),
    )
    def _options(_id: str, token: str | None) -> list[dict[str, str]]:
        return organisation_options(backend, token, utc_now())

    @app.callback(
        Output(Id.TRENDS_STATUS, "children"),
        Input(Id.TRENDS_INTERVAL, "value"),
        Input(Id.TRENDS_ORGANISATION, "value"),
        State(Id.TOKEN, "data"),
    )
    def _status(interval: str, organisation: str | None, token: str | None) -> Any:
        return status(backend, token, interval, organisation, utc_now())

    @app.callback(
        Output(card_id(MATCH), "children"),
        Input(Id.TRENDS_INTERVAL, "value"),
        Input(Id.TRENDS_ORGANISATION, "value"),
        Input(Id.TRENDS_BASELINE, "start_date"),
        Input(Id.TRENDS_BASELINE, "end_date"),
        State(Id.TOKEN, "data"),
        State(card_id(MATCH), "id"),
    )
    def _card(
        interval: str,
        organisation: str | None,
        b_start: str | None,
        b_end: str | None,
        token: str | None,
        id_: Any,
    ) -> Any:
        baseline = baseline_of(b_start, b_end)
        return chart_card(
            backend, token, id_["metric"], interval, organisation, utc_now(), baseline
        )
