"""Outcome metrics: bed days saved against a baseline, readmissions, and D2A episode results."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from metrics.breakdown import D2A_PATHWAY_GROUPS, grid_for, labels
from metrics.calendar import as_days
from metrics.data_start import group_starts
from metrics.discharge_sources import FOLLOW_UP_DAYS, Discharges
from metrics.discharges import count, count_rows, summed_delay
from metrics.grid import event_counts, period_sums, roll_up
from metrics.metric import Query
from models.clock import local_date
from models.reference import ACUTE_SETTINGS, D2A_SETTINGS


def baseline_mean_delay(connection: Connection, query: Query, reads: Discharges) -> pd.Series:
    """Mean delay per pathway of the acute discharges with a pathway in the baseline, from the
    data start of the question's scope on (metrics.data_start: days before it have no figure,
    so they give no baseline either)."""
    rows = reads.rows(connection, query, None, query.baseline_start, query.baseline_end)
    [start] = group_starts(connection, [None], None, query.organisation, ACUTE_SETTINGS)
    if start > query.baseline_start:
        rows = rows[as_days(rows["discharged_date"]) >= np.datetime64(start, "D")]
    rows = rows[rows["pathway"].notna()]
    pathway = rows["pathway"].astype(int)
    total = pd.Series(summed_delay(rows), index=rows.index).groupby(pathway).sum()
    return total / pd.Series(count(rows), index=rows.index).groupby(pathway).sum()


def bed_days_saved(connection: Connection, query: Query, reads: Discharges) -> pd.DataFrame:
    """Σ per discharge of (baseline mean delay on its pathway − its delay); `reads` gives the
    discharges and their summed delays by pathway, in the period and in the baseline. Without
    baseline discharges there is no figure: value null, and `note` says why (never a 0).

    Counted per period as Σ over pathways p of (mean_p × discharges on p) − Σ delay: the
    discharges and delays of a period are whole numbers, summed alike from days or from the
    tallies' spans (Metric.summed_spans), so the figure takes one rounding per pathway."""
    rows = reads.of(connection, query)
    rows = rows[rows["pathway"].notna()].reset_index(drop=True)
    baseline = baseline_mean_delay(connection, query, reads)
    rows = rows[rows["pathway"].astype(int).isin(baseline.index)].reset_index(drop=True)
    pathway = rows["pathway"].astype(int).to_numpy()
    groups = labels(rows, query)
    grid = grid_for(connection, query, ACUTE_SETTINGS, [groups])
    days = as_days(rows["discharged_date"])

    result = roll_up(
        grid, query.interval, "sum", event_counts(grid, days, groups, summed_delay(rows))
    )
    expected = np.zeros(len(result))
    for p, mean in baseline.items():
        on_p = event_counts(grid, days, groups, count(rows) * (pathway == p))
        expected += float(mean) * period_sums(grid, query.interval, on_p)
    result["value"] = expected - result["value"].to_numpy()
    result["note"] = None
    period = f"{query.baseline_start.isoformat()} to {query.baseline_end.isoformat()}"
    if baseline.empty:
        _no_figure(result, slice(None), f"no baseline: no discharges {period}")
    elif query.group_by == "pathway":
        known = {str(p) for p in baseline.index}
        missing = ~result["group"].isin(known)
        _no_figure(result, missing, f"no baseline: no discharges on this pathway {period}")
    cost = query.cost_per_bed_day
    result["priced_value"] = result["value"] * cost if cost is not None else np.nan
    return result


def _no_figure(result: pd.DataFrame, rows: Any, note: str) -> None:
    """Rows without a baseline: no value, and the reason."""
    result.loc[rows, "value"] = np.nan
    result.loc[rows, "note"] = note


def baseline_answer(query: Query) -> dict[str, Any]:
    """The baseline and the price of a bed day, shown beside bed days saved."""
    return {
        "baseline_start": query.baseline_start.isoformat(),
        "baseline_end": query.baseline_end.isoformat(),
        "cost_per_bed_day": query.cost_per_bed_day,
    }


def readmission_30d_rate(connection: Connection, query: Query, reads: Discharges) -> pd.DataFrame:
    """Discharges alive, not to another hospital, followed by an emergency acute admission of the
    same patient on days 0–29 after the discharge date; incomplete while follow-up is short."""
    rows = reads.of(connection, query)
    counted = rows["readmission_counted"].to_numpy(dtype=np.int64) == 1
    rows = rows[counted].reset_index(drop=True)
    readmitted = rows["readmitted"].to_numpy(dtype=np.float64)
    result = count_rows(connection, query, rows, readmitted, count(rows))
    today = np.datetime64(local_date(query.now), "D")
    follow_up_end = result["last_day"].to_numpy() + np.timedelta64(FOLLOW_UP_DAYS, "D")
    result["incomplete"] = np.asarray(follow_up_end > today, dtype=bool)
    return result


def d2a_length_of_stay(connection: Connection, query: Query, reads: Discharges) -> pd.DataFrame:
    """Σ length of stay ÷ episodes; `reads` sums the lengths (Discharges.lengths)."""
    rows = reads.of(connection, query)
    lengths = rows["length"].to_numpy(dtype=np.float64)
    return _d2a_ratio(connection, query, rows, lengths)


def d2a_home_rate(connection: Connection, query: Query, reads: Discharges) -> pd.DataFrame:
    rows = reads.of(connection, query)
    home = rows["home"].fillna(False).astype(bool)
    return _d2a_ratio(connection, query, rows, count(rows, home))


def _d2a_ratio(
    connection: Connection, query: Query, rows: pd.DataFrame, numerator: np.ndarray
) -> pd.DataFrame:
    groups = labels(rows, query)
    grid = grid_for(connection, query, D2A_SETTINGS, [groups], D2A_PATHWAY_GROUPS)
    days = as_days(rows["discharged_date"])
    num = event_counts(grid, days, groups, numerator)
    den = event_counts(grid, days, groups, count(rows))
    metric = query.metric
    return roll_up(grid, query.interval, "ratio", num, den, metric.scale)
