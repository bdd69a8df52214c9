"""The event as a sender writes it (SPEC §3), and the field checks that need no database."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ledger.text import Code8, Code32, Id64, Note500
from ledger.times import EventTime
from models.events import PAYLOAD_FIELDS

EventType = Literal[
    "admitted",
    "transferred",
    "discharge_ready",
    "readiness_withdrawn",
    "delay_reason",
    "pathway_changed",
    "discharged",
    "void",
]
Pathway = Annotated[int, Field(strict=True, ge=0, le=3)]

# For each type: the payload fields it requires, and those it may carry.
REQUIRED: dict[str, tuple[str, ...]] = {
    "admitted": ("unit_code",),
    "transferred": ("unit_code",),
    "discharge_ready": (),
    "readiness_withdrawn": (),
    "delay_reason": ("reason_code",),
    "pathway_changed": ("pathway",),
    "discharged": ("destination",),
    "void": ("voids_event_id",),
}
OPTIONAL: dict[str, tuple[str, ...]] = {
    "admitted": ("age", "local_authority", "admission_method", "source"),
    "transferred": (),
    "discharge_ready": ("pathway",),
    "readiness_withdrawn": (),
    "delay_reason": (),
    "pathway_changed": (),
    "discharged": ("pathway",),
    "void": ("note",),
}
PAYLOAD = PAYLOAD_FIELDS  # one list, declared with the event table


class EventIn(BaseModel):
    """One patient movement. Unknown fields are refused, so nothing identifying slips in."""

    model_config = ConfigDict(extra="forbid")

    event_id: Id64 = Field(description="The sender's unique id for this event.")
    type: EventType
    patient_id: Id64 = Field(
        description="The sender's pseudonymous patient id; never an NHS number."
    )
    occurred_at: EventTime = Field(
        description="When it happened: an ISO 8601 string with an offset, from 2000-01-01 on."
    )
    unit_code: Code32 | None = None
    pathway: Pathway | None = None
    reason_code: Code8 | None = None
    destination: Code32 | None = None
    age: Annotated[int, Field(strict=True, ge=0, le=130)] | None = None
    local_authority: Id64 | None = None
    admission_method: Literal["emergency", "elective", "other"] | None = None
    source: Code32 | None = None
    voids_event_id: Id64 | None = None
    note: Note500 | None = None

    def payload(self) -> dict[str, Any]:
        values = self.__dict__  # pydantic keeps validated fields here; faster than getattr
        return {name: values[name] for name in PAYLOAD}


ALLOWED = {kind: frozenset(REQUIRED[kind] + OPTIONAL[kind]) for kind in REQUIRED}
FORBIDDEN = {kind: tuple(n for n in PAYLOAD if n not in ALLOWED[kind]) for kind in REQUIRED}


def type_field_errors(event: EventIn, payload: dict[str, Any]) -> list[tuple[str, str]]:
    """Fields required by the event's type that are missing, and fields it cannot carry."""
    kind = event.type
    errors = [
        (name, f"is required for a {kind} event")
        for name in REQUIRED[kind]
        if payload[name] is None
    ]
    errors += [
        (name, f"is not a field of a {kind} event")
        for name in FORBIDDEN[kind]
        if payload[name] is not None
    ]
    return errors
