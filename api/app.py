"""create_api(): the HTTP face alone, its routers under /api/v1 and its error answers."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from fastapi import FastAPI

from api.errors import install_error_handlers
from api.routers import audit, coordinator, events, metrics, patients, reference, tokens
from store.settings import Settings

API_PREFIX = "/api/v1"
Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def create_api(settings: Settings, lifespan: Lifespan | None = None) -> FastAPI:
    """The API's routes; `app.state.database` is set by the caller (d2a.server) at start-up."""
    app = FastAPI(
        title="D2A Flow",
        summary="The shared record and figures of a discharge to assess flow.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    install_error_handlers(app)
    for router in (
        events.router,
        reference.router,
        patients.router,
        tokens.router,
        metrics.router,
        coordinator.router,
        audit.router,
    ):
        app.include_router(router, prefix=API_PREFIX)

    @app.get("/health", tags=["health"])
    def health() -> dict[str, str]:
        """Liveness: answers without a token."""
        return {"status": "ok"}

    return app
