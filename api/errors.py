"""Every error answers {"errors": [{index, event_id, field, message}]}; never a bare 500."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        *,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.errors = [{"index": None, "event_id": None, "field": field, "message": message}]
        self.headers = headers

    @classmethod
    def for_fields(cls, status: int, problems: list[tuple[str, str]]) -> ApiError:
        """One error per (field, message) pair."""
        error = cls(status, "; ".join(f"{f}: {m}" for f, m in problems))
        error.errors = [
            {"index": None, "event_id": None, "field": f, "message": m} for f, m in problems
        ]
        return error


def error_response(
    status: int, errors: list[dict[str, Any]], headers: dict[str, str] | None = None
) -> JSONResponse:
    sent = ({"WWW-Authenticate": "Bearer"} if status == 401 else {}) | (headers or {})
    return JSONResponse({"errors": errors}, status_code=status, headers=sent or None)


def _field(loc: tuple[Any, ...]) -> str | None:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or None


def install_error_handlers(app: FastAPI) -> None:
    @app.middleware("http")
    async def _refuse_nul(request: Request, call_next: Any) -> Any:
        # No code or id holds a NUL; PostgreSQL cannot even compare one. Refuse it at the door.
        if "\x00" in request.url.path or b"%00" in request.scope.get("query_string", b""):
            message = "the URL holds a NUL character"
            return error_response(
                400, [{"index": None, "event_id": None, "field": None, "message": message}]
            )
        return await call_next(request)

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.errors, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"index": None, "event_id": None, "field": _field(e["loc"]), "message": e["msg"]}
            for e in exc.errors()
        ]
        return error_response(422, errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else "request refused"
        return error_response(
            exc.status_code, [{"index": None, "event_id": None, "field": None, "message": message}]
        )
