"""Census inputs counted by the database: arrivals and departures per local day and group.

A census over a period is a cumulative sum of arrivals minus departures (ARCHITECTURE, Habits).
The database groups the rows (stays, or pieces of readiness) counted at some census of the
period by the local date they arrive on (that of start_at, or `start` for a row already in at
the census before it) and by the local date they leave on (that of end_at, when it falls inside
the period), with the breakdown and the origin the figure needs. A year of a large system is a
few hundred rows per group instead of one per stay, whatever the number of stays.

A row (start_at, end_at] is in at the census of D when local_date(start_at) ≤ D <
local_date(end_at), so it adds its count from its arrival day and takes it away from its
departure day; a departure is never earlier than its arrival.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, case, func, literal_column, null, or_, select
from sqlalchemy.sql.elements import ColumnElement

from metrics import tally
from metrics.calendar import Days, as_days
from metrics.sources import TIMES, Orgs, frame, org_filter
from models import ReadySpan, Spell, Stay, Unit
from models.clock import census_instant
from store.dialect.local_day import local_day, years_around
from store.dialect.sql import micros

ORGANISATION = "organisation"


@dataclass(frozen=True)
class Intervals:
    """Rows with start_at and end_at, as SQL: where to read them, which of them, and the
    columns (breakdown, origin) to count them by."""

    table: Any  # the columns of the interval table (stay or ready_span)
    selectable: Any  # the FROM clause (the table with any joins)
    where: list[ColumnElement[bool]]
    by: dict[str, Any] = field(default_factory=dict)
    days: frozenset[str] = frozenset()  # which of `by` are instants to count by local date


@dataclass(frozen=True)
class Moves:
    """Arrivals (+n) and departures (−n) per local day: `day` (arrivals before start are on
    start), `weight`, and the `by` columns."""

    rows: pd.DataFrame

    @property
    def day(self) -> Days:
        return as_days(self.rows["day"])

    @property
    def weight(self) -> np.ndarray:
        return self.rows["weight"].to_numpy(dtype=np.float64)

    def origin(self, name: str) -> Days:
        return as_days(self.rows[name])


def moves(connection: Connection, rows: Intervals, start: date, end: date) -> Moves:
    """The arrivals and departures of the rows counted at some census from start to end."""
    years = years_around(start, end)
    before, last = census_instant(start - timedelta(days=1)), census_instant(end)
    t = rows.table
    overlap = [t.start_at < last, or_(t.end_at.is_(None), t.end_at >= census_instant(start))]
    # A row in at the census before start arrives on start: NULL here, so the database neither
    # computes its date nor spreads such rows over the days of the history.
    arrive = case((t.start_at < before, null()), else_=local_day(connection, t.start_at, years))
    leave = local_day(connection, t.end_at, years)
    arrivals = _grouped(connection, rows, arrive, years, overlap)
    departures = _grouped(connection, rows, leave, years, [*overlap, t.end_at < last])
    departures["n"] = -departures["n"]
    both = pd.concat([arrivals, departures], ignore_index=True)
    both["day"] = both["day"].fillna(pd.Timestamp(start))
    both["weight"] = both.pop("n").astype(np.float64)
    return Moves(both)


@dataclass(frozen=True)
class CensusRows:
    """Rows counted at each census (stays, or pieces of readiness) as a figure reads them:
    `intervals(org, group_by, by_organisation)` selects them; `name` keys their tally;
    `origins(group_by)` are the origin dates counted with them (length of stay, days ready).

    Read from the tallies (metrics.tally): one organisation's figures, and figures by unit or
    organisation, from a tally keyed by organisation (system-wide, by unit or organisation,
    it is all read: a unit has one organisation, so the key is no longer); other system-wide
    figures from a tally without."""

    name: str
    intervals: Callable[[Orgs, str | None, bool], Intervals]
    origins: Callable[[str | None], tuple[str, ...]] = lambda _group_by: ()

    def tallied(self, group_by: str | None, by_organisation: bool) -> tally.Tallied:
        by_organisation = by_organisation or group_by in ("unit", ORGANISATION)
        key = f"{self.name}:{group_by}" + (":by organisation" if by_organisation else "")
        rows = self.intervals(None, group_by, by_organisation)
        return replace(
            self._counted(key, group_by, by_organisation, rows),
            **self._within(rows, group_by, by_organisation),
        )

    def _within(self, rows: Intervals, group_by: str | None, by_organisation: bool) -> Any:
        """The finer tally this one's days are a sum of (counted once by a refresh): one
        organisation's by nothing or by organisation, of its units; system-wide, of the
        organisations' (when both read the same rows: not whole spells)."""
        if by_organisation and group_by in (None, ORGANISATION):
            return {"within": self.tallied("unit", True), "summed_out": ("unit",)}
        finer = self.intervals(None, group_by, True)
        if not by_organisation and finer.table is rows.table:
            return {"within": self.tallied(group_by, True), "summed_out": (ORGANISATION,)}
        return {}

    def _counted(
        self, key: str, group_by: str | None, by_organisation: bool, rows: Intervals
    ) -> tally.Tallied:
        intervals = self.intervals
        return tally.Tallied(
            key=key,
            day="day",
            values=("weight",),
            live=lambda c, a, b, org: (
                moves(c, intervals(org, group_by, by_organisation), a, b).rows
            ),
            days=lambda c, a, b, org: flows(
                c, rows if org is None else intervals(org, group_by, by_organisation), a, b
            ),
            census=True,
            origins=self.origins(group_by),
        )

    def moves(
        self, connection: Connection, group_by: str | None, org: Orgs, start: date, end: date
    ) -> Moves:
        """The arrivals and departures of the rows counted at some census from start to end,
        of organisation `org` (all for None), by `group_by`."""
        tallied = self.tallied(group_by, org is not None)
        rows = tally.read(connection, tallied, start, end, org)
        if ORGANISATION in rows and group_by != ORGANISATION:
            rows = rows.drop(columns=ORGANISATION)
        return Moves(rows)


