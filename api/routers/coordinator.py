"""The coordinator's views (SPEC §1, §6): the snapshot at an instant, and who is ready to leave.

The snapshot is aggregates only; a display token gets only the wall screen's figures of it
(metrics.wall: no unit, no site). The list of people ready to leave is patient-level: a
coordinator sees everyone, a partner only the people of its scope; every call is written to the
audit log, and so is every refusal.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Depends, Query, Request, Response

from access.principal import Principal
from access.roles import holds
from api.auth import (
    audit_refusal,
    authenticate,
    client_of,
    refused,
    require_patients,
    scoped_organisation,
)
from api.deps import DatabaseDep
from api.errors import ApiError
from api.schemas.errors import ASKED, SIGNED_IN
from ledger.text import NOT_NHS_NUMBER
from metrics.answer import organisation_filter
from metrics.changes import ChangesError, ChangesQuestion, read_changes
from metrics.metric import MetricQueryError
from metrics.ready_list import SORT_FIELDS, ReadyListError, ReadyQuestion, read_ready_list
from metrics.snapshot import snapshot
from metrics.wall import wall_figures
from models.clock import instant_out_of_range, local_date, to_utc_naive, utc_now

router = APIRouter(tags=["coordinator"], responses=SIGNED_IN)

FUTURE_TOLERANCE = timedelta(minutes=5)
AS_OF = Query(
    description="An instant in ISO 8601 with its UTC offset, e.g. 2025-07-01T08:00:00+01:00 "
    "(encode + as %2B); default now."
)
_SPACED_OFFSET = re.compile(r" (\d{2}(?::?\d{2})?)$")


def parse_as_of(raw: str | None, now: datetime, field: str = "as_of") -> datetime:
    """The instant asked for, as naive UTC; `now` when none is given.

    A '+' of the offset sent unencoded arrives as a space and is read as the '+' it was.
    Refused (422, naming `field`): not ISO 8601, no offset, outside 2000-01-01 … 2100-12-31, or
    more than 5 minutes after now.
    """
    if raw is None or not raw.strip():
        return now
    text = _SPACED_OFFSET.sub(r"+\1", raw.strip())
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as error:
        raise ApiError(422, f"{raw!r} is not an ISO 8601 date and time", field=field) from error
    if parsed.tzinfo is None:
        raise ApiError(422, "needs a UTC offset, e.g. +00:00 or Z", field=field)
    problem = instant_out_of_range(parsed)  # before converting: the ends of the calendar overflow
    if problem:
        raise ApiError(422, problem, field=field)
    at = to_utc_naive(parsed)
    if at > now + FUTURE_TOLERANCE:
        raise ApiError(422, "is more than 5 minutes in the future", field=field)
    return at


@router.get("/snapshot", responses=ASKED)
def get_snapshot(
    db: DatabaseDep,
    principal: Annotated[Principal, Depends(authenticate)],
    as_of: Annotated[str | None, AS_OF] = None,
    organisation: Annotated[
        str | None, Query(description="Only this organisation"), NOT_NHS_NUMBER
    ] = None,
) -> dict[str, Any]:
    """Where the system is at `as_of` and 24 hours earlier: acute inpatients, people ready to
    leave (by pathway, site, local authority, band and reason), stranded patients, each D2A
    service's capacity, occupancy, free places and queue, and `capacity_status`: each
    pathway's queue against its free places judged by its trigger levels (GET /triggers), and
    the system's level (the worst; null with `organisation`). No patient-level data. A display
    token gets the wall screen's figures only (by pathway, band and reason; no unit, no site)."""
    whole = holds(principal, "aggregates:read")
    if not whole and not holds(principal, "wall:read"):
        raise refused(principal, "aggregates:read")
    now = utc_now()
    at = parse_as_of(as_of, now)
    organisation = organisation or None
    if organisation is not None and not whole:
        message = f"the {principal.role} role reads the wall's figures only, of the whole system"
        raise ApiError(403, message, field="organisation")
    organisation = scoped_organisation(principal, organisation)
    with db.session() as session:
        connection = session.connection()
        try:
            orgs = organisation_filter(connection, organisation, local_date(at))
        except MetricQueryError as error:
            raise ApiError(422, error.message, field=error.field) from error
        system = organisation if isinstance(orgs, tuple) else None
        answer = snapshot(connection, as_of=at, organisation=orgs, system=system)
    return answer if whole else wall_figures(answer)


