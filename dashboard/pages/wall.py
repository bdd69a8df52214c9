"""Wall: a discharge hub screen. No controls, large type, aggregates only.

One screen shows at once the headline (ready to leave), each D2A pathway's queue against its
free places coloured and named by its status, and the system's level; below them a smaller
panel rotates between waits and delay reasons. The clock and the "not updating" warning are
the browser's own (assets/wall.js through a client-side callback), so a screen that cannot
reach the server says so. Built from the wall summary (callbacks/wall.py): counts only, no
patient id ever reaches this page.
"""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from dashboard.components import change
from dashboard.ids import Id
from store.settings import Settings

ROTATE_SECONDS = 15
CLOCK_SECONDS = 1
PANEL_TITLES = ("How long people have waited", "Why people are still waiting")


def layout(settings: Settings) -> html.Div:
    return html.Div(
        [
            dcc.Interval(id=Id.WALL_REFRESH, interval=settings.wall_refresh_seconds * 1000),
            dcc.Interval(id=Id.WALL_ROTATE, interval=ROTATE_SECONDS * 1000),
            dcc.Interval(id=Id.WALL_TICK, interval=CLOCK_SECONDS * 1000),
            dcc.Store(id=Id.WALL_DATA),
            dcc.Store(id=Id.URL_CLEANER),
            html.Div(id=Id.WALL_OFFLINE, role="alert", **{"aria-live": "assertive"}),  # type: ignore[arg-type]
            html.Div(id=Id.WALL_STALE, role="alert", **{"aria-live": "assertive"}),  # type: ignore[arg-type]
            html.Div(
                [
                    html.H1("Discharge hub"),
                    html.P(
                        [
                            html.Span(id=Id.WALL_CLOCK),
                            html.Span(id=Id.WALL_UPDATED, className="wall-updated"),
                        ],
                        className="wall-clock",
                    ),
                ],
                className="wall-top",
            ),
            html.Div(id=Id.WALL_MAIN, className="wall-main"),
            html.Div(id=Id.WALL_PANEL, className="wall-panel"),
        ],
        className="wall",
    )


def main(summary: dict[str, Any]) -> html.Div:
    """What the screen always shows: ready to leave, the system's level, and each pathway's
    queue against its free places, named and coloured by its status."""
    ready = summary["ready"]
    level = summary.get("level", "unknown")
    hero = html.Div(
        [
            html.P("Ready to leave hospital", className="tile-label"),
            html.P(_n(ready["now"]), className="tile-value"),
            html.P(change(ready["now"], ready["before"], short=True), className="tile-change"),
        ],
        className="tile tile-hero",
    )
    system = html.Div(
        [
            html.P("System level", className="tile-label"),
            html.P(level.upper(), className="tile-value"),
        ],
        className=f"tile tile-level wall-status-{level}",
    )
    queues = []
    for p in summary["pathways"]:
        status = p.get("status", "unknown")
        free = (
            "no capacity set" if p["free"] is None else f"{p['free']:,} free of {p['capacity']:,}"
        )
        queues.append(
            html.Div(
                [
                    html.P(f"Pathway {p['pathway']} · {status.upper()}", className="tile-label"),
                    html.P(f"{p['waiting']:,} waiting", className="tile-value"),
                    html.P(free, className="tile-change"),
                ],
                className=f"tile wall-status-{status}",
            )
        )
    return html.Div(
        [
            html.Div([hero, system], className="wall-headline"),
            html.H2("Waiting for D2A against free places"),
            html.Div(queues, className="tiles tiles-queues"),
        ]
    )


def tile(label: str, now: Any, before: Any = None, *, size: str = "") -> html.Div:
    parts = [html.P(label, className="tile-label"), html.P(_n(now), className="tile-value")]
    if before is not None:
        parts.append(html.P(change(now, before, short=True), className="tile-change"))
    return html.Div(parts, className=f"tile {size}".strip())


def panel(index: int, summary: dict[str, Any]) -> html.Section:
    """Panel `index` of the rotation below, with its position shown as "1 of 2"."""
    builders = (_waits, _reasons)
    body = builders[index % len(builders)](summary)
    return html.Section(
        [
            html.H2(PANEL_TITLES[index % len(builders)]),
            body,
            html.P(f"Panel {index % len(builders) + 1} of {len(builders)}", className="wall-pager"),
        ],
        className="wall-section",
    )


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
