"""The four national Discharge Ready Date figures, computed for a generated system from the
derived tables, beside NHS England's published values (April 2024 – July 2025, national).

Census counts follow SPEC §2: a stay is counted at the census of day D (the local midnight
ending D) when admitted_at < census ≤ discharged_at, or still open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Connection, select

from api.services.clock import census_instant
from models import ReadySpan, Spell, Stay, Unit, UnitCapacity

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


def figures(frames: dict[str, pd.DataFrame], start: date, end: date) -> Figures:
    """The four figures over local days `start` … `end` from derived frames (see `read_frames`)."""
    spells, stays, spans = frames["spells"], frames["stays"], frames["spans"]
    gone = spells[spells["discharged_date"].notna()]
    dates = pd.to_datetime(gone["discharged_date"]).dt.date
    in_period = gone[(dates >= start) & (dates <= end)]
    overnight = in_period[
        (in_period["destination"] != "died")
        & (
            pd.to_datetime(in_period["discharged_date"])
            > pd.to_datetime(in_period["admitted_date"])
        )
    ]
    delayed = overnight[overnight["delay_days"] >= 1]
    instants = census_instants(start, end)
    bed_days = census_days(stays["start_at"], stays["end_at"], instants)
    ready_days = census_days(spans["start_at"], spans["end_at"], instants)
    beds = capacity_days(frames["capacity"], start, end)
    return Figures(
        delayed_share=len(delayed) / max(1, len(overnight)),
        mean_delay=float(delayed["delay_days"].mean()) if len(delayed) else 0.0,
        delayed_bed_day_share=ready_days / max(1, bed_days),
        occupancy=bed_days / max(1, beds),
    )


def read_frames(connection: Connection, setting: str = "acute") -> dict[str, pd.DataFrame]:
    """The derived rows of one setting, and the capacity history of its units."""
    spell_columns = [
        Spell.patient_id,
        Spell.admitted_date,
        Spell.discharged_date,
        Spell.destination,
        Spell.discharge_pathway,
        Spell.delay_days,
        Spell.admission_method,
        Spell.discharged_at,
    ]
    queries = {
        "spells": select(*spell_columns).where(Spell.setting == setting),
        "stays": select(Stay.unit_code, Stay.start_at, Stay.end_at).where(Stay.setting == setting),
        "spans": select(ReadySpan.start_at, ReadySpan.end_at, ReadySpan.planned_pathway).where(
            ReadySpan.setting == setting
        ),
        "capacity": select(
            UnitCapacity.unit_code, UnitCapacity.effective_from, UnitCapacity.capacity
        )
        .join(Unit, Unit.code == UnitCapacity.unit_code)
        .where(Unit.setting == setting),
    }
    return {name: pd.read_sql(query, connection) for name, query in queries.items()}
