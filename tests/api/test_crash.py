"""`kill -9` of the server in the middle of a 10,000-event batch leaves nothing partial: the
batch is stored whole or not at all, and what is stored is what a rebuild from the log gives.

A first batch, sent to a server left alone, times how long a batch takes; then the server is
killed at moments spread from a tenth of that time to half as long again, each time with a new
batch of new patients (more kills with D2A_CRASH_KILLS=n; the test prints how each ended).
"""

from __future__ import annotations

import os
import threading
import time
from datetime import datetime, timedelta
from typing import Any

import httpx2 as httpx
from sqlalchemy import func, select

from d2a.serving import start, stop
from ledger.rebuild import rebuild_derived
from metrics.tally import changed_from
from models import Event, EventTally, ReadinessPeriod, ReadySpan, Spell, Stay
from store.database import Database
from tests.conftest import token_for

BATCH = 10_000
JOURNEY: tuple[tuple[str, int, dict[str, Any]], ...] = (
    ("admitted", 0, {"unit_code": "W1"}),
    ("discharge_ready", 30, {"pathway": 1}),
    ("delay_reason", 31, {"reason_code": "H1"}),
    ("discharged", 50, {"destination": "usual_residence", "pathway": 1}),
)
KILLS = int(os.environ.get("D2A_CRASH_KILLS", "4"))


def batch_of(tag: str) -> list[dict[str, Any]]:
    """2,500 new patients, four events each, over March 2025."""
    events = []
    first = datetime(2025, 3, 1, 8)
    for n in range(BATCH // 4):
        patient = f"{tag}-p{n}"
        admitted = first + timedelta(minutes=17 * n)
        for i, (kind, hours, payload) in enumerate(JOURNEY):
            at = admitted + timedelta(hours=hours)
            events.append(
                {
                    "event_id": f"{patient}-{i}",
                    "type": kind,
                    "patient_id": patient,
                    "occurred_at": at.isoformat() + "+00:00",
                    **payload,
                }
            )
    return events


def stored_of(db: Database, tag: str) -> int:
    with db.session() as session:
        query = select(func.count()).select_from(Event).where(Event.patient_id.like(f"{tag}-%"))
        return int(session.scalar(query) or 0)


def derived(db: Database) -> dict[str, Any]:
    with db.session() as session:
        counts = {
            model.__tablename__: session.scalar(select(func.count()).select_from(model))
            for model in (Event, Spell, Stay, ReadinessPeriod, ReadySpan)
        }
        counts["events tallied"] = session.scalar(select(func.sum(EventTally.events)))
        return counts


def post_in_thread(base: str, headers: dict[str, str], batch: list[dict[str, Any]]) -> Any:
    outcome: dict[str, Any] = {}

    def send() -> None:
        try:
            with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
                outcome["status"] = client.post("/api/v1/events", json=batch).status_code
        except httpx.HTTPError as error:
            outcome["error"] = type(error).__name__

    thread = threading.Thread(target=send)
    thread.start()
    return thread, outcome


def test_a_killed_server_leaves_no_partial_batch(system: Database) -> None:
    headers = token_for(system, "coordinator")
    base, server = start(system.url)
    began = time.perf_counter()
    thread, outcome = post_in_thread(base, headers, batch_of("whole"))
    thread.join()
    took = time.perf_counter() - began
    stop(server)
    assert outcome == {"status": 200} and stored_of(system, "whole") == BATCH

    endings = []
    for attempt in range(KILLS):
        tag = f"kill{attempt}"
        base, server = start(system.url)
        thread, outcome = post_in_thread(base, headers, batch_of(tag))
        time.sleep(took * (0.1 + 1.4 * attempt / max(1, KILLS - 1)))
        stop(server, kill=True)
        thread.join()
        stored = stored_of(system, tag)
        assert stored in (0, BATCH), f"kill {attempt}: {stored} of {BATCH} events stored"
        endings.append("stored whole" if stored else "nothing stored")
    print(f"\nbatch of {BATCH:,} took {took:.2f} s; {KILLS} kills: {endings}")

    before = derived(system)
    with system.session(write=True) as session:
        rebuild_derived(session, changed_from)
    assert derived(system) == before
