"""compute(): checks a metric question against the catalogue and answers it."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine

from metrics import census, discharges, outcomes, sources, tally
from metrics.calendar import INTERVALS
from metrics.catalogue import CATALOGUE, Metric
from metrics.query import MetricQueryError, Query
from models.clock import utc_now

MAX_DAYS = 3700  # about ten years of days in one answer
BASELINE_WEEKS = 12
WARM_DAY = date(2000, 1, 3)  # a day with no data, to learn the reads a figure makes
ROW_COLUMNS = ("period", "group", "value", "numerator", "denominator", "days")

Calculation = Callable[[Connection, Query], pd.DataFrame]

CALCULATIONS: dict[str, Calculation] = {
    "acute_occupied": census.acute_census,
    "ready_to_leave": census.ready_to_leave,
    "delayed_bed_days": census.ready_to_leave,
    "stranded_7": lambda c, q: census.acute_census(c, q, 7),
    "stranded_14": lambda c, q: census.acute_census(c, q, 14),
    "stranded_21": lambda c, q: census.acute_census(c, q, 21),
    "ready_new": discharges.ready_new,
    "acute_discharges": discharges.acute_discharges,
    "home_first_rate": discharges.home_first_rate,
    "pathway_mix": discharges.pathway_mix,
    "discharge_delay": discharges.discharge_delay,
    "bed_days_lost": discharges.bed_days_lost,
    "delay_band": discharges.delay_band,
    "bed_days_saved": outcomes.bed_days_saved,
    "readmission_30d_rate": outcomes.readmission_30d_rate,
    "discharged_before_noon_rate": discharges.discharged_before_noon_rate,
    "weekend_discharge_ratio": discharges.weekend_discharge_ratio,
    "d2a_occupancy": census.d2a_occupancy,
    "d2a_length_of_stay": outcomes.d2a_length_of_stay,
    "d2a_home_rate": outcomes.d2a_home_rate,
    "d2a_waiting": census.d2a_waiting,
}


@dataclass(frozen=True)
class MetricResult:
    """A metric's figures: one row per period and group, and the events they reflect."""

    query: Query
    rows: pd.DataFrame  # period, group, value, numerator, denominator, days (+ extras)
    events_reflected: int
    latest_event_at: datetime | None
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def metric(self) -> Metric:
        return self.query.metric

    def records(self) -> list[dict[str, Any]]:
        """The rows as plain values: ISO dates, None for a missing figure."""
        whole = self.metric.aggregation == "sum"
        return [_record(row, whole) for row in self.rows.to_dict("records")]

    def answer(self) -> dict[str, Any]:
        """The SPEC §6 answer (plus `days` per row and the metric's extras)."""
        q = self.query
        latest = self.latest_event_at
        return {
            "metric": self.metric.name,
            "start": q.start.isoformat(),
            "end": q.end.isoformat(),
            "interval": q.interval,
            "group_by": q.group_by,
            "organisation": q.organisation,
            "rows": self.records(),
            "events_reflected": self.events_reflected,
            "latest_event_at": latest.isoformat() + "Z" if latest else None,
            **self.extras,
        }


def compute(
    connection: Connection,
    name: str,
    *,
    start: date,
    end: date,
    interval: str = "day",
    group_by: str | None = None,
    organisation: str | None = None,
    baseline_start: date | None = None,
    baseline_end: date | None = None,
    cost_per_bed_day: float | None = None,
    now: datetime | None = None,
) -> MetricResult:
    """One metric of the catalogue over start..end (inclusive local dates).

    Raises MetricQueryError for an unknown metric, interval or breakdown, or a bad period.
    `now` (naive UTC, default the current time) dates the readmission follow-up.
    """
    metric = _metric(name)
    _check_period(start, end, interval, metric)
    group = _group_by(metric, group_by)
    if organisation is not None and not sources.organisation_exists(connection, organisation):
        raise MetricQueryError("organisation", f"{organisation!r} has no units")
    b_start, b_end = _baseline(metric, start, baseline_start, baseline_end)
    query = Query(
        metric,
        start,
        end,
        interval,
        group,
        organisation,
        b_start,
        b_end,
        cost_per_bed_day,
        now or utc_now(),
    )
    rows = CALCULATIONS[metric.name](connection, query)
    count, latest = sources.events_reflected(connection, end)
    return MetricResult(query, _tidy(rows), count, latest, _extras(query))