@router.get("/patients/ready", response_model=dict[str, Any], responses=ASKED)
def get_ready_patients(
    request: Request,
    db: DatabaseDep,
    principal: Annotated[Principal, require_patients("patients.ready")],
    as_of: Annotated[str | None, AS_OF] = None,
    sort: Annotated[str, Query(description=", ".join(SORT_FIELDS))] = "days_waiting",
    order: Annotated[
        Literal["asc", "desc"] | None,
        Query(description="Default desc for days_waiting and los_days, asc otherwise"),
    ] = None,
    pathway: Annotated[str | None, Query(description="0, 1, 2, 3 or unknown")] = None,
    organisation: Annotated[str | None, Query(description="Site at as_of"), NOT_NHS_NUMBER] = None,
    local_authority: Annotated[str | None, Query(), NOT_NHS_NUMBER] = None,
) -> Response:
    """People ready to leave acute beds at `as_of`: local patient id, unit, site, planned
    pathway, discharge ready date, days waiting, current reason, length of stay. A partner sees
    only the people of its organisation or local authority. Every call is audited, with the
    patient ids returned."""
    now = utc_now()
    try:
        at = parse_as_of(as_of, now)
        question = ReadyQuestion(at, sort, order, pathway, organisation, local_authority)
        with db.session(write=True) as session:
            patients = read_ready_list(
                session, principal, question, now=now, client=client_of(request)
            )
    except ReadyListError as error:
        refusal = ApiError(422, error.message, field=error.field)
    except ApiError as error:
        refusal = error
    else:
        # Plain JSON values already (metrics.ready_list.plain_row): serialised as they are,
        # not walked again by FastAPI's encoder, which took longer than reading the list.
        answer = {"as_of": at.isoformat() + "Z", "patients": patients, "count": len(patients)}
        return Response(orjson.dumps(answer), media_type="application/json")
    reason = refusal.errors[0]
    audit_refusal(
        db,
        principal,
        request,
        "patients.ready",
        status=refusal.status,
        target=None,
        reason=f"{reason['field']}: {reason['message']}",
    )
    raise refusal


@router.get("/patients/changes", responses=ASKED)
def get_changes(
    request: Request,
    db: DatabaseDep,
    principal: Annotated[Principal, require_patients("patients.changes")],
    since: Annotated[
        str | None,
        Query(
            description="An instant with its UTC offset, before as_of (at most 31 days); "
            "default 24 hours before as_of."
        ),
    ] = None,
    as_of: Annotated[str | None, AS_OF] = None,
) -> dict[str, Any]:
    """What changed between `since` and `as_of` for people in acute beds: who became ready,
    who left the ready list (discharged or readiness withdrawn), whose planned pathway or delay
    reason changed, and whose length of stay reached 7, 14 or 21 days; each with patient id,
    unit, site, from → to and when (ISO 8601, Z). A change counts when the position at `as_of`
    shows it and the position at `since` does not. A partner sees only its scope's people.
    Every call is audited, with the patient ids returned."""
    now = utc_now()
    try:
        at = parse_as_of(as_of, now)
        start = parse_as_of(since, now, field="since") if since and since.strip() else None
        with db.session(write=True) as session:
            question = ChangesQuestion(at, start)
            return read_changes(session, principal, question, now=now, client=client_of(request))
    except ChangesError as error:
        refusal = ApiError(422, error.message, field=error.field)
    except ApiError as error:
        refusal = error
    reason = refusal.errors[0]
    audit_refusal(
        db,
        principal,
        request,
        "patients.changes",
        status=refusal.status,
        target=None,
        reason=f"{reason['field']}: {reason['message']}",
    )
    raise refusal
