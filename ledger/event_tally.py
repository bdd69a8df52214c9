"""The per-day event tally (models.derived.EventTally), kept in the ingest transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from models import Base, Event
from models.clock import local_date
from store.dialect.sql import greatest, upsert

TALLY = Base.metadata.tables["event_tally"]
Increment = tuple[date, datetime]  # the day an event counts on, and when it was received


def tally_day(occurred_at: datetime, void_target_at: datetime | None = None) -> date:
    """The day an event counts on: a void counts on the earlier of its and its target's day."""
    if void_target_at is not None and void_target_at < occurred_at:
        return local_date(void_target_at)
    return local_date(occurred_at)


def add_to_tally(connection: Connection | Session, increments: Iterable[Increment]) -> date | None:
    """Adds events to their days, creating days as needed (one upsert per day touched), and
    returns the earliest of those days (None for no events): the derived rows a batch rewrites
    differ only from its earliest event's day (a void's, the earlier of its own and its
    target's) onwards, as SPEC §4 says of every past figure."""
    days: dict[date, tuple[int, datetime]] = {}
    for day, received in increments:
        count, latest = days.get(day, (0, received))
        days[day] = (count + 1, max(latest, received))
    if not days:
        return None
    # Days in date order: two batches that touch the same days lock their rows in the same
    # order, so neither waits for a row the other holds while holding one it wants.
    rows = [{"day": d, "events": n, "latest_received_at": r} for d, (n, r) in sorted(days.items())]
    statement = upsert(
        connection,
        TALLY,
        ["day"],
        lambda new: {
            "events": TALLY.c.events + new.events,
            "latest_received_at": greatest(
                connection, TALLY.c.latest_received_at, new.latest_received_at
            ),
        },
    )
    connection.execute(statement, rows)
    return min(days)


def rebuild_tally(connection: Connection | Session) -> date | None:
    """Recounts the whole tally from the event log; returns the first day (None: no events)."""
    connection.execute(TALLY.delete())
    target = Event.__table__.alias("target")
    e = Event.__table__.c
    query = select(e.occurred_at, e.received_at, target.c.occurred_at).outerjoin(
        target, target.c.event_id == e.voids_event_id
    )
    increments = (
        (tally_day(occurred, target_at), received)
        for occurred, received, target_at in connection.execute(query)
    )
    return add_to_tally(connection, increments)
