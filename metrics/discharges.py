"""Flow metrics counted on the day something happened: readiness starts and acute discharges.

Discharges arrive as counts `n` per distinct (date, attributes) combination, so every weight
below is a per-row figure times `n`. Each calculation takes what it reads (declared with the
metric in metrics.catalogue).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sqlalchemy import Connection

from metrics.breakdown import grid_for, labels
from metrics.calendar import as_days
from metrics.discharge_sources import NOT_COUNTED_FOR_PATHWAYS, Discharges
from metrics.grid import Grid, event_counts, roll_up
from metrics.metric import Query
from metrics.readiness_sources import ReadinessStarts
from models.reference import ACUTE_SETTINGS

Weights = NDArray[np.float64]


def count(rows: pd.DataFrame, per_row: object = 1.0) -> Weights:
    """Each row's weight: `per_row` (a number or a column) times its count n."""
    n = np.asarray(rows["n"], dtype=np.float64) if "n" in rows else np.ones(len(rows))
    return n * np.asarray(per_row, dtype=np.float64)


def count_rows(
    connection: Connection,
    query: Query,
    rows: pd.DataFrame,
    numerator: Weights,
    denominator: Weights | None = None,
    days: NDArray[np.datetime64] | None = None,
) -> pd.DataFrame:
    """Rows counted on their day (the discharge date unless `days`); with a denominator, a
    ratio of the two weights."""
    on = as_days(rows["discharged_date"]) if days is None else days
    groups = labels(rows, query)
    grid = grid_for(connection, query, ACUTE_SETTINGS, [groups])
    num = event_counts(grid, on, groups, numerator)
    den = None if denominator is None else event_counts(grid, on, groups, denominator)
    metric = query.metric
    return roll_up(grid, query.interval, metric.aggregation, num, den, metric.scale)


def ready_new(connection: Connection, query: Query, starts: ReadinessStarts) -> pd.DataFrame:
    """Readiness periods beginning in the period; attributes as they stood once every event at
    that instant was applied (the last of the period's first pieces)."""
    rows = starts.of(connection, query)
    return count_rows(connection, query, rows, count(rows), days=as_days(rows["day"]))


def acute_discharges(connection: Connection, query: Query, reads: Discharges) -> pd.DataFrame:
    """Discharges per day (also: by delay band; the weekend ratio's daily counts)."""
    rows = reads.of(connection, query)
    return count_rows(connection, query, rows, count(rows))


def summed_delay(rows: pd.DataFrame) -> Weights:
    """Each row's sum of delays (Discharges.delays): already the sum over its n discharges."""
    return rows["delay"].to_numpy(dtype=np.float64)


def flag(rows: pd.DataFrame, name: str) -> Weights:
    """A 1/0 flag column (metrics.discharge_sources.counted_discharges) as weights."""
    return rows[name].to_numpy(dtype=np.float64)


def bed_days_lost(connection: Connection, query: Query, reads: Discharges) -> pd.DataFrame:
    """Σ delay of the discharges (read as sums per delayed flag, Discharges.delays)."""
    rows = reads.of(connection, query)
    return count_rows(connection, query, rows, summed_delay(rows))


def discharge_delay(connection: Connection, query: Query, reads: Discharges) -> pd.DataFrame:
    """Σ delay ÷ discharges."""
    rows = reads.of(connection, query)
    return count_rows(connection, query, rows, summed_delay(rows), count(rows))


def pathway_discharges(rows: pd.DataFrame) -> pd.DataFrame:
    """Acute discharges on pathways 0–3, leaving out deaths and transfers to other hospitals."""
    counted = rows["pathway"].notna() & ~rows["destination"].isin(NOT_COUNTED_FOR_PATHWAYS)
    return rows[counted].reset_index(drop=True)


def home_first_rate(connection: Connection, query: Query, reads: Discharges) -> pd.DataFrame:
    """Discharges on pathways 0–1 ÷ discharges on pathways 0–3 (pathway_discharges). Read as
    two flags, not by destination and pathway: a year by unit then reads at most three keys a
    unit and week instead of every destination and pathway seen."""
    rows = reads.of(connection, query)
    rows = rows[rows["pathway_counted"].to_numpy(dtype=np.int64) == 1].reset_index(drop=True)
    home = count(rows, rows["home_first"].to_numpy(dtype=np.float64))
    return count_rows(connection, query, rows, home, count(rows))


def pathway_mix(connection: Connection, query: Query, reads: Discharges) -> pd.DataFrame:
    """Each pathway's discharges ÷ all the period's discharges on pathways 0–3."""
    rows = pathway_discharges(reads.of(connection, query))
    days = as_days(rows["discharged_date"])
    groups = labels(rows, query)
    grid = grid_for(connection, query, ACUTE_SETTINGS, [groups])
    on_pathway = event_counts(grid, days, groups, count(rows))
    everyone = event_counts(Grid(query.start, query.end, (None,)), days, None, count(rows))
    all_pathways = np.broadcast_to(everyone, on_pathway.shape)
    metric = query.metric
    return roll_up(grid, query.interval, "ratio", on_pathway, all_pathways, metric.scale)


def discharged_before_noon_rate(
    connection: Connection, query: Query, reads: Discharges
) -> pd.DataFrame:
    rows = reads.of(connection, query)
    before_noon = count(rows, rows["before_noon"].to_numpy(dtype=np.float64))
    return count_rows(connection, query, rows, before_noon, count(rows))


def delayed_discharge_rate(connection: Connection, query: Query, reads: Discharges) -> pd.DataFrame:
    """Discharges of a night or more made a day or more after the DRD ÷ discharges of a
    night or more (the DRD return's pct_one_plus_days)."""
    rows = reads.of(connection, query)
    overnight = flag(rows, "overnight")
    delayed = overnight * flag(rows, "delayed")
    return count_rows(connection, query, rows, count(rows, delayed), count(rows, overnight))


def mean_delay_delayed(connection: Connection, query: Query, reads: Discharges) -> pd.DataFrame:
    """Mean delay of the discharges delayed a day or more (the DRD return's
    mean_delay_delayed): the summed delays of the rows flagged delayed ÷ their count."""
    rows = reads.of(connection, query)
    delayed = flag(rows, "delayed")
    return count_rows(connection, query, rows, summed_delay(rows) * delayed, count(rows, delayed))
