"""Wall: fetch an aggregate summary every refresh, rotate panels, warn when data is stale."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from dash import Dash, Input, Output, State, html

from access.roles import may_read_wall
from dashboard import data
from dashboard.access import principal_for
from dashboard.data import Backend
from dashboard.ids import Id
from dashboard.pages import wall
from models.clock import LONDON, utc_now

NEEDS_TOKEN = "This screen needs a display token: open /wall#token=… once on this screen."
TOP_REASONS = 5


def token_from_url(search: str | None, fragment: str | None) -> str | None:
    """A token given as /wall#token=… (preferred: never sent to the server) or ?token=…."""
    for part in (fragment, search):
        found = parse_qs((part or "").lstrip("#?")).get("token")
        if found and found[0].strip():
            return found[0].strip()
    return None


def summary(snap: dict[str, Any], fetched_at: datetime) -> dict[str, Any]:
    """The counts the wall shows, picked out one by one so nothing patient-level can pass."""
    ready = snap["ready_to_leave"]

    def pair(item: dict[str, Any]) -> dict[str, Any]:
        return {"now": item["now"], "before": item["before"]}

    return {
        "fetched_at": fetched_at.isoformat(),
        "latest_event_at": snap["latest_event_at"],
        "ready": pair(ready),
        "by_pathway": [{"group": g["group"], **pair(g)} for g in ready["by_pathway"]],
        "bands": [{"band": b["band"], **pair(b)} for b in snap["waits_by_band"]],
        "stranded_7": pair(snap["stranded_7"]),
        "stranded_21": pair(snap["stranded_21"]),
        "reasons": [{"label": r["label"], **pair(r)} for r in snap["top_reasons"][:TOP_REASONS]],
        "pathways": [
            {k: p[k] for k in ("pathway", "capacity", "occupied", "free", "waiting")}
            for p in snap["d2a_pathways"]
        ],
    }


def fetch(
    backend: Backend, search: str | None, fragment: str | None, kept: str | None, now: datetime
) -> tuple[dict[str, Any], str | None]:
    """The wall summary at `now` and the token to keep (a new one from the URL wins)."""
    token = token_from_url(search, fragment) or kept
    if not may_read_wall(principal_for(backend.database, token, now)):
        return {"error": NEEDS_TOKEN}, None
    return summary(data.snapshot(backend, now), now), token


def stale_warning(latest_event_at: str | None, now: datetime, limit_minutes: int) -> str | None:
    """A plain warning when no event has been received for longer than the limit."""
    if latest_event_at is None:
        return "NO DATA RECEIVED YET: figures are not live"
    latest = datetime.fromisoformat(latest_event_at.rstrip("Z"))
    minutes = int((now - latest).total_seconds() // 60)
    if minutes <= limit_minutes:
        return None
    hours, mins = divmod(minutes, 60)
    age = f"{hours} h {mins} min" if hours else f"{mins} min"
    return f"DATA MAY BE OUT OF DATE: no new events for {age} (last at {_clock(latest)})"


def view(
    summary_: dict[str, Any] | None, rotation: int | None, now: datetime, limit_minutes: int
) -> tuple[Any, Any, str]:
    """The panel to show, the stale banner (or nothing) and the clock line."""
    if not summary_:
        return html.P("Loading…", className="wall-message"), None, ""
    if "error" in summary_:
        return html.P(summary_["error"], className="wall-message"), None, ""
    warning = stale_warning(summary_["latest_event_at"], now, limit_minutes)
    banner = html.P(warning, className="wall-stale") if warning else None
    fetched = datetime.fromisoformat(summary_["fetched_at"])
    clock = f"{now.replace(tzinfo=UTC).astimezone(LONDON):%H:%M} · updated {_clock(fetched)}"
    return wall.panel(rotation or 0, summary_), banner, clock


def _clock(instant: datetime) -> str:
    return instant.replace(tzinfo=UTC).astimezone(LONDON).strftime("%H:%M:%S")


def register(app: Dash, backend: Backend) -> None:
    @app.callback(
        Output(Id.WALL_DATA, "data"),
        Output(Id.WALL_TOKEN, "data"),
        Input(Id.WALL_REFRESH, "n_intervals"),
        State(Id.URL, "search"),
        State(Id.URL, "hash"),
        State(Id.WALL_TOKEN, "data"),
    )
    def _fetch(_n: Any, search: str | None, fragment: str | None, kept: str | None) -> Any:
        return fetch(backend, search, fragment, kept, utc_now())

    @app.callback(
        Output(Id.WALL_PANEL, "children"),
        Output(Id.WALL_STALE, "children"),
        Output(Id.WALL_CLOCK, "children"),
        Input(Id.WALL_ROTATE, "n_intervals"),
        Input(Id.WALL_DATA, "data"),
    )
    def _view(rotation: int | None, summary_: dict[str, Any] | None) -> tuple[Any, Any, str]:
        return view(summary_, rotation, utc_now(), backend.settings.stale_after_minutes)

    # Once kept, the token is taken out of the address bar (and so out of sight and history).
    app.clientside_callback(
        """function (summary) {
            if (summary && /token=/.test(window.location.search + window.location.hash)) {
                window.history.replaceState(null, '', window.location.pathname);
            }
            return null;
        }""",
        Output(Id.URL_CLEANER, "data"),
        Input(Id.WALL_DATA, "data"),
    )