def _metric(name: str) -> Metric:
    if name not in CATALOGUE:
        raise MetricQueryError("name", f"unknown metric {name!r}; see GET /api/v1/metrics")
    return CATALOGUE[name]


def _check_period(start: date, end: date, interval: str, metric: Metric) -> None:
    if start > end:
        raise MetricQueryError("start", f"start {start} is after end {end}")
    if (end - start).days + 1 > MAX_DAYS:
        raise MetricQueryError("end", f"a period may span at most {MAX_DAYS} days")
    if interval not in INTERVALS:
        raise MetricQueryError("interval", f"must be one of {', '.join(INTERVALS)}")
    if interval not in metric.intervals:
        allowed = ", ".join(metric.intervals)
        raise MetricQueryError("interval", f"{metric.name} supports the intervals {allowed}")


def _group_by(metric: Metric, group_by: str | None) -> str | None:
    if group_by is None or group_by == metric.fixed_group_by:
        return metric.fixed_group_by
    if group_by not in metric.group_bys:
        allowed = ", ".join(metric.group_bys)
        raise MetricQueryError(
            "group_by", f"{metric.name} cannot be broken down by {group_by!r}; use one of {allowed}"
        )
    return group_by


def _baseline(
    metric: Metric, start: date, baseline_start: date | None, baseline_end: date | None
) -> tuple[date, date]:
    """The baseline period (default: the 12 weeks before start); only bed_days_saved has one."""
    given = baseline_start is not None or baseline_end is not None
    if given and metric.name != "bed_days_saved":
        raise MetricQueryError("baseline_start", "only bed_days_saved takes a baseline")
    b_end = baseline_end or start - timedelta(days=1)
    b_start = baseline_start or b_end - timedelta(weeks=BASELINE_WEEKS) + timedelta(days=1)
    if b_start > b_end:
        raise MetricQueryError("baseline_start", f"{b_start} is after baseline_end {b_end}")
    if (b_end - b_start).days + 1 > MAX_DAYS:
        raise MetricQueryError("baseline_start", f"a baseline may span at most {MAX_DAYS} days")
    return b_start, b_end


def _extras(query: Query) -> dict[str, Any]:
    if query.metric.name != "bed_days_saved":
        return {}
    return {
        "baseline_start": query.baseline_start.isoformat(),
        "baseline_end": query.baseline_end.isoformat(),
        "cost_per_bed_day": query.cost_per_bed_day,
    }


def _tidy(rows: pd.DataFrame) -> pd.DataFrame:
    """Periods as dates, the internal last_day column dropped."""
    rows = rows.drop(columns=["last_day"])
    rows["period"] = pd.to_datetime(rows["period"]).dt.date
    return rows.reset_index(drop=True)


def _record(row: dict[Any, Any], whole: bool) -> dict[str, Any]:
    """Plain JSON values; whole-number counts as integers."""
    out = {str(key): _plain(value) for key, value in row.items()}
    counts = ("value", "numerator", "denominator") if whole else ("numerator", "denominator")
    for key in counts:
        if isinstance(out[key], float) and out[key].is_integer():
            out[key] = int(out[key])
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.integer | np.bool_):
        return value.item()
    return value


def warm_tallies(connection: Connection) -> None:
    """Makes every read the catalogue's figures can make over one empty day, system-wide by
    every breakdown and for one organisation (any) with none, so metrics.tally knows every
    source to count."""
    organisation = sources.any_organisation(connection)
    for metric in CATALOGUE.values():
        choices = [metric.fixed_group_by] if metric.fixed_group_by else [None, *metric.group_bys]
        asked: list[tuple[str | None, str | None]] = [(g, None) for g in dict.fromkeys(choices)]
        if organisation is not None:
            asked.append((choices[0], organisation))
        for group_by, org in asked:
            compute(
                connection,
                metric.name,
                start=WARM_DAY,
                end=WARM_DAY,
                interval=metric.intervals[-1],
                group_by=group_by,
                organisation=org,
            )


def refresh_tallies(engine: Engine, writer: Engine | None = None) -> tally.Refreshed:
    """Recounts the figure tallies (every source the catalogue reads) from their changes."""
    return tally.refresh(engine, writer, warm=warm_tallies)
