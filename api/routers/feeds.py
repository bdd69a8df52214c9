"""Feeds (SPEC §9): the registry with each feed's health, pseudonyms for hub staff, and HL7 v2
ADT messages over HTTP (the MLLP listener, `d2a feed mllp`, uses the same handler)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from access import audit
from access.principal import Principal
from access.scope import patient_scope
from api.auth import client_of, require
from api.deps import DatabaseDep
from api.errors import ApiError, error_response
from api.routers.coordinator import parse_as_of
from api.schemas.errors import SENT, SIGNED_IN, error_answers
from api.schemas.events import ErrorAnswer
from api.schemas.feeds import FeedIn, FeedOut, PseudonymOut, ReadinessAnswer, ReadinessRefusal
from feeds.health import feed_health
from feeds.pseudonym import pseudonym, pseudonym_key
from feeds.readiness.receive import ListOutcome
from feeds.readiness.sheet import XLSX_MEDIA
from feeds.readiness.upload import ListRequest, receive_upload
from feeds.receive import NotYourFeed, UnknownFeed, receive_for
from feeds.registry import as_dict, feed_rows, put_feed
from ledger.nhs_number import identifier_is_nhs_number
from ledger.sender import Sender
from ledger.text import PRINTABLE
from metrics.tally import changed_from
from models import Feed
from models.clock import utc_now

router = APIRouter(tags=["feeds"], responses=SIGNED_IN)
FeedCode = Annotated[str, Path(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9_.\-]+$")]
HL7_MEDIA = "application/hl7-v2"
FOUND = error_answers(404, 422)  # a feed named in the path, and parameters


@router.put("/feeds/{code}", response_model=FeedOut, responses=SENT)
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
        audit.record(
            session,
            principal,
            "feed.put",
            now=now,
            client=client_of(request),
            target=code,
            detail=detail,
        )
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


@router.get("/feeds/{code}", response_model=FeedOut, responses=FOUND)
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


@router.get("/feeds/{code}/pseudonym", response_model=PseudonymOut, responses=FOUND)
def get_pseudonym(
    code: FeedCode,
    local_id: Annotated[str, Query(min_length=1, max_length=64, pattern=PRINTABLE)],
    request: Request,
    db: DatabaseDep,
    principal: Annotated[Principal, require("patients:read")],
) -> PseudonymOut:
    """The patient id D2A Flow knows a person by, from the feed's local id (the trust's MRN),
    for hub staff of that organisation; audited (the local id is not kept)."""
    if identifier_is_nhs_number(local_id):
        raise ApiError(422, "looks like an NHS number; give the local id", field="local_id")
    now = utc_now()
    with db.session(write=True) as session:
        feed = session.get(Feed, code)
        if feed is None:
            raise ApiError(404, f"no feed {code!r}", field="code")
        scope = patient_scope(principal)
        if scope not in (None, feed.organisation_code):
            audit.record(
                session,
                principal,
                "feed.pseudonym.refused",
                now=now,
                client=client_of(request),
                target=code,
            )
            raise ApiError(403, f"only staff of {feed.organisation_code} may look up its ids")
        key = pseudonym_key(session, request.app.state.settings.pseudonym_key)
        patient_id = pseudonym(key, code, local_id)
        detail = {"patient_id": patient_id}
        audit.record(
            session,
            principal,
            "feed.pseudonym",
            now=now,
            client=client_of(request),
            target=code,
            detail=detail,
        )
    return PseudonymOut(feed=code, patient_id=patient_id)


@router.post(
    "/feeds/{code}/hl7v2",
    response_class=Response,
    responses={
        200: {"content": {HL7_MEDIA: {}}, "description": "One ACK per message (MSA AA or AE)."},
        **error_answers(404, 413, 422),
    },
    openapi_extra={
        "requestBody": {"required": True, "content": {HL7_MEDIA: {"schema": {"type": "string"}}}}
    },
)
async def post_hl7v2(
    code: FeedCode,
    request: Request,
    db: DatabaseDep,
    principal: Annotated[Principal, require("events:write")],
) -> Response:
    """One or more HL7 v2 ADT messages (ER7, segments separated by CR; MLLP framing bytes
    tolerated). The answer is one ACK per message, in order: AA (stored or ignored) or AE with
    an ERR naming the field and the reason."""
    body = await request.body()
    settings = request.app.state.settings
    client = client_of(request)
    written = await run_in_threadpool(
        db.write,
        lambda session: hl7_answer(session, code, body, principal, settings.pseudonym_key, client),
    )
    return Response("\r".join(written.value), media_type=HL7_MEDIA)


def hl7_answer(
    session: Session,
    code: str,
    body: bytes,
    principal: Principal,
    configured_key: str,
    client: str,
) -> list[str]:
    """The ACKs of a body of messages for feed `code`, stored and audited in `session`."""
    now = utc_now()
    try:
        answer = receive_for(
            session,
            code,
            body,
            now=now,
            changes=changed_from,
            sender=Sender(principal.token_id, principal.writes_only_for),
            configured_key=configured_key,
        )
    except UnknownFeed as error:
        raise ApiError(404, str(error), field="code") from error
    except NotYourFeed as error:
        raise ApiError(403, str(error)) from error
    detail = {"messages": answer.counted(), "event_ids": answer.stored_event_ids()}
    audit.record(
        session, principal, "feed.hl7v2", now=now, client=client, target=code, detail=detail
    )
    return answer.acks


@router.post(
    "/feeds/{code}/readiness",
    response_model=ReadinessAnswer,
    responses={
        404: {"model": ErrorAnswer, "description": "No such feed."},
        413: {"model": ReadinessRefusal, "description": "More rows than a list can hold."},
        415: {"model": ReadinessRefusal, "description": "Neither CSV nor XLSX."},
        422: {
            "model": ReadinessRefusal,
            "description": "Every problem of every row (a bad as_of: the API's usual error).",
        },
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
    principal: Annotated[Principal, require("events:write")],
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
    asked = ListRequest(
        code=code,
        body=await request.body(),
        media_type=request.headers.get("content-type", ""),
        as_of=parse_as_of(as_of, utc_now()),
        dry_run=dry_run,
        configured_key=request.app.state.settings.pseudonym_key,
        client=client_of(request),
    )
    written = await run_in_threadpool(
        db.write, lambda session: readiness_answer(session, asked, principal)
    )
    outcome = written.value
    if outcome.status != 200:
        return error_response(outcome.status, outcome.refusal())
    return JSONResponse(outcome.answer())


def readiness_answer(session: Session, asked: ListRequest, principal: Principal) -> ListOutcome:
    """A list received for feed `asked.code`, stored (unless refused or a dry run) and audited
    in `session` (feeds.readiness.upload, the dashboard's path too), or the API's 404 or 403."""
    try:
        return receive_upload(session, asked, principal, now=utc_now(), changes=changed_from)
    except UnknownFeed as error:
        raise ApiError(404, str(error), field="code") from error
    except NotYourFeed as error:
        raise ApiError(403, str(error)) from error


def _with_health(session: Session, feed: Feed, request: Request) -> FeedOut:
    minutes = request.app.state.settings.feed_silent_after_minutes
    state = feed_health(session, feed, now=utc_now(), default_minutes=minutes)
    return FeedOut(**as_dict(feed), health=state)
