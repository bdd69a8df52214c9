"""Bearer-token authentication, slowed after repeated failures, and the dependencies that check
a permission of the role table (access.roles).

A failure (no token, or an unknown, expired or revoked one) is logged with the client's address
and counted (access.throttle); a client with too many recent failures is answered 429 with
Retry-After, before its token is even looked at. Refusals of patient-level reads are audited.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from access import audit
from access.principal import Principal
from access.roles import holds, roles_holding
from access.scope import OutsideScope, ScopeMissing, figure_scope, patient_scope
from access.throttle import for_state
from access.tokens import verify_token
from api.deps import DatabaseDep
from api.errors import ApiError
from models.clock import utc_now

_bearer = HTTPBearer(auto_error=False, description="A token from `d2a token create`.")


def client_of(request: Request) -> str:
    """The caller's address, as the server saw it."""
    return request.client.host if request.client else "unknown"


def authenticate(
    request: Request,
    db: DatabaseDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    failures = for_state(request.app.state)
    client = client_of(request)
    wait = failures.retry_after(client)
    if wait is not None:
        message = f"too many failed authentications from this address: try again in {wait} s"
        raise ApiError(429, message, field="Authorization", headers={"Retry-After": str(wait)})
    if credentials is None or credentials.scheme.lower() != "bearer":
        failures.failed(client, f"no bearer token ({request.method} {request.url.path})")
        raise ApiError(401, "missing bearer token", field="Authorization")
    with db.session(primary=True) as session:
        principal = verify_token(session, credentials.credentials, utc_now())
    if principal is None:
        failures.failed(
            client, f"unknown, expired or revoked token ({request.method} {request.url.path})"
        )
        raise ApiError(401, "unknown, expired or revoked token", field="Authorization")
    request.state.principal = principal
    return principal


def scoped_organisation(principal: Principal, organisation: str | None) -> str | None:
    """The organisation filter of a question about figures: a system-scoped token's system
    unless it names its system or one of its organisations (access.scope.figure_scope); 403
    for any other."""
    try:
        return figure_scope(principal, organisation)
    except OutsideScope as outside:
        raise ApiError(403, str(outside), field="organisation") from outside


def refused(principal: Principal, permission: str) -> ApiError:
    allowed = ", ".join(roles_holding(permission))
    return ApiError(
        403, f"the {principal.role} role may not do this ({permission}: {allowed} only)"
    )


def require(permission: str) -> Any:
    """A dependency that lets through only roles holding `permission`."""

    def check(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        if not holds(principal, permission):
            raise refused(principal, permission)
        return principal

    return Depends(check)


def audit_refusal(
    db: Any,
    principal: Principal,
    request: Request,
    action: str,
    *,
    status: int,
    target: str | None,
    reason: str,
) -> None:
    """Writes the refusal of a patient-level read (`action`.refused) in its own transaction, so
    it stays when the request then fails."""
    with db.session(write=True) as session:
        audit.record(
            session,
            principal,
            f"{action}.refused",
            now=utc_now(),
            client=client_of(request),
            target=target,
            detail={"status": status, "reason": reason, "path": request.url.path},
        )


def require_patients(
    action: str, asked: str | None = None, permission: str = "patients:read"
) -> Any:
    """A dependency for patient-level reads: patients:read, or another `permission` that
    reaches patients (a partner with its scope). A refusal (403) is audited as
    `action`.refused with the id asked for (the path parameter `asked`)."""

    def check(
        request: Request,
        db: DatabaseDep,
        principal: Annotated[Principal, Depends(authenticate)],
    ) -> Principal:
        if holds(principal, permission):
            try:
                patient_scope(principal)
                return principal
            except ScopeMissing as missing:
                error = ApiError(403, str(missing))
        else:
            error = refused(principal, permission)
        target = request.path_params.get(asked) if asked else None
        reason = str(error)
        audit_refusal(db, principal, request, action, status=403, target=target, reason=reason)
        raise error

    return Depends(check)
