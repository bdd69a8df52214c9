"""POST /api/v1/events: the one way movements enter the record."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from access import audit
from access.principal import Principal
from api.auth import client_of, require
from api.deps import DatabaseDep
from api.errors import ApiError, error_response
from api.schemas.errors import SIGNED_IN, error_answers
from api.schemas.events import IngestAnswer
from ledger.events import EventIn
from ledger.ingest import MAX_BATCH, BatchRejected, ingest
from ledger.sender import Sender
from metrics.tally import changed_from
from models.clock import utc_now

router = APIRouter(tags=["events"], responses=SIGNED_IN)
# How many times the batch was run again after a conflict with a concurrent writer.
RETRIES_HEADER = "X-D2A-Retries"

BATCH_SCHEMA = {
    "type": "array",
    "minItems": 1,
    "maxItems": MAX_BATCH,
    "items": EventIn.model_json_schema(),
}


async def _read_batch(request: Request) -> list[Any]:
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise ApiError(415, "send the batch as application/json", field="Content-Type")
    try:
        body = orjson.loads(await request.body())
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, f"the body is not valid JSON: {exc}") from exc
    if not isinstance(body, list):
        raise ApiError(422, "the body must be a JSON array of events")
    return body


@router.post(
    "/events",
    response_model=IngestAnswer,
    responses=error_answers(409, 413, 415, 422),
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": BATCH_SCHEMA}}}
    },
)
async def post_events(
    request: Request, db: DatabaseDep, principal: Annotated[Principal, require("events:write")]
) -> Any:
    """Append a batch of 1–10,000 events atomically: all stored, or none and every error listed."""
    if principal.role == "feed" and principal.scope is None:
        raise ApiError(403, "a feed token without an organisation (scope) may not write")
    batch = await _read_batch(request)
    try:
        # The database work blocks; keep it off the event loop so other requests go on.
        written = await run_in_threadpool(
            db.write, partial(_store, batch, principal, client_of(request))
        )
    except BatchRejected as rejected:
        return error_response(rejected.status, rejected.errors)
    answer = JSONResponse(written.value.model_dump())
    answer.headers[RETRIES_HEADER] = str(written.retries)
    return answer


def _store(batch: list[Any], principal: Principal, client: str, session: Session) -> IngestAnswer:
    """One attempt at storing the batch, in the caller's transaction."""
    now = utc_now()
    result = ingest(
        session,
        batch,
        now=now,
        changes=changed_from,
        sender=Sender(principal.token_id, principal.writes_only_for),
    )
    detail = {
        "accepted": result.accepted,
        "duplicates": result.duplicates,
        "event_ids": result.event_ids,
    }
    audit.record(session, principal, "events.ingest", now=now, client=client, detail=detail)
    return IngestAnswer(accepted=result.accepted, duplicates=result.duplicates)
