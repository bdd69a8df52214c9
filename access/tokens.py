"""API tokens: random secrets shown once, stored as SHA-256 hashes, expiring and revocable.

A token expires DEFAULT_EXPIRY_DAYS after it is made unless told otherwise, never later than
MAX_EXPIRY_DAYS. Partner and feed tokens need a scope that exists (access.roles.SCOPED_ROLES):
an organisation code, or for a partner also a local authority seen on a stay; other roles take
none. A token made before expiry was required may have none (it then never expires).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from access.principal import Principal
from access.roles import ROLES, SCOPED_ROLES, SYSTEM_SCOPED_ROLES
from models import ApiToken, CareSystem, Organisation, Spell
from models.clock import local_date
from models.reference import members_on

TOKEN_PREFIX = "d2a_"
DEFAULT_EXPIRY_DAYS = 365
MAX_EXPIRY_DAYS = 3650

__all__ = ["Principal", "TokenRefused", "create_token", "verify_token", "revoke_token"]


class TokenRefused(ValueError):
    """A token that may not be made; `field` names what is wrong (API: 422)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def expiry(
    now: datetime, expires_at: datetime | None = None, expires_days: int | None = None
) -> datetime:
    """When a token made at `now` expires (naive UTC): `expires_at`, or `expires_days` from
    now, or DEFAULT_EXPIRY_DAYS from now. Raises TokenRefused for both at once, a time not
    after now, or one more than MAX_EXPIRY_DAYS away."""
    if expires_at is not None and expires_days is not None:
        raise TokenRefused("expires_days", "give expires_at or expires_days, not both")
    if expires_days is not None:
        if not 1 <= expires_days <= MAX_EXPIRY_DAYS:
            raise TokenRefused("expires_days", f"must be from 1 to {MAX_EXPIRY_DAYS} days")
        return now + timedelta(days=expires_days)
    if expires_at is None:
        return now + timedelta(days=DEFAULT_EXPIRY_DAYS)
    if expires_at <= now:
        raise TokenRefused("expires_at", "is already past: a token must expire in the future")
    if expires_at > now + timedelta(days=MAX_EXPIRY_DAYS):
        raise TokenRefused("expires_at", f"is more than {MAX_EXPIRY_DAYS} days away")
    return expires_at


def check_scope(session: Session, role: str, scope: str | None) -> None:
    """Raises TokenRefused unless `scope` suits `role` (the module's text)."""
    if role not in ROLES:
        raise TokenRefused("role", f"must be one of {', '.join(ROLES)}")
    wanted = SCOPED_ROLES.get(role)
    if wanted is None and role in SYSTEM_SCOPED_ROLES:
        if scope is not None and session.get(CareSystem, scope) is None:
            message = f"{scope!r} is not a system (ICB code) known here: PUT /api/v1/systems first"
            raise TokenRefused("scope", message)
        return
    if wanted is None:
        if scope is not None:
            scoped = ", ".join([*SCOPED_ROLES, *SYSTEM_SCOPED_ROLES])
            raise TokenRefused("scope", f"only {scoped} tokens have a scope")
        return
    if not scope:
        raise TokenRefused("scope", f"a {role} token needs a scope: {wanted}")
    if session.get(Organisation, scope) is not None:
        return
    if role == "partner":
        seen = select(Spell.spell_id).where(Spell.local_authority == scope).limit(1)
        if session.scalar(seen) is not None:
            return
    raise TokenRefused("scope", f"{scope!r} is not {wanted} known here")


def create_token(
    session: Session,
    *,
    role: str,
    now: datetime,
    scope: str | None = None,
    name: str | None = None,
    expires_at: datetime | None = None,
    expires_days: int | None = None,
) -> tuple[ApiToken, str]:
    """Stores a new token's hash and returns the row and the token (never stored). Raises
    TokenRefused, storing nothing, for a role, scope or expiry that may not be."""
    check_scope(session, role, scope)
    until = expiry(now, expires_at, expires_days)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        name=name or role,
        role=role,
        scope=scope,
        token_hash=hash_token(token),
        created_at=now,
        expires_at=until,
    )
    session.add(row)
    session.flush()
    return row, token


def verify_token(session: Session, token: str, now: datetime) -> Principal | None:
    """The principal for a live token, or None for an unknown, expired or revoked one."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if row is None or row.revoked_at is not None:
        return None
    if row.expires_at is not None and row.expires_at <= now:
        return None
    members: tuple[str, ...] = ()
    if row.scope is not None and row.role in SYSTEM_SCOPED_ROLES:
        members = members_on(session.connection(), row.scope, local_date(now))
    return Principal(
        token_id=row.id, role=row.role, scope=row.scope, name=row.name, members=members
    )


def revoke_token(session: Session, token_id: int, now: datetime) -> bool:
    """Revokes a live token; False when there is no such token or it is already revoked."""
    row = session.get(ApiToken, token_id)
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = now
    session.flush()
    return True


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).order_by(ApiToken.id)))


def token_state(row: ApiToken, now: datetime) -> str:
    """live, expired or revoked."""
    if row.revoked_at is not None:
        return "revoked"
    if row.expires_at is not None and row.expires_at <= now:
        return "expired"
    return "live"
