"""Ingest cost in CPU instructions per event, which a busy machine does not change.

Usage: python benchmarks/bench_ingest_instructions.py [--stored 40000] [--batch 5000]
       python benchmarks/bench_ingest_instructions.py --source seed [--days 40]

Wall times on a shared 2-core machine vary by half from run to run, too much to see a 10%
change. This loads `--stored` events into an SQLite file (the same events as bench_ingest.py),
then runs one more batch of `--batch` events through `ingest()` under valgrind's callgrind,
which counts instructions, and again without the ingest call; the difference divided by the
batch is the figure. Needs valgrind (Debian's `valgrind`); takes a few minutes.

`--source seed` measures a seed load's batch instead (issue 4): the large system's generated
batches for `--days` days (seed 1) are loaded, and the next batch is the one measured. Its
patients mostly have events stored already (a readiness, a discharge of an open spell), as in a
live feed, where bench_ingest's patients arrive whole.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).parent))

import bench_ingest  # noqa: E402  (the benchmark's own events)

from ledger import reference  # noqa: E402
from ledger.ingest import ingest  # noqa: E402
from metrics.tally import changed_from
from models.clock import utc_now  # noqa: E402
from store import migrate  # noqa: E402
from store.database import Database  # noqa: E402


def prepare(folder: Path, stored: int, batch: int) -> None:
    """A database holding `stored` events, and the next `batch` events in a JSON file."""
    url = f"sqlite:///{folder / 'base.sqlite3'}"
    migrate.upgrade(url)
    database = Database(url)
    with database.session(write=True) as session:
        reference.upsert_organisation(session, "RX1", "Bench Hospital", "acute")
        for ward in bench_ingest.WARDS:
            unit = {"name": ward, "organisation_code": "RX1", "setting": "acute", "pathway": None}
            reference.upsert_unit(session, ward, unit, changed_from)
    rng = random.Random(7)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    patients = (stored + batch) // 4 + 1
    events = [e for n in range(patients) for e in bench_ingest.patient_events(n, rng, start)]
    events.sort(key=lambda e: e["occurred_at"])
    for first in range(0, stored, 5_000):
        with database.session(write=True) as session:
            ingest(
                session,
                events[first : min(first + 5_000, stored)],
                now=utc_now(),
                changes=changed_from,
            )
    database.dispose()
    (folder / "batch.json").write_bytes(orjson.dumps(events[stored : stored + batch]))


def prepare_seed(folder: Path, days: int) -> tuple[int, int]:
    """A database loaded with the first batches of a seed run, and its next batch in a JSON
    file: (events stored, events in the batch)."""
    from seed import system
    from seed.clock import utc_naive
    from seed.generate import RunSpec, generate, plans

    url = f"sqlite:///{folder / 'base.sqlite3'}"
    migrate.upgrade(url)
    database = Database(url)
    spec = RunSpec.of("large", days + 1, 1, date(2024, 4, 1))
    with database.session(write=True) as session:
        for plan in plans(spec):
            system.install(session, plan)
    stored = 0
    limit = spec.window()[0] + days * 24 * 60  # minutes
    for batch in generate(spec):
        if batch.now >= limit:
            (folder / "batch.json").write_bytes(orjson.dumps(batch.events))
            (folder / "now.txt").write_text(utc_naive(batch.now).isoformat())
            database.dispose()
            return stored, len(batch.events)
        with database.session(write=True) as session:
            ingest(session, batch.events, now=utc_naive(batch.now), changes=changed_from)
        stored += len(batch.events)
    raise RuntimeError("the run ended before the measured batch")


def measured_run(folder: Path, with_ingest: bool) -> None:
    """What callgrind counts: open a copy of the database, read the batch, maybe ingest it."""
    shutil.copy(folder / "base.sqlite3", folder / "run.sqlite3")
    batch = orjson.loads((folder / "batch.json").read_bytes())
    database = Database(f"sqlite:///{folder / 'run.sqlite3'}")
    database.checkpointer = None  # the checkpoint thread's work is not the request's
    with database.engine.connect() as connection:
        connection.exec_driver_sql("SELECT count(*) FROM event").all()
    now_file = folder / "now.txt"
    now = datetime(2026, 1, 1)
    if now_file.exists():
        now = datetime.fromisoformat(now_file.read_text())
    if with_ingest:
        with database.session(write=True) as session:
            ingest(session, batch, now=now, changes=changed_from)


def instructions(folder: Path, with_ingest: bool) -> int:
    command = [
        "valgrind",
        "--tool=callgrind",
        f"--callgrind-out-file={folder / 'callgrind.out'}",
        sys.executable,
        __file__,
        "--measure",
        "ingest" if with_ingest else "none",
        "--folder",
        str(folder),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    match = re.search(r"Collected : (\d+)", done.stderr)
    if match is None:
        raise RuntimeError(f"callgrind printed no count:\n{done.stderr[-2000:]}")
    return int(match[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stored", type=int, default=40_000)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--source", choices=["bench", "seed"], default="bench")
    parser.add_argument("--days", type=int, default=40, help="seed: days loaded before")
    parser.add_argument("--measure", choices=["ingest", "none"], help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measured_run(Path(args.folder), args.measure == "ingest")
        return
    folder = Path(tempfile.mkdtemp(prefix="d2a_instructions_"))
    try:
        if args.source == "seed":
            args.stored, args.batch = prepare_seed(folder, args.days)
        else:
            prepare(folder, args.stored, args.batch)
        with_batch = instructions(folder, True)
        without = instructions(folder, False)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    per_event = (with_batch - without) / args.batch
    print(f"stored events      {args.stored:,}")
    source = "a seed load's" if args.source == "seed" else "bench_ingest's"
    print(f"batch              {args.batch:,} of {source} events, SQLite, ingest() without HTTP")
    print(f"instructions       {with_batch - without:,} for the batch")
    print(f"per event          {per_event:,.0f}")


if __name__ == "__main__":
    main()
