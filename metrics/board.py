"""The board's one page: every headline metric of the catalogue over complete weeks or months,
with its latest value, target, and the variation and assurance of its SPC chart (NHS England
"Making Data Count"), rebased on the dates stored with the metric (ledger.chart_notes).

The dashboard's Trends summary, the board pack (XLSX) and its printable page all read this.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Connection

from ledger.chart_notes import in_force
from metrics.answer import GroupChart, MetricResult, compute
from metrics.catalogue import CATALOGUE, HEADLINES
from metrics.data_start import first_day_with_figures
from metrics.metric import Metric
from models.clock import local_date, utc_now
from models.reference import is_system, members_on

WEEKS = 52
MONTHS = 24


def window(interval: str, last_day: date, first: date | None) -> tuple[date, date] | None:
    """Up to 52 weeks or 24 months ending with the week or month holding `last_day`, from the
    first whole one after the data begins (`first`); None when there is none."""
    if interval == "month":
        end = _month_start(last_day, 1) - timedelta(days=1)
        start = _month_start(last_day, -(MONTHS - 1))
        first_full = _month_start(first, 1) if first and first.day > 1 else first
    else:
        end = last_day + timedelta(days=6 - last_day.weekday())
        start = end - timedelta(weeks=WEEKS) + timedelta(days=1)
        first_full = first + timedelta(days=(7 - first.weekday()) % 7) if first else None
    if first_full is not None:
        start = max(start, first_full)
    return (start, end) if start < end else None


def _month_start(day: date, months: int) -> date:
    """The first of the month `months` after the month of `day`."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def rebase_periods(periods: list[date], days: list[date]) -> tuple[date, ...]:
    """Each rebase day as the first period starting on or after it (the first period with the
    new process), leaving out those before the second period or after the last."""
    found = []
    for day in days:
        later = [p for p in periods if p >= day]
        if later and later[0] != periods[0]:
            found.append(later[0])
    return tuple(sorted(set(found)))


@dataclass
class Headline:
    """One headline metric's figures, chart and annotations over the window."""

    metric: Metric
    result: MetricResult
    chart: GroupChart
    annotations: list[dict[str, Any]] = field(default_factory=list)

    @property
    def latest(self) -> dict[str, Any] | None:
        """The latest complete period with a figure: period and value."""
        points = self.chart.points
        if points.empty:
            return None
        known = points[~points["incomplete"].astype(bool) & points["value"].notna()]
        if known.empty:
            return None
        last = known.iloc[-1]
        return {"period": last["period"], "value": float(last["value"])}

    def row(self) -> dict[str, Any]:
        """The summary table's row, as plain values."""
        latest = self.latest
        return {
            "metric": self.metric.name,
            "title": self.metric.title,
            "unit": self.metric.unit,
            "direction": self.metric.direction,
            "period": latest["period"].isoformat() if latest else None,
            "value": latest["value"] if latest else None,
            "target": self.metric.target,
            "variation": self.chart.variation,
            "assurance": self.chart.assurance,
            "rebased": [d.isoformat() for d in self.rebase],
            "notes": self.notes(),
        }

    @property
    def rebase(self) -> tuple[date, ...]:
        rows = self.result.rows
        charted = rows[rows["value"].notna() & ~rows["incomplete"].astype(bool)]
        periods = list(charted["period"].drop_duplicates())
        days = [a["day"] for a in self.annotations if a["rebase"]]
        return rebase_periods(periods, days)

    def notes(self) -> list[str]:
        """The chart's warnings, and why a figure is missing (bed days saved's baseline)."""
        notes = list(self.chart.warnings)
        if "note" in self.result.rows:
            notes += [str(n) for n in self.result.rows["note"].dropna().unique()]
        return notes


def headlines(
    connection: Connection,
    *,
    interval: str,
    span: tuple[date, date],
    now: datetime,
    organisation: str | None = None,
    baseline: tuple[date, date] | None = None,
) -> list[Headline]:
    """Every headline metric over `span` by `interval`, charted with its stored rebases."""
    return [
        headline(connection, name, interval, span, now, organisation, baseline)
        for name in HEADLINES
    ]


def headline(
    connection: Connection,
    name: str,
    interval: str,
    span: tuple[date, date],
    now: datetime,
    organisation: str | None = None,
    baseline: tuple[date, date] | None = None,
) -> Headline:
    """One metric's figures and chart over `span`, rebased on its stored rebase dates."""
    takes = CATALOGUE[name].takes_baseline
    b_start, b_end = baseline if baseline and takes else (None, None)
    result = compute(
        connection,
        name,
        start=span[0],
        end=span[1],
        interval=interval,
        organisation=organisation,
        baseline_start=b_start,
        baseline_end=b_end,
        now=now,
    )
    return charted(connection, result, now)


def charted(connection: Connection, result: MetricResult, now: datetime) -> Headline:
    """A metric's figures (without a breakdown) charted with the notes and rebase dates stored
    for it at `now`."""
    notes = in_force(connection, result.metric.name, now)
    found = Headline(result.metric, result, GroupChart(None, pd.DataFrame()), notes)
    charts = result.spc_charts(rebase=found.rebase)
    found.chart = charts[0] if charts else found.chart
    return found


def first_day(connection: Connection, organisation: str | None = None) -> date | None:
    """The first day the board's figures can have a number (metrics.data_start): one
    organisation's start, or system-wide the earliest (each metric's own rows are null before
    the start that applies to them, and are not drawn); None while there is none. A system
    code: the earliest of its organisations today."""
    if organisation is not None and is_system(connection, organisation):
        members = members_on(connection, organisation, local_date(utc_now()))
        return first_day_with_figures(connection, members)
    return first_day_with_figures(connection, organisation)
