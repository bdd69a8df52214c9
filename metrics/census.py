"""Census metrics: who is in a bed (or ready to leave it) at each day's census."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from metrics import census_sources, sources
from metrics.breakdown import ALL_PATHWAY_GROUPS, D2A_PATHWAY_GROUPS, grid_for, labels
from metrics.calendar import Days, as_days
from metrics.census_sources import CensusRows
from metrics.grid import (
    BAND_CEILINGS,
    BAND_FLOORS,
    BANDS,
    census_counts,
    roll_up,
    split_by_elapsed,
)
from metrics.metric import Query
from models.reference import ACUTE_SETTINGS, D2A_SETTINGS

# What the census figures read (metrics.catalogue names one for each figure).
ACUTE_STAYS = CensusRows(
    "acute stays:False",
    lambda org, group_by, by_org: census_sources.stays(
        ACUTE_SETTINGS, org, group_by, False, by_org
    ),
)
ACUTE_STAYS_WITH_ADMISSION = CensusRows(
    "acute stays:True",
    lambda org, group_by, by_org: census_sources.stays(ACUTE_SETTINGS, org, group_by, True, by_org),
    lambda _group_by: ("admitted_date",),
)
READY_SPANS = CensusRows(
    "ready spans:None",
    lambda org, group_by, by_org: census_sources.ready_spans(org, group_by, None, by_org),
    lambda group_by: ("ready_since",) if group_by == "band" else (),
)
WAITING_SPANS = CensusRows(
    "ready spans:(1, 2, 3)",
    lambda org, group_by, by_org: census_sources.ready_spans(org, group_by, (1, 2, 3), by_org),
    lambda group_by: ("ready_since",) if group_by == "band" else (),
)
D2A_STAYS = CensusRows(
    "d2a stays",
    lambda org, group_by, by_org: census_sources.stays(
        D2A_SETTINGS, org, group_by, by_organisation=by_org
    ),
)


def acute_census(
    connection: Connection, query: Query, stays: CensusRows, min_los: int = 1
) -> pd.DataFrame:
    """Acute stays at each census with length of stay ≥ min_los (1 counts everyone; above 1
    the stays must carry their spell's admission date).

    LOS at the census of D is D + 1 − admission date, so the stay counts from the day
    admission date + min_los − 1 onwards; the admission date is the spell's, so LOS runs
    across ward transfers. A departure moved to that day too cancels its arrival when the
    stay left before reaching min_los.
    """
    moves = _moves(connection, query, stays)
    first = moves.day
    if min_los > 1:
        from_los = moves.origin("admitted_date") + np.timedelta64(min_los - 1, "D")
        first = np.maximum(first, from_los)
    groups = labels(moves.rows, query)
    grid = grid_for(connection, query, ACUTE_SETTINGS, [groups])
    counts = census_counts(grid, first, _open(first, query), groups, moves.weight)
    return roll_up(grid, query.interval, query.metric.aggregation, counts)


def stranded(min_los: int) -> Callable[[Connection, Query, CensusRows], pd.DataFrame]:
    """The census of acute stays with length of stay ≥ min_los."""
    return partial(acute_census, min_los=min_los)


def ready_census(
    connection: Connection,
    query: Query,
    spans: CensusRows,
    pathways: tuple[str, ...] = ALL_PATHWAY_GROUPS,
) -> pd.DataFrame:
    """Acute ready spans at each census; by pathway, `pathways` are shown even when empty.

    The band is the days ready at the census: D + 1 − the date the readiness began.
    """
    moves = _moves(connection, query, spans)
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
    grid = grid_for(connection, query, ACUTE_SETTINGS, [groups], pathways)
    counts = census_counts(grid, first, last, groups, weights)
    return roll_up(grid, query.interval, query.metric.aggregation, counts)


def waiting_census(connection: Connection, query: Query, spans: CensusRows) -> pd.DataFrame:
    """The ready census of people waiting for a D2A service (pathways 1, 2, 3)."""
    return ready_census(connection, query, spans, D2A_PATHWAY_GROUPS)


def _moves(connection: Connection, query: Query, rows: CensusRows) -> census_sources.Moves:
    return rows.moves(connection, query.group_by, query.organisation, query.start, query.end)


def _open(first: Days, query: Query) -> Days:
    """Every move counts to the end of the period (a departure is a negative arrival)."""
    return np.full(first.shape, np.datetime64(query.end, "D"))


def d2a_occupancy(connection: Connection, query: Query, stays: CensusRows) -> pd.DataFrame:
    """D2A stays at each census ÷ the capacity in force that day."""
    moves = _moves(connection, query, stays)
    history = sources.capacity(connection, query.end, query.organisation)
    cap_first, cap_last = _in_force(history, query)
    stay_groups, cap_groups = labels(moves.rows, query), labels(history, query)
    grid = grid_for(connection, query, D2A_SETTINGS, [stay_groups, cap_groups], D2A_PATHWAY_GROUPS)
    first = moves.day
    occupied = census_counts(grid, first, _open(first, query), stay_groups, moves.weight)
    weights = history["capacity"].to_numpy(dtype=np.float64)
    capacity = census_counts(grid, cap_first, cap_last, cap_groups, weights)
    return roll_up(grid, query.interval, "ratio", occupied, capacity, query.metric.scale)


def _in_force(history: pd.DataFrame, query: Query) -> tuple[np.ndarray, np.ndarray]:
    """The days each capacity row is in force: from its date to the day before the next one."""
    first = as_days(history["effective_from"])
    following = as_days(history.groupby("unit")["effective_from"].shift(-1))
    last = following - np.timedelta64(1, "D")
    return first, np.where(np.isnat(last), np.datetime64(query.end, "D"), last)
