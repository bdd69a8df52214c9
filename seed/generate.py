"""A whole synthetic run: which systems exist, and the stream of event batches they send.

Everything is drawn from random generators seeded by the run's seed, system by system, so the
same seed, size, days and start give the same events byte for byte; systems are simulated one
after another, so memory holds one system's current patients, whatever the run's length.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from seed.clock import Calendar
from seed.feed import Batch, Batcher
from seed.flow import Simulation
from seed.params import SIZES, Params, Size
from seed.patient import Patient
from seed.system import SystemPlan, build_plan, national_systems

BATCH_SIZE = 5000
# Takes a finished patient of system `index` aside, wholly (None) or in part (what is left to
# send as JSON): the demo's trust feed (seed.trust_feed) sends the rest its own way.
Divert = Callable[[Patient, int], Patient | None]


@dataclass(frozen=True)
class RunSpec:
    """What to generate: `days` from `start`, ending no later than minute `end_limit`."""

    size: Size
    days: int
    seed: int
    start: date
    end_limit: int | None = None  # e.g. now, for a demo that ends at the present
    params: Params = field(default_factory=Params)
    batch_size: int = BATCH_SIZE

    @classmethod
    def of(cls, size: str, days: int, seed: int, start: date, **kwargs: object) -> RunSpec:
        if size not in SIZES:
            raise ValueError(f"size must be one of {', '.join(SIZES)}")
        if days < 1:
            raise ValueError("days must be at least 1")
        return cls(SIZES[size], days, seed, start, **kwargs)  # type: ignore[arg-type]

    @property
    def first(self) -> date:
        """The first simulated day: warm-up days before the start fill the hospital."""
        return self.start - timedelta(days=self.params.warmup_days)

    @property
    def change(self) -> date:
        """The day some D2A capacities change, part-way through the run."""
        return self.start + timedelta(days=max(1, self.days // 2))

    def calendar(self) -> Calendar:
        return Calendar(self.first, self.params.warmup_days + self.days)

    def window(self) -> tuple[int, int]:
        """The first and last minute of events sent."""
        calendar = self.calendar()
        start = calendar.midnights[self.params.warmup_days]
        end = calendar.midnights[-1] - 1
        return start, end if self.end_limit is None else min(end, self.end_limit)


def system_sizes(spec: RunSpec) -> list[Size]:
    """The systems of the run: one, or for a national run many of varied size."""
    if spec.size.systems == 1:
        return [spec.size]
    sizes = []
    for index in range(spec.size.systems):
        rng = random.Random(f"d2a-plan:{spec.seed}:{index}")
        beds = round(spec.size.beds * rng.uniform(0.3, 1.0))
        sites, authorities = rng.choice((3, 4)), rng.choice((2, 3))
        sizes.append(replace(spec.size, beds=beds, sites=sites, authorities=authorities))
    return sizes


def plans(spec: RunSpec) -> list[SystemPlan]:
    """The reference data of every system in the run."""
    sizes = system_sizes(spec)
    if len(sizes) == 1:
        return [build_plan(sizes[0], spec.params, "", spec.first, spec.change)]
    # A national run's systems are England's integrated care boards, in turn.
    icbs = national_systems()
    return [
        build_plan(size, spec.params, f"S{i + 1:02d}", spec.first, spec.change, icbs[i % len(icbs)])
        for i, size in enumerate(sizes)
    ]


def generate(spec: RunSpec, divert: Divert | None = None) -> Iterator[Batch]:
    """The run's event batches, system after system, in the order a loader should send them;
    each finished patient first through `divert`, when given."""
    start, end = spec.window()
    feed_rng = random.Random(f"d2a-feed:{spec.seed}:{spec.size.name}")
    batcher = Batcher(spec.batch_size, spec.params, feed_rng, end=end, start=start)
    last_day = 0
    for index, plan in enumerate(plans(spec)):
        rng = random.Random(f"d2a-flow:{spec.seed}:{spec.size.name}:{index}")
        simulation = Simulation(plan, spec.params, spec.calendar(), rng)
        for patient in simulation.run():
            last_day = simulation.day
            sent = patient if divert is None else divert(patient, index)
            if sent is not None:
                yield from batcher.add(sent, last_day, index)
    yield from batcher.close(last_day, len(plans(spec)) - 1)


def events(spec: RunSpec) -> Iterator[dict[str, Any]]:
    """Every event of the run, batch by batch (for tests and exports)."""
    for batch in generate(spec):
        yield from batch.events
