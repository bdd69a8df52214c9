"""Ingest throughput: 100,000 events in batches of 5,000 through POST /api/v1/events.

Usage: python benchmarks/bench_ingest.py [--db sqlite|postgresql] [--events N] [--batch N]
Prints events/s overall and the time of the first and last batches, to show that a batch's cost
depends on its patients, not on the size of the log already stored.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from fastapi.testclient import TestClient

from api import migrate
from api.app import create_app
from api.database import Database
from api.scratch import scratch_database
from api.services import reference
from api.services.clock import utc_now
from api.services.tokens import create_token
from api.settings import Settings

WARDS = [f"W{i}" for i in range(20)]


def patient_events(n: int, rng: random.Random, start: datetime) -> list[dict[str, Any]]:
    """admitted → ready (with pathway) → delay reason → discharged, for one patient."""
    pid = f"bench-{n:07d}"
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
    args = parser.parse_args()
    url, drop = scratch_database(args.db, tempfile.mkdtemp(), prefix="d2a_bench")
    try:
        run(url, args)
    finally:
        drop()


def run(url: str, args: argparse.Namespace) -> None:
    migrate.upgrade(url)
    db = Database(url)
    with db.session(write=True) as s:
        reference.upsert_organisation(s, "RX1", "Bench Hospital", "acute")
        for ward in WARDS:
            reference.upsert_unit(
                s,
                ward,
                {"name": ward, "organisation_code": "RX1", "setting": "acute", "pathway": None},
            )
        _row, token = create_token(s, role="feed", now=utc_now())
    rng = random.Random(7)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    events = [e for n in range(args.events // 4) for e in patient_events(n, rng, start)]
    events.sort(key=lambda e: e["occurred_at"])  # time order: a patient spans batches
    client = TestClient(create_app(Settings(database_url=url), database=db))
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    # Bodies are serialised before the clock starts: a feed sends bytes, we time the server.
    bodies = [orjson.dumps(events[i : i + args.batch]) for i in range(0, len(events), args.batch)]
    times = []
    began = time.perf_counter()
    for body in bodies:
        t0 = time.perf_counter()
        response = client.post("/api/v1/events", content=body, headers=headers)
        assert response.status_code == 200, response.text[:500]
        times.append(time.perf_counter() - t0)
    total = time.perf_counter() - began
    print(f"database          {args.db}")
    print(f"events            {len(events):,} in {len(times)} batches of {args.batch:,}")
    print(f"wall time         {total:.1f} s")
    print(f"throughput        {len(events) / total:,.0f} events/s")
    print(f"first batch       {times[0] * 1000:.0f} ms (empty log)")
    print(
        f"last batch        {times[-1] * 1000:.0f} ms (log of {len(events) - args.batch:,} events)"
    )
    print(f"median batch      {sorted(times)[len(times) // 2] * 1000:.0f} ms")
    print("every batch, ms   " + " ".join(f"{t * 1000:.0f}" for t in times))
    db.dispose()


if __name__ == "__main__":
    main()
