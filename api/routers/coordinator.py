"""The coordinator's views (SPEC §1, §6): the snapshot at an instant, and who is ready to leave.

The snapshot is aggregates only (a wall display may read it); the list of people ready to leave
is patient-level: coordinators and admins see everyone, a partner only the people of its scope,
and every call is written to the audit log.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from access.scope import ScopeMissing
from access.tokens import Principal
from api.auth import require
from api.deps import DatabaseDep
from api.errors import ApiError
from api.schemas.errors import ASKED, SIGNED_IN
from ledger.text import NOT_NHS_NUMBER
from metrics import sources
from metrics.ready_list import SORT_FIELDS, ReadyListError, ReadyQuestion, read_ready_list
from metrics.snapshot import snapshot
from models.clock import instant_out_of_range, to_utc_naive, utc_now

router = APIRouter(tags=["coordinator"], responses=SIGNED_IN)

FUTURE_TOLERANCE = timedelta(minutes=5)
AS_OF = Query(
    description="An instant in ISO 8601 with its UTC offset, e.g. 2025-07-01T08:00:00+01:00 "
    "(encode + as %2B); default now."
)
_SPACED_OFFSET = re.compile(r" (\d{2}(?::?\d{2})?)$")


def parse_as_of(raw: str | None, now: datetime) -> datetime:
    """The instant asked for, as naive UTC; `now` when none is given.

    A '+' of the offset sent unencoded arrives as a space and is read as the '+' it was.
    Refused (422, field as_of): not ISO 8601, no offset, outside 2000-01-01 … 2100-12-31, or
    more than 5 minutes after now.
    """
    if raw is None or not raw.strip():
        return now
    text = _SPACED_OFFSET.sub(r"+\1", raw.strip())
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as error:
        raise ApiError(422, f"{raw!r} is not an ISO 8601 date and time", field="as_of") from error
    if parsed.tzinfo is None:
        raise ApiError(422, "needs a UTC offset, e.g. +00:00 or Z", field="as_of")
    problem = instant_out_of_range(parsed)  # before converting: the ends of the calendar overflow
    if problem:
        raise ApiError(422, problem, field="as_of")
    at = to_utc_naive(parsed)
    if at > now + FUTURE_TOLERANCE:
        raise ApiError(422, "is more than 5 minutes in the future", field="as_of")
    return at


@router.get("/snapshot", responses=ASKED)
def get_snapshot(
    db: DatabaseDep,
    _reader: Annotated[Principal, require("aggregates:read")],
    as_of: Annotated[str | None, AS_OF] = None,
    organisation: Annotated[
        str | None, Query(description="Only this organisation"), NOT_NHS_NUMBER
    ] = None,
) -> dict[str, Any]:
    """Where the system is at `as_of` and 24 hours earlier: acute inpatients, people ready to
    leave (by pathway, site, local authority, band and reason), stranded patients, and each D2A
    service's capacity, occupancy, free places and queue. No patient-level data."""
    at = parse_as_of(as_of, utc_now())
    organisation = organisation or None
    with db.session() as session:
        connection = session.connection()
        if organisation is not None and not sources.organisation_exists(connection, organisation):
            raise ApiError(422, f"{organisation!r} has no units", field="organisation")
        return snapshot(connection, as_of=at, organisation=organisation)


@router.get("/patients/ready", responses=ASKED)
def get_ready_patients(
    db: DatabaseDep,
    principal: Annotated[Principal, require("patients:read")],
    as_of: Annotated[str | None, AS_OF] = None,
    sort: Annotated[str, Query(description=", ".join(SORT_FIELDS))] = "days_waiting",
    order: Annotated[
        Literal["asc", "desc"] | None,
        Query(description="Default desc for days_waiting and los_days, asc otherwise"),
    ] = None,
    pathway: Annotated[str | None, Query(description="0, 1, 2, 3 or unknown")] = None,
    organisation: Annotated[str | None, Query(description="Site at as_of"), NOT_NHS_NUMBER] = None,
    local_authority: Annotated[str | None, Query(), NOT_NHS_NUMBER] = None,
) -> dict[str, Any]:
    """People ready to leave acute beds at `as_of`: local patient id, unit, site, planned
    pathway, discharge ready date, days waiting, current reason, length of stay. A partner sees
    only the people of its organisation or local authority. Every call is audited."""
    now = utc_now()
    at = parse_as_of(as_of, now)
    question = ReadyQuestion(at, sort, order, pathway, organisation, local_authority)
    try:
        with db.session(write=True) as session:
            patients = read_ready_list(session, principal, question, now=now)
    except ReadyListError as error:
        raise ApiError(422, error.message, field=error.field) from error
    except ScopeMissing as error:
        raise ApiError(403, str(error)) from error
    return {"as_of": at.isoformat() + "Z", "patients": patients, "count": len(patients)}
