"""The four national Discharge Ready Date figures, computed for a generated system from the
derived tables, beside NHS England's published values (April 2024 – July 2025, national).

Census counts follow SPEC §2: a stay is counted at the census of day D (the local midnight
ending D) when admitted_at < census ≤ discharged_at, or still open. Acute bed days are counted
on spells: a spell's ward stays follow one another, so they are at the same censuses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Select, case, func, or_, select

from models import ReadySpan, Spell, Unit, UnitCapacity
from models.clock import census_instant

STREAM_ROWS = 50_000
CAPACITY_COLUMNS = ["unit_code", "effective_from", "capacity"]
TARGETS = {
    "delayed_share": (0.135, "discharges of a night or more leaving ≥1 day after their DRD"),
    "mean_delay": (5.8, "mean delay of those delayed, days"),
    "delayed_bed_day_share": (0.105, "delayed bed days ÷ acute bed days (target 10–11%)"),
    "occupancy": (0.93, "acute (G&A) bed occupancy"),
}


@dataclass(frozen=True)
class Figures:
    delayed_share: float
    mean_delay: float
    delayed_bed_day_share: float
    occupancy: float

    def rows(self) -> list[tuple[str, float, float]]:
        """(label, generated, target) for printing."""
        return [(label, getattr(self, name), target) for name, (target, label) in TARGETS.items()]


def census_instants(start: date, end: date) -> np.ndarray:
    """The census instants of the days `start` … `end` (inclusive), as naive UTC."""
    days = (end - start).days + 1
    instants = [census_instant(start + timedelta(days=d)) for d in range(days)]
    return np.array(instants, dtype="datetime64[us]")


def census_days(starts: pd.Series, ends: pd.Series, instants: np.ndarray) -> int:
    """Σ over intervals of the censuses they are counted at (start < census ≤ end, or open)."""
    if starts.empty:
        return 0
    begin = np.searchsorted(instants, _times(starts), side="right")
    finish = np.searchsorted(instants, _times(ends), side="right")
    return int(np.clip(finish - begin, 0, None).sum())


def _times(values: pd.Series) -> np.ndarray:
    """Naive UTC times; a missing end (a stay still open) is the far future."""
    times = pd.to_datetime(values).to_numpy(dtype="datetime64[us]")
    return np.where(np.isnat(times), np.datetime64("9999-12-31", "us"), times)


def capacity_days(capacity: pd.DataFrame, start: date, end: date) -> int:
    """Σ over days of the capacity in force (rows: unit_code, effective_from, capacity)."""
    days = pd.date_range(start, end, freq="D").to_numpy(dtype="datetime64[D]")
    total = 0
    for _unit, rows in capacity.sort_values("effective_from").groupby("unit_code"):
        starts = pd.to_datetime(rows["effective_from"]).to_numpy(dtype="datetime64[D]")
        index = np.searchsorted(starts, days, side="right") - 1
        values = rows["capacity"].to_numpy()
        total += int(np.where(index >= 0, values[np.clip(index, 0, None)], 0).sum())
    return total


def measure(connection: Connection, start: date, end: date) -> Figures:
    """The four figures over local days `start` … `end`, from the derived tables.

    Aggregates in SQL where it can and streams intervals otherwise, so memory stays flat
    whatever the size of the system.
    """
    overnight, delayed, delay_days = connection.execute(_discharges(start, end)).one()
    instants = census_instants(start, end)
    first, last = instants[0].item(), instants[-1].item()
    spells = select(Spell.admitted_at, Spell.discharged_at).where(
        Spell.setting == "acute", Spell.admitted_at < last
    )
    spells = spells.where(or_(Spell.discharged_at.is_(None), Spell.discharged_at >= first))
    spans = select(ReadySpan.start_at, ReadySpan.end_at).where(
        ReadySpan.setting == "acute", ReadySpan.start_at < last
    )
    spans = spans.where(or_(ReadySpan.end_at.is_(None), ReadySpan.end_at >= first))
    bed_days = _streamed_census_days(connection, spells, instants)
    ready_days = _streamed_census_days(connection, spans, instants)
    capacity = pd.DataFrame(connection.execute(_acute_capacity()).all(), columns=CAPACITY_COLUMNS)
    return Figures(
        delayed_share=(delayed or 0) / max(1, overnight),
        mean_delay=(delay_days or 0) / delayed if delayed else 0.0,
        delayed_bed_day_share=ready_days / max(1, bed_days),
        occupancy=bed_days / max(1, capacity_days(capacity, start, end)),
    )


def _discharges(start: date, end: date) -> Select[int, int, int]:
    """Acute discharges alive after a night or more: how many, how many delayed, delay days."""
    late = Spell.delay_days >= 1
    return select(
        func.count(),
        func.sum(case((late, 1), else_=0)),
        func.sum(case((late, Spell.delay_days), else_=0)),
    ).where(
        Spell.setting == "acute",
        Spell.discharged_date.between(start, end),
        Spell.discharged_date > Spell.admitted_date,
        Spell.destination != "died",
    )


def _streamed_census_days(
    connection: Connection, query: Select[datetime, datetime | None], instants: np.ndarray
) -> int:
    total = 0
    result = connection.execution_options(yield_per=STREAM_ROWS).execute(query)
    for rows in result.partitions():
        frame = pd.DataFrame([tuple(row) for row in rows], columns=["start", "end"])
        total += census_days(frame["start"], frame["end"], instants)
    return total


def _acute_capacity() -> Select[str, date, int]:
    return (
        select(UnitCapacity.unit_code, UnitCapacity.effective_from, UnitCapacity.capacity)
        .join(Unit, Unit.code == UnitCapacity.unit_code)
        .where(Unit.setting == "acute")
    )
