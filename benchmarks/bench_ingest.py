"""Ingest throughput: 100,000 events in batches of 5,000 through POST /api/v1/events.

Usage: python benchmarks/bench_ingest.py [--db sqlite|postgresql] [--events N] [--batch N]
       [--probes N] [--onto URL]

Prints events/s overall and the time of every batch. The events are sent in time order, so a
patient's events span batches, as from a live feed: a batch replays the patients it continues.

Then it shows what a batch's cost depends on: the same kind of batch (--batch events of new
patients, each with all four events) timed --probes times on an empty database and on top of
the log just loaded (and, with --onto, on a copy of a database loaded before, such as the
seeded large year: a PostgreSQL database is copied as a template, an SQLite file as a file).
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from fastapi.testclient import TestClient
from sqlalchemy import text

from access.tokens import create_token
from d2a.server import create_app
from ledger import reference
from metrics.tally import changed_from
from models.clock import utc_now
from store import migrate
from store.database import Database
from store.scratch import scratch_database
from store.settings import Settings

WARDS = [f"W{i}" for i in range(20)]


def patient_events(
    n: int, rng: random.Random, start: datetime, prefix: str = "bench"
) -> list[dict[str, Any]]:
    """admitted → ready (with pathway) → delay reason → discharged, for one patient."""
    pid = f"{prefix}-{n:07d}"
    admitted = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 300))
    ready = admitted + timedelta(hours=rng.randrange(4, 24 * 8))
    left = ready + timedelta(hours=rng.randrange(1, 24 * 4))
    pathway = rng.choices([0, 1, 2, 3], [50, 45, 4, 1])[0]
    base = {"patient_id": pid}
    return [
        base
        | {
            "event_id": f"{pid}-a",
            "type": "admitted",
            "occurred_at": admitted.isoformat(),
            "unit_code": rng.choice(WARDS),
        },
        base
        | {
            "event_id": f"{pid}-r",
            "type": "discharge_ready",
            "occurred_at": ready.isoformat(),
            "pathway": pathway,
        },
        base
        | {
            "event_id": f"{pid}-x",
            "type": "delay_reason",
            "occurred_at": (ready + timedelta(minutes=30)).isoformat(),
            "reason_code": "H3",
        },
        base
        | {
            "event_id": f"{pid}-d",
            "type": "discharged",
            "occurred_at": left.isoformat(),
            "destination": "usual_residence",
            "pathway": pathway,
        },
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--probes", type=int, default=5, help="batches of new patients timed")
    parser.add_argument("--onto", help="also time them on a copy of this loaded database")
    args = parser.parse_args()
    folder = tempfile.mkdtemp()
    probe_times: dict[str, list[float]] = {}
    with bench_on(scratch(args.db, folder)) as bench:
        probe_times["empty database"] = bench.probes(args)
    with bench_on(scratch(args.db, folder)) as bench:
        bench.throughput(args)
        probe_times[f"after the {args.events:,} events above"] = bench.probes(args)
    if args.onto:
        with bench_on(copy_of(args.onto, folder)) as bench:
            label = f"on a copy of {bench.describe()}"
            probe_times[label] = bench.probes(args)
    print(f"\nbatches of {args.batch:,} events of new patients (median of {args.probes}):")
    for label, times in probe_times.items():
        print(f"  {statistics.median(times) * 1000:6.0f} ms  {label}")


def scratch(kind: str, folder: str) -> tuple[str, Callable[[], None]]:
    """A new empty database of `kind`: its URL and its drop."""
    return scratch_database(kind, folder, prefix="d2a_bench")


def copy_of(url: str, folder: str) -> tuple[str, Callable[[], None]]:
    """A copy of the database at `url` (the original is left as it is): its URL and its drop.
    PostgreSQL copies it as a template; SQLite copies the file."""
    if not url.startswith("sqlite"):
        template = url.rsplit("/", 1)[1]
        return scratch_database("postgresql", folder, "d2a_bench_copy", template=template)
    copy = f"{folder}/copy.sqlite3"
    shutil.copyfile(url.removeprefix("sqlite:///"), copy)
    return f"sqlite:///{copy}", lambda: None


@contextmanager
def bench_on(database: tuple[str, Callable[[], None]]) -> Iterator[Bench]:
    """The server under test on `database` (a URL and its drop), dropped on leaving."""
    url, drop = database
    try:
        bench = Bench(url)
        try:
            yield bench
        finally:
            bench.db.dispose()
    finally:
        drop()


class Bench:
    """The server under test on one database, with the bench's wards and a feed token."""

    def __init__(self, url: str) -> None:
        migrate.upgrade(url)
        self.db = Database(url)
        with self.db.session(write=True) as s:
            reference.upsert_organisation(s, "RX1", "Bench Hospital", "acute")
            for ward in WARDS:
                fields = {"name": ward, "organisation_code": "RX1", "setting": "acute"}
                reference.upsert_unit(s, ward, fields | {"pathway": None}, changed_from)
            _row, token = create_token(s, role="feed", scope="RX1", now=utc_now())
        self.client = TestClient(create_app(Settings(database_url=url), database=self.db))
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def describe(self) -> str:
        with self.db.engine.connect() as connection:
            events = connection.execute(text("SELECT count(*) FROM event")).scalar_one()
        return f"a database of {events:,} events"

    def post(self, body: bytes) -> float:
        began = time.perf_counter()
        response = self.client.post("/api/v1/events", content=body, headers=self.headers)
        assert response.status_code == 200, response.text[:500]
        return time.perf_counter() - began

    def throughput(self, args: argparse.Namespace) -> None:
        rng = random.Random(7)
        start = datetime(2025, 1, 1, tzinfo=UTC)
        events = [e for n in range(args.events // 4) for e in patient_events(n, rng, start)]
        events.sort(key=lambda e: e["occurred_at"])  # time order: a patient spans batches
        # Bodies are serialised before the clock starts: a feed sends bytes, we time the server.
        step = args.batch
        bodies = [orjson.dumps(events[i : i + step]) for i in range(0, len(events), step)]
        began = time.perf_counter()
        times = [self.post(body) for body in bodies]
        total = time.perf_counter() - began
        print(f"database          {self.db.engine.dialect.name}")
        print(f"events            {len(events):,} in {len(times)} batches of {args.batch:,}")
        print(f"wall time         {total:.1f} s")
        print(f"throughput        {len(events) / total:,.0f} events/s")
        print(f"first batch       {times[0] * 1000:.0f} ms (empty log)")
        print(f"last batch        {times[-1] * 1000:.0f} ms (log of {len(events) - step:,} events)")
        print(f"median batch      {sorted(times)[len(times) // 2] * 1000:.0f} ms")
        print("every batch, ms   " + " ".join(f"{t * 1000:.0f}" for t in times))

    def probes(self, args: argparse.Namespace) -> list[float]:
        """--probes batches, each of --batch events of new patients (all four events of each),
        admitted from December 2025 on, after every other event of the bench."""
        rng = random.Random(11)
        start = datetime(2025, 12, 1, tzinfo=UTC)
        per_batch = args.batch // 4
        times = []
        for b in range(args.probes):
            events = [
                e
                for n in range(b * per_batch, (b + 1) * per_batch)
                for e in patient_events(n, rng, start, prefix="probe")
            ]
            times.append(self.post(orjson.dumps(events)))
        return times


if __name__ == "__main__":
    main()
