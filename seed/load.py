"""Bulk loading: every generated batch goes through `ingest()`, the same validation a real feed
gets, one transaction per batch.

Generation and loading overlap on large runs: a child process simulates and sends batches
through a small bounded queue while this process stores them, so memory stays flat and the
database never waits for the simulation.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ledger.ingest import ingest
from metrics.tally import changed_from
from seed.clock import utc_naive
from seed.feed import Batch
from seed.generate import Divert, RunSpec, generate
from store.database import Database

QUEUE_BATCHES = 6  # batches in flight between the generator and the loader
PARALLEL_FROM_EVENTS = 150_000  # runs this big generate in a separate process


@dataclass
class LoadResult:
    accepted: int = 0
    duplicates: int = 0
    batches: int = 0
    seconds: float = 0.0

    @property
    def events_per_second(self) -> float:
        return self.accepted / self.seconds if self.seconds else 0.0


Progress = Callable[[Batch, "LoadResult"], None]


def load_batches(
    database: Database,
    batches: Iterable[Batch],
    *,
    now_limit: datetime,
    progress: Progress | None = None,
) -> LoadResult:
    """Ingests each batch in its own transaction; raises BatchRejected on the first bad batch.

    Each batch is received at its simulated send time (never later than `now_limit`, naive
    UTC), so `received_at` reads like a live feed's.
    """
    result = LoadResult()
    started = time.perf_counter()
    for batch in batches:
        now = min(utc_naive(batch.now), now_limit)
        with database.session(write=True) as session:
            answer = ingest(session, batch.events, now=now, changes=changed_from)
        result.accepted += answer.accepted
        result.duplicates += answer.duplicates
        result.batches += 1
        result.seconds = time.perf_counter() - started
        if progress is not None:
            progress(batch, result)
    return result


def batches_for(
    spec: RunSpec, parallel: bool | None = None, divert: Divert | None = None
) -> Iterator[Batch]:
    """The run's batches, generated here or (for big runs) in a child process; a run with a
    `divert` is always generated here, where what it takes aside is wanted."""
    if divert is not None:
        return generate(spec, divert)
    if parallel is None:
        parallel = estimated_events(spec) >= PARALLEL_FROM_EVENTS
    return _from_child(spec) if parallel else generate(spec)


def estimated_events(spec: RunSpec) -> int:
    """Roughly how many events a run makes: about 0.75 per acute bed per day (a national run's
    systems average about 0.65 of the full size's beds)."""
    beds = spec.size.beds * spec.size.systems * (0.65 if spec.size.systems > 1 else 1.0)
    return int(beds * spec.days * 0.75)


def _produce(spec: RunSpec, queue: Any) -> None:
    """The child process: generates and queues batches, then None (or the error's text)."""
    try:
        for batch in generate(spec):
            queue.put(batch)
        queue.put(None)
    except BaseException as exc:  # report anything to the parent, which is waiting
        queue.put(f"{type(exc).__name__}: {exc}")
        raise


def _from_child(spec: RunSpec) -> Iterator[Batch]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue(maxsize=QUEUE_BATCHES)
    child = context.Process(target=_produce, args=(spec, queue), daemon=True)
    child.start()
    try:
        while True:
            item = queue.get()
            if item is None:
                break
            if isinstance(item, str):
                raise RuntimeError(f"the generator failed: {item}")
            yield item
        child.join()
    finally:
        if child.is_alive():
            child.terminate()
            child.join()
