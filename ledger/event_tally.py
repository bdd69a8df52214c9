"""The per-hour event tally (models.derived.EventTally), kept in the ingest transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from models import Base, Event
from models.clock import hour_of, local_date
from store.dialect.sql import greatest, upsert

TALLY = Base.metadata.tables["event_tally"]
Increment = tuple[datetime, datetime]  # the instant an event counts at, and when it was received


def tally_at(occurred_at: datetime, void_target_at: datetime | None = None) -> datetime:
    """The instant an event counts at: a void counts at the earlier of its and its target's."""
    if void_target_at is not None and void_target_at < occurred_at:
        return void_target_at
    return occurred_at


def add_to_tally(connection: Connection | Session, increments: Iterable[Increment]) -> date | None:
    """Adds events to their hours, creating hours as needed (one upsert per hour touched), and
    returns the earliest of their local days (None for no events): the derived rows a batch
    rewrites differ only from its earliest event's day (a void's, the earlier of its own and its
    target's) onwards, as SPEC §4 says of every past figure."""
    hours: dict[datetime, tuple[int, datetime]] = {}
    for at, received in increments:
        hour = hour_of(at)
        count, latest = hours.get(hour, (0, received))
        hours[hour] = (count + 1, max(latest, received))
    if not hours:
        return None
    # Hours in order: two batches that touch the same hours lock their rows in the same order,
    # so neither waits for a row the other holds while holding one it wants.
    rows = [
        {"day": local_date(h), "hour_at": h, "events": n, "latest_received_at": r}
        for h, (n, r) in sorted(hours.items())
    ]
    statement = upsert(
        connection,
        TALLY,
        ["day", "hour_at"],
        lambda new: {
            "events": TALLY.c.events + new.events,
            "latest_received_at": greatest(
                connection, TALLY.c.latest_received_at, new.latest_received_at
            ),
        },
    )
    connection.execute(statement, rows)
    return local_date(min(hours))  # a later instant is never on an earlier local date


def rebuild_tally(connection: Connection | Session) -> date | None:
    """Recounts the whole tally from the event log; returns the first day (None: no events)."""
    connection.execute(TALLY.delete())
    target = Event.__table__.alias("target")
    e = Event.__table__.c
    query = select(e.occurred_at, e.received_at, target.c.occurred_at).outerjoin(
        target, target.c.event_id == e.voids_event_id
    )
    increments = (
        (tally_at(occurred, target_at), received)
        for occurred, received, target_at in connection.execute(query)
    )
    return add_to_tally(connection, increments)
