"""Wall: fetch an aggregate summary every refresh, show it at once with a rotating panel below,
warn when data is stale; the browser keeps the clock and warns when it cannot refresh."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from dash import Dash, Input, Output, State, html

from dashboard import data
from dashboard.access import allowed
from dashboard.components import duration, silent_feeds
from dashboard.data import Backend
from dashboard.ids import Id
from dashboard.pages import wall
from metrics.wall import wall_figures
from models.clock import LONDON, utc_now

# The browser's clock (UK time) and its warning when two refreshes have been missed: the
# figures' Store is last written at `fetchedAt` (its modified_timestamp, ms); the refresh runs
# every `refreshMs`. Counted from the page's load until the first figures arrive.
WALL_TICK = """function (_n, fetchedAt, refreshMs) {
    const now = new Date();
    window.d2aWallLoadedAt = window.d2aWallLoadedAt || now.getTime();
    const uk = {timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit'};
    const clock = now.toLocaleTimeString('en-GB', uk);
    const last = (typeof fetchedAt === 'number' && fetchedAt > 0)
        ? fetchedAt : window.d2aWallLoadedAt;
    const every = refreshMs || 60000;
    const limit = 2 * every + Math.min(every / 2, 5000);
    if (now.getTime() - last <= limit) {
        return [clock, null];
    }
    const since = new Date(last).toLocaleTimeString(
        'en-GB', Object.assign({second: '2-digit'}, uk));
    return [clock, 'NOT UPDATING: this screen has not reached the server since ' + since +
        '. The figures below may be out of date.'];
}"""
NEEDS_TOKEN = "This screen needs a display token: open /wall#token=… once on this screen."


def token_from_fragment(fragment: str | None) -> str | None:
    """A token given as /wall#token=…: the fragment is never sent to the server, so the token
    reaches neither its access log nor a proxy's. (A query string would: ?token= is not read.)"""
    found = parse_qs((fragment or "").lstrip("#")).get("token")
    if found and found[0].strip():
        return found[0].strip()
    return None


def summary(snap: dict[str, Any], fetched_at: datetime) -> dict[str, Any]:
    """The counts the wall shows (metrics.wall: no unit, no site, no patient), and when."""
    return wall_figures(snap) | {"fetched_at": fetched_at.isoformat()}


def fetch(
    backend: Backend,
    fragment: str | None,
    kept: str | None,
    signed_in: str | None,
    now: datetime,
) -> tuple[dict[str, Any], str | None]:
    """The wall summary at `now` and the token to keep: one from the URL's fragment wins, then
    the one the screen kept, then the token of a person signed in on the other pages."""
    # A signed-in person's token is not kept: local storage outlives the session.
    for token, keep in ((token_from_fragment(fragment), True), (kept, True), (signed_in, False)):
        if token and allowed(backend, token, now, "wall:read") is not None:
            found = summary(data.snapshot(backend, now), now) | silent(backend, now)
            return found, token if keep else None
    return {"error": NEEDS_TOKEN}, None


def silent(backend: Backend, now: datetime) -> dict[str, Any]:
    """The feeds silent now for longer than their limit: each by its name and when it last
    sent (no code, no message id, nothing of a patient)."""
    named = [
        {"name": f.name, "last_message_at": _iso(f.last_message_at)}
        for f in data.silent_feeds(backend, now)
    ]
    return {"silent_feeds": named}


def stale_warning(latest_event_at: str | None, now: datetime, limit_minutes: int) -> str | None:
    """A plain warning when no event has been received for longer than the limit."""
    if latest_event_at is None:
        return "NO DATA RECEIVED YET: figures are not live"
    latest = datetime.fromisoformat(latest_event_at.rstrip("Z"))
    minutes = int((now - latest).total_seconds() // 60)
    if minutes <= limit_minutes:
        return None
    age = duration(minutes)
    return f"DATA MAY BE OUT OF DATE: no new events for {age} (last at {_clock(latest)})"


def silent_warning(feeds: list[dict[str, Any]] | None, now: datetime) -> str | None:
    """A plain warning naming each feed silent for longer than its limit."""
    named = [(f["name"], _parse(f["last_message_at"])) for f in feeds or []]
    said = silent_feeds(named, now)
    if said is None:
        return None
    return f"FEED{'S' if len(named) > 1 else ''} SILENT: {said}"


def view(
    summary_: dict[str, Any] | None, rotation: int | None, now: datetime, limit_minutes: int
) -> tuple[Any, Any, str]:
    """The rotating panel, the warning banners (or nothing: stale data, silent feeds) and when
    the figures were fetched."""
    if not summary_:
        return html.P("Loading…", className="wall-message"), None, ""
    if "error" in summary_:
        return html.P(summary_["error"], className="wall-message"), None, ""
    warnings = [
        stale_warning(summary_["latest_event_at"], now, limit_minutes),
        silent_warning(summary_.get("silent_feeds"), now),
    ]
    banner = [html.P(w, className="wall-stale") for w in warnings if w] or None
    fetched = datetime.fromisoformat(summary_["fetched_at"])
    return wall.panel(rotation or 0, summary_), banner, f"updated {_clock(fetched)}"


def main_view(summary_: dict[str, Any] | None) -> Any:
    """The part always on screen: headline, system level, queues against capacity."""
    if not summary_ or "error" in summary_:
        return None
    return wall.main(summary_)


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def _parse(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _clock(instant: datetime) -> str:
    return instant.replace(tzinfo=UTC).astimezone(LONDON).strftime("%H:%M:%S")


def register(app: Dash, backend: Backend) -> None:
    @app.callback(
        Output(Id.WALL_DATA, "data"),
        Output(Id.WALL_TOKEN, "data"),
        Input(Id.WALL_REFRESH, "n_intervals"),
        State(Id.URL, "hash"),
        State(Id.WALL_TOKEN, "data"),
        State(Id.TOKEN, "data"),
    )
    def _fetch(_n: Any, fragment: str | None, kept: str | None, signed_in: str | None) -> Any:
        return fetch(backend, fragment, kept, signed_in, utc_now())

    @app.callback(
        Output(Id.WALL_PANEL, "children"),
        Output(Id.WALL_STALE, "children"),
        Output(Id.WALL_UPDATED, "children"),
        Input(Id.WALL_ROTATE, "n_intervals"),
        Input(Id.WALL_DATA, "data"),
    )
    def _view(rotation: int | None, summary_: dict[str, Any] | None) -> tuple[Any, Any, str]:
        return view(summary_, rotation, utc_now(), backend.settings.stale_after_minutes)

    @app.callback(Output(Id.WALL_MAIN, "children"), Input(Id.WALL_DATA, "data"))
    def _main(summary_: dict[str, Any] | None) -> Any:
        return main_view(summary_)

    # The browser's own clock, and its own warning when the figures stop arriving: after two
    # refreshes missed (the server stopped, the network gone) the banner says since when.
    app.clientside_callback(
        WALL_TICK,
        Output(Id.WALL_CLOCK, "children"),
        Output(Id.WALL_OFFLINE, "children"),
        Input(Id.WALL_TICK, "n_intervals"),
        State(Id.WALL_DATA, "modified_timestamp"),
        State(Id.WALL_REFRESH, "interval"),
    )

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
