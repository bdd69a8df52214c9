"""Small layout pieces shared by the pages: labelled controls, headline cards, badges."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dash import dcc, html

from dashboard import theme
from models.clock import LONDON


def labelled(label: str, control: Any, control_id: str) -> html.Div:
    """A control with a visible <label> tied to it, for screen readers and keyboard users."""
    return html.Div([html.Label(label, htmlFor=control_id), control], className="control")


def fieldset(legend: str, control: Any) -> html.Fieldset:
    """A group of radio buttons named by its legend."""
    return html.Fieldset([html.Legend(legend), control], className="control fieldset")


def graph(component_id: str, label: str) -> html.Div:
    """A chart in a figure region with an accessible name (dcc.Graph takes no aria props)."""
    return graph_of(component_id, None, label)


def graph_of(component_id: str, figure: Any, label: str) -> html.Div:
    """`graph` with its figure already drawn."""
    extra = {} if figure is None else {"figure": figure}
    return html.Div(
        dcc.Graph(
            id=component_id,
            # Only "download as PNG": nothing that leaves the page or needs a mouse to undo.
            config={"displaylogo": False, "modeBarButtons": [["toImage"]]},
            **extra,
        ),
        className="chart",
        role="figure",
        **{"aria-label": label},  # type: ignore[arg-type]
    )


def change(now: float | int | None, before: float | int | None, *, short: bool = False) -> str:
    """'up 3 in 24 hours' in words (arrows alone are not read out); `short` for the wall."""
    if now is None or before is None:
        return "no earlier figure"
    delta = now - before
    since = "on yesterday" if short else "in 24 hours"
    if delta == 0:
        return "same as yesterday" if short else "no change in 24 hours"
    word = "up" if delta > 0 else "down"
    return f"{word} {_number(abs(delta))} {since}"


def headline(title: str, now: Any, before: Any, *, better: str = "decrease") -> html.Div:
    """A big number with its change since 24 hours earlier, coloured by whether that is good."""
    tone = "same"  # a neutral figure (better="neutral") is never coloured good or bad
    if better != "neutral" and now is not None and before is not None and now != before:
        good = (now < before) == (better == "decrease")
        tone = "good" if good else "bad"
    return html.Div(
        [
            html.H2(title, className="headline-title"),
            html.P(_number(now), className="headline-value"),
            html.P(change(now, before), className=f"headline-change {tone}"),
        ],
        className="headline",
    )


def badge(text: str, tone: str = "neutral") -> html.Span:
    return html.Span(text, className=f"badge badge-{tone}")


def spc_badges(
    variation: str | None, assurance: str | None, target: float | None, unit: str = ""
) -> html.Div:
    """Variation and assurance in words (the Making Data Count icons' meaning, as text)."""
    badges = []
    if variation:
        tone = variation.removeprefix("special_cause_").split("_")[0]
        badges.append(badge(theme.POINT_LABELS.get(variation, variation), tone))
    if assurance:
        tone = {"pass": "improvement", "fail": "concern"}.get(assurance, "common")
        badges.append(badge(theme.ASSURANCE_LABELS.get(assurance, assurance), tone))
    if target is not None:
        badges.append(badge(f"Target {_number(target)} {unit}".strip(), "target"))
    return html.Div(badges, className="badges")


def definition(text: str, summary: str = "Definition") -> html.Details:
    """The catalogue's definition, one click (or Enter) away."""
    return html.Details([html.Summary(summary), html.P(text)], className="definition")


def message(text: str, tone: str = "info") -> html.P:
    return html.P(text, className=f"message message-{tone}", role="status")


def duration(minutes: int) -> str:
    """Whole minutes in words: '45 min', '2 h 15 min', '4 h'."""
    hours, mins = divmod(minutes, 60)
    if not hours:
        return f"{mins} min"
    return f"{hours} h {mins} min" if mins else f"{hours} h"


def silent_feeds(feeds: list[tuple[str, datetime | None]], now: datetime) -> str | None:
    """Each silent feed by name with how long it has been silent (naive UTC times), or None
    when none is: 'Hilltop PAS (nothing for 3 h 5 min), Valley list (nothing received yet)'."""
    if not feeds:
        return None
    said = [
        f"{name} (nothing received yet)"
        if last is None
        else f"{name} (nothing for {duration(int((now - last).total_seconds() // 60))})"
        for name, last in feeds
    ]
    return ", ".join(said)


def uk_time(instant: datetime) -> str:
    """A naive UTC instant as UK local time, e.g. 09:41 Tue 2 Dec 2026 (no leading zero on the
    day, as the NHS writes dates)."""
    local = instant.replace(tzinfo=UTC).astimezone(LONDON)
    return f"{local:%H:%M %a} {local.day} {local:%b %Y}"


def _number(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"
