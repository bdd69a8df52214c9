"""Notes and rebase dates on a metric's chart (ledger.annotations): reference data with
history, written by the roles holding annotations:write and audited; read by every reader of
figures (and by those who may write them)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from access import audit
from access.principal import Principal
from access.roles import holds
from api.auth import authenticate, client_of, refused, require
from api.deps import DatabaseDep, JsonBody
from api.errors import ApiError
from api.schemas.errors import ASKED, SENT, SIGNED_IN, error_answers
from ledger import chart_notes
from ledger.chart_notes import AnnotationIn
from ledger.times import Day
from metrics import CATALOGUE
from models.clock import utc_now

router = APIRouter(tags=["metrics"], responses=SIGNED_IN)
Writer = Annotated[Principal, require("annotations:write")]


def _reader(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
    if holds(principal, "aggregates:read") or holds(principal, "annotations:write"):
        return principal
    raise refused(principal, "aggregates:read")


Reader = Annotated[Principal, Depends(_reader)]


@router.get("/metrics/{name}/annotations", responses=ASKED)
def get_annotations(
    name: str,
    db: DatabaseDep,
    _reader: Reader,
    history: Annotated[bool, Query(description="Every version, removals included")] = False,
) -> dict[str, Any]:
    """The notes and rebase dates on a metric's chart, by day (and with `history`, every
    version ever recorded, with who recorded it)."""
    _check(name)
    with db.session() as session:
        return _answer(session.connection(), name, utc_now(), history)


@router.put("/metrics/{name}/annotations", responses=SENT)
def put_annotation(
    name: str,
    body: AnnotationIn,
    request: Request,
    response: Response,
    db: DatabaseDep,
    principal: Writer,
    _json: JsonBody,
) -> dict[str, Any]:
    """Set the note on a day of a metric's chart, and whether the process changed then (a
    rebase); 201 when the day had none, 200 when it is replaced. Answers the annotations."""
    _check(name)
    now = utc_now()
    with db.session(write=True) as session:
        created = chart_notes.put_annotation(session, name, body, now, principal.token_id)
        detail = body.model_dump(mode="json") | {"created": created}
        _audit(session, principal, request, "annotation.put", name, body.day.isoformat(), detail)
        answer = _answer(session.connection(), name, now, False)
    response.status_code = 201 if created else 200
    return answer


@router.delete("/metrics/{name}/annotations", responses=ASKED | error_answers(404))
def delete_annotation(
    name: str,
    day: Annotated[Day, Query(description="The day whose annotation is removed")],
    request: Request,
    db: DatabaseDep,
    principal: Writer,
) -> dict[str, Any]:
    """Remove the note on a day (kept in the history); 404 when the day has none."""
    _check(name)
    now = utc_now()
    with db.session(write=True) as session:
        if not chart_notes.remove_annotation(session, name, day, now, principal.token_id):
            raise ApiError(404, f"{name} has no annotation on {day}", field="day")
        _audit(session, principal, request, "annotation.delete", name, day.isoformat(), None)
        answer = _answer(session.connection(), name, now, False)
    return answer


def _check(name: str) -> None:
    if name not in CATALOGUE:
        raise ApiError(422, f"unknown metric {name!r}; see GET /api/v1/metrics", field="name")


def _audit(
    session: Any,
    principal: Principal,
    request: Request,
    action: str,
    name: str,
    day: str,
    detail: dict[str, Any] | None,
) -> None:
    audit.record(
        session,
        principal,
        action,
        now=utc_now(),
        client=client_of(request),
        target=f"{name}:{day}",
        detail=detail,
    )


def _answer(connection: Any, name: str, now: datetime, with_history: bool) -> dict[str, Any]:
    shown = [_plain(a) for a in chart_notes.in_force(connection, name, now)]
    answer: dict[str, Any] = {"metric": name, "annotations": shown}
    if with_history:
        answer["history"] = [_plain(v) for v in chart_notes.history(connection, name)]
    return answer


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    out["day"] = row["day"].isoformat()
    out["recorded_at"] = row["recorded_at"].isoformat() + "Z"
    if "removed" in out:
        out["removed"] = bool(out["removed"])
    return out
