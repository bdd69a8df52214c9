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
from sqlalchemy import (
    Connection,
    Date,
    and_,
    case,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
)
from sqlalchemy.sql.elements import ColumnElement

from metrics import tally
from metrics.calendar import Days, as_days
from metrics.sources import TIMES, Orgs, frame, org_filter
from metrics.tally import census_sums
from models import ReadySpan, Spell, Stay, Unit
from models.clock import census_instant
from store.dialect.local_day import local_day, years_around
from store.dialect.sql import greatest, micros, plus_days

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
    # (origin, n): a row counts at the census of D only from D = origin + n on (a date column
    # never later than the row's arrival day, such as its spell's admission date), so it
    # arrives on the later of that day and its own, and is left out if it leaves before.
    counted_from: tuple[Any, int] | None = None


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
    arrival_day = local_day(connection, t.start_at, years)
    arrive = case((t.start_at < before, null()), else_=arrival_day)
    leave = local_day(connection, t.end_at, years)
    first = _first_counted(connection, rows)
    if first is not None:
        overlap += [first <= literal(end, Date), or_(t.end_at.is_(None), leave > first)]
        early = and_(t.start_at < before, first < literal(start, Date))
        arrive = case((early, null()), else_=greatest(connection, arrival_day, first))
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
    `origins(group_by)` are the origin dates counted with them (days ready, by band).

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
            **self._within(group_by, by_organisation),
        )

    def _within(self, group_by: str | None, by_organisation: bool) -> Any:
        """The finer tally this one's days are a sum of (counted once by a refresh): one
        organisation's by nothing or by organisation, of its units; system-wide, of the
        organisations'.

        A system-wide census of whole spells (stranded, by nothing or local authority) is a
        sum of its organisations' stays too: a spell's stays follow one another with no gap,
        all in its setting (a transfer to another setting is refused), so at any census
        exactly one of them is in, counted from the same admission date. Their days differ
        only by a transfer's departure and arrival, which cancel on the day. So a recount
        after one organisation's late event shifts these by that organisation's difference
        instead of reading every organisation's spells again."""
        if by_organisation and group_by in (None, ORGANISATION):
            return {"within": self.tallied("unit", True), "summed_out": ("unit",)}
        if not by_organisation:
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

    def span_sums(
        self,
        connection: Connection,
        group_by: str | None,
        org: Orgs,
        start: date,
        end: date,
        spans: tuple[date, ...],
    ) -> pd.DataFrame | None:
        """The census of the rows summed over each span (metrics.tally.census_sums: `day` the
        span's first day, the breakdown, `weight` the sum), of organisation `org` (all for
        None), by `group_by`; None when the rows carry an origin (by band: days ready are
        counted per day)."""
        tallied = self.tallied(group_by, org is not None)
        if tallied.origins:
            return None
        rows = census_sums.read_sums(connection, tallied, start, end, org, spans)
        if ORGANISATION in rows and group_by != ORGANISATION:
            rows = rows.drop(columns=ORGANISATION)
        return rows

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
    arriving = [t.start_at >= since, t.start_at < until]
    leaving = [t.end_at >= since, t.end_at < until]
    first = _first_counted(connection, rows)
    if first is not None and rows.counted_from is not None:
        # Arriving on a day of the period: a row that arrived up to n days before it (never
        # more: its origin is not after its arrival), on the later of the two days.
        arrive = greatest(connection, arrive, first)
        since_origin = census_instant(start - timedelta(days=1 + rows.counted_from[1]))
        arriving = [
            t.start_at >= since_origin,
            t.start_at < until,
            arrive >= literal(start, Date),
            first <= literal(end, Date),
            or_(t.end_at.is_(None), leave > first),
        ]
        leaving.append(leave > first)
    arrivals = _grouped(connection, rows, arrive, years, arriving)
    departures = _grouped(connection, rows, leave, years, leaving)
    departures["n"] = -departures["n"]
    both = pd.concat([arrivals, departures], ignore_index=True)
    both["weight"] = both.pop("n").astype(np.float64)
    return both


def _first_counted(connection: Connection, rows: Intervals) -> ColumnElement[Any] | None:
    """The first day a row counts at (its origin + n days), where rows say one."""
    if rows.counted_from is None:
        return None
    origin, days = rows.counted_from
    return plus_days(connection, origin, days)


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
    min_los: int = 1,
    by_organisation: bool = False,
) -> Intervals:
    """Stays in units of `settings`, by `group_by` (and, `by_organisation`, their unit's
    organisation), counted at a census only while their length of stay is at least `min_los`
    (stranded: length of stay at the census of D is D + 1 − the spell's admission date, so it
    runs across ward transfers)."""
    admitted = min_los > 1
    whole_spells = org is None and not by_organisation and group_by in (None, "local_authority")
    if admitted and whole_spells:
        return _spells(settings, group_by, min_los)
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
    selectable: Any = Stay.__table__
    if group_by == "local_authority":
        selectable = selectable.join(Spell.__table__, t.spell_id == s.spell_id)
    if group_by == "pathway":
        selectable = selectable.join(Unit.__table__, u.code == t.unit_code)
    where = [t.setting.in_(settings), *_org(t.organisation_code, org)]
    counted_from = (t.spell_admitted_date, min_los - 1) if admitted else None
    return Intervals(t, selectable, where, by, counted_from=counted_from)


def _spells(settings: tuple[str, ...], group_by: str | None, min_los: int) -> Intervals:
    """Whole spells in units of `settings` (by local authority), counted from length of stay
    `min_los`: the same census as their stays when no breakdown or filter needs the unit,
    without joining every stay to its spell. A spell's stays follow one another with no gap (a
    transfer ends one as it starts the next), so exactly one of them is in at any census the
    spell is in at."""
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
    return Intervals(
        t, spells, [t.setting.in_(settings)], by, counted_from=(t.admitted_date, min_los - 1)
    )


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
