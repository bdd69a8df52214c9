"""Feeds (SPEC §9): the registry with each feed's health, pseudonyms for hub staff, HL7 v2
ADT messages over HTTP (the MLLP listener, `d2a feed mllp`, uses the same handler), and the
discharge hub's readiness list."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from access import audit
from access.scope import patient_scope
from access.tokens import Principal
from api.auth import require
from api.deps import DatabaseDep
from api.errors import ApiError, error_response
from api.routers.events import sender_of
from api.schemas.events import ErrorAnswer
from api.schemas.feeds import FeedIn, FeedOut, PseudonymOut, ReadinessAnswer, ReadinessRefusal
from feeds.health import health
from feeds.pseudonym import pseudonym, pseudonym_key
from feeds.readiness.receive import ListOutcome, receive_list
from feeds.readiness.sheet import XLSX_MEDIA
from feeds.receive import receive_hl7
from feeds.registry import as_dict, feed_rows, load_config, put_feed
from ledger.events import looks_like_nhs_number
from ledger.text import PRINTABLE
from metrics.tally import changed_from
from models import Feed
from models.clock import local_date, to_utc_naive, utc_now

router = APIRouter(tags=["feeds"])
FeedCode = Annotated[str, Path(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9_.\-]+$")]
HL7_MEDIA = "application/hl7-v2"
FUTURE_TOLERANCE = timedelta(minutes=5)
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)
SPACED_OFFSET = re.compile(r" (\d{2}(?::?\d{2})?)$")  # an unencoded + arrives as a space
REFUSALS: dict[int | str, dict[str, Any]] = {
    403: {"model": ErrorAnswer},
    404: {"model": ErrorAnswer},
    422: {"model": ErrorAnswer},
}


@router.put("/feeds/{code}", response_model=FeedOut, responses=REFUSALS)
def put(
    code: FeedCode,
    body: FeedIn,
    request: Request,
    response: Response,
    db: DatabaseDep,
    principal: Annotated[Principal, require("feeds:manage")],
) -> FeedOut:
    """Register or replace a feed: its organisation, the authority of its local ids, and the
    map from its points of care to our units."""
    now = utc_now()
    with db.session(write=True) as session:
        change = put_feed(session, code, body.model_dump(), now)
        if change.problems:
            raise ApiError.for_fields(422, change.problems)
        detail = {"organisation": body.organisation_code, "locations": len(body.locations)}
        audit.record(session, principal, "feed.put", now=now, target=code, detail=detail)
        [feed] = feed_rows(session, code)
        answer = _with_health(session, feed, request)
    response.status_code = 201 if change.created else 200
    return answer


@router.get("/feeds", response_model=list[FeedOut])
def list_feeds(
    request: Request, db: DatabaseDep, _p: Annotated[Principal, require("feeds:manage")]
) -> list[FeedOut]:
    """Every feed with its health: last message, today's counts, last refusals, silence."""
    with db.session() as session:
        return [_with_health(session, feed, request) for feed in feed_rows(session)]


@router.get("/feeds/{code}", response_model=FeedOut, responses=REFUSALS)
def get_feed(
    code: FeedCode,
    request: Request,
    db: DatabaseDep,
    _p: Annotated[Principal, require("feeds:manage")],
) -> FeedOut:
    """One feed with its health."""
    with db.session() as session:
        found = feed_rows(session, code)
        if not found:
            raise ApiError(404, f"no feed {code!r}", field="code")
        return _with_health(session, found[0], request)


