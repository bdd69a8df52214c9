"""API tokens: random secrets shown once, stored as SHA-256 hashes, expirable and revocable."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from access.principal import Principal
from access.roles import ROLES
from models import ApiToken

TOKEN_PREFIX = "d2a_"
DEFAULT_EXPIRY_DAYS = 365


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    session: Session,
    *,
    role: str,
    now: datetime,
    scope: str | None = None,
    name: str | None = None,
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Stores a new token's hash and returns the row and the token (never stored). Without
    `expires_at`, it expires DEFAULT_EXPIRY_DAYS from `now`."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if role == "partner" and not scope:
        raise ValueError("a partner token needs a scope (an organisation or local authority code)")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        name=name or role,
        role=role,
        scope=scope,
        token_hash=hash_token(token),
        created_at=now,
        expires_at=expires_at or now + timedelta(days=DEFAULT_EXPIRY_DAYS),
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
    return Principal(token_id=row.id, role=row.role, scope=row.scope, name=row.name)


def revoke_token(session: Session, token_id: int, now: datetime) -> bool:
    row = session.get(ApiToken, token_id)
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = now
    session.flush()
    return True


def list_tokens(session: Session) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).order_by(ApiToken.id)))
