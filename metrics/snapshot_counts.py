"""The coordinator's figures counted by the database at two instants: sums of CASE flags,
grouped by every breakdown at once, so what reaches Python is a few hundred group rows, never
one per patient; and `InstantCounts`, which sums those rows into each breakdown.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, String, and_, case, cast, func, literal, select
from sqlalchemy.sql.elements import ColumnElement

from metrics import sources
from metrics.grid import BAND_FLOORS, BANDS, UNKNOWN
from metrics.instants import Window
from metrics.sources import Orgs
from models import ReadySpan, Stay, Unit
from models.clock import census_instant
from models.reference import ACUTE_SETTINGS, D2A_SETTINGS
from store.dialect.locks import grouped_by_hash, with_parallel_workers
from store.dialect.sql import ranges_as_union

STRANDED = (7, 14, 21)
# What stay_counts reads of a stay: all in ix_stay_length_start.
STAY_COLUMNS = [
    "setting",
    "unit_code",
    "organisation_code",
    "start_at",
    "end_at",
    "spell_admitted_date",
]


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))


def _label(column: Any) -> ColumnElement[str]:
    """A breakdown label in SQL: the value as text, 'unknown' when missing."""
    return func.coalesce(cast(column, String), literal(UNKNOWN))


def org_filter(column: Any, organisation: Orgs) -> list[ColumnElement[bool]]:
    return sources.org_filter(column, organisation)


# -- counting, in the database ---------------------------------------------------------------------


def fetch(connection: Connection, query: Any) -> pd.DataFrame:
    """The rows of a query as a DataFrame (built from plain tuples: from Row objects it costs
    pandas an attribute probe per row)."""
    result = connection.execute(query)
    return pd.DataFrame(list(map(tuple, result)), columns=list(result.keys()))


def stay_counts(connection: Connection, w: Window, organisation: Orgs) -> InstantCounts:
    """Stays (acute and D2A) in at each instant per unit, and the acute ones with LOS ≥ 7, 14,
    21 days: LOS at instant t ≥ n ⟺ admission date ≤ L − n (L the local date of t)."""
    settings = (*ACUTE_SETTINGS, *D2A_SETTINGS)
    if ranges_as_union(connection):
        rows = w.ranges(Stay, settings, STAY_COLUMNS)
        t, where = rows.c, list[ColumnElement[bool]]()
    else:
        rows, t, where = w.rows(Stay, settings, with_spell=False)
    now, before = w.in_now(t), w.in_before(t)
    columns = [t.setting, t.unit_code.label("unit"), t.organisation_code.label("organisation")]
    columns += [_flag(now).label("now"), _flag(before).label("before")]
    for n in STRANDED:
        old_now = t.spell_admitted_date <= w.now_day - timedelta(days=n)
        old_before = t.spell_admitted_date <= w.before_day - timedelta(days=n)
        columns.append(_flag(and_(now, old_now)).label(f"los{n}_now"))
        columns.append(_flag(and_(before, old_before)).label(f"los{n}_before"))
    query = (
        select(*columns)
        .select_from(rows)
        .where(*where, *org_filter(t.organisation_code, organisation))
        .group_by(t.unit_code, t.organisation_code, t.setting)  # not in the index's order
    )
    # A whole national deployment's stays in at two instants are some 400,000 index entries:
    # two workers share them (144 → 115 ms on the national year); a system's are too few.
    parallel = with_parallel_workers(connection) if organisation is None else nullcontext()
    with grouped_by_hash(connection), parallel:
        return InstantCounts(fetch(connection, query))


def _band(ready_since: Any, day: date) -> ColumnElement[str]:
    """The band of days waiting at local date `day`: waited ≥ n ⟺ DRD ≤ day − n ⟺ the
    readiness began before the census of day − n (the local midnight ending it)."""
    whens = [
        (ready_since < census_instant(day - timedelta(days=floor)), band)
        for floor, band in reversed(list(zip(BAND_FLOORS, BANDS, strict=True)))
        if floor > 0
    ]
    return case(*whens, else_=literal(BANDS[0]))


def ready_counts(connection: Connection, w: Window, organisation: Orgs) -> InstantCounts:
    """People ready in acute beds at each instant, grouped by every breakdown at once (their
    local authority kept on the piece of readiness: no join to the spells)."""
    rows, r, where = w.rows(ReadySpan, ACUTE_SETTINGS, with_spell=False)
    keys = [
        _label(r.planned_pathway).label("pathway"),
        r.organisation_code.label("organisation"),
        _label(r.local_authority).label("local_authority"),
        _label(r.reason_code).label("reason"),
        _band(r.ready_since, w.now_day).label("band_now"),
        _band(r.ready_since, w.before_day).label("band_before"),
    ]
    query = (
        select(*keys, _flag(w.in_now(r)).label("now"), _flag(w.in_before(r)).label("before"))
        .select_from(rows)
        .where(*where, *org_filter(r.organisation_code, organisation))
        .group_by(*keys)
    )
    # By hashing, as the stays: PostgreSQL expected one row of a national year's 37,000 and
    # sorted them (quicksort, 80 ms of the query's 300) to make 8,000 groups.
    with grouped_by_hash(connection):
        return InstantCounts(fetch(connection, query))


@dataclass(frozen=True)
class UnitRow:
    code: str
    name: str
    organisation_code: str
    setting: str
    pathway: int | None


def units_of(connection: Connection, organisation: Orgs) -> list[UnitRow]:
    """Every unit (of `organisation`): acute sites are listed in by_site even when empty, and
    every D2A unit in d2a_services."""
    u = Unit.__table__.c
    query = select(u.code, u.name, u.organisation_code, u.setting, u.pathway).where(
        *org_filter(u.organisation_code, organisation)
    )
    return [UnitRow(*row) for row in connection.execute(query.order_by(u.code))]


class InstantCounts:
    """Grouped counts from the database: label columns, and `now` / `before` (and LOS) sums.

    The rows are groups, not people: every breakdown is a sum over them (numpy)."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame

    def __getitem__(self, column: str) -> np.ndarray:
        return self.frame[column].to_numpy()

    def where(self, mask: np.ndarray) -> InstantCounts:
        return InstantCounts(self.frame[mask])

    def total(self, now: str = "now", before: str = "before") -> dict[str, int]:
        return {"now": int(self[now].sum()), "before": int(self[before].sum())}

    def groups(self, key: str, universe: Sequence[str] = ()) -> list[dict[str, Any]]:
        """{group, now, before}: the universe (shown even when empty), then the other groups
        seen, sorted, then 'unknown' (the metrics' breakdown order). A group is seen when it
        counts at either instant."""
        now, before = self._by(key, "now"), self._by(key, "before")
        seen = {g for g in (*now, *before) if now.get(g, 0) or before.get(g, 0)}
        return [
            {"group": g, "now": now.get(g, 0), "before": before.get(g, 0)}
            for g in _order(seen, universe)
        ]

    def bands(self) -> list[dict[str, Any]]:
        """People ready at each instant by days waiting (local date of the instant − DRD)."""
        now, before = self._by("band_now", "now"), self._by("band_before", "before")
        return [{"band": b, "now": now.get(b, 0), "before": before.get(b, 0)} for b in BANDS]

    def _by(self, key: str, value: str) -> dict[str, int]:
        labels, inverse = np.unique(self[key].astype(str), return_inverse=True)
        sums = np.bincount(inverse, weights=self[value].astype(float), minlength=len(labels))
        return {str(g): int(n) for g, n in zip(labels, sums, strict=True)}


def _order(seen: Iterable[str], universe: Sequence[str]) -> list[str]:
    extra = set(seen) - set(universe)
    return [*universe, *sorted(extra - {UNKNOWN}), *([UNKNOWN] if UNKNOWN in extra else [])]
