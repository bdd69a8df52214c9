"""Trigger levels per D2A pathway as the API gives them (ledger.triggers)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from api.schemas.times import StoredTime


class TriggerLevelsOut(BaseModel):
    effective_from: date
    pressure: int
    escalation: int
    set_at: StoredTime


class PathwayTriggersOut(BaseModel):
    pathway: int
    in_force: TriggerLevelsOut | None = Field(description="The levels in force today.")
    history: list[TriggerLevelsOut]


class TriggersOut(BaseModel):
    rule: str
    pathways: list[PathwayTriggersOut]
