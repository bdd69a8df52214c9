"""Writing small scenarios: events in the sender's words, loaded through the real ingest."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select

from ledger.ingest import ingest
from metrics import MetricResult, compute
from metrics.tally import changed_from
from models import Event, EventTally, FigureTally, ReadinessPeriod, ReadySpan, Spell, Stay
from store.database import Database

NOW = datetime(2026, 1, 31, 12, 0)  # naive UTC; later than every scenario


class Patient:
    """Events of one patient; ids are the patient id and a running number."""

    def __init__(self, patient_id: str) -> None:
        self.patient_id = patient_id
        self.events: list[dict[str, Any]] = []

    def add(self, type_: str, at: str, **payload: Any) -> str:
        event_id = f"{self.patient_id}-{len(self.events) + 1}"
        event = {"event_id": event_id, "type": type_, "patient_id": self.patient_id}
        self.events.append(event | {"occurred_at": at, **payload})
        return event_id

    def admitted(self, at: str, unit: str = "W1", **payload: Any) -> str:
        return self.add("admitted", at, unit_code=unit, **payload)

    def ready(self, at: str, pathway: int | None = None) -> str:
        extra = {} if pathway is None else {"pathway": pathway}
        return self.add("discharge_ready", at, **extra)

    def discharged(
        self, at: str, destination: str = "usual_residence", pathway: int | None = 0
    ) -> str:
        extra = {} if pathway is None else {"pathway": pathway}
        return self.add("discharged", at, destination=destination, **extra)


def load(db: Database, *batches: list[dict[str, Any]], now: datetime = NOW) -> None:
    """Stores each batch in turn, as a feed would send them."""
    for batch in batches:
        with db.session(write=True) as session:
            ingest(session, batch, now=now, changes=changed_from)


def forget_events(db: Database) -> None:
    """Deletes the event log and everything derived from it; reference data stays."""
    with db.session(write=True) as session:
        for table in (EventTally, ReadySpan, ReadinessPeriod, Stay, Spell, Event):
            session.execute(delete(table))


def events_of(*patients: Patient) -> list[dict[str, Any]]:
    return [e for p in patients for e in p.events]


def figure(
    db: Database, name: str, start: date, end: date | None = None, **options: Any
) -> MetricResult:
    options.setdefault("now", NOW)
    with db.session() as session:
        return compute(session.connection(), name, start=start, end=end or start, **options)


def values(result: MetricResult) -> list[Any]:
    return [r["value"] for r in result.records()]


def by_group(result: MetricResult) -> dict[Any, Any]:
    """{group: value} of a single-period answer."""
    return {r["group"]: r["value"] for r in result.records()}


def tally_rows(db: Database, source: str, day: date) -> list[tuple[Any, int, int | None]]:
    """A tally source's stored rows of one day: (key as a list, n, m)."""
    t = FigureTally.__table__.c
    with db.session() as session:
        rows = session.execute(select(t.key, t.n, t.m).where(t.source == source, t.day == day))
        return [(json.loads(key), n, m) for key, n, m in rows]
