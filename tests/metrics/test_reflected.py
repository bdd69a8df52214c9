"""metrics.reflected: the events a snapshot reflects, from the per-hour tally plus the instant's
own hour counted exactly, equal the count over the whole log at every instant."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from metrics.reflected import events_reflected
from models import Event
from store.database import Database
from tests.metrics.scenario import Patient, events_of, load


def by_the_log(db: Database, at: datetime) -> tuple[int, datetime | None]:
    """The definition, over every event: those before `at`, and the voids of those."""
    with db.engine.connect() as connection:
        rows = connection.execute(
            select(Event.event_id, Event.occurred_at, Event.received_at, Event.voids_event_id)
        ).all()
    occurred = {event_id: when for event_id, when, _r, _v in rows}
    counted = [
        received
        for _id, when, received, voided in rows
        if when < at or (voided is not None and occurred[voided] < at)
    ]
    return len(counted), max(counted) if counted else None


def test_every_instant_of_three_summer_days(system: Database) -> None:
    # BST: London midnight is 23:00 UTC. Voids in every position relative to a day: the same day
    # later, the next day, an earlier time on the same day than the instant asked for, and a
    # void sent in a later batch whose target occurred just before a London midnight.
    a, b = Patient("a"), Patient("b")
    a.admitted("2025-07-01T10:00:00+01:00")
    wrong = a.ready("2025-07-01T23:30:00+01:00", pathway=1)  # 22:30 UTC, 1 July local
    a.add("void", "2025-07-02T00:30:00+01:00", voids_event_id=wrong)  # next local day
    a.ready("2025-07-02T09:00:00+01:00", pathway=2)
    b.admitted("2025-07-02T08:00:00+01:00")
    reason = b.add("delay_reason", "2025-07-02T08:10:00+01:00", reason_code="I5")
    b.add("void", "2025-07-02T18:00:00+01:00", voids_event_id=reason)
    late = b.ready("2025-07-02T23:55:00+01:00", pathway=1)  # 22:55 UTC, 2 July local
    # Inside one hour (12:00-13:00 UTC on 3 July): a void of an event of the same hour, and a
    # void in the next hour of an event of this one; and a void in this hour of an event of
    # the hour before, which counts in that hour.
    d = Patient("d")
    d.admitted("2025-07-03T12:59:00+01:00")  # 11:59 UTC
    early = d.add("delay_reason", "2025-07-03T12:59:30+01:00", reason_code="I5")
    same = d.ready("2025-07-03T13:05:00+01:00", pathway=1)
    d.add("void", "2025-07-03T13:40:00+01:00", voids_event_id=same)
    d.add("void", "2025-07-03T13:20:00+01:00", voids_event_id=early)
    later = d.add("delay_reason", "2025-07-03T13:50:00+01:00", reason_code="C2")
    d.add("void", "2025-07-03T14:10:00+01:00", voids_event_id=later)
    load(system, events_of(a, b, d))
    c = Patient("c")  # a later batch: the void of an event of 2 July, on 3 July
    c.events.append(
        {
            "event_id": "c-void",
            "type": "void",
            "patient_id": "b",
            "occurred_at": "2025-07-03T11:00:00+01:00",
            "voids_event_id": late,
        }
    )
    load(system, c.events)
    first = datetime(2025, 6, 30, 20, 0)
    instants = [first + timedelta(minutes=5 * i) for i in range(12 * 24 * 4)]
    with system.engine.connect() as connection:
        for at in instants:
            assert events_reflected(connection, at) == by_the_log(system, at), at
