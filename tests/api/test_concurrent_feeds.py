"""Eight senders posting at once to a real server, with overlapping days and resent batches:
every batch answered 200, the counts exact, and the derived tables what a rebuild from the log
gives. Before day rows of the event tally were locked in date order, 48–57% of such batches
failed on PostgreSQL with a deadlock.

Each feeder owns its patients (four events each: admitted, ready, a delay reason, discharged),
all in the same 30 days, and sends them patient by patient in batches of 500, so every feeder's
batches touch the same days at the same time, each in its own order. Each feeder also resends
two of its own batches and its neighbour's first: those events are duplicates (or, if the
resend wins the race, the neighbour's copy is), never stored twice.
"""

from __future__ import annotations

import random
import threading
from datetime import date, datetime, timedelta
from typing import Any

import httpx2 as httpx
from sqlalchemy import func, select

from d2a.serving import serving
from ledger.rebuild import rebuild_derived
from metrics import CATALOGUE, compute
from metrics.tally import changed_from
from models import Event, ReadinessPeriod, ReadySpan, Spell, Stay
from store.database import Database
from tests.conftest import backend, token_for

FEEDERS = 8
EVENTS_PER_FEEDER = 10_000 if backend() == "postgresql" else 2_000
BATCH = 500
FIRST_DAY = date(2025, 3, 1)


def journeys(feeder: int, rng: random.Random) -> list[dict[str, Any]]:
    """The feeder's events, patient by patient (four events each, over 30 days), as a feed that
    sends each person's record whole: so the days a batch touches come in no particular order,
    as they did when the tester found the deadlock."""
    events = []
    for n in range(EVENTS_PER_FEEDER // 4):
        patient = f"f{feeder}-p{n}"
        admitted = datetime(2025, 3, 1, 8) + timedelta(minutes=rng.randrange(30 * 24 * 60))
        ready = admitted + timedelta(hours=rng.randrange(2, 96))
        reason = ready + timedelta(hours=1)
        left = reason + timedelta(hours=rng.randrange(1, 120))
        ward = rng.choice(("W1", "W2"))
        pathway = rng.choice((0, 1, 1, 2))
        for kind, at, payload in (
            ("admitted", admitted, {"unit_code": ward, "admission_method": "emergency"}),
            ("discharge_ready", ready, {"pathway": pathway}),
            ("delay_reason", reason, {"reason_code": rng.choice(("H1", "C1", "I2"))}),
            ("discharged", left, {"destination": "usual_residence", "pathway": pathway}),
        ):
            events.append(
                {
                    "event_id": f"{patient}-{kind}",
                    "type": kind,
                    "patient_id": patient,
                    "occurred_at": at.isoformat() + "+00:00",
                    **payload,
                }
            )
    return events  # patient by patient: a batch's days come in no order


def plans(rng: random.Random) -> list[list[list[dict[str, Any]]]]:
    """Each feeder's batches in sending order, resends included."""
    own = [journeys(f, rng) for f in range(FEEDERS)]
    batches = [[e[i : i + BATCH] for i in range(0, len(e), BATCH)] for e in own]
    sending = []
    for f in range(FEEDERS):
        mine = list(batches[f])
        mine.insert(6, batches[f][2])  # a resend of its own, later
        mine.insert(len(mine) // 2, batches[f][0])
        # The neighbour's first batch, resent: it needs nothing earlier, so it is valid
        # whether it arrives before or after the neighbour's own copy.
        mine.append(batches[(f + 1) % FEEDERS][0])
        sending.append(mine)
    return sending


def every_figure(db: Database) -> dict[str, Any]:
    """Every metric by week over the month, system-wide."""
    with db.session() as session:
        connection = session.connection()
        return {
            name: compute(
                connection,
                name,
                start=FIRST_DAY,
                end=date(2025, 4, 6),
                interval=metric.intervals[-1] if "week" not in metric.intervals else "week",
                now=datetime(2025, 6, 1),
            ).records()
            for name, metric in CATALOGUE.items()
        }


def derived_rows(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    with db.session() as session:
        return {
            model.__tablename__: sorted(
                tuple(str(v) for v in row) for row in session.execute(select(model.__table__))
            )
            for model in (Spell, Stay, ReadinessPeriod, ReadySpan)
        }


def test_eight_feeders_at_once_store_every_event_once(system: Database) -> None:
    sending = plans(random.Random(7))
    sent = sum(len(b) for batches in sending for b in batches)
    unique = FEEDERS * EVENTS_PER_FEEDER
    headers = [token_for(system, "coordinator") for _ in range(FEEDERS)]
    answers: list[list[tuple[int, dict[str, Any]]]] = [[] for _ in range(FEEDERS)]
    start = threading.Barrier(FEEDERS)

    def feed(f: int, base: str) -> None:
        with httpx.Client(base_url=base, headers=headers[f], timeout=120) as client:
            start.wait()
            for batch in sending[f]:
                try:
                    response = client.post("/api/v1/events", json=batch)
                    answers[f].append((response.status_code, response.json()))
                except (httpx.HTTPError, ValueError) as error:  # a crash is an answer too
                    answers[f].append((0, {"error": repr(error)[:200]}))

    with serving(system.url) as base:
        threads = [threading.Thread(target=feed, args=(f, base)) for f in range(FEEDERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    statuses = [status for mine in answers for status, _ in mine]
    assert statuses == [200] * len(statuses), [a for m in answers for a in m if a[0] != 200][:3]
    accepted = sum(body["accepted"] for mine in answers for _, body in mine)
    duplicates = sum(body["duplicates"] for mine in answers for _, body in mine)
    assert (accepted, accepted + duplicates) == (unique, sent)
    with system.session() as session:
        assert session.scalar(select(func.count()).select_from(Event)) == unique

    figures, rows = every_figure(system), derived_rows(system)
    with system.session(write=True) as session:
        rebuild_derived(session, changed_from)
    assert derived_rows(system) == rows
    assert every_figure(system) == figures
