"""What every answer gets at the door (SPEC §6, §7): bodies over 20 MB refused with 413 before
they are read, security headers on every answer, and `Cache-Control: no-store` on the API and
the dashboard's callbacks, whose answers can be patient-level."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any

import orjson

MAX_BODY_BYTES = 20 * 1024 * 1024
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

NOT_STORED = ("/api/", "/_dash-update-component")
DOCS = ("/docs", "/openapi.json", "/docs-static/")


def policy(dashboard_script_hashes: Sequence[str]) -> str:
    """The Content-Security-Policy of every page but the API docs: scripts only from this
    server (and Dash's one inline script, by its hash), no framing, no other origin."""
    scripts = " ".join(["'self'", *dashboard_script_hashes])  # hashes come quoted
    return (
        f"default-src 'self'; script-src {scripts}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )


# Swagger UI starts itself with an inline script; the docs page holds no patient data.
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)


class Protection:
    """Pure ASGI middleware: body limit, security headers, no caching of answers."""

    def __init__(self, app: App, content_policy: str) -> None:
        self.app, self.content_policy = app, content_policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        headers = self._headers(path)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in headers if k not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        declared = _content_length(scope)
        if declared is not None and declared > MAX_BODY_BYTES:
            await _too_large(send_with_headers)
            return
        if declared is None and scope.get("method") in ("POST", "PUT", "PATCH"):
            body = await _read_at_most(receive, MAX_BODY_BYTES)
            if body is None:
                await _too_large(send_with_headers)
                return
            receive = _replay(body)
        await self.app(scope, receive, send_with_headers)

    def _headers(self, path: str) -> list[tuple[bytes, bytes]]:
        docs = path.startswith(DOCS)
        out = [
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"no-referrer"),
            (b"content-security-policy", (DOCS_POLICY if docs else self.content_policy).encode()),
        ]
        if path.startswith(NOT_STORED):
            out.append((b"cache-control", b"no-store"))
        return out


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _read_at_most(receive: Receive, limit: int) -> bytes | None:
    """The whole body of a request sent without a length, or None once it passes `limit`."""
    parts, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        parts.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(parts)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _too_large(send: Send) -> None:
    message = f"the body is over {MAX_BODY_BYTES // (1024 * 1024)} MB; send smaller batches"
    body = orjson.dumps(
        {"errors": [{"index": None, "event_id": None, "field": None, "message": message}]}
    )
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
