"""The answers of POST /api/v1/events, as the OpenAPI document shows them."""

from __future__ import annotations

from pydantic import BaseModel


class IngestAnswer(BaseModel):
    accepted: int
    duplicates: int


class EventError(BaseModel):
    index: int | None
    event_id: str | None
    field: str | None
    message: str


class ErrorAnswer(BaseModel):
    errors: list[EventError]
