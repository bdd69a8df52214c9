"""create_app(): the API and the dashboard in one ASGI application, with the database opened
at start-up and, for `d2a serve`, the figure tallies recounted in the background."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.app import create_api
from api.protection import Protection, policy
from dashboard.app import mount as mount_dashboard
from metrics.catalogue import tallied_reads
from metrics.tally import Refresher
from store.database import Database
from store.settings import Settings, get_settings


def create_app(
    settings: Settings | None = None, database: Database | None = None, *, tallies: bool = False
) -> FastAPI:
    """The application; the database is opened at start-up unless one is given. With
    `tallies` (d2a serve), the figure tallies are refreshed in the background every
    `tally_refresh_seconds` once writes settle (`tally_settle_seconds`: metrics.tally)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = database is None
        app.state.database = database or Database(
            settings.resolved_database_url(), read_url=settings.read_database_url or None
        )
        refresher = start_refresher(app.state.database, settings) if tallies else None
        if own:
            _freeze_start_up()
        yield
        if refresher is not None:
            refresher.stop()
        if own:
            app.state.database.dispose()

    app = create_api(settings, lifespan)
    if database is not None:
        app.state.database = database
    dashboard = mount_dashboard(app)  # last: the dashboard answers every path the API leaves
    app.add_middleware(Protection, content_policy=policy(dashboard.csp_hashes()))
    return app


def _freeze_start_up() -> None:
    """In a server process (one that opened its own database): what start-up made (modules,
    the application, the dashboard's layouts) lives as long as the process, so Python's
    cyclic collector is told to leave it out of its passes (gc.freeze). Otherwise each full
    pass traces all of it: on the national year, two full passes during 24 snapshot and ready
    list reads took 103 and 109 ms, each inside a read; frozen, 4–6 ms. Tests, which build
    an application per test over a database of their own, are left as they are: frozen, any
    cycle among a finished test's objects would never be freed."""
    gc.collect()
    gc.freeze()


def start_refresher(database: Database, settings: Settings) -> Refresher | None:
    """The figure tallies recounted in the background on `database` (metrics.tally.Refresher),
    unless `tally_refresh_seconds` is 0: one per served database, whatever its workers."""
    if settings.tally_refresh_seconds <= 0:
        return None
    refresher = Refresher(
        database.engine,
        database.write_engine,
        settings.tally_refresh_seconds,
        tallied_reads,
        settle=settings.tally_settle_seconds,
    )
    refresher.start()
    return refresher
