"""How many events a snapshot at an instant reflects, read mostly from the per-day tally.

The events that occurred before the instant t, with the voids of those events whenever they
arrived (the figures' events_reflected, at an instant). Ingest tallies each event on its local
date, a void on the earlier of its own and its target's, so with L the local date of t:
- every event tallied on a day before L is reflected: the tally's sum over those days;
- of those tallied on L, an event that occurred from L's first instant up to t is reflected
  (unless it is a void of an event of an earlier day: that one is tallied on that day), and so is
  a void occurring at or after t of an event of L that occurred before t.
The last two are counted exactly, through the occurred_at and voids_event_id indexes, so the
cost is one day's events, not the log.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, func, or_, select

from models import Event, EventTally
from models.clock import census_instant, local_date


def events_reflected(connection: Connection, at: datetime) -> tuple[int, datetime | None]:
    """Events that occurred before `at` (naive UTC), with the voids of those events, whenever
    they arrived; and the latest time one of them was received."""
    day = local_date(at)
    day_began = census_instant(day - timedelta(days=1))
    tally = EventTally.__table__.c
    parts = [
        connection.execute(
            select(
                func.coalesce(func.sum(tally.events), 0), func.max(tally.latest_received_at)
            ).where(tally.day < day)
        ).one(),
        *_on_the_day(connection, day_began, at),
    ]
    latest = [received for _count, received in parts if received is not None]
    return sum(int(count) for count, _received in parts), max(latest) if latest else None


Part = tuple[int, datetime | None]  # events, and the latest time one was received


def _on_the_day(connection: Connection, day_began: datetime, at: datetime) -> list[Part]:
    """Of the events tallied on at's local date: those that occurred before `at`, and the later
    voids of those of them that occurred before `at`."""
    log, voided = Event.__table__, Event.__table__.alias("target")
    e, target = log.c, voided.c
    before = (
        select(func.count(), func.max(e.received_at))
        .select_from(log.outerjoin(voided, target.event_id == e.voids_event_id))
        .where(e.occurred_at >= day_began, e.occurred_at < at)
        .where(or_(target.occurred_at.is_(None), target.occurred_at >= day_began))
    )
    later_voids = (
        select(func.count(), func.max(e.received_at))
        .select_from(voided.join(log, e.voids_event_id == target.event_id))
        .where(target.occurred_at >= day_began, target.occurred_at < at, e.occurred_at >= at)
    )
    rows = [connection.execute(query).one() for query in (before, later_voids)]
    return [(int(count), received) for count, received in rows]
