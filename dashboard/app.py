"""The Dash application, and its mounting under the API's FastAPI app on the same port."""

from __future__ import annotations

from pathlib import Path

from a2wsgi import WSGIMiddleware
from dash import Dash
from fastapi import FastAPI

from access.throttle import for_state
from dashboard.callbacks import callsheet as callsheet_callbacks
from dashboard.callbacks import explore as explore_callbacks
from dashboard.callbacks import feeds as feeds_callbacks
from dashboard.callbacks import returns as returns_callbacks
from dashboard.callbacks import shell as shell_callbacks
from dashboard.callbacks import today as today_callbacks
from dashboard.callbacks import trends as trends_callbacks
from dashboard.callbacks import wall as wall_callbacks
from dashboard.data import VIEWER, Backend
from dashboard.pages import shell
from store.database import Database

ASSETS = Path(__file__).parent / "assets"


def create_dashboard(backend: Backend) -> Dash:
    """A Dash app whose callbacks read through `backend`; nothing is opened until one runs."""
    app = Dash(
        "dashboard",
        assets_folder=str(ASSETS),
        requests_pathname_prefix="/",
        routes_pathname_prefix="/",
        title="D2A Flow",
        update_title="",  # no "Updating…" flicker in the tab title
        suppress_callback_exceptions=True,  # page components come and go with the route
        serve_locally=True,  # no CDN: hospital networks and tests are offline
    )
    # The page's language, for screen readers' pronunciation (WCAG 3.1.1); Dash's page has none.
    app.index_string = app.index_string.replace("<html>", '<html lang="en-GB">', 1)
    app.layout = shell.layout
    for module in (
        shell_callbacks,
        today_callbacks,
        trends_callbacks,
        explore_callbacks,
        feeds_callbacks,
        returns_callbacks,
        wall_callbacks,
        callsheet_callbacks,
    ):
        module.register(app, backend)

    @app.server.before_request
    def _no_viewer_yet() -> None:
        # Each request's callbacks check their own token (dashboard.access sets the viewer).
        VIEWER.set(None)

    return app


def mount(api: FastAPI) -> Dash:
    """Serves the dashboard at / of `api`, after its routes, so /api/v1, /docs and /health win.

    The database is looked up on `api.state` when a callback runs: it is opened at start-up.
    """

    def database() -> Database:
        found: Database = api.state.database
        return found

    failures = for_state(api.state)  # one count of failed authentications with the API
    dashboard = create_dashboard(Backend(database, api.state.settings, failures=failures))
    api.mount("/", WSGIMiddleware(dashboard.server))  # type: ignore[arg-type]
    return dashboard
