"""Today: the position at an instant and the long-waiters list, each checked against the token."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import plotly.graph_objects as go
from dash import Dash, Input, Output, State

from access.roles import holds
from dashboard import data, figures
from dashboard.access import allowed, client_address, principal_for
from dashboard.components import headline, message, silent_feeds, uk_time
from dashboard.data import Backend
from dashboard.ids import Id
from models.clock import LONDON, day_out_of_range, to_utc_naive, utc_now

TIME = re.compile(r"^\s*([01]?\d|2[0-3]):([0-5]\d)\s*$")
SIGN_IN_FIRST = "Sign in with a token to see the figures."


@dataclass(frozen=True)
class Position:
    """Everything the Today page shows apart from the patient list."""

    status: Any
    headlines: Any
    pathway: go.Figure
    site: go.Figure
    local_authority: go.Figure
    bands: go.Figure
    reasons: go.Figure
    services: go.Figure

    def outputs(self) -> tuple[Any, ...]:
        return tuple(self.__dict__.values())


def as_of(day: str | None, clock: str | None, now: datetime) -> datetime:
    """The instant asked for (a UK local date and HH:MM) as naive UTC; now when none is given
    or the moment asked for has not happened yet.

    Raises ValueError, its text a sentence for the page, for a date that is not one or lies
    outside the record's calendar (2000-01-01 … 2100-12-31: years 1 and 9999 overflow)."""
    if not day:
        return now
    try:
        asked = date.fromisoformat(day[:10])
    except ValueError as error:
        raise ValueError(f"{day!r} is not a date: choose one from the calendar.") from error
    problem = day_out_of_range(asked)
    if problem:
        raise ValueError(f"Cannot replay {asked.isoformat()}: it {problem}.")
    match = TIME.match(clock or "")
    at = time(int(match[1]), int(match[2])) if match else time(23, 59)
    local = datetime.combine(asked, at, tzinfo=LONDON)
    return min(to_utc_naive(local), now)


def position_asked(
    backend: Backend, token: str | None, day: str | None, clock: str | None, now: datetime
) -> Position:
    """The position at the moment the page's date and time ask for, or why there is none."""
    try:
        instant = as_of(day, clock, now)
    except ValueError as error:
        return _blank(message(str(error), "error"))
    return position(backend, token, instant, now)


def long_waiters_asked(
    backend: Backend, token: str | None, day: str | None, clock: str | None, now: datetime
) -> tuple[list[dict[str, Any]], str]:
    """The long waiters at the moment the page asks for, or why there are none."""
    try:
        instant = as_of(day, clock, now)
    except ValueError as error:
        return [], str(error)
    return long_waiters(backend, token, instant, now)


def _blank(status: Any) -> Position:
    empty = figures.empty("")
    return Position(status, [], empty, empty, empty, empty, empty, empty)


def position(backend: Backend, token: str | None, instant: datetime, now: datetime) -> Position:
    """The coordinator's figures at `instant`, or why they cannot be shown."""
    if allowed(backend, token, now, "aggregates:read") is None:
        return _blank(message(SIGN_IN_FIRST))
    snap = data.snapshot(backend, instant)
    names = {o["code"]: o["name"] for o in data.organisations(backend)}
    ready = snap["ready_to_leave"]
    pathways = data.comparison(ready["by_pathway"])
    pathways["group"] = [f"Pathway {g}" if g.isdigit() else g for g in pathways["group"]]
    return Position(
        status=[_status(snap, instant, now), *_silent_feeds(backend, now)],
        headlines=_headlines(snap),
        pathway=figures.comparison_bars(pathways, title="Ready to leave by planned pathway"),
        site=figures.comparison_bars(
            data.comparison(ready["by_site"], names=names), title="Ready to leave by site"
        ),
        local_authority=figures.comparison_bars(
            data.comparison(ready["by_local_authority"], names=names),
            title="Ready to leave by local authority",
            horizontal=True,
        ),
        bands=figures.comparison_bars(
            data.comparison(snap["waits_by_band"], label="band"),
            title="Ready to leave by days waiting",
        ),
        reasons=figures.comparison_bars(
            data.comparison(snap["top_reasons"][:10], label="label"),
            title="Top delay reasons",
            horizontal=True,
        ),
        services=figures.capacity_bars(data.services(snap)),
    )


