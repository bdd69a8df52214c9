"""Writers side by side: N processes each store their own new patients' events at once.

Usage:
    python benchmarks/bench_concurrent_writers.py --url postgresql://...  [--writers 2]
        [--events 100000] [--after 2026-09-20]

Each writer is a process of its own (as each worker of `d2a serve --workers N` is), with its own
connection, storing --events events of new patients (admitted → ready → delay reason →
discharged, as bench_national.py's, in the database's acute units) in batches of 10,000 in time
order through ledger.ingest, as a trust's feed would. No HTTP: what is measured is how far the
writers' transactions go on side by side in the database. Prints each writer's events/s and the
total over the time from the first writer's start to the last one's end. Needs a database
holding a system (a seeded one); the events are dated from --after, later than its data.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_national import BATCH, acute_units, new_patient  # noqa: E402

from ledger.ingest import ingest  # noqa: E402
from metrics.tally import changed_from  # noqa: E402
from models.clock import utc_now  # noqa: E402
from store.database import Database  # noqa: E402


def write(url: str, writer: int, events: int, after: datetime, prefix: str, ready: object) -> None:
    db = Database(url)
    try:
        units = acute_units(db)
        rng = random.Random(40 + writer)
        name = f"{prefix}w{writer}"
        mine = [e for n in range(events // 4) for e in new_patient(n, rng, after, name, units)]
        mine.sort(key=lambda e: e["occurred_at"])
        batches = [mine[i : i + BATCH] for i in range(0, len(mine), BATCH)]
        ready.wait()  # type: ignore[attr-defined]
        began = time.perf_counter()
        for batch in batches:
            with db.session(write=True) as session:
                ingest(session, batch, now=utc_now(), changes=changed_from)
        seconds = time.perf_counter() - began
        print(
            f"writer {writer + 1}: {len(mine):,} events, {seconds:.1f} s: "
            f"{len(mine) / seconds:,.0f}/s",
            flush=True,
        )
    finally:
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True, help="a seeded PostgreSQL (or SQLite) database")
    parser.add_argument("--writers", type=int, default=2)
    parser.add_argument("--events", type=int, default=100_000, help="per writer")
    parser.add_argument("--after", type=datetime.fromisoformat, default=datetime(2026, 9, 20))
    args = parser.parse_args()
    url = args.url.replace("postgresql://", "postgresql+psycopg://")
    after = args.after.replace(tzinfo=UTC)
    prefix = f"cw{int(time.time())}"
    context = multiprocessing.get_context("spawn")
    ready = context.Barrier(args.writers + 1)
    writers = [
        context.Process(target=write, args=(url, w, args.events, after, prefix, ready))
        for w in range(args.writers)
    ]
    for process in writers:
        process.start()
    ready.wait()  # every writer has made its batches
    began = time.perf_counter()
    for process in writers:
        process.join()
    seconds = time.perf_counter() - began
    total = args.events // 4 * 4 * args.writers
    failed = [p for p in writers if p.exitcode != 0]
    print(
        f"{args.writers} writers at once: {total:,} events in {seconds:.1f} s: "
        f"{total / seconds:,.0f} events/s in total"
        + (f"; {len(failed)} writer(s) failed" if failed else "")
    )


if __name__ == "__main__":
    main()
