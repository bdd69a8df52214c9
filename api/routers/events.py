"""POST /api/v1/events: the one way movements enter the record."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.exc import IntegrityError

from access import audit
from access.principal import Principal
from api.auth import client_of, require
from api.deps import DatabaseDep
from api.errors import ApiError, error_response
from api.schemas.events import ErrorAnswer, IngestAnswer
from ledger.events import EventIn
from ledger.ingest import MAX_BATCH, BatchRejected, ingest
from metrics.tally import changed_from
from models.clock import utc_now

router = APIRouter(tags=["events"])

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
    responses={
        409: {"model": ErrorAnswer},
        413: {"model": ErrorAnswer},
        422: {"model": ErrorAnswer},
    },
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": BATCH_SCHEMA}}}
    },
)
async def post_events(
    request: Request, db: DatabaseDep, principal: Annotated[Principal, require("events:write")]
) -> Any:
    """Append a batch of 1–10,000 events atomically: all stored, or none and every error listed."""
    batch = await _read_batch(request)
    for attempt in (1, 2):
        try:
            # The database work blocks; keep it off the event loop so other requests go on.
            return await run_in_threadpool(_store, db, batch, principal, client_of(request))
        except BatchRejected as rejected:
            return error_response(rejected.status, rejected.errors)
        except IntegrityError:
            # A concurrent batch stored one of these event ids first; the retry sees it.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _store(db: Any, batch: list[Any], principal: Principal, client: str) -> IngestAnswer:
    now = utc_now()
    with db.session(write=True) as session:
        result = ingest(session, batch, now=now, changes=changed_from)
        detail = {
            "accepted": result.accepted,
            "duplicates": result.duplicates,
            "event_ids": result.event_ids,
        }
        audit.record(session, principal, "events.ingest", now=now, client=client, detail=detail)
    return IngestAnswer(accepted=result.accepted, duplicates=result.duplicates)
