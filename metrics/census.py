"""Census metrics: who is in a bed (or ready to leave it) at each day's census."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from metrics import census_sources, sources
from metrics.breakdown import D2A_PATHWAYS, grid_for, labels
from metrics.calendar import Days, as_days
from metrics.grid import (
    BAND_CEILINGS,
    BAND_FLOORS,
    BANDS,
    census_counts,
    roll_up,
    split_by_elapsed,
)
from metrics.query import Query
from models.reference import D2A_SETTINGS

ACUTE = sources.ACUTE


def acute_census(connection: Connection, query: Query, min_los: int = 1) -> pd.DataFrame:
    """Acute stays at each census with length of stay ≥ min_los (1 counts everyone).

    LOS at the census of D is D + 1 − admission date, so the stay counts from the day
    admission date + min_los − 1 onwards; the admission date is the spell's, so LOS runs
    across ward transfers. A departure moved to that day too cancels its arrival when the
    stay left before reaching min_los.
    """
    admitted = min_los > 1

    def rows(org: str | None, by_org: bool) -> census_sources.Intervals:
        return census_sources.stays(ACUTE, org, query.group_by, admitted, by_org)

    origins = ("admitted_date",) if admitted else ()
    moves = _moves(connection, query, rows, f"acute stays:{admitted}", origins)
    first = moves.day
    if min_los > 1:
        from_los = moves.origin("admitted_date") + np.timedelta64(min_los - 1, "D")
        first = np.maximum(first, from_los)
    groups = labels(moves.rows, query)
    grid = grid_for(connection, query, ACUTE, [groups])
    counts = census_counts(grid, first, _open(first, query), groups, moves.weight)
    return roll_up(grid, query.interval, query.metric.aggregation, counts)


def ready_census(
    connection: Connection, query: Query, pathways: tuple[int, ...] | None = None
) -> pd.DataFrame:
    """Acute ready spans at each census (optionally only those planned for `pathways`).

    The band is the days ready at the census: D + 1 − the date the readiness began.
    """

    def rows(org: str | None, by_org: bool) -> census_sources.Intervals:
        return census_sources.ready_spans(org, query.group_by, pathways, by_org)

    origins = ("ready_since",) if query.group_by == "band" else ()
    moves = _moves(connection, query, rows, f"ready spans:{pathways}", origins)
    first, weights = moves.day, moves.weight
    last = _open(first, query)
    groups: pd.Series | None
    if query.group_by == "band":
        since = moves.origin("ready_since")
        first, last, groups = split_by_elapsed(
            first, last, since, BAND_FLOORS, BAND_CEILINGS, BANDS
        )
        weights = np.tile(weights, len(BANDS))
    else:
        groups = labels(moves.rows, query)
    universe_pathways = D2A_PATHWAYS if pathways is not None else ("0", "1", "2", "3")
    grid = grid_for(connection, query, ACUTE, [groups], universe_pathways)
    counts = census_counts(grid, first, last, groups, weights)
    return roll_up(grid, query.interval, query.metric.aggregation, counts)


def _moves(
    connection: Connection,
    query: Query,
    rows: Callable[[str | None, bool], census_sources.Intervals],
    what: str,
    origins: tuple[str, ...] = (),
) -> census_sources.Moves:
    return census_sources.counted_moves(
        connection, rows, what, query.group_by, query.organisation, query.start, query.end, origins
    )


def _open(first: Days, query: Query) -> Days:
    """Every move counts to the end of the period (a departure is a negative arrival)."""
    return np.full(first.shape, np.datetime64(query.end, "D"))


def ready_to_leave(connection: Connection, query: Query) -> pd.DataFrame:
    return ready_census(connection, query)


def d2a_waiting(connection: Connection, query: Query) -> pd.DataFrame:
    return ready_census(connection, query, pathways=(1, 2, 3))


def d2a_occupancy(connection: Connection, query: Query) -> pd.DataFrame:
    """D2A stays at each census ÷ the capacity in force that day."""

    def rows(org: str | None, by_org: bool) -> census_sources.Intervals:
        return census_sources.stays(D2A_SETTINGS, org, query.group_by, by_organisation=by_org)

    stays = _moves(connection, query, rows, "d2a stays")
    history = sources.capacity(connection, query.end, query.organisation)
    cap_first, cap_last = _in_force(history, query)
    stay_groups, cap_groups = labels(stays.rows, query), labels(history, query)
    grid = grid_for(connection, query, D2A_SETTINGS, [stay_groups, cap_groups], D2A_PATHWAYS)
    first = stays.day
    occupied = census_counts(grid, first, _open(first, query), stay_groups, stays.weight)
    weights = history["capacity"].to_numpy(dtype=np.float64)
    capacity = census_counts(grid, cap_first, cap_last, cap_groups, weights)
    return roll_up(grid, query.interval, "ratio", occupied, capacity, query.metric.scale)


def _in_force(history: pd.DataFrame, query: Query) -> tuple[np.ndarray, np.ndarray]:
    """The days each capacity row is in force: from its date to the day before the next one."""
    first = as_days(history["effective_from"])
    following = as_days(history.groupby("unit")["effective_from"].shift(-1))
    last = following - np.timedelta64(1, "D")
    return first, np.where(np.isnat(last), np.datetime64(query.end, "D"), last)
