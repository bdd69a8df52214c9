"""Pseudonyms at the door (SPEC §9): a feed's local patient id (the trust's MRN) is replaced by
a keyed hash before anything is stored, the same for HL7 v2 messages and readiness lists of
the feed, so the local id itself is never kept anywhere."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Base, DeploymentSecret
from models.clock import utc_now
from store.dialect.sql import insert_or_ignore

KEY_NAME = "pseudonym_key"
PREFIX = "ps-"  # 3 + 32 hex characters: never 10 digits, so never taken for an NHS number


def pseudonym(key: bytes, feed_code: str, local_id: str) -> str:
    """The patient id of `local_id` from feed `feed_code`: HMAC-SHA-256 under the deployment's
    key, 128 bits of it in hex. Without the key, it cannot be turned back or recomputed."""
    message = f"{feed_code}\x1f{local_id.strip()}".encode()
    return PREFIX + hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def pseudonym_key(session: Session, configured: str) -> bytes:
    """The key: the configured one (D2A_PSEUDONYM_KEY), else the deployment's own, made and
    kept on first use (two processes making it at once keep the first)."""
    if configured:
        return configured.encode()
    table = Base.metadata.tables[DeploymentSecret.__tablename__]
    stored = session.scalar(select(table.c.value).where(table.c.name == KEY_NAME))
    if stored is None:
        made = {"name": KEY_NAME, "value": secrets.token_hex(32), "created_at": utc_now()}
        session.execute(insert_or_ignore(session, table, ["name"]).values(**made))
        stored = session.scalar(select(table.c.value).where(table.c.name == KEY_NAME))
    return str(stored).encode()
