"""The groups of a breakdown: labels per row, and the groups shown even when they are empty."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
from sqlalchemy import Connection

from metrics import sources
from metrics.data_start import NO_SYSTEM, group_starts
from metrics.grid import BANDS, Grid, label, make_grid
from metrics.metric import Query
from models.reference import D2A_PATHWAYS, PATHWAYS

# Breakdown labels are text: the pathways as groups shown even when empty.
ALL_PATHWAY_GROUPS = tuple(str(p) for p in PATHWAYS)
D2A_PATHWAY_GROUPS = tuple(str(p) for p in D2A_PATHWAYS)


def labels(rows: pd.DataFrame, query: Query) -> pd.Series | None:
    """Each row's group label, or None without a breakdown."""
    if query.group_by is None:
        return None
    if query.systems is not None:
        return label(_systems(rows["organisation"], query)).reset_index(drop=True)
    return label(rows[query.group_by]).reset_index(drop=True)


def _systems(organisations: pd.Series, query: Query) -> pd.Series:
    """Each organisation's system (query.systems), NO_SYSTEM for one without."""
    systems = dict(query.systems or ())
    return pd.Series([systems.get(o, NO_SYSTEM) for o in organisations], dtype=object)


def universe(
    connection: Connection,
    query: Query,
    settings: tuple[str, ...],
    pathways: tuple[str, ...] = ALL_PATHWAY_GROUPS,
) -> tuple[str, ...]:
    """Groups listed even without data: pathways, bands, and the units or organisations of the
    metric's settings (within the organisation filter)."""
    if query.group_by == "pathway":
        return pathways
    if query.group_by == "band":
        return BANDS
    if query.group_by in ("unit", "organisation"):
        units = sources.units(connection, settings, query.organisation)
        if query.systems is not None:
            return tuple(dict.fromkeys(_systems(units["organisation"], query)))
        return tuple(dict.fromkeys(units[query.group_by]))
    return ()


def listed(query: Query) -> bool:
    """Whether the breakdown's groups are listed even without data (`universe`): without a
    list (local authority), a figure's groups are those seen in its rows."""
    return query.group_by in (None, "pathway", "band", "unit", "organisation")


def grid_for(
    connection: Connection,
    query: Query,
    settings: tuple[str, ...],
    seen: list[pd.Series | None],
    pathways: tuple[str, ...] = ALL_PATHWAY_GROUPS,
) -> Grid:
    """The grid of a query: its days, the universe plus every label seen in `seen`, and the
    first day with figures of each group (metrics.data_start)."""
    if query.group_by is None:
        grid = make_grid(query.start, query.end, None)
    else:
        found = [s for s in seen if s is not None]
        observed = pd.concat(found) if found else pd.Series([], dtype=object)
        grid = make_grid(
            query.start, query.end, observed, universe(connection, query, settings, pathways)
        )
    systems = None if query.systems is None else dict(query.systems)
    starts = group_starts(
        connection, grid.groups, query.group_by, query.organisation, settings, systems
    )
    return replace(grid, known_from=starts)
