"""Wall: a discharge hub screen. No controls, large type, rotating panels, aggregates only.

The panels are built from the wall summary (data shaped by callbacks/wall.py), which holds
counts only: no patient id ever reaches this page.
"""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from dashboard.components import change
from dashboard.ids import Id
from store.settings import Settings

ROTATE_SECONDS = 15
PANEL_TITLES = (
    "Ready to leave hospital",
    "Discharge to assess: free places",
    "How long people have waited",
    "Why people are still waiting",
)


def layout(settings: Settings) -> html.Div:
    return html.Div(
        [
            dcc.Interval(id=Id.WALL_REFRESH, interval=settings.wall_refresh_seconds * 1000),
            dcc.Interval(id=Id.WALL_ROTATE, interval=ROTATE_SECONDS * 1000),
            dcc.Store(id=Id.WALL_DATA),
            dcc.Store(id=Id.URL_CLEANER),
            html.Div(id=Id.WALL_STALE, role="alert", **{"aria-live": "assertive"}),  # type: ignore[arg-type]
            html.Div(
                [html.H1("Discharge hub"), html.P(id=Id.WALL_CLOCK, className="wall-clock")],
                className="wall-top",
            ),
            html.Div(id=Id.WALL_PANEL, className="wall-panel"),
        ],
        className="wall",
    )


def tile(label: str, now: Any, before: Any = None, *, size: str = "") -> html.Div:
    parts = [html.P(label, className="tile-label"), html.P(_n(now), className="tile-value")]
    if before is not None:
        parts.append(html.P(change(now, before, short=True), className="tile-change"))
    return html.Div(parts, className=f"tile {size}".strip())


def panel(index: int, summary: dict[str, Any]) -> html.Section:
    """Panel `index` (0–3) of the rotation, with its position shown as "1 of 4"."""
    builders = (_ready, _capacity, _waits, _reasons)
    body = builders[index % len(builders)](summary)
    return html.Section(
        [
            html.H2(PANEL_TITLES[index % len(builders)]),
            body,
            html.P(f"Panel {index % len(builders) + 1} of {len(builders)}", className="wall-pager"),
        ],
        className="wall-section",
    )


def _ready(summary: dict[str, Any]) -> html.Div:
    ready = summary["ready"]
    tiles = [tile("Ready to leave now", ready["now"], ready["before"], size="tile-hero")]
    tiles += [tile(f"Pathway {g['group']}", g["now"], g["before"]) for g in summary["by_pathway"]]
    return html.Div(tiles, className="tiles")


def _capacity(summary: dict[str, Any]) -> html.Div:
    tiles = []
    for p in summary["pathways"]:
        free = "–" if p["free"] is None else f"{p['free']:,} of {p['capacity']:,}"
        tiles.append(
            html.Div(
                [
                    html.P(f"Pathway {p['pathway']}", className="tile-label"),
                    html.P(free, className="tile-value"),
                    html.P(f"{p['waiting']:,} waiting in hospital", className="tile-change"),
                ],
                className="tile",
            )
        )
    return html.Div(tiles, className="tiles")


def _waits(summary: dict[str, Any]) -> html.Div:
    tiles = [tile(_days(b["band"]), b["now"], b["before"]) for b in summary["bands"]]
    tiles += [
        tile("Stranded 7+ days", summary["stranded_7"]["now"], summary["stranded_7"]["before"]),
        tile("Super-stranded 21+", summary["stranded_21"]["now"], summary["stranded_21"]["before"]),
    ]
    return html.Div(tiles, className="tiles tiles-small")


def _reasons(summary: dict[str, Any]) -> html.Div | html.Ul:
    if not summary["reasons"]:
        return html.Div(html.P("No delay reasons recorded", className="tile-label"))
    rows = [
        html.Li([html.Span(_n(r["now"]), className="reason-count"), html.Span(r["label"])])
        for r in summary["reasons"]
    ]
    return html.Ul(rows, className="wall-reasons")


def _days(band: str) -> str:
    return "1 day ready" if band == "1" else f"{band} days ready"


def _n(value: Any) -> str:
    return "–" if value is None else f"{value:,}"
