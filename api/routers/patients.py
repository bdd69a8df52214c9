"""Patient-level reads; each is written to the audit log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from access import audit
from access.scope import sees_spells
from access.tokens import Principal
from api.auth import require
from api.deps import DatabaseDep
from api.errors import ApiError
from api.schemas.errors import ASKED, SIGNED_IN, error_answers
from api.schemas.times import with_offsets
from ledger.patients import patient_timeline
from ledger.text import NOT_NHS_NUMBER, PRINTABLE
from models.clock import utc_now

router = APIRouter(tags=["patients"], responses=SIGNED_IN)


@router.get("/patients/{patient_id}/timeline", responses=error_answers(404) | ASKED)
def get_timeline(
    patient_id: Annotated[
        str, Path(min_length=1, max_length=64, pattern=PRINTABLE), NOT_NHS_NUMBER
    ],
    db: DatabaseDep,
    principal: Annotated[Principal, require("patients:read")],
) -> dict[str, Any]:
    """A patient's events (voided ones marked) and the spells derived from them; every time
    in ISO 8601 with its UTC offset (Z)."""
    with db.session(write=True) as session:
        timeline = patient_timeline(session, patient_id)
        if timeline is None or not sees_spells(principal, timeline["spells"]):
            raise ApiError(404, "no such patient", field="patient_id")
        audit.record(session, principal, "patient.timeline", now=utc_now(), target=patient_id)
    return with_offsets(timeline)
