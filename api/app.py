"""create_api(): the HTTP face alone, its routers under /api/v1 and its error answers."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from importlib.resources import files

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from api.errors import ApiError, install_error_handlers
from api.routers import (
    actions,
    audit,
    boardpack,
    callsheet,
    coordinator,
    events,
    feeds,
    metric_annotations,
    metrics,
    patients,
    reference,
    returns,
    tokens,
    triggers,
)
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
        docs_url=None,  # served below from this server's own copy of Swagger UI: no CDN
        redoc_url=None,
    )
    app.state.settings = settings
    install_error_handlers(app)
    for router in (
        events.router,
        reference.router,
        patients.router,
        tokens.router,
        metric_annotations.router,
        metrics.router,
        returns.router,
        boardpack.router,
        coordinator.router,
        actions.router,
        callsheet.router,
        triggers.router,
        feeds.router,
        audit.router,
    ):
        app.include_router(router, prefix=API_PREFIX)

    @app.get("/health", tags=["health"])
    def health() -> dict[str, str]:
        """Liveness: answers without a token."""
        return {"status": "ok"}

    _serve_docs(app)

    @app.api_route(
        API_PREFIX.split("/v1")[0] + "/{path:path}",
        methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
        include_in_schema=False,
    )
    def unknown(path: str) -> None:
        """Any other path under /api is a JSON 404, never the dashboard's page."""
        raise ApiError(404, f"no such API path: /api/{path}")

    return app


def _serve_docs(app: FastAPI) -> None:
    """The OpenAPI document at /docs, drawn by the Swagger UI files of fastapi-offline, served
    from this server (hospital networks and tests are offline)."""
    static = files("fastapi_offline").joinpath("static")
    app.mount("/docs-static", StaticFiles(directory=str(static)), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="D2A Flow API",
            swagger_js_url="/docs-static/swagger-ui-bundle.js",
            swagger_css_url="/docs-static/swagger-ui.css",
            swagger_favicon_url="/docs-static/favicon.png",
        )