def flows(connection: Connection, rows: Intervals, start: date, end: date) -> pd.DataFrame:
    """Arrivals (+n) and departures (−n) each on its own local day from start to end (what the
    tally keeps of a census: `moves` over a period is these, with earlier days on its start)."""
    years = years_around(start, end)
    since, until = census_instant(start - timedelta(days=1)), census_instant(end)
    t = rows.table
    arrive, leave = (local_day(connection, c, years) for c in (t.start_at, t.end_at))
    arrivals = _grouped(connection, rows, arrive, years, [t.start_at >= since, t.start_at < until])
    departures = _grouped(connection, rows, leave, years, [t.end_at >= since, t.end_at < until])
    departures["n"] = -departures["n"]
    both = pd.concat([arrivals, departures], ignore_index=True)
    both["weight"] = both.pop("n").astype(np.float64)
    return both


def _grouped(
    connection: Connection,
    rows: Intervals,
    day: ColumnElement[Any],
    years: range,
    where: list[ColumnElement[bool]],
) -> pd.DataFrame:
    columns = [micros(connection, day, "day")]
    for name, column in rows.by.items():
        if name in rows.days:
            column = local_day(connection, column, years)
        columns.append(micros(connection, column, name) if name in TIMES else column.label(name))
    query = (
        select(*columns, func.count().label("n"))
        .select_from(rows.selectable)
        .where(*rows.where, *where)
        .group_by(*(literal_column(str(i + 1)) for i in range(len(columns))))
    )
    return frame(connection, query)


def stays(
    settings: tuple[str, ...],
    org: Orgs,
    group_by: str | None,
    admitted: bool = False,
    by_organisation: bool = False,
) -> Intervals:
    """Stays in units of `settings`, by `group_by` (and, `by_organisation`, their unit's
    organisation) and, if `admitted`, the spell's admission date (stranded: length of stay runs
    across ward transfers)."""
    whole_spells = org is None and not by_organisation and group_by in (None, "local_authority")
    if admitted and whole_spells:
        return _spells(settings, group_by)
    t, s, u = Stay.__table__.c, Spell.__table__.c, Unit.__table__.c
    breakdown = {
        "unit": t.unit_code,
        "organisation": t.organisation_code,
        "local_authority": s.local_authority,
        "pathway": u.pathway,
    }
    by = {} if group_by is None else {group_by: breakdown[group_by]}
    if by_organisation:
        by[ORGANISATION] = t.organisation_code
    if admitted:
        by["admitted_date"] = s.admitted_date
    selectable: Any = Stay.__table__
    if admitted or group_by == "local_authority":
        selectable = selectable.join(Spell.__table__, t.spell_id == s.spell_id)
    if group_by == "pathway":
        selectable = selectable.join(Unit.__table__, u.code == t.unit_code)
    where = [t.setting.in_(settings), *_org(t.organisation_code, org)]
    return Intervals(t, selectable, where, by)


def _spells(settings: tuple[str, ...], group_by: str | None) -> Intervals:
    """Whole spells in units of `settings`, by admission date (and local authority): the same
    census as their stays when no breakdown or filter needs the unit, without joining every
    stay to its spell. A spell's stays follow one another with no gap (a transfer ends one as
    it starts the next), so exactly one of them is in at any census the spell is in at."""
    s = Spell.__table__.c
    spells = select(
        s.admitted_at.label("start_at"),
        s.discharged_at.label("end_at"),
        s.admitted_date,
        s.local_authority,
        s.setting,
    ).subquery("spell_interval")
    t = spells.c
    by: dict[str, Any] = {} if group_by is None else {group_by: t.local_authority}
    by["admitted_date"] = t.admitted_date
    return Intervals(t, spells, [t.setting.in_(settings)], by)


def ready_spans(
    org: Orgs,
    group_by: str | None,
    pathways: tuple[int, ...] | None = None,
    by_organisation: bool = False,
) -> Intervals:
    """Pieces of acute readiness (planned for `pathways`), by `group_by` (and, with
    `by_organisation`, their unit's organisation); by band, the local date the readiness began
    (`ready_since`), from which the days ready are counted."""
    r, s = ReadySpan.__table__.c, Spell.__table__.c
    breakdown = {
        "pathway": r.planned_pathway,
        "unit": r.unit_code,
        "organisation": r.organisation_code,
        "local_authority": s.local_authority,
        "reason": r.reason_code,
        "ready_since": r.ready_since,
    }
    key = "ready_since" if group_by == "band" else group_by
    by = {} if key is None else {key: breakdown[key]}
    if by_organisation:
        by[ORGANISATION] = r.organisation_code
    selectable: Any = ReadySpan.__table__
    if group_by == "local_authority":
        selectable = selectable.join(Spell.__table__, r.spell_id == s.spell_id)
    where = [r.setting == "acute", *_org(r.organisation_code, org)]
    if pathways is not None:
        where.append(r.planned_pathway.in_(pathways))
    return Intervals(r, selectable, where, by, frozenset({"ready_since"}))


def _org(column: Any, org: Orgs) -> list[ColumnElement[bool]]:
    return org_filter(column, org)
