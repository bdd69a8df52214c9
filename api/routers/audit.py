"""GET /api/v1/audit (audit:read, the admin): the audit log, newest first, a page at a time."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from access import audit
from access.principal import Principal
from api.auth import client_of, require
from api.deps import DatabaseDep
from api.errors import ApiError
from api.schemas.errors import ASKED, SIGNED_IN
from models.clock import LONDON, to_utc_naive, utc_now

router = APIRouter(tags=["audit"], responses=SIGNED_IN)

EARLIEST, LATEST = datetime(2000, 1, 1, tzinfo=UTC), datetime(2101, 1, 1, tzinfo=UTC)
_SPACED_OFFSET = re.compile(r" (\d{2}(?::?\d{2})?)$")
INSTANT = (
    "An ISO 8601 instant with its offset (e.g. 2026-12-01T08:00:00Z; encode + as %2B), or a "
    "date, meaning its start in UK local time"
)
COLUMNS = ("id", "at", "actor", "role", "client", "action", "target", "detail")


def parse_instant(raw: str | None, field: str) -> datetime | None:
    """A query's instant as naive UTC; a date alone is its local (Europe/London) midnight.
    Refused (422, naming `field`): neither, no offset, or outside 2000-01-01 … 2100-12-31."""
    if raw is None or not raw.strip():
        return None
    text = _SPACED_OFFSET.sub(r"+\1", raw.strip())
    try:
        if len(text) == 10:
            parsed = datetime.combine(date.fromisoformat(text), time(0), tzinfo=LONDON)
        else:
            parsed = datetime.fromisoformat(text)
    except ValueError as error:
        message = f"{raw!r} is not an ISO 8601 date or date and time"
        raise ApiError(422, message, field=field) from error
    if parsed.tzinfo is None:
        raise ApiError(422, "needs a UTC offset, e.g. +00:00 or Z", field=field)
    if not EARLIEST <= parsed < LATEST:
        raise ApiError(422, "must be from 2000-01-01 to 2100-12-31", field=field)
    return to_utc_naive(parsed)


def parse_actor(raw: str | None) -> int | str | None:
    """'cli', or a token's id."""
    if raw is None or not raw.strip():
        return None
    if raw.strip().lower() == audit.CLI:
        return audit.CLI
    if raw.strip().isdigit() and 1 <= int(raw) < 2**31:
        return int(raw)
    raise ApiError(422, "must be 'cli' or a token id", field="actor")


@router.get("/audit", response_model=None, responses=ASKED)
def get_audit(
    request: Request,
    db: DatabaseDep,
    principal: Annotated[Principal, require("audit:read")],
    since: Annotated[str | None, Query(description=INSTANT + "; inclusive")] = None,
    until: Annotated[str | None, Query(description=INSTANT + "; exclusive")] = None,
    actor: Annotated[str | None, Query(description="'cli' or a token id")] = None,
    action: Annotated[
        str | None,
        Query(max_length=40, pattern=r"^[a-z_.]+$", description="e.g. patient.timeline"),
    ] = None,
    before: Annotated[
        int | None,
        Query(ge=1, le=2**63 - 1, description="Entries older than this id: the next page"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=audit.PAGE_LIMIT)] = 1000,
    format: Literal["json", "csv"] = "json",
) -> dict[str, Any] | Response:
    """Audit entries, newest first: who (a token id, or `cli`), when, from where, what and the
    ids concerned. At most `limit`; `next_before` (JSON) or the `X-Next-Before` header (CSV)
    asks for the next page. Reading the log is itself audited."""
    question = audit.AuditQuery(
        since=parse_instant(since, "since"),
        until=parse_instant(until, "until"),
        actor=parse_actor(actor),
        action=action or None,
        before=before,
        limit=limit,
    )
    now = utc_now()
    with db.session(write=True) as session:
        entries, next_before = audit.read(session, question)
        detail = {k: v for k, v in question.__dict__.items() if v is not None}
        audit.record(
            session,
            principal,
            "audit.read",
            now=now,
            client=client_of(request),
            detail=detail | {"count": len(entries), "format": format},
        )
    if format == "csv":
        headers = {"Content-Disposition": 'attachment; filename="audit.csv"'}
        if next_before is not None:
            headers["X-Next-Before"] = str(next_before)
        return Response(_csv(entries), media_type="text/csv; charset=utf-8", headers=headers)
    return {"entries": entries, "count": len(entries), "next_before": next_before}


def _csv(entries: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for entry in entries:
        row = entry | {"detail": audit.detail_text(entry["detail"])}
        writer.writerow([row[c] for c in COLUMNS])
    return out.getvalue().encode("utf-8")
