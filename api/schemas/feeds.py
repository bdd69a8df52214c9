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