@router.get("/feeds/{code}/pseudonym", response_model=PseudonymOut, responses=REFUSALS)
def get_pseudonym(
    code: FeedCode,
    local_id: Annotated[str, Query(min_length=1, max_length=64, pattern=PRINTABLE)],
    request: Request,
    db: DatabaseDep,
    principal: Annotated[Principal, require("patients:read")],
) -> PseudonymOut:
    """The patient id D2A Flow knows a person by, from the feed's local id (the trust's MRN),
    for hub staff of that organisation; audited (the local id is not kept)."""
    if looks_like_nhs_number(local_id):
        raise ApiError(422, "looks like an NHS number; give the local id", field="local_id")
    now = utc_now()
    with db.session(write=True) as session:
        feed = session.get(Feed, code)
        if feed is None:
            raise ApiError(404, f"no feed {code!r}", field="code")
        scope = patient_scope(principal)
        if scope not in (None, feed.organisation_code):
            audit.record(session, principal, "feed.pseudonym.refused", now=now, target=code)
            raise ApiError(403, f"only staff of {feed.organisation_code} may look up its ids")
        key = pseudonym_key(session, request.app.state.settings.pseudonym_key)
        patient_id = pseudonym(key, code, local_id)
        detail = {"patient_id": patient_id}
        audit.record(session, principal, "feed.pseudonym", now=now, target=code, detail=detail)
    return PseudonymOut(feed=code, patient_id=patient_id)


@router.post(
    "/feeds/{code}/hl7v2",
    response_class=Response,
    responses={
        200: {"content": {HL7_MEDIA: {}}, "description": "One ACK per message (MSA AA or AE)."},
        **REFUSALS,
    },
    openapi_extra={
        "requestBody": {"required": True, "content": {HL7_MEDIA: {"schema": {"type": "string"}}}}
    },
)
async def post_hl7v2(
    code: FeedCode,
    request: Request,
    db: DatabaseDep,
    principal: Annotated[Principal, require("feeds:send")],
) -> Response:
    """One or more HL7 v2 ADT messages (ER7, segments separated by CR; MLLP framing bytes
    tolerated). The answer is one ACK per message, in order: AA (stored or ignored) or AE with
    an ERR naming the field and the reason."""
    body = await request.body()
    settings = request.app.state.settings
    written = await run_in_threadpool(
        db.write, lambda session: hl7_answer(session, code, body, principal, settings.pseudonym_key)
    )
    return Response("\r".join(written.value), media_type=HL7_MEDIA)


def hl7_answer(
    session: Session, code: str, body: bytes, principal: Principal, configured_key: str
) -> list[str]:
    """The ACKs of a body of messages for feed `code`, stored and audited in `session`."""
    now = utc_now()
    feed = load_config(session, code)
    if feed is None:
        raise ApiError(404, f"no feed {code!r}", field="code")
    if principal.role == "feed" and principal.scope != feed.organisation_code:
        raise ApiError(403, f"a feed token of {principal.scope} may not send for {code}")
    key = pseudonym_key(session, configured_key)
    sender = sender_of(principal)
    answer = receive_hl7(session, feed, key, body, now=now, changes=changed_from, sender=sender)
    detail = {"messages": answer.counted(), "event_ids": answer.stored_event_ids()}
    audit.record(session, principal, "feed.hl7v2", now=now, target=code, detail=detail)
    return answer.acks


