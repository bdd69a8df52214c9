"""Readiness starts: acute readiness periods counted on the local day they began (demand for
discharge to assess), with their attributes as they stood once every event at that instant was
applied."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import Connection, exists, func, literal_column, select

from metrics import tally
from metrics.data_start import summed_spans
from metrics.metric import Query
from metrics.sources import Orgs, day_window, frame, org_filter
from models import ReadySpan, Spell
from store.dialect.local_day import local_day, years_around
from store.dialect.sql import micros

ORGANISATION = "organisation"


# How a tally of readiness starts is kept: system-wide without an organisation column (WHOLE);
# system-wide with the start's organisation beside it (PARTED: a start superseded by another
# organisation's piece counts nowhere in it, as system-wide); or each organisation's own starts
# (OWN: superseded only by that organisation's pieces, as one organisation's figure reads them).
WHOLE, PARTED, OWN = "whole", "parted", "own"


@dataclass(frozen=True)
class ReadinessStarts:
    """`counted_readiness_starts` as a figure reads it, from tallied days (metrics.tally).
    One organisation's figures read a tally keyed by organisation (OWN); system-wide ones a
    tally of the system-wide starts: a start superseded at the same instant by a piece of
    another organisation counts for each organisation alone, but once system-wide.

    System-wide by unit or organisation read the PARTED tally (a unit has one organisation: no
    more rows); the others a WHOLE one, each a sum of the PARTED tally of its breakdown. A late
    event then recounts the PARTED rows of the organisations it touched alone, and shifts the
    WHOLE ones by their difference, instead of reading the whole deployment's starts again
    (metrics.tally.refresh): whether a start is superseded depends only on its own patient's
    pieces, and ingest names the organisations of every derived row of each patient it
    writes, so a PARTED row of an organisation not named is unchanged."""

    def of(self, connection: Connection, query: Query) -> pd.DataFrame:
        tallied = self.tallied(query.group_by, query.organisation is not None)
        spans = summed_spans(connection, query)
        rows = tally.read(connection, tallied, query.start, query.end, query.organisation, spans)
        if ORGANISATION in rows.columns and query.group_by != ORGANISATION:
            rows = rows.drop(columns=ORGANISATION)
        return rows

    def tallied(self, group_by: str | None, by_organisation: bool) -> tally.Tallied:
        if by_organisation:
            return self._tallied(group_by, OWN)
        if group_by in ("unit", ORGANISATION):
            return self._tallied(group_by, PARTED)
        return self._tallied(group_by, WHOLE)

    def _tallied(self, group_by: str | None, kept: str) -> tally.Tallied:
        def read(c: Connection, a: date, b: date, org: Orgs = None) -> pd.DataFrame:
            return counted_readiness_starts(c, a, b, org, group_by, kept)

        # The finer tally this one's days are a sum of (counted once by a refresh): a WHOLE
        # one of the PARTED one by its breakdown; a PARTED or OWN one by nothing or by
        # organisation, of the same kind's by unit. Never one kind of another's: an OWN start
        # superseded by another organisation's piece is no PARTED start.
        within: tally.Tallied | None = None
        summed_out: tuple[str, ...] = ()
        if kept == WHOLE:
            within, summed_out = self._tallied(group_by, PARTED), (ORGANISATION,)
        elif group_by in (None, ORGANISATION):
            within, summed_out = self._tallied("unit", kept), ("unit",)
        names = {WHOLE: "", PARTED: ":parted", OWN: ":by organisation"}
        return tally.Tallied(
            key=f"readiness starts:{group_by}{names[kept]}",
            day="day",
            values=("n",),
            live=read,
            days=read,
            within=within,
            summed_out=summed_out,
        )


def counted_readiness_starts(
    connection: Connection,
    start: date,
    end: date,
    org: Orgs,
    group_by: str | None,
    kept: str = WHOLE,
) -> pd.DataFrame:
    """Counts `n` of acute readiness periods that began from start to end, by local `day` and
    `group_by` (and, `kept` PARTED or OWN, the organisation), with attributes as they stood
    once every event at that instant was applied: those of the period's last first piece (the
    greatest seq starting at ready_since).

    `org` picks the starts (of those organisations only); `kept` which pieces can be their
    last first piece: OWN, only those of the start's own organisation, so that each
    organisation's rows are those of its own read; WHOLE and PARTED, those of any
    organisation (a PARTED count of some organisations gives their system-wide rows)."""
    r, s = ReadySpan.__table__.c, Spell.__table__.c
    since, until = day_window(start, end)
    later = ReadySpan.__table__.alias("later")
    superseded = exists().where(
        later.c.spell_id == r.spell_id,
        later.c.seq > r.seq,
        later.c.start_at == r.start_at,
        later.c.ready_since == r.ready_since,
        *([later.c.organisation_code == r.organisation_code] if kept == OWN else []),
    )
    breakdown = {
        "unit": r.unit_code,
        "organisation": r.organisation_code,
        "pathway": r.planned_pathway,
        "local_authority": s.local_authority,
    }
    years = years_around(start, end)
    columns = [micros(connection, local_day(connection, r.start_at, years), "day")]
    if group_by is not None:
        columns.append(breakdown[group_by].label(group_by))
    if kept != WHOLE and group_by != ORGANISATION:
        columns.append(r.organisation_code.label(ORGANISATION))
    query = select(*columns, func.count().label("n")).select_from(ReadySpan)
    if group_by == "local_authority":
        query = query.join(Spell, r.spell_id == s.spell_id)
    query = (
        query.where(r.setting == "acute", r.start_at == r.ready_since, ~superseded)
        .where(r.start_at >= since, r.start_at < until, *org_filter(r.organisation_code, org))
        .group_by(*(literal_column(str(i + 1)) for i in range(len(columns))))
    )
    return frame(connection, query)