def _status(snap: dict[str, Any], instant: datetime, now: datetime) -> Any:
    when = "now" if instant == now else "replayed"
    shown = uk_time(instant)
    latest = snap.get("latest_event_at")
    latest_text = uk_time(datetime.fromisoformat(latest.rstrip("Z"))) if latest else "none"
    return message(
        f"Position at {shown} ({when}), compared with 24 hours earlier. "
        f"Reflects {snap['events_reflected']:,} events; the latest received {latest_text}."
    )


def _silent_feeds(backend: Backend, now: datetime) -> list[Any]:
    """A warning naming each feed silent now for longer than its limit (whatever moment the
    page replays: it is about what is arriving)."""
    silent = data.silent_feeds(backend, now)
    said = silent_feeds([(f.name, f.last_message_at) for f in silent], now)
    if said is None:
        return []
    plural = "s" if len(silent) > 1 else ""
    return [
        message(
            f"Warning: feed{plural} silent for longer than {'their' if plural else 'its'} limit: "
            f"{said}. What {'they' if plural else 'it'} should have sent is missing from these "
            "figures.",
            "warning",
        )
    ]


def _headlines(snap: dict[str, Any]) -> list[Any]:
    ready, acute = snap["ready_to_leave"], snap["acute_inpatients"]
    free_now = sum(s["free"] or 0 for s in snap["d2a_services"])
    free_before = sum(s.get("free_before") or 0 for s in snap["d2a_services"])
    return [
        headline("Ready to leave", ready["now"], ready["before"]),
        headline("Acute inpatients", acute["now"], acute["before"], better="neutral"),
        headline("Stranded (7+ days)", snap["stranded_7"]["now"], snap["stranded_7"]["before"]),
        headline(
            "Super-stranded (21+ days)", snap["stranded_21"]["now"], snap["stranded_21"]["before"]
        ),
        headline("D2A places free", free_now, free_before, better="increase"),
    ]


def long_waiters(
    backend: Backend, token: str | None, instant: datetime, now: datetime
) -> tuple[list[dict[str, Any]], str]:
    """The patient-level list for holders of patients:read only (a partner: its own)."""
    principal = principal_for(backend, token, now)
    if principal is None or not holds(principal, "patients:read"):
        reason = SIGN_IN_FIRST if principal is None else "Your role does not see patient lists."
        return [], f"{reason} Patient-level lists need a coordinator or partner token."
    rows = data.ready_patients(backend, principal, instant, now, client_address())
    names = {o["code"]: o["name"] for o in data.organisations(backend)}
    for column in ("organisation_code", "local_authority"):
        rows[column] = [names.get(code, code) for code in rows[column]]
    scope = f" for {principal.scope}" if principal.role == "partner" else ""
    note = f"{len(rows):,} people ready to leave{scope} at {uk_time(instant)}, longest first."
    return [{str(k): v for k, v in r.items()} for r in rows.to_dict("records")], note


def register(app: Dash, backend: Backend) -> None:
    when = [
        Input(Id.TODAY_DATE, "date"),
        Input(Id.TODAY_TIME, "value"),
        Input(Id.TODAY_REFRESH, "n_intervals"),
        State(Id.TOKEN, "data"),
    ]

    @app.callback(
        Output(Id.TODAY_STATUS, "children"),
        Output(Id.TODAY_HEADLINES, "children"),
        Output(Id.TODAY_PATHWAY, "figure"),
        Output(Id.TODAY_SITE, "figure"),
        Output(Id.TODAY_LA, "figure"),
        Output(Id.TODAY_BANDS, "figure"),
        Output(Id.TODAY_REASONS, "figure"),
        Output(Id.TODAY_SERVICES, "figure"),
        *when,
    )
    def _position(
        day: str | None, clock: str | None, _n: Any, token: str | None
    ) -> tuple[Any, ...]:
        return position_asked(backend, token, day, clock, utc_now()).outputs()

    @app.callback(
        Output(Id.TODAY_PATIENTS, "rowData"),
        Output(Id.TODAY_PATIENTS_NOTE, "children"),
        *when,
    )
    def _patients(
        day: str | None, clock: str | None, _n: Any, token: str | None
    ) -> tuple[Any, str]:
        return long_waiters_asked(backend, token, day, clock, utc_now())

    @app.callback(
        Output(Id.TODAY_DATE, "date"),
        Output(Id.TODAY_TIME, "value"),
        Input(Id.TODAY_NOW, "n_clicks"),
        prevent_initial_call=True,
    )
    def _now(_clicks: Any) -> tuple[None, str]:
        return None, ""
