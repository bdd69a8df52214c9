"""Who may see what on the dashboard: the API's tokens and role table (access.roles), checked
on every callback.

The browser keeps a token (session storage on the working pages, local storage on a wall
screen) and sends it with each callback; the server verifies it against the token table each
time, so a revoked or expired token stops working at the next refresh. Each callback asks
`allowed()` for the permission it needs; a token that fails is counted as a failed
authentication of the caller's address (access.throttle, shared with the API), once per token
for the pages' own callbacks (a stale token in a tab is one failure, not one per chart) and
every time for the sign-in box, which is answered 429 when the address has failed too often.
"""

from __future__ import annotations

from datetime import datetime

from flask import has_request_context, request

from access.principal import Principal
from access.roles import holds
from access.tokens import hash_token, verify_token
from dashboard.data import VIEWER, Backend

SIGN_IN = "dashboard sign-in"


class Throttled(Exception):
    """Too many failed authentications from this address; try again in `retry_after` s."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed authentications: try again in {retry_after} s")
        self.retry_after = retry_after


def client_address() -> str:
    """The address of the browser whose callback is running ('local' outside a request)."""
    if has_request_context():
        return request.remote_addr or "unknown"
    return "local"


def principal_for(backend: Backend, token: str | None, now: datetime) -> Principal | None:
    """The live token's holder, or None for no token, an unknown, expired or revoked one, or
    any token from an address refused for failing too often."""
    if not token or not token.strip():
        return None
    client = client_address()
    if backend.failures.retry_after(client) is not None:
        return None
    token = token.strip()
    with backend.database.session(primary=True) as session:
        principal = verify_token(session, token, now)
    VIEWER.set(principal)
    if principal is None:
        reason = "unknown, expired or revoked token (dashboard)"
        backend.failures.failed(client, reason, key=hash_token(token))
    return principal


def allowed(
    backend: Backend, token: str | None, now: datetime, permission: str
) -> Principal | None:
    """The token's holder when its role holds `permission` (access.roles), else None."""
    principal = principal_for(backend, token, now)
    return principal if holds(principal, permission) else None


def sign_in_principal(backend: Backend, entered: str | None, now: datetime) -> Principal | None:
    """The holder of the token typed into the sign-in box, or None; every failure counts.
    Raises Throttled when this address has failed too often."""
    client = client_address()
    wait = backend.failures.retry_after(client)
    if wait is not None:
        raise Throttled(wait)
    if not entered or not entered.strip():
        return None
    with backend.database.session(primary=True) as session:
        principal = verify_token(session, entered.strip(), now)
    if principal is None:
        backend.failures.failed(client, f"unknown, expired or revoked token ({SIGN_IN})")
    return principal
