"""Actions and escalations as the API gives them (ledger.actions)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from api.schemas.times import StoredTime


class ActionOut(BaseModel):
    id: int
    status: str = Field(description="open, escalated or done")
    organisation_code: str = Field(description="The organisation that owns the action.")
    title: str
    due: date
    note: str | None
    about_patient: bool = Field(description="Whether the action names a patient.")
    patient_id: str | None = Field(
        description="The patient it is about: for the coordinator always; for a partner only "
        "on actions its organisation owns or about a patient in its scope (else null)."
    )
    created_at: StoredTime
    updated_at: StoredTime = Field(description="When this version was recorded.")
    version: int
