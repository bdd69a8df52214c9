"""Discharges read as counts: spells grouped by discharge date and the attributes a figure needs.

A figure over a year of discharges needs a few hundred distinct (date, pathway, delay, …)
combinations, not a quarter of a million rows; every row carries its count `n`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import (
    Connection,
    and_,
    case,
    exists,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.sql.elements import ColumnElement

from metrics import tally
from metrics.data_start import summed_spans
from metrics.grid import delay_bands
from metrics.metric import Query
from metrics.sources import Orgs, day_window, frame, org_filter
from models import Spell
from models.reference import ACUTE_SETTINGS, D2A_SETTINGS, SETTING_PATHWAY, Destination
from store.dialect.local_day import local_hour_before, years_around
from store.dialect.sql import (
    days_between,
    hidden_from_planner,
    micros,
    plus_days,
    semi_joins_as_sets,
)

S, D = Spell.__table__.c, Destination.__table__.c
PLAIN = {
    "patient_id": S.patient_id,
    "setting": S.setting,
    "unit": S.last_unit_code,
    "organisation": S.organisation_code,
    "local_authority": S.local_authority,
    "pathway": S.discharge_pathway,
    "reason": S.delay_reason,
    "destination": S.destination,
    "delay_days": S.delay_days,
    "home": D.usual_residence,
}
TIMES = {"admitted_date": S.admitted_date, "discharged_at": S.discharged_at}
BREAKDOWN_COLUMN = {"band": "delay_days"}  # a delay band is counted from the delay
NOON = 12
NOT_COUNTED_FOR_PATHWAYS = ("died", "other_hospital")  # left out of the pathway figures
NOT_ALIVE_HOME = NOT_COUNTED_FOR_PATHWAYS  # left out of the readmission rate
HOME_FIRST = (0, 1)
FOLLOW_UP_DAYS = 29  # a readmission within 0–29 days of the discharge date


@dataclass(frozen=True)
class Discharges:
    """Spells of `settings` ended by `discharged`, read as counts by discharge date, `columns`
    (names of PLAIN or TIMES, or of the flags of counted_discharges) and the breakdown; with
    `readmissions`, how many of each were readmitted.

    With `lengths`, also the sum of their `length` of stay in days (local date of discharge −
    local date of admission): a length of stay figure then needs no admission date per row.
    With `delays`, the sum of their `delay` (delay_days): a delay figure then reads a key per
    flag (delayed or not), not one per number of days.

    Read from tallied days (metrics.tally): a discharge's day is its discharge date; an
    emergency admission can still make it a readmission FOLLOW_UP_DAYS later. One
    organisation's figures, and those by unit or organisation, read a tally keyed by
    organisation (system-wide by unit or organisation reads all of it). By admission date, a
    tally would be about as long as the rows, so such a read takes the derived tables."""

    settings: tuple[str, ...] = ACUTE_SETTINGS
    columns: tuple[str, ...] = ()
    readmissions: bool = False
    lengths: bool = False
    delays: bool = False

    def wanted(self, group_by: str | None) -> tuple[str, ...]:
        """The columns a question by `group_by` reads."""
        extra = () if group_by is None else (BREAKDOWN_COLUMN.get(group_by, group_by),)
        return tuple(sorted({*self.columns, *extra}))

    def shaped(self, rows: pd.DataFrame) -> pd.DataFrame:
        """The rows with the breakdown columns figures group by."""
        if "delay_days" in rows:
            rows["band"] = delay_bands(rows["delay_days"].fillna(0))
        return rows

    def rows(
        self,
        connection: Connection,
        query: Query,
        group_by: str | None,
        start: date,
        end: date,
        spans: tuple[date, ...] | None = None,
    ) -> pd.DataFrame:
        """The counts from start to end (of the question's organisation) by `group_by`; with
        `spans` (first days, metrics.calendar.spans), tallied days may be summed per span and
        counted on its first day."""
        wanted = self.wanted(group_by)
        tallied = self.tallied(group_by, query.organisation is not None)
        if tallied is None:
            rows = counted_discharges(
                connection,
                self.settings,
                start,
                end,
                query.organisation,
                wanted,
                self.readmissions,
                self.lengths,
                self.delays,
            )
            return self.shaped(rows)
        rows = tally.read(connection, tallied, start, end, query.organisation, spans)
        if "organisation" in rows and "organisation" not in wanted:
            rows = rows.drop(columns="organisation")
        return self.shaped(rows)

    def of(self, connection: Connection, query: Query) -> pd.DataFrame:
        """The counts of the question's period and breakdown; for a figure that sums whole
        numbers over its periods (Metric.summed_spans), tallied days summed per span."""
        spans = summed_spans(connection, query)
        return self.rows(connection, query, query.group_by, query.start, query.end, spans)

    def tallied(self, group_by: str | None, by_organisation: bool) -> tally.Tallied | None:
        wanted = self.wanted(group_by)
        if "admitted_date" in wanted:
            return None
        # By unit or organisation, the tally by organisation serves system-wide figures too
        # (a unit has one organisation: no more rows), so one tally keeps both.
        by_organisation = by_organisation or bool({"unit", "organisation"} & set(wanted))
        keyed = tuple(sorted({*wanted, "organisation"})) if by_organisation else wanted
        settings, readmissions, lengths = self.settings, self.readmissions, self.lengths
        delays = self.delays

        def read(c: Connection, a: date, b: date, org: Orgs = None) -> pd.DataFrame:
            return counted_discharges(c, settings, a, b, org, keyed, readmissions, lengths, delays)

        summed = self.summed()
        name = f"discharges:{','.join(settings)}:{','.join(keyed)}:{readmissions}"
        # The finer tally this one's days are a sum of (counted once by a refresh): one
        # organisation's by nothing or by organisation, of its units'; system-wide, of the
        # organisations'.
        within: tally.Tallied | None = None
        summed_out: tuple[str, ...] = ()
        if by_organisation and group_by in (None, "organisation"):
            within, summed_out = self.tallied("unit", True), ("unit",)
        elif not by_organisation:
            within, summed_out = self.tallied(group_by, True), ("organisation",)
        return tally.Tallied(
            key=name + (":lengths" if lengths else "") + (":delays" if delays else ""),
            day="discharged_date",
            values=("n", *summed),
            live=read,
            days=read,
            lookahead=FOLLOW_UP_DAYS if readmissions else 0,
            within=within,
            summed_out=summed_out,
            # The plain count of acute discharges: the weekend ratio's read (metrics.catalogue).
            weekends=self == Discharges(),
        )

    def summed(self) -> tuple[str, ...]:
        """The sum kept beside the count n, if any (a tally keeps one)."""
        sums = {"readmitted": self.readmissions, "length": self.lengths, "delay": self.delays}
        return tuple(name for name, wanted in sums.items() if wanted)


@dataclass(frozen=True)
class Episodes(Discharges):
    """D2A episodes (spells of D2A settings) ended by discharge; an episode's pathway is its
    setting's, so a breakdown by pathway reads the setting."""

    settings: tuple[str, ...] = D2A_SETTINGS

    def wanted(self, group_by: str | None) -> tuple[str, ...]:
        extra = ("setting",) if group_by in (None, "pathway") else ("setting", group_by)
        return tuple(sorted({*self.columns, *extra}))

    def shaped(self, rows: pd.DataFrame) -> pd.DataFrame:
        rows["pathway"] = rows["setting"].map(SETTING_PATHWAY)
        return rows


def counted_discharges(
    connection: Connection,
    settings: tuple[str, ...],
    start: date,
    end: date,
    org: Orgs,
    columns: Iterable[str],
    readmissions: bool = False,
    lengths: bool = False,
    delays: bool = False,
) -> pd.DataFrame:
    """Counts `n` of spells of `settings` ended by `discharged` with a local discharge date in
    start..end, by discharged_date and `columns`: names of PLAIN, TIMES, or flags (1 or 0):
    before_noon (discharged before 12:00 local time), overnight (a stay of a night or more,
    discharged on a later local date than admitted), delayed (delay_days ≥ 1),
    pathway_counted and home_first (metrics.discharges.home_first_rate), readmission_counted
    (the readmission rate's: not to a NOT_ALIVE_HOME destination).
    With `readmissions`, also how many of them were `readmitted`; with `lengths`, the sum of
    their `length` of stay in days (discharge date − admission date); with `delays`, the sum
    of their `delay` (delay_days)."""
    if readmissions + lengths + delays > 1:
        raise ValueError("a tally keeps one sum beside the count")
    since, until = day_window(start, end)
    selected = [micros(connection, S.discharged_date, "discharged_date")]
    years = years_around(start, end)
    selected += [_column(connection, name, years) for name in sorted(set(columns))]
    counts = [func.count().label("n")]
    source: Any = Spell.__table__
    if readmissions and semi_joins_as_sets(connection):
        # The readmitted discharges as one set, joined on: PostgreSQL hashes the spells against
        # the emergency admissions, where the correlated EXISTS below probed the patient index
        # once per discharge (250,000 probes in a year of the large system).
        found = readmitted_spells(settings, since, until, org)
        source = source.outerjoin(found, found.c.spell_id == S.spell_id)
        counts.append(func.count(found.c.spell_id).label("readmitted"))
    elif readmissions:
        counts.append(func.sum(readmitted(connection)).label("readmitted"))
    if lengths:
        length = days_between(connection, S.discharged_date, S.admitted_date)
        counts.append(func.sum(length).label("length"))
    if delays:
        counts.append(func.sum(S.delay_days).label("delay"))
    query = select(*selected, *counts).select_from(source)
    if "home" in columns:
        query = query.join(Destination, D.code == S.destination, isouter=True)
    query = query.where(S.setting.in_(settings), S.discharged_at >= since, S.discharged_at < until)
    query = query.where(*org_filter(S.organisation_code, org))
    # By position: the database groups by each selected expression as it computed it.
    positions: list[Any] = [literal_column(str(i + 1)) for i in range(len(selected))]
    return frame(connection, query.group_by(*positions))


def _column(connection: Connection, name: str, years: range) -> Any:
    """What to select for `name`."""
    if name in PLAIN:
        return PLAIN[name].label(name)
    if name in TIMES:
        return micros(connection, TIMES[name], name)
    if name == "overnight":
        return case((S.discharged_date > S.admitted_date, 1), else_=0).label(name)
    if name == "pathway_counted":  # metrics.discharges.pathway_discharges, as a flag
        kept = or_(S.destination.is_(None), S.destination.not_in(NOT_COUNTED_FOR_PATHWAYS))
        return case((and_(S.discharge_pathway.is_not(None), kept), 1), else_=0).label(name)
    if name == "home_first":
        return case((S.discharge_pathway.in_(HOME_FIRST), 1), else_=0).label(name)
    if name == "delayed":  # a missing delay is none (fillna(0) of the figures)
        return case((S.delay_days >= 1, 1), else_=0).label(name)
    if name == "readmission_counted":  # a missing destination counts, as ~isin did
        kept = or_(S.destination.is_(None), S.destination.not_in(NOT_ALIVE_HOME))
        return case((kept, 1), else_=0).label(name)
    if name != "before_noon":
        raise KeyError(name)
    return local_hour_before(connection, S.discharged_at, NOON, years).label(name)


def readmitted_spells(settings: tuple[str, ...], since: Any, until: Any, org: Orgs = None) -> Any:
    """The spell ids of the discharges (of `settings`, discharged in [since, until), of
    organisation `org` if given) that `readmitted` counts: the same conditions, as a set
    (PostgreSQL)."""
    d, a = Spell.__table__.alias("discharge"), Spell.__table__.alias("readmission")
    return (
        select(d.c.spell_id)
        .distinct()
        .select_from(d.join(a, a.c.patient_id == d.c.patient_id))
        .where(d.c.setting.in_(settings), d.c.discharged_at >= since, d.c.discharged_at < until)
        .where(*org_filter(d.c.organisation_code, org))
        .where(
            *_readmits(d.c, a, a.c.setting, a.c.admitted_at, d.c.discharged_date + FOLLOW_UP_DAYS)
        )
        .subquery("readmitted")
    )


def readmitted(connection: Connection) -> ColumnElement[Any]:
    """1 when the discharged spell's patient has an emergency acute admission at or after the
    discharge, on a local date 0–29 days after the discharge date; else 0."""
    a = Spell.__table__.alias("readmission")
    # SQLite has no statistics and would walk the (setting, admitted_at) index from the
    # discharge to the end of the history for every discharge; with those columns out of its
    # planner's sight, it takes the patient's few spells from the patient index.
    setting, admitted_at = (
        hidden_from_planner(connection, c) for c in (a.c.setting, a.c.admitted_at)
    )
    last_day = plus_days(connection, S.discharged_date, FOLLOW_UP_DAYS)
    found = exists().where(
        a.c.patient_id == S.patient_id, *_readmits(S, a, setting, admitted_at, last_day)
    )
    return case((found, 1), else_=0)


def _readmits(
    discharge: Any, a: Any, setting: Any, admitted_at: Any, last_day: Any
) -> list[ColumnElement[bool]]:
    """Spell `a` readmits the `discharge`'s patient (same patient, joined by the caller): an
    emergency acute admission at or after the discharge, on a local date up to `last_day`."""
    return [
        setting == "acute",
        a.c.admission_method == "emergency",
        admitted_at >= discharge.discharged_at,
        a.c.admitted_date <= last_day,
    ]


def _org(column: Any, org: str | tuple[str, ...] | None) -> list[ColumnElement[bool]]:
    if org is None:
        return []
    return [column.in_(org) if isinstance(org, tuple) else column == org]
