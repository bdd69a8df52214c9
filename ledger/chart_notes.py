"""Annotations of a metric's chart (models.annotations): a short note on a local date and
whether the process changed then (a rebase), set by the roles that hold annotations:write.

Each change appends a version; the annotations in force at an instant are, per (metric, day),
the latest version recorded at or before it unless that version removed it. The metric's name
is checked by the caller against the catalogue (metrics sit above the ledger).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from ledger.text import NO_NHS_NUMBER_IN_TEXT, text
from ledger.times import Day
from models import MetricAnnotation

A = MetricAnnotation.__table__.c
Text200 = Annotated[str, text(1, 200, prose=True), NO_NHS_NUMBER_IN_TEXT]


class AnnotationIn(BaseModel):
    """A metric's annotation on a day (replacing any that day has)."""

    model_config = ConfigDict(extra="forbid")

    day: Day = Field(description="The local date it is about.")
    text: Text200 = Field(description="A short note shown on the chart: no names, no NHS numbers.")
    rebase: bool = Field(
        default=False,
        description="The process changed on this day: SPC starts a new group from the first "
        "period starting on or after it.",
    )


def put_annotation(
    session: Session, metric: str, body: AnnotationIn, now: datetime, by: int | None
) -> bool:
    """Record the annotation as a new version; True when the day had none in force."""
    created = _in_force(session.connection(), metric, body.day, now) is None
    session.add(
        MetricAnnotation(
            metric=metric,
            day=body.day,
            text=body.text,
            rebase=body.rebase,
            removed=False,
            recorded_at=now,
            recorded_by=by,
        )
    )
    session.flush()
    return created


def remove_annotation(
    session: Session, metric: str, day: date, now: datetime, by: int | None
) -> bool:
    """Record the removal of the day's annotation; False when it had none in force."""
    found = _in_force(session.connection(), metric, day, now)
    if found is None:
        return False
    removal = MetricAnnotation(metric=metric, day=day, text=found["text"], rebase=found["rebase"])
    removal.removed, removal.recorded_at, removal.recorded_by = True, now, by
    session.add(removal)
    session.flush()
    return True


def in_force(connection: Connection, metric: str, as_of: datetime) -> list[dict[str, Any]]:
    """The metric's annotations in force at `as_of`, by day: day, text, rebase, recorded_at."""
    rows = connection.execute(
        select(A.day, A.text, A.rebase, A.removed, A.recorded_at, A.id)
        .where(A.metric == metric, A.recorded_at <= as_of)
        .order_by(A.day, A.recorded_at, A.id)
    ).all()
    latest: dict[date, Any] = {}
    for row in rows:
        latest[row.day] = row
    return [
        {"day": r.day, "text": r.text, "rebase": bool(r.rebase), "recorded_at": r.recorded_at}
        for r in latest.values()
        if not r.removed
    ]


def history(connection: Connection, metric: str) -> list[dict[str, Any]]:
    """Every version of the metric's annotations, oldest first."""
    rows = connection.execute(
        select(A.day, A.text, A.rebase, A.removed, A.recorded_at, A.recorded_by)
        .where(A.metric == metric)
        .order_by(A.recorded_at, A.id)
    ).all()
    return [dict(r._mapping) for r in rows]


def _in_force(connection: Connection, metric: str, day: date, now: datetime) -> Any:
    found = [a for a in in_force(connection, metric, now) if a["day"] == day]
    return found[0] if found else None
