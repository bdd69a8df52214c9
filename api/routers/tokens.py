"""Token administration (tokens:manage); the secret is shown once, at creation."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from access import audit
from access.principal import Principal
from access.roles import ROLES, SCOPED_ROLES
from access.tokens import (
    DEFAULT_EXPIRY_DAYS,
    MAX_EXPIRY_DAYS,
    TokenRefused,
    create_token,
    list_tokens,
    revoke_token,
    token_state,
)
from api.auth import client_of, require
from api.deps import DatabaseDep, JsonBody
from api.errors import ApiError
from api.schemas.errors import ASKED, SENT, SIGNED_IN, error_answers
from api.schemas.times import StoredTime
from ledger.text import Id64, Name100
from ledger.times import Instant
from models import ApiToken
from models.clock import to_utc_naive, utc_now

router = APIRouter(tags=["tokens"], responses=SIGNED_IN)


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: str = Field(json_schema_extra={"enum": list(ROLES)})
    scope: Id64 | None = Field(
        default=None,
        description="Required for "
        + "; ".join(f"{role}: {what}" for role, what in SCOPED_ROLES.items())
        + "; refused for other roles.",
    )
    name: Name100 | None = None
    expires_at: Instant | None = Field(
        default=None,
        description="ISO 8601 with an offset, from 2000-01-01 to 2100-12-31; or expires_days",
    )
    expires_days: int | None = Field(
        default=None,
        description=f"Days until it expires (1–{MAX_EXPIRY_DAYS}); default {DEFAULT_EXPIRY_DAYS}.",
    )


class TokenOut(BaseModel):
    id: int
    name: str
    role: str
    scope: str | None
    created_at: StoredTime
    expires_at: StoredTime | None
    revoked_at: StoredTime | None
    state: str  # live, expired or revoked


class NewToken(TokenOut):
    token: str


def _expires_at(body: TokenIn) -> datetime | None:
    return None if body.expires_at is None else to_utc_naive(body.expires_at)


@router.post("/tokens", response_model=NewToken, status_code=201, responses=SENT)
def post_token(
    body: TokenIn,
    request: Request,
    db: DatabaseDep,
    principal: Annotated[Principal, require("tokens:manage")],
    _json: JsonBody,
) -> NewToken:
    """Create a token; its secret is in this answer and nowhere else. It expires after
    `expires_days` days, at `expires_at`, or by default after 365 days."""
    now = utc_now()
    expires = _expires_at(body)
    with db.session(write=True) as session:
        try:
            row, token = create_token(
                session,
                role=body.role,
                scope=body.scope,
                name=body.name,
                now=now,
                expires_at=expires,
                expires_days=body.expires_days,
            )
        except TokenRefused as refusal:
            raise ApiError(422, refusal.message, field=refusal.field) from refusal
        audit.record(
            session,
            principal,
            "token.create",
            now=now,
            client=client_of(request),
            target=str(row.id),
            detail={"role": row.role, "scope": row.scope, "expires_at": row.expires_at},
        )
        out = _out(row, now)
    return NewToken(**out.model_dump(), token=token)


def _out(row: ApiToken, now: datetime) -> TokenOut:
    fields = {k: getattr(row, k) for k in TokenOut.model_fields if k != "state"}
    return TokenOut(**fields, state=token_state(row, now))


@router.get("/tokens", response_model=list[TokenOut])
def get_tokens(
    db: DatabaseDep, _principal: Annotated[Principal, require("tokens:manage")]
) -> list[TokenOut]:
    """All tokens, without their secrets."""
    now = utc_now()
    with db.session() as session:
        return [_out(t, now) for t in list_tokens(session)]


@router.delete("/tokens/{token_id}", status_code=204, responses=error_answers(404) | ASKED)
def delete_token(
    token_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    request: Request,
    db: DatabaseDep,
    principal: Annotated[Principal, require("tokens:manage")],
) -> None:
    """Revoke a token."""
    now = utc_now()
    with db.session(write=True) as session:
        if not revoke_token(session, token_id, now):
            raise ApiError(404, "no such live token", field="token_id")
        audit.record(
            session,
            principal,
            "token.revoke",
            now=now,
            client=client_of(request),
            target=str(token_id),
        )
