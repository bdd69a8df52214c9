"""Trends: the executive board's weekly and monthly SPC charts of the headline figures."""

from __future__ import annotations

import base64
from typing import Any

from dash import dcc, html

from dashboard.components import fieldset, labelled
from dashboard.ids import Id
from metrics import CATALOGUE, catalogue
from metrics.board_pack import assurance_icon, variation_icon

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
            summary(),
            # One card per metric, each filled by its own request, so each shows when ready.
            html.Div(
                [*[placeholder(name) for name in HEADLINES], bands_card()],
                className="chart-grid",
            ),
            notes_form(),
            dcc.Store(id=Id.TRENDS_NOTES_VERSION, data=0),
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


def summary() -> html.Section:
    """The board's one page: a row per headline metric, and the key to icons and points."""
    return html.Section(
        [
            html.H2("Summary of the headline metrics"),
            dcc.Loading(html.Div(id=Id.TRENDS_SUMMARY), delay_show=200),
            key(),
        ],
        className="card summary",
        **{"aria-label": "Summary of the headline metrics"},  # type: ignore[arg-type]
    )


def icon(svg: str, words: str) -> html.Img:
    """A Making Data Count icon (metrics.board_pack draws them) with its meaning as alt text."""
    source = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    return html.Img(src=source, alt=words, title=words, className="mdc-icon")


def key() -> html.Details:
    """What the icons, point colours, lines and hollow points mean."""
    items = [
        (variation_icon("common_cause", "increase"), "Common cause: no significant change"),
        (variation_icon("special_cause_improvement", "increase"), "Improvement (H high, L low)"),
        (variation_icon("special_cause_concern", "decrease"), "Concern (H high, L low)"),
        (
            variation_icon("special_cause_neutral_high", "neutral"),
            "Change where neither way is better",
        ),
        (assurance_icon("pass"), "Target consistently met"),
        (assurance_icon("fail"), "Target consistently missed"),
        (assurance_icon("hit_and_miss"), "Target hit and miss: the limits straddle it"),
    ]
    rows = [html.Li([icon(svg, words), " ", words]) for svg, words in items]
    rows += [
        html.Li(
            "Points: grey common cause, blue improvement, orange concern, purple neutral "
            "change; hollow points can still change and are left out of the limits and rules."
        ),
        html.Li(
            "Lines: black the mean, dashed grey the process limits, red dotted the target, "
            "solid purple a rebase, dotted grey a note."
        ),
    ]
    return html.Details([html.Summary("Key"), html.Ul(rows, className="key")], open=True)


def bands_card() -> html.Section:
    """The DRD publication's delay bands, stacked per period."""
    return html.Section(
        dcc.Loading(html.Div(id=Id.TRENDS_BANDS), delay_show=200),
        className="card",
        id="chart-delay_band",
        **{"aria-label": "Discharges by delay band"},  # type: ignore[arg-type]
    )


def notes_form() -> html.Section:
    """Adding a note or a rebase to a chart (shown to the roles that may)."""
    options = [{"label": CATALOGUE[n].title, "value": n} for n in HEADLINES]
    return html.Section(
        [
            html.H2("Add a note or rebase to a chart"),
            html.Div(
                [
                    labelled(
                        "Chart",
                        dcc.Dropdown(id=Id.TRENDS_NOTE_METRIC, options=options, value=HEADLINES[0]),
                        Id.TRENDS_NOTE_METRIC,
                    ),
                    labelled(
                        "Day",
                        # The browser's own date field: typed or picked, and its value is ISO.
                        dcc.Input(id=Id.TRENDS_NOTE_DAY, type="date"),  # type: ignore[arg-type]
                        Id.TRENDS_NOTE_DAY,
                    ),
                    labelled(
                        "Note (no names, no NHS numbers)",
                        dcc.Input(id=Id.TRENDS_NOTE_TEXT, type="text", maxLength=200),
                        Id.TRENDS_NOTE_TEXT,
                    ),
                    dcc.Checklist(
                        id=Id.TRENDS_NOTE_REBASE,
                        options=[{"label": " The process changed: rebase here", "value": "rebase"}],
                        value=[],
                    ),
                    html.Button("Add", id=Id.TRENDS_NOTE_ADD, type="button", className="button"),
                ],
                className="controls",
            ),
            html.Div(id=Id.TRENDS_NOTE_RESULT, role="status"),
        ],
        id=Id.TRENDS_NOTES_BLOCK,
        className="card",
        hidden=True,
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
        id=f"chart-{name}",
        **{"aria-label": metric.title},  # type: ignore[arg-type]
    )


def card_body(title: str, body: list[Any]) -> list[Any]:
    """One metric's heading, then its badges, chart, notes and definition."""
    return [html.H2(title), *body]
