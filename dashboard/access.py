"""Who may see what on the dashboard: the API's tokens and role table, checked on every callback.

The browser keeps a token (session storage on the working pages, local storage on a wall
screen) and sends it with each callback; the server verifies it against the token table each
time, so a revoked or expired token stops working at the next refresh. Aggregate pages need
`aggregates:read` (but not the `display` role, which is for the wall only); the long-waiters
list needs `patients:read` and a partner sees only its own organisation's or local
authority's patients; the wall needs `aggregates:read` and never shows a patient.
"""

from __future__ import annotations

from datetime import datetime

from access.tokens import Principal, verify_token
from store.database import Database


def principal_for(database: Database, token: str | None, now: datetime) -> Principal | None:
    """The live token's holder, or None for no token or an unknown, expired or revoked one."""
    if not token or not token.strip():
        return None
    with database.session() as session:
        return verify_token(session, token.strip(), now)