@router.post(
    "/feeds/{code}/readiness",
    response_model=ReadinessAnswer,
    responses={
        413: {"model": ReadinessRefusal, "description": "More rows than a list can hold."},
        415: {"model": ReadinessRefusal, "description": "Neither CSV nor XLSX."},
        422: {
            "model": ReadinessRefusal,
            "description": "Every problem of every row (a bad as_of: the API's usual error).",
        },
        403: {"model": ErrorAnswer},
        404: {"model": ErrorAnswer},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                XLSX_MEDIA: {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
async def post_readiness(
    code: FeedCode,
    request: Request,
    db: DatabaseDep,
    principal: Annotated[Principal, require("feeds:send")],
    as_of: Annotated[
        str | None,
        Query(
            description="The instant the list is as at, ISO 8601 with its offset (encode + as "
            "%2B); default now, never more than 5 minutes ahead."
        ),
    ] = None,
    dry_run: Annotated[
        bool, Query(description="Check and compare everything; store nothing.")
    ] = False,
) -> JSONResponse:
    """The discharge hub's list of people ready to leave as at `as_of` (CSV, or the first sheet
    of an XLSX workbook): columns local_patient_id, ready_date (YYYY-MM-DD or DD/MM/YYYY),
    pathway (0–3) and reason_code (optional). It is compared with the organisation's open acute
    stays and stored as events: discharge_ready for people newly ready, pathway_changed and
    delay_reason for changes, readiness_withdrawn for ready people not listed. Any problem:
    422 with every problem of every row, and nothing stored."""
    now = utc_now()
    at = list_as_of(as_of, now)
    asked = ListRequest(
        code=code,
        body=await request.body(),
        media_type=request.headers.get("content-type", ""),
        as_of=at,
        dry_run=dry_run,
        configured_key=request.app.state.settings.pseudonym_key,
    )
    written = await run_in_threadpool(
        db.write, lambda session: readiness_answer(session, asked, principal)
    )
    outcome = written.value
    if outcome.status != 200:
        return error_response(outcome.status, outcome.refusal())
    return JSONResponse(outcome.answer())


def list_as_of(raw: str | None, now: datetime) -> datetime:
    """`as_of` as naive UTC (`now` when not given); a 422 when it is not an ISO 8601 instant
    with an offset, its local date is outside 2000-01-01…2100-12-31, or it is more than 5
    minutes ahead. A '+' sent unencoded arrives as a space, and is read as the '+' it was."""
    if raw is None or not raw.strip():
        return now
    text = SPACED_OFFSET.sub(r"+\1", raw.strip())
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as error:
        raise ApiError(422, "is not an ISO 8601 date and time", field="as_of") from error
    if parsed.tzinfo is None:
        raise ApiError(422, "needs a UTC offset, e.g. +00:00 or Z", field="as_of")
    # A year outside the range is refused before conversion (year 1 less an hour overflows).
    day = local_date(to_utc_naive(parsed)) if 1999 <= parsed.year <= 2101 else None
    if day is None or not FIRST_DAY <= day <= LAST_DAY:
        raise ApiError(422, "must be within 2000-01-01 and 2100-12-31", field="as_of")
    at = to_utc_naive(parsed)
    if at > now + FUTURE_TOLERANCE:
        raise ApiError(422, "is more than 5 minutes in the future", field="as_of")
    return at


@dataclass(frozen=True)
class ListRequest:
    code: str
    body: bytes
    media_type: str
    as_of: datetime  # naive UTC
    dry_run: bool
    configured_key: str


def readiness_answer(session: Session, asked: ListRequest, principal: Principal) -> ListOutcome:
    """A list received for feed `asked.code`, stored (unless refused or a dry run) and audited
    in `session`: the event ids stored, and the patient ids the answer names."""
    now = utc_now()
    feed = load_config(session, asked.code)
    if feed is None:
        raise ApiError(404, f"no feed {asked.code!r}", field="code")
    if principal.role == "feed" and principal.scope != feed.organisation_code:
        raise ApiError(403, f"a feed token of {principal.scope} may not send for {asked.code}")
    outcome = receive_list(
        session,
        feed,
        pseudonym_key(session, asked.configured_key),
        asked.body,
        asked.media_type,
        as_of=asked.as_of,
        now=now,
        dry_run=asked.dry_run,
        changes=changed_from,
        sender=sender_of(principal),
    )
    detail: dict[str, Any] = {
        "as_of": asked.as_of.replace(tzinfo=UTC).isoformat(),
        "dry_run": asked.dry_run,
        "status": outcome.status,
        "listed": outcome.listed,
    }
    if outcome.status == 200:
        detail |= {"counts": outcome.plan.counts, "event_ids": outcome.stored}
        detail["patient_ids"] = sorted({c["patient_id"] for c in outcome.plan.changes})
    else:
        detail["errors"] = len(outcome.errors)
    audit.record(session, principal, "feed.readiness", now=now, target=asked.code, detail=detail)
    return outcome


def _with_health(session: Session, feed: Feed, request: Request) -> FeedOut:
    settings = request.app.state.settings
    minutes = feed.silent_after_minutes or settings.feed_silent_after_minutes
    state = health(session, feed.code, now=utc_now(), silent_after=timedelta(minutes=minutes))
    return FeedOut(**as_dict(feed), health=state)
