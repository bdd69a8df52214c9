"""create_app(): the API (and later the dashboard) in one ASGI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.database import Database
from api.errors import install_error_handlers
from api.routers import coordinator, events, metrics, patients, reference, tokens
from api.settings import Settings, get_settings
from dashboard.app import mount as mount_dashboard
from metrics.engine import warm_tallies
from metrics.tally import Refresher

API_PREFIX = "/api/v1"


def create_app(
    settings: Settings | None = None, database: Database | None = None, *, tallies: bool = False
) -> FastAPI:
    """The application; the database is opened at start-up unless one is given. With
    `tallies` (d2a serve), the figure tallies are refreshed in the background every
    `tally_refresh_seconds` (metrics.tally)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = database is None
        app.state.database = database or Database(settings.resolved_database_url())
        refresher = None
        if tallies and settings.tally_refresh_seconds > 0:
            db = app.state.database
            refresher = Refresher(
                db.engine, db.write_engine, settings.tally_refresh_seconds, warm_tallies
            )
            refresher.start()
        yield
        if refresher is not None:
            refresher.stop()
        if own:
            app.state.database.dispose()

    app = FastAPI(
        title="D2A Flow",
        summary="The shared record and figures of a discharge to assess flow.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    if database is not None:
        app.state.database = database
    install_error_handlers(app)
    for router in (
        events.router,
        reference.router,
        patients.router,
        tokens.router,
        metrics.router,
        coordinator.router,
    ):
        app.include_router(router, prefix=API_PREFIX)

    @app.get("/health", tags=["health"])
    def health() -> dict[str, str]:
        """Liveness: answers without a token."""
        return {"status": "ok"}

    mount_dashboard(app)  # last: the dashboard answers every path the API leaves
    return app
