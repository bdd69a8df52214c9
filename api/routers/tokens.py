"""Token administration (admin only); the secret is shown once, at creation."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from access import audit
from access.tokens import Principal, create_token, list_tokens, revoke_token
from api.auth import require
from api.deps import DatabaseDep, JsonBody
from api.errors import ApiError
from api.schemas.errors import ASKED, SENT, SIGNED_IN, error_answers
from api.schemas.times import StoredTime
from ledger.text import Id64, Name100
from ledger.times import Instant
from models.clock import to_utc_naive, utc_now

router = APIRouter(tags=["tokens"], responses=SIGNED_IN)


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["admin", "coordinator", "partner", "analyst", "board", "display", "feed"]
    scope: Id64 | None = None
    name: Name100 | None = None
    expires_at: Instant | None = Field(
        default=None, description="ISO 8601 with an offset, from 2000-01-01 to 2100-12-31"
    )


class TokenOut(BaseModel):
    id: int
    name: str
    role: str
    scope: str | None
    created_at: StoredTime
    expires_at: StoredTime | None
    revoked_at: StoredTime | None


class NewToken(TokenOut):
    token: str


@router.post("/tokens", response_model=NewToken, status_code=201, responses=SENT)
def post_token(
    body: TokenIn,
    db: DatabaseDep,
    principal: Annotated[Principal, require("tokens:manage")],
    _json: JsonBody,
) -> NewToken:
    """Create a token; its secret is in this answer and nowhere else."""
    now = utc_now()
    expires = to_utc_naive(body.expires_at) if body.expires_at else None
    with db.session(write=True) as session:
        try:
            row, token = create_token(
                session,
                role=body.role,
                scope=body.scope,
                name=body.name,
                now=now,
                expires_at=expires,
            )
        except ValueError as exc:
            raise ApiError(422, str(exc), field="scope") from exc
        audit.record(
            session,
            principal,
            "token.create",
            now=now,
            target=str(row.id),
            detail={"role": row.role},
        )
        out = TokenOut.model_validate(row, from_attributes=True)
    return NewToken(**out.model_dump(), token=token)


@router.get("/tokens", response_model=list[TokenOut])
def get_tokens(
    db: DatabaseDep, _principal: Annotated[Principal, require("tokens:manage")]
) -> list[TokenOut]:
    """All tokens, without their secrets."""
    with db.session() as session:
        return [TokenOut.model_validate(t, from_attributes=True) for t in list_tokens(session)]


@router.delete("/tokens/{token_id}", status_code=204, responses=error_answers(404) | ASKED)
def delete_token(
    token_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    db: DatabaseDep,
    principal: Annotated[Principal, require("tokens:manage")],
) -> None:
    """Revoke a token."""
    now = utc_now()
    with db.session(write=True) as session:
        if not revoke_token(session, token_id, now):
            raise ApiError(404, "no such live token", field="token_id")
        audit.record(session, principal, "token.revoke", now=now, target=str(token_id))
