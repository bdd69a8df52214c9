"""Stored times (naive UTC) as the API gives them: ISO 8601 with their offset, Z."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator

from models.clock import utc_text


def _as_utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


# A field of a response model read from a stored time: pydantic writes an aware UTC time with
# Z, and the OpenAPI schema still says date-time.
StoredTime = Annotated[datetime, AfterValidator(_as_utc)]


def with_offsets(value: Any) -> Any:
    """An answer built of dicts and lists with each stored time as ISO 8601 text with Z
    (dates stay dates)."""
    if isinstance(value, datetime):
        return utc_text(value)
    if isinstance(value, dict):
        return {key: with_offsets(item) for key, item in value.items()}
    if isinstance(value, list):
        return [with_offsets(item) for item in value]
    return value
