"""Trigger levels per D2A pathway: reference data with history, set by an admin or the
coordinator, read by metrics.capacity_status.

The rule, one number per pathway and instant (explainable on the call in one sentence):

    shortfall = people ready in acute beds waiting for the pathway − its places free

A pathway is at *escalation* when its shortfall is ≥ its escalation level, else at *pressure*
when it is ≥ its pressure level, else *normal*. Levels are whole numbers and may be negative,
so one number covers both ways a service gets tight: pressure 0 means "the queue fills every
free place"; pressure −2 means "two or fewer places to spare beyond the queue" (with nobody
waiting: two or fewer places free). Pressure ≤ escalation.

Like a unit's capacity, levels hold from `effective_from` until the pathway's next row; the
levels in force on a day are those of its latest row effective on or before it. Setting levels
again for the same pathway and date replaces that row (the audit log keeps who set what).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from ledger.times import Day
from models import PathwayTrigger
from models.reference import D2A_PATHWAYS

LEVEL_LIMIT = 100_000
Level = Annotated[int, Field(strict=True, ge=-LEVEL_LIMIT, le=LEVEL_LIMIT)]
RULE = (
    "shortfall = people ready in acute beds waiting for the pathway − its places free; "
    "escalation when shortfall ≥ escalation level, else pressure when ≥ pressure level, "
    "else normal"
)


class TriggerIn(BaseModel):
    """A pathway's trigger levels from a date."""

    model_config = ConfigDict(extra="forbid")

    pressure: Level = Field(
        description="Pressure when waiting − free places ≥ this (may be negative: −2 is 'two "
        "or fewer places to spare beyond the queue')."
    )
    escalation: Level = Field(description="Escalation when waiting − free places ≥ this.")
    effective_from: Day = Field(description="The first local date the levels are in force.")

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.pressure > self.escalation:
            raise ValueError("pressure must not be above escalation")
        return self


def set_levels(session: Session, pathway: int, levels: TriggerIn, now: datetime) -> bool:
    """Stores the pathway's levels from `levels.effective_from`; True when the date is new to
    its history (False: that date's levels were replaced)."""
    if pathway not in D2A_PATHWAYS:
        raise ValueError(f"pathway must be one of {D2A_PATHWAYS}")
    row = session.get(PathwayTrigger, (pathway, levels.effective_from))
    if row is None:
        session.add(
            PathwayTrigger(
                pathway=pathway,
                effective_from=levels.effective_from,
                pressure=levels.pressure,
                escalation=levels.escalation,
                set_at=now,
            )
        )
    else:
        row.pressure, row.escalation, row.set_at = levels.pressure, levels.escalation, now
    session.flush()
    return row is None


def history(connection: Connection, until: date | None = None) -> dict[int, list[dict[str, Any]]]:
    """Each D2A pathway's levels, oldest first (those effective by `until`, when given)."""
    t = PathwayTrigger.__table__.c
    query = select(t.pathway, t.effective_from, t.pressure, t.escalation, t.set_at)
    if until is not None:
        query = query.where(t.effective_from <= until)
    rows: dict[int, list[dict[str, Any]]] = {p: [] for p in D2A_PATHWAYS}
    for row in connection.execute(query.order_by(t.pathway, t.effective_from)).mappings():
        rows.setdefault(row["pathway"], []).append(dict(row))
    return rows


def in_force(rows: list[dict[str, Any]], day: date) -> dict[str, Any] | None:
    """The levels of a pathway's history (oldest first) in force on `day`; None before its
    first."""
    found = None
    for row in rows:
        if row["effective_from"] <= day:
            found = row
    return found
