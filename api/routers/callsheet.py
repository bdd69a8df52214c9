"""The call sheet (metrics.callsheet): the Today position at an instant in one document, as
JSON or XLSX, for the roles with patient-level access (a partner: its scope's patients).
Every sheet made is audited with the patient ids it holds, and every refusal."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from access.principal import Principal
from api.auth import audit_refusal, client_of, require_patients
from api.deps import DatabaseDep
from api.errors import ApiError
from api.routers.coordinator import AS_OF, parse_as_of
from api.schemas.errors import ASKED, SIGNED_IN
from metrics.callsheet import callsheet_xlsx, filename, read_callsheet
from models.clock import utc_now

router = APIRouter(tags=["coordinator"], responses=SIGNED_IN)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/callsheet", response_model=None, responses=ASKED)
def get_callsheet(
    request: Request,
    db: DatabaseDep,
    principal: Annotated[Principal, require_patients("callsheet.read")],
    as_of: Annotated[str | None, AS_OF] = None,
    format: Annotated[Literal["json", "xlsx"], Query(description="json or xlsx")] = "json",
) -> dict[str, Any] | Response:
    """The daily call's sheet at `as_of` (default now): the snapshot's headline figures, each
    D2A pathway's capacity status, the long waiters (ready 7 days or more), the actions due
    that day or overdue by owner organisation, and the changes of the 24 hours before. As XLSX:
    one sheet per part and a front sheet saying what it is, when, and for whom. A partner's
    holds only its scope's patients. Audited with the patient ids it holds."""
    now = utc_now()
    try:
        at = parse_as_of(as_of, now)
    except ApiError as refusal:
        reason = refusal.errors[0]
        audit_refusal(
            db,
            principal,
            request,
            "callsheet.read",
            status=refusal.status,
            target=None,
            reason=f"{reason['field']}: {reason['message']}",
        )
        raise
    with db.session(write=True) as session:
        sheet = read_callsheet(
            session, principal, at, now=now, format=format, client=client_of(request)
        )
    if format == "xlsx":
        headers = {"Content-Disposition": f'attachment; filename="{filename(sheet)}"'}
        return Response(callsheet_xlsx(sheet), media_type=XLSX, headers=headers)
    return sheet
