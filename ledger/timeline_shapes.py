"""The shapes the timeline replay works with: events in, derived rows and problems out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

TYPE_RANK = {
    "discharged": 0,  # a move (discharge, then admission elsewhere) may share one instant
    "admitted": 1,
    "transferred": 2,
    "discharge_ready": 3,
    "pathway_changed": 4,
    "delay_reason": 5,
    "readiness_withdrawn": 6,
}
JOURNEY_GAP = timedelta(hours=48)


@dataclass(frozen=True)
class UnitInfo:
    code: str
    organisation_code: str
    setting: str


@dataclass(slots=True)
class TimelineEvent:
    """An event as the replay needs it; `index` is its place in the incoming batch, if new.
    `payload` maps payload field names to values (it may hold other fields too)."""

    event_id: str
    type: str
    patient_id: str
    occurred_at: datetime
    payload: dict[str, Any]
    index: int | None = None

    @property
    def sort_key(self) -> tuple[datetime, int, str]:
        return (self.occurred_at, TYPE_RANK[self.type], self.event_id)


@dataclass
class Inconsistency:
    event: TimelineEvent
    field: str
    message: str


@dataclass
class Derived:
    spells: list[dict[str, Any]] = field(default_factory=list)
    stays: list[dict[str, Any]] = field(default_factory=list)
    readiness: list[dict[str, Any]] = field(default_factory=list)
    ready_spans: list[dict[str, Any]] = field(default_factory=list)
    # The unit each applied event is about: the one it names, else the stay's at that time.
    event_units: dict[str, str] = field(default_factory=dict)
