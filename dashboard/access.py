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

from api.auth import PERMISSIONS
from api.database import Database
from api.services.tokens import Principal, verify_token

WALL_ONLY_ROLES = frozenset({"display"})


def principal_for(database: Database, token: str | None, now: datetime) -> Principal | None:
    """The live token's holder, or None for no token or an unknown, expired or revoked one."""
    if not token or not token.strip():
        return None
    with database.session() as session:
        return verify_token(session, token.strip(), now)


def may_read_aggregates(principal: Principal | None) -> bool:
    """The Today, Trends and Explore pages' figures."""
    if principal is None or principal.role in WALL_ONLY_ROLES:
        return False
    return principal.role in PERMISSIONS["aggregates:read"]


def may_read_patients(principal: Principal | None) -> bool:
    """The long-waiters list (by local patient id)."""
    return principal is not None and principal.role in PERMISSIONS["patients:read"]


def may_read_wall(principal: Principal | None) -> bool:
    """The wall screen: aggregates only, the display role included."""
    return principal is not None and principal.role in PERMISSIONS["aggregates:read"]


def patient_scope(principal: Principal) -> str | None:
    """The organisation or local authority a partner is limited to; None sees everyone."""
    return principal.scope if principal.role == "partner" else None
