"""Actions and escalations of the daily call (SPEC §6; ledger.actions): made, changed (each
change a new version), listed as they stood at an instant, and each one's history.

The coordinator may do everything; a partner may read every action (patient ids of its scope
only) and make and change the actions its organisation owns. Every write is audited with the
action's id, every read with the patient ids it returned, and every refusal.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request

from access import audit
from access.principal import Principal
from access.scope import Scope, ScopeMissing, patient_scope, scope_target
from api.auth import audit_refusal, client_of, require_patients
from api.deps import DatabaseDep, JsonBody
from api.errors import ApiError
from api.routers.coordinator import AS_OF, parse_as_of
from api.schemas.actions import ActionOut
from api.schemas.errors import ASKED, SENT, SIGNED_IN, error_answers
from ledger import actions
from ledger.actions import ActionChange, ActionIn, ActionRefused
from ledger.text import NOT_NHS_NUMBER
from models.clock import utc_now

router = APIRouter(tags=["actions"], responses=SIGNED_IN)


def _reader(action: str, asked: str | None = None) -> Any:
    return require_patients(action, asked, permission="actions:read")


def _writer(action: str, asked: str | None = None) -> Any:
    return require_patients(action, asked, permission="actions:write")


ActionId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The action's id.")]


def _scope(principal: Principal) -> Scope:
    """The organisation or local authority a partner reads and writes for; None: everyone."""
    try:
        return patient_scope(principal)
    except ScopeMissing as missing:
        raise ApiError(403, str(missing)) from missing


def _refused(
    db: Any,
    principal: Principal,
    request: Request,
    action: str,
    refusal: ActionRefused,
    target: str | None,
) -> ApiError:
    """The refusal as an API error, written to the audit log first."""
    audit_refusal(
        db,
        principal,
        request,
        action,
        status=refusal.status,
        target=target,
        reason=f"{refusal.field}: {refusal.message}",
    )
    return ApiError(refusal.status, refusal.message, field=refusal.field)


@router.post("/actions", status_code=201, response_model=ActionOut, responses=SENT)
def post_action(
    body: ActionIn,
    request: Request,
    db: DatabaseDep,
    principal: Annotated[Principal, _writer("action.create")],
    _json: JsonBody,
) -> dict[str, Any]:
    """Make an action, owned by `organisation_code`, due on `due`: it starts `open`, as
    version 1. A partner makes only actions its organisation owns, about patients of its scope.
    Titles and notes holding an NHS number are refused."""
    owner = _scope(principal)
    now = utc_now()
    try:
        with db.session(write=True) as session:
            written = actions.create_action(
                session, body, now=now, by=principal.token_id, owner=owner
            )
            (shown,) = actions.for_reader(session.connection(), [written.action], owner)
            audit.record(
                session,
                principal,
                "action.create",
                now=now,
                client=client_of(request),
                target=str(shown["id"]),
                detail=_written_detail(shown, written.changed),
            )
    except ActionRefused as refusal:
        raise _refused(db, principal, request, "action.create", refusal, body.patient_id) from None
    return shown


@router.patch("/actions/{action_id}", response_model=ActionOut, responses=error_answers(404) | SENT)
def patch_action(
    action_id: ActionId,
    body: ActionChange,
    request: Request,
    db: DatabaseDep,
    principal: Annotated[Principal, _writer("action.change", asked="action_id")],
    _json: JsonBody,
) -> dict[str, Any]:
    """Change any of an action's `status` (open, escalated, done), `organisation_code`, `due`
    and `note` (null clears it): a new version, the earlier ones kept. A change that changes
    nothing makes no version. A partner changes only actions its organisation owns, and keeps
    them its own."""
    owner = _scope(principal)
    now = utc_now()
    try:
        with db.session(write=True) as session:
            written = actions.change_action(
                session, action_id, body, now=now, by=principal.token_id, owner=owner
            )
            (shown,) = actions.for_reader(session.connection(), [written.action], owner)
            audit.record(
                session,
                principal,
                "action.change",
                now=now,
                client=client_of(request),
                target=str(action_id),
                detail=_written_detail(written.action, written.changed),
            )
    except ActionRefused as refusal:
        raise _refused(db, principal, request, "action.change", refusal, str(action_id)) from None
    return shown


@router.get("/actions", response_model=list[ActionOut], responses=ASKED)
def get_actions(
    request: Request,
    db: DatabaseDep,
    principal: Annotated[Principal, _reader("actions.read")],
    status: Annotated[
        Literal["open", "escalated", "done"] | None, Query(description="Only this status")
    ] = None,
    organisation: Annotated[
        str | None, Query(description="Only actions this organisation owns"), NOT_NHS_NUMBER
    ] = None,
    as_of: Annotated[str | None, AS_OF] = None,
) -> list[dict[str, Any]]:
    """The actions as they stood at `as_of` (default now): each one's latest version at or
    before it (an action made later is absent), by due date. `patient_id` for the coordinator;
    for a partner only on actions its organisation owns or about a patient in its scope.
    Audited with the patient ids returned."""
    scope = _scope(principal)
    now = utc_now()
    at = parse_as_of(as_of, now)
    with db.session(write=True) as session:
        connection = session.connection()
        found = actions.actions_at(connection, at, status=status, organisation=organisation or None)
        shown = actions.for_reader(connection, found, scope)
        detail = {
            "as_of": at.isoformat(),
            "status": status,
            "organisation": organisation or None,
            "scope": scope,
            "count": len(shown),
            "action_ids": [a["id"] for a in shown],
            "patient_ids": sorted({a["patient_id"] for a in shown if a["patient_id"]}),
        }
        audit.record(
            session,
            principal,
            "actions.read",
            now=now,
            client=client_of(request),
            target=scope_target(principal, scope),
            detail=detail,
        )
    return shown


@router.get(
    "/actions/{action_id}/history",
    response_model=list[ActionOut],
    responses=error_answers(404) | ASKED,
)
def get_action_history(
    action_id: ActionId,
    request: Request,
    db: DatabaseDep,
    principal: Annotated[Principal, _reader("action.history", asked="action_id")],
) -> list[dict[str, Any]]:
    """Every version of an action, oldest first: how it stood from each version's
    `updated_at`. The patient id as in the list. Audited with the patient id returned."""
    scope = _scope(principal)
    now = utc_now()
    with db.session(write=True) as session:
        connection = session.connection()
        versions = actions.history(connection, action_id)
        # Visibility follows the action as it stands now (its owner may have changed); another
        # system's action is as unknown to a system-scoped token as one never made.
        seen = actions.for_reader(connection, versions[-1:], scope) if versions else []
        if not seen:
            versions = None
        if versions is not None:
            (latest,) = seen
            shown = [
                v | {"about_patient": latest["about_patient"], "patient_id": latest["patient_id"]}
                for v in versions
            ]
            patient = latest["patient_id"]
            audit.record(
                session,
                principal,
                "action.history",
                now=now,
                client=client_of(request),
                target=str(action_id),
                detail={"versions": len(shown), "patient_ids": [patient] if patient else []},
            )
    if versions is None:
        refusal = ActionRefused(404, "action_id", f"no action {action_id}")
        raise _refused(db, principal, request, "action.history", refusal, str(action_id))
    return shown


def _written_detail(action: dict[str, Any], changed: list[str]) -> dict[str, Any]:
    """What the audit keeps of a write: ids, codes and the fields changed, never the text."""
    return {
        "action_id": action["id"],
        "version": action["version"],
        "changed": changed,
        "status": action["status"],
        "organisation_code": action["organisation_code"],
        "due": action["due"].isoformat(),
        "patient_ids": [action["patient_id"]] if action["patient_id"] else [],
    }
