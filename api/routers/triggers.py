"""Trigger levels per D2A pathway (ledger.triggers): set by an admin or the coordinator
(reference data), read by every role that reads reference data."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response

from access import audit
from access.principal import Principal
from api.auth import client_of, require
from api.deps import DatabaseDep, JsonBody
from api.schemas.errors import SENT, SIGNED_IN
from api.schemas.triggers import TriggersOut
from ledger import triggers
from ledger.triggers import TriggerIn
from models.clock import local_date, utc_now

router = APIRouter(tags=["reference data"], responses=SIGNED_IN)
PathwayPath = Annotated[int, Path(ge=1, le=3, description="The D2A pathway: 1, 2 or 3.")]


@router.put("/triggers/{pathway}", response_model=TriggersOut, responses=SENT)
def put_triggers(
    pathway: PathwayPath,
    body: TriggerIn,
    request: Request,
    response: Response,
    db: DatabaseDep,
    principal: Annotated[Principal, require("reference:write")],
    _json: JsonBody,
) -> dict[str, Any]:
    """Set a pathway's pressure and escalation levels from `effective_from` (201 when the date
    is new to its history, 200 when that date's levels are replaced). The pathway is at
    escalation when people waiting for it − its places free ≥ `escalation`, else at pressure
    when ≥ `pressure`, else normal. Answers every pathway's levels, as GET does."""
    now = utc_now()
    with db.session(write=True) as session:
        created = triggers.set_levels(session, pathway, body, now)
        audit.record(
            session,
            principal,
            "trigger.put",
            now=now,
            client=client_of(request),
            target=str(pathway),
            detail=body.model_dump(mode="json") | {"created": created},
        )
        answer = _answer(session.connection(), now)
    response.status_code = 201 if created else 200
    return answer


@router.get("/triggers", response_model=TriggersOut)
def get_triggers(
    db: DatabaseDep, _principal: Annotated[Principal, require("reference:read")]
) -> dict[str, Any]:
    """Each D2A pathway's trigger levels: the rule, those in force today and their history."""
    with db.session() as session:
        return _answer(session.connection(), utc_now())


def _answer(connection: Any, now: Any) -> dict[str, Any]:
    today = local_date(now)
    return {
        "rule": triggers.RULE,
        "pathways": [
            {"pathway": p, "in_force": triggers.in_force(rows, today), "history": rows}
            for p, rows in triggers.history(connection).items()
        ],
    }
