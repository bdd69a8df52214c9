"""Trends: the headline metrics as SPC charts over complete weeks or months."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from dash import MATCH, Dash, Input, Output, State, html, no_update
from pydantic import ValidationError

from dashboard import data, figures
from dashboard.access import allowed
from dashboard.components import definition, graph_of, message, spc_badges
from dashboard.data import Backend
from dashboard.ids import Id
from dashboard.pages.trends import ALL_PARTNERS, HEADLINES, card_body, card_id, icon
from dashboard.theme import ASSURANCE_LABELS, POINT_LABELS
from ledger.chart_notes import AnnotationIn
from metrics import CATALOGUE, MetricResult, board
from metrics.board_pack import assurance_icon, variation_icon
from models.clock import local_date, utc_now

WEEKS = 52
MONTHS = 24
SIGN_IN_FIRST = "Sign in with a token to see the figures."
NO_PERIOD = "There is not yet a complete period of data to chart."


def period(interval: str, today: date, first: date | None) -> tuple[date, date] | None:
    """Complete weeks (Monday to Sunday) or months before `today`, from the first complete one
    from the day the figures start (the organisations' data_from); None when there is none."""
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
    """All partners, then each system and each organisation (only for a signed-in reader)."""
    options = [{"label": "All partners", "value": ALL_PARTNERS}]
    if allowed(backend, token, now, "aggregates:read") is None:
        return options
    return options + data.place_options(backend)


def status(
    backend: Backend, token: str | None, interval: str, organisation: str | None, now: datetime
) -> Any:
    """What the charts cover, or why there are none."""
    if allowed(backend, token, now, "aggregates:read") is None:
        return message(SIGN_IN_FIRST)
    span = period(interval, local_date(now), data.data_start(backend, organisation or None))
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
    span = period(interval, local_date(now), data.data_start(backend, organisation or None))
    if span is None:
        return card_body(title, [html.P(NO_PERIOD, className="chart-note")])
    found = data.headline(
        backend, name, span, interval, organisation=organisation or None, baseline=baseline
    )
    result, chart = found.result, found.chart
    x_title = "Week starting (Monday)" if interval == "week" else "Month"
    # The card's heading names the chart; the figure itself carries no second title.
    figure = figures.spc_figure(
        chart.points,
        title="",
        unit=metric.unit,
        target=metric.target,
        x_title=x_title,
        notes=found.annotations,
    )
    # The chart's own warning about incomplete periods is said once, by _incomplete.
    warnings = [w for w in chart.warnings if "incomplete period(s)" not in w]
    written = _baseline(result) + warnings + _incomplete(result)
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


def summary_table(
    backend: Backend,
    token: str | None,
    interval: str,
    organisation: str | None,
    now: datetime,
    baseline: tuple[date, date] | None = None,
) -> Any:
    """The board's one page: each headline metric's latest value, target, variation and
    assurance icons, linking to its chart."""
    if allowed(backend, token, now, "aggregates:read") is None:
        return message(SIGN_IN_FIRST)
    span = period(interval, local_date(now), data.data_start(backend, organisation or None))
    if span is None:
        return message(NO_PERIOD)
    heads = ["Metric", "Latest period", "Value", "Target", "Variation", "Assurance"]
    header = html.Thead(html.Tr([html.Th(h, scope="col") for h in heads]))
    rows = [
        _summary_row(data.headline(backend, name, span, interval, organisation or None, baseline))
        for name in HEADLINES
    ]
    return html.Table([header, html.Tbody(rows)], className="summary-table")


def _summary_row(found: board.Headline) -> html.Tr:
    metric, latest = found.metric, found.latest
    value = "no figure" if latest is None else f"{latest['value']:,.1f}"
    when = "" if latest is None else f"{latest['period']:%d %b %Y}"
    target = "" if metric.target is None else f"{metric.target:g} {metric.unit}"
    variation = found.chart.variation
    assurance = found.chart.assurance
    return html.Tr(
        [
            html.Th(
                html.A(f"{metric.title} ({metric.unit})", href=f"#chart-{metric.name}"), scope="row"
            ),
            html.Td(when),
            html.Td(value, className="number"),
            html.Td(target),
            html.Td(_icon(variation_icon(variation, metric.direction), variation, POINT_LABELS)),
            html.Td(_icon(assurance_icon(assurance), assurance, ASSURANCE_LABELS)),
        ],
        **{"data-metric": metric.name},  # type: ignore[arg-type]
    )


def _icon(svg: str, kind: str | None, words: dict[str, str]) -> Any:
    return icon(svg, words.get(kind or "", "")) if svg else "–"


def bands_card(
    backend: Backend, token: str | None, interval: str, organisation: str | None, now: datetime
) -> list[Any]:
    """Acute discharges by delay band (the DRD publication's bands), stacked per period."""
    metric = CATALOGUE["delay_band"]
    title = f"{metric.title} ({metric.unit})"
    if allowed(backend, token, now, "aggregates:read") is None:
        return card_body(title, [])
    span = period(interval, local_date(now), data.data_start(backend, organisation or None))
    if span is None:
        return card_body(title, [html.P(NO_PERIOD, className="chart-note")])
    result = data.metric(backend, "delay_band", *span, interval, organisation=organisation or None)
    x_title = "Week starting (Monday)" if interval == "week" else "Month"
    figure = figures.stacked_bars(result.rows, title="", unit=metric.unit, x_title=x_title)
    return card_body(
        title,
        [graph_of(Id.TRENDS_BANDS + "-chart", figure, title), definition(metric.definition)],
    )


def add_note(
    backend: Backend,
    token: str | None,
    name: str | None,
    day: str | None,
    text: str | None,
    rebase: list[str] | None,
    now: datetime,
) -> tuple[Any, bool]:
    """Store a note or rebase on a chart, as PUT /api/v1/metrics/{name}/annotations does;
    the message to show, and whether one was stored."""
    principal = allowed(backend, token, now, "annotations:write")
    if principal is None:
        return message("Your role may not annotate charts.", "error"), False
    try:
        body = AnnotationIn(day=day, text=text or "", rebase="rebase" in (rebase or []))  # type: ignore[arg-type]
    except ValidationError as error:
        problems = "; ".join(f"{e['loc'][0]}: {e['msg']}" for e in error.errors())
        return message(f"Not stored: {problems}.", "error"), False
    if name not in CATALOGUE:
        return message("Choose a chart.", "error"), False
    data.add_chart_note(backend, principal, name, body, now)
    kind = "Rebase" if body.rebase else "Note"
    return message(f"{kind} stored on {CATALOGUE[name].title}, {body.day:%d %b %Y}."), True


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
        Input(Id.TRENDS_NOTES_VERSION, "data"),
        State(Id.TOKEN, "data"),
        State(card_id(MATCH), "id"),
    )
    def _card(
        interval: str,
        organisation: str | None,
        b_start: str | None,
        b_end: str | None,
        _version: int,
        token: str | None,
        id_: Any,
    ) -> Any:
        baseline = baseline_of(b_start, b_end)
        return chart_card(
            backend, token, id_["metric"], interval, organisation, utc_now(), baseline
        )

    @app.callback(
        Output(Id.TRENDS_SUMMARY, "children"),
        Input(Id.TRENDS_INTERVAL, "value"),
        Input(Id.TRENDS_ORGANISATION, "value"),
        Input(Id.TRENDS_BASELINE, "start_date"),
        Input(Id.TRENDS_BASELINE, "end_date"),
        Input(Id.TRENDS_NOTES_VERSION, "data"),
        State(Id.TOKEN, "data"),
    )
    def _summary(
        interval: str,
        organisation: str | None,
        b_start: str | None,
        b_end: str | None,
        _version: int,
        token: str | None,
    ) -> Any:
        baseline = baseline_of(b_start, b_end)
        return summary_table(backend, token, interval, organisation, utc_now(), baseline)

    @app.callback(
        Output(Id.TRENDS_BANDS, "children"),
        Input(Id.TRENDS_INTERVAL, "value"),
        Input(Id.TRENDS_ORGANISATION, "value"),
        State(Id.TOKEN, "data"),
    )
    def _bands(interval: str, organisation: str | None, token: str | None) -> Any:
        return bands_card(backend, token, interval, organisation, utc_now())

    @app.callback(
        Output(Id.TRENDS_NOTES_BLOCK, "hidden"),
        Input(Id.TRENDS_NOTES_BLOCK, "id"),
        State(Id.TOKEN, "data"),
    )
    def _notes_shown(_id: str, token: str | None) -> bool:
        return allowed(backend, token, utc_now(), "annotations:write") is None

    @app.callback(
        Output(Id.TRENDS_NOTE_RESULT, "children"),
        Output(Id.TRENDS_NOTES_VERSION, "data"),
        Input(Id.TRENDS_NOTE_ADD, "n_clicks"),
        State(Id.TRENDS_NOTE_METRIC, "value"),
        State(Id.TRENDS_NOTE_DAY, "value"),
        State(Id.TRENDS_NOTE_TEXT, "value"),
        State(Id.TRENDS_NOTE_REBASE, "value"),
        State(Id.TRENDS_NOTES_VERSION, "data"),
        State(Id.TOKEN, "data"),
        prevent_initial_call=True,
    )
    def _add_note(
        _clicks: Any,
        name: str | None,
        day: str | None,
        text: str | None,
        rebase: list[str] | None,
        version: int | None,
        token: str | None,
    ) -> tuple[Any, Any]:
        shown, stored = add_note(backend, token, name, day, text, rebase, utc_now())
        return shown, (version or 0) + 1 if stored else no_update
