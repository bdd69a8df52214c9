"""Bearer-token authentication, and the dependency that checks a permission of the role table
(access.roles)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from access.roles import PERMISSIONS
from access.tokens import Principal, verify_token
from api.deps import DatabaseDep
from api.errors import ApiError
from models.clock import utc_now

_bearer = HTTPBearer(auto_error=False, description="A token from `d2a token create`.")


def authenticate(
    request: Request,
    db: DatabaseDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise ApiError(401, "missing bearer token", field="Authorization")
    with db.session() as session:
        principal = verify_token(session, credentials.credentials, utc_now())
    if principal is None:
        raise ApiError(401, "unknown, expired or revoked token", field="Authorization")
    request.state.principal = principal
    return principal


def require(permission: str) -> object:
    """A dependency that lets through only roles holding `permission`."""

    def check(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        if principal.role not in PERMISSIONS[permission]:
            raise ApiError(403, f"the {principal.role} role may not do this ({permission})")
        return principal

    return Depends(check)
