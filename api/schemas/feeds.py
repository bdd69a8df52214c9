"""Feeds as the API reads and writes them (SPEC §9)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from ledger.text import Code16, Code32, Id64, Name200


class FeedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name200
    organisation_code: Code16
    patient_id_authority: Id64 = Field(
        description="PID-3 component 4 (assigning authority) of the trust's MRN, the local id."
    )
    locations: dict[Id64, Code32] = Field(
        description="PV1-3.1 point of care → our unit code (units of the feed's organisation).",
        max_length=5000,
    )
    silent_after_minutes: Annotated[int, Field(strict=True, ge=1, le=10_080)] | None = Field(
        default=None, description="Warn when nothing has arrived for this long (default 60)."
    )


class FeedOut(FeedIn):
    code: str
    health: dict[str, Any] = Field(
        description="last_message_at, silent, today's counts by outcome, the last 20 refusals."
    )


class PseudonymOut(BaseModel):
    feed: str
    patient_id: str


class ReadinessChange(BaseModel):
    row: int | None = Field(description="The list's row (header = 1); null for a withdrawal.")
    patient_id: str = Field(description="The pseudonym: never the local id.")
    change: str = Field(
        description="discharge_ready, pathway_changed, delay_reason or readiness_withdrawn."
    )
    from_: Any = Field(alias="from", description="As recorded before (a DRD, pathway, reason).")
    to: Any = Field(description="As the list has it (a discharge_ready: the DRD recorded).")


class ReadinessWarning(BaseModel):
    row: int
    message: str


class ReadinessAnswer(BaseModel):
    as_of: str
    dry_run: bool
    listed: int = Field(description="The rows of the list (people listed).")
    counts: dict[str, int] = Field(description="Events of each kind stored (or, dry, to store).")
    changes: list[ReadinessChange]
    warnings: list[ReadinessWarning]


class ReadinessError(BaseModel):
    row: int | None = Field(description="The list's row (header = 1); null: the whole list.")
    column: str | None
    message: str


class ReadinessRefusal(BaseModel):
    errors: list[ReadinessError]
