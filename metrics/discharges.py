"""Flow metrics counted on the day something happened: readiness starts and acute discharges."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sqlalchemy import Connection

from metrics import sources
from metrics.breakdown import grid_for, labels
from metrics.calendar import as_days, local_days, local_hours
from metrics.grid import Grid, delay_bands, event_counts, roll_up
from metrics.query import Query

ACUTE = sources.ACUTE
NOT_COUNTED_FOR_PATHWAYS = ("died", "other_hospital")
HOME_FIRST = (0, 1)


def acute_discharges_frame(connection: Connection, query: Query) -> pd.DataFrame:
    """Acute discharges of the period, with their delay band."""
    rows = sources.discharges(connection, ACUTE, query.start, query.end, query.organisation)
    rows["band"] = delay_bands(rows["delay_days"].fillna(0))
    return rows


def count_rows(
    connection: Connection,
    query: Query,
    rows: pd.DataFrame,
    days: NDArray[np.datetime64],
    numerator: NDArray[np.float64] | None = None,
    denominator: NDArray[np.float64] | None = None,
) -> pd.DataFrame:
    """Rows counted on their day; with `denominator` weights, a ratio of the two weights."""
    groups = labels(rows, query)
    grid = grid_for(connection, query, ACUTE, [groups])
    num = event_counts(grid, days, groups, numerator)
    den = None if denominator is None else event_counts(grid, days, groups, denominator)
    metric = query.metric
    return roll_up(grid, query.interval, metric.aggregation, num, den, metric.scale)


def ready_new(connection: Connection, query: Query) -> pd.DataFrame:
    """Readiness periods beginning in the period; attributes as they stood once every event at
    that instant was applied (the last of the period's first pieces)."""
    rows = sources.readiness_starts(connection, query.start, query.end, query.organisation)
    rows = rows.sort_values(["spell_id", "start_at", "seq"])
    rows = rows.drop_duplicates(["spell_id", "start_at"], keep="last").reset_index(drop=True)
    return count_rows(connection, query, rows, local_days(rows["start_at"]))


def acute_discharges(connection: Connection, query: Query) -> pd.DataFrame:
    rows = acute_discharges_frame(connection, query)
    return count_rows(connection, query, rows, as_days(rows["discharged_date"]))


def bed_days_lost(connection: Connection, query: Query) -> pd.DataFrame:
    rows = acute_discharges_frame(connection, query)
    delays = rows["delay_days"].to_numpy(dtype=np.float64)
    return count_rows(connection, query, rows, as_days(rows["discharged_date"]), delays)


def discharge_delay(connection: Connection, query: Query) -> pd.DataFrame:
    rows = acute_discharges_frame(connection, query)
    delays = rows["delay_days"].to_numpy(dtype=np.float64)
    ones = np.ones(len(rows))
    return count_rows(connection, query, rows, as_days(rows["discharged_date"]), delays, ones)


def pathway_discharges(connection: Connection, query: Query) -> pd.DataFrame:
    """Acute discharges on pathways 0–3, leaving out deaths and transfers to other hospitals."""
    rows = acute_discharges_frame(connection, query)
    counted = rows["pathway"].notna() & ~rows["destination"].isin(NOT_COUNTED_FOR_PATHWAYS)
    return rows[counted].reset_index(drop=True)


def home_first_rate(connection: Connection, query: Query) -> pd.DataFrame:
    rows = pathway_discharges(connection, query)
    home = np.asarray(rows["pathway"].isin(HOME_FIRST), dtype=np.float64)
    days = as_days(rows["discharged_date"])
    return count_rows(connection, query, rows, days, home, np.ones(len(rows)))


def pathway_mix(connection: Connection, query: Query) -> pd.DataFrame:
    """Each pathway's discharges ÷ all the period's discharges on pathways 0–3."""
    rows = pathway_discharges(connection, query)
    days = as_days(rows["discharged_date"])
    groups = labels(rows, query)
    grid = grid_for(connection, query, ACUTE, [groups])
    on_pathway = event_counts(grid, days, groups)
    everyone = event_counts(Grid(query.start, query.end, (None,)), days)
    all_pathways = np.broadcast_to(everyone, on_pathway.shape)
    metric = query.metric
    return roll_up(grid, query.interval, "ratio", on_pathway, all_pathways, metric.scale)


def delay_band(connection: Connection, query: Query) -> pd.DataFrame:
    return acute_discharges(connection, query)


def discharged_before_noon_rate(connection: Connection, query: Query) -> pd.DataFrame:
    rows = acute_discharges_frame(connection, query)
    before_noon = np.asarray(local_hours(rows["discharged_at"]) < 12, dtype=np.float64)
    days = as_days(rows["discharged_date"])
    return count_rows(connection, query, rows, days, before_noon, np.ones(len(rows)))


def weekend_discharge_ratio(connection: Connection, query: Query) -> pd.DataFrame:
    """Daily discharge counts; the roll-up divides the weekend mean by the weekday mean."""
    return acute_discharges(connection, query)
