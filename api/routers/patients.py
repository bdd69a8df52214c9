"""Patient-level reads; each is written to the audit log, and so is each refusal."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request

from access import audit
from access.principal import Principal
from access.scope import patient_scope
from api.auth import audit_refusal, client_of, require_patients
from api.deps import DatabaseDep
from api.errors import ApiError
from api.schemas.errors import ASKED, SIGNED_IN, error_answers
from api.schemas.times import with_offsets
from ledger.patients import patient_timeline
from ledger.text import NOT_NHS_NUMBER, PRINTABLE
from models.clock import utc_now

router = APIRouter(tags=["patients"], responses=SIGNED_IN)
NOT_FOUND = "no such patient"


@router.get("/patients/{patient_id}/timeline", responses=error_answers(404) | ASKED)
def get_timeline(
    patient_id: Annotated[
        str, Path(min_length=1, max_length=64, pattern=PRINTABLE), NOT_NHS_NUMBER
    ],
    request: Request,
    db: DatabaseDep,
    principal: Annotated[Principal, require_patients("patient.timeline", asked="patient_id")],
) -> dict[str, Any]:
    """A patient's events (voided ones marked, each with the spell it belongs to) and the
    spells derived from them, every time in ISO 8601 with its UTC offset (Z). A partner gets
    only the spells of its organisation or local authority and their own events; a patient
    with none there is not found (404)."""
    scope = patient_scope(principal)
    with db.session(write=True) as session:
        timeline = patient_timeline(session, patient_id, scope)
        if timeline is not None:
            detail = {
                "patient_ids": [patient_id],
                "scope": scope,
                "spells": [s["spell_id"] for s in timeline["spells"]],
            }
            audit.record(
                session,
                principal,
                "patient.timeline",
                now=utc_now(),
                client=client_of(request),
                target=patient_id,
                detail=detail,
            )
    if timeline is None:
        audit_refusal(
            db,
            principal,
            request,
            "patient.timeline",
            status=404,
            target=patient_id,
            reason=NOT_FOUND if scope is None else f"{NOT_FOUND} in scope {scope}",
        )
        raise ApiError(404, NOT_FOUND, field="patient_id")
    return with_offsets(timeline)
