"""Census metrics: who is in a bed (or ready to leave it) at each day's census."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from metrics import census_sources, sources
from metrics.breakdown import ALL_PATHWAY_GROUPS, D2A_PATHWAY_GROUPS, grid_for, labels, listed
from metrics.calendar import Days, as_days
from metrics.census_sources import CensusRows
from metrics.data_start import summed_spans
from metrics.grid import (
    BAND_CEILINGS,
    BAND_FLOORS,
    BANDS,
    Grid,
    census_counts,
    event_counts,
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


def stranded_stays(min_los: int) -> CensusRows:
    """Acute stays counted at a census only while their length of stay is min_los or more:
    each arrives on the later of its own day and admission date + min_los − 1, so the census
    of these rows is the stranded figure itself and their key holds no admission date."""
    return CensusRows(
        f"acute stays:los {min_los}+",
        lambda org, group_by, by_org: census_sources.stays(
            ACUTE_SETTINGS, org, group_by, min_los, by_org
        ),
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


def acute_census(connection: Connection, query: Query, stays: CensusRows) -> pd.DataFrame:
    """Acute stays at each census."""
    sums = _span_sums(connection, query, stays)
    if sums is not None:
        groups = labels(sums, query)
        return _summed(connection, query, sums, groups, [groups])
    moves = _moves(connection, query, stays)
    groups = labels(moves.rows, query)
    grid = grid_for(connection, query, ACUTE_SETTINGS, [groups])
    return _census_of(grid, moves, groups, query)


def stranded_census(
    connection: Connection, query: Query, stranded: CensusRows, stays: CensusRows
) -> pd.DataFrame:
    """Acute stays at each census with length of stay at least the threshold of `stranded`
    (stranded_stays). LOS at the census of D is D + 1 − admission date, the spell's, so it runs
    across ward transfers.

    The groups are those of every acute stay at some census of the period (`stays`, the acute
    census), stranded or not, as when the stays' admission dates were read: a breakdown with
    no list of its own (local authority) shows a group with stays but none stranded as 0.
    """
    sums = _span_sums(connection, query, stranded)
    if sums is not None:
        groups = labels(sums, query)
        seen = [groups]
        if not listed(query):
            every = _span_sums(connection, query, stays)
            seen.append(
                labels(every if every is not None else _moves(connection, query, stays).rows, query)
            )
        return _summed(connection, query, sums, groups, seen)
    moves = _moves(connection, query, stranded)
    groups = labels(moves.rows, query)
    seen = [groups]
    if not listed(query):
        seen.append(labels(_moves(connection, query, stays).rows, query))
    grid = grid_for(connection, query, ACUTE_SETTINGS, seen)
    return _census_of(grid, moves, groups, query)


def _census_of(
    grid: Grid, moves: census_sources.Moves, groups: pd.Series | None, query: Query
) -> pd.DataFrame:
    first = moves.day
    counts = census_counts(grid, first, _open(first, query), groups, moves.weight)
    return roll_up(grid, query.interval, query.metric.aggregation, counts)


def ready_census(
    connection: Connection,
    query: Query,
    spans: CensusRows,
    pathways: tuple[str, ...] = ALL_PATHWAY_GROUPS,
) -> pd.DataFrame:
    """Acute ready spans at each census; by pathway, `pathways` are shown even when empty.

    The band is the days ready at the census: D + 1 − the date the readiness began.
    """
    groups: pd.Series | None
    sums = _span_sums(connection, query, spans)
    if sums is not None:
        groups = labels(sums, query)
        return _summed(connection, query, sums, groups, [groups], pathways)
    moves = _moves(connection, query, spans)
    first, weights = moves.day, moves.weight
    last = _open(first, query)
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


def _span_sums(connection: Connection, query: Query, rows: CensusRows) -> pd.DataFrame | None:
    """The census summed per span, for a figure that sums its days' censuses by week, month or
    in total (Metric.summed_spans; not by band): None to count it day by day."""
    spans = summed_spans(connection, query)
    if spans is None or query.group_by == "band":
        return None
    return rows.span_sums(
        connection, query.group_by, query.organisation, query.start, query.end, spans
    )


def _summed(
    connection: Connection,
    query: Query,
    sums: pd.DataFrame,
    groups: pd.Series | None,
    seen: list[pd.Series | None],
    pathways: tuple[str, ...] = ALL_PATHWAY_GROUPS,
) -> pd.DataFrame:
    """Period rows from census sums per span, each counted on its span's first day: a
    period's sum is its spans' (a span is inside one period, and each group has figures on
    all of a span's days or none)."""
    grid = grid_for(connection, query, ACUTE_SETTINGS, seen, pathways)
    weights = sums["weight"].to_numpy(dtype=np.float64)
    counts = event_counts(grid, as_days(sums["day"]), groups, weights)
    return roll_up(grid, query.interval, query.metric.aggregation, counts)


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
