"""The one place a figure is asked for: `compute` checks a question against the catalogue and
answers it; the answer gives its rows as JSON records, CSV, XLSX and SPC charts per group, the
same for the API and the dashboard."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from metrics import sources
from metrics.calendar import INTERVALS, period_ends
from metrics.catalogue import CATALOGUE
from metrics.labels import labelled
from metrics.metric import Metric, MetricQueryError, Query
from metrics.spc import SpcResult, spc
from metrics.suppression import SUPPRESSED, suppress_record
from metrics.tables import csv_bytes, xlsx_bytes
from models.clock import day_out_of_range, local_date, utc_now
from models.reference import is_system, members_on, systems_on

MAX_DAYS = 3700  # about ten years of days in one answer
BASELINE_WEEKS = 12
SPC_COLUMNS = ("value", "mean", "lpl", "upl", "near_lpl", "near_upl", "point_type")


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

    def records(self, suppress: bool = False) -> list[dict[str, Any]]:
        """The rows as plain values: ISO dates, None for a missing figure; with `suppress`,
        small counts suppressed for publication (metrics.suppression)."""
        whole = self.metric.aggregation == "sum"
        counts = ("value", "numerator", "denominator") if whole else ("numerator", "denominator")
        plain = {str(c): _plain_column(self.rows[c], str(c) in counts) for c in self.rows.columns}
        # Filled a column at a time: a national answer by unit over a year (≈214,000 rows) took
        # ~85 ms so, against 130–300 ms for a dict made of each row's zip (one zip object and
        # one tuple per row, which also set off the garbage collector).
        records: list[dict[str, Any]] = [{} for _ in range(len(self.rows))]
        for name, column in plain.items():
            for record, value in zip(records, column, strict=True):
                record[name] = value
        return [self._suppressed(r) for r in records] if suppress else records

    def _suppressed(self, record: dict[str, Any]) -> dict[str, Any]:
        """A row for publication: its counts by the metric's aggregation, and rates on them."""
        aggregation = self.metric.aggregation
        if aggregation == "sum":
            out = suppress_record(record, ("value",), {"priced_value": ("value",)})
        elif aggregation == "census":  # the mean census is a number of patients too
            out = suppress_record(record, ("value", "numerator"), {})
        else:
            out = suppress_record(
                record, ("numerator", "denominator"), {"value": ("numerator", "denominator")}
            )
        cost = self.query.cost_per_bed_day
        if out.get("priced_value") not in (None, SUPPRESSED) and cost is not None:
            out["priced_value"] = out["value"] * cost  # priced from the rounded figure
        return out

    def answer(self, suppress: bool = False) -> dict[str, Any]:
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
            **({"suppressed": True} if suppress else {}),
            "rows": self.records(suppress),
            "events_reflected": self.events_reflected,
            "latest_event_at": latest.isoformat() + "Z" if latest else None,
            **self.extras,
        }

    def filename(self, extension: str) -> str:
        q = self.query
        parts = [self.metric.name, q.start.isoformat(), q.end.isoformat(), q.interval]
        parts += [p for p in (q.group_by, q.organisation) if isinstance(p, str) and p]
        return "_".join(parts) + f".{extension}"

    def csv(self, suppress: bool = False) -> bytes:
        return csv_bytes(list(self.rows.columns), self.records(suppress))

    def xlsx(self, suppress: bool = False) -> bytes:
        """Figures on one sheet; the definition and provenance on another."""
        answer = self.answer(suppress)
        about: list[tuple[str, Any]] = [
            (key, answer[key])
            for key in ("metric", "start", "end", "interval", "group_by", "organisation")
        ]
        about += [
            (key, getattr(self.metric, key))
            for key in ("title", "unit", "direction", "target", "definition")
        ]
        about.append(
            ("suppressed", "yes (1–7 as *, others to the nearest 5)" if suppress else "no")
        )
        about.append(("events_reflected", answer["events_reflected"]))
        about.append(("latest_event_at", answer["latest_event_at"]))
        columns = list(self.rows.columns)
        return xlsx_bytes("figures", columns, self.records(suppress), "definition", about)

    def spc_charts(
        self,
        rebase: tuple[date, ...] = (),
        fix_after_n_points: int | None = None,
        screen_outliers: bool = True,
    ) -> list[GroupChart]:
        """Each group's XmR chart by the metric's direction and target. Periods before the
        group's data start (no day counted: metrics.data_start) are left out, so the chart
        starts there; other periods without a figure (a rate with no denominator) are left out
        with a warning; a group with none has no chart points; incomplete periods are drawn but
        left out of the limits and rules. Raises metrics.spc.SpcInputError for options that do
        not fit."""
        charts = []
        for group, all_rows in self.rows.groupby("group", sort=False, dropna=False):
            rows = all_rows[all_rows["days"] > 0]  # the periods from the group's data start
            shown = None if pd.isna(group) else group
            charts.append(
                _group_chart(shown, rows, self.metric, rebase, fix_after_n_points, screen_outliers)
            )
        return charts


def _group_chart(
    group: Any,
    rows: pd.DataFrame,
    metric: Metric,
    rebase: tuple[date, ...],
    fix_after_n_points: int | None,
    screen_outliers: bool,
) -> GroupChart:
    """One group's chart over its complete periods with a figure; incomplete periods follow
    as points with the last limits carried on, no point type and `incomplete` true."""
    incomplete = rows["incomplete"].to_numpy(dtype=bool)
    known = rows[rows["value"].notna() & ~incomplete]
    missing = int((rows["value"].isna() & ~incomplete).sum())
    pending = rows[rows["value"].notna() & incomplete]
    if known.empty:
        chart = GroupChart(group, pd.DataFrame(columns=["period", *SPC_COLUMNS]))
        chart.warnings.append("no complete period has a figure")
    else:
        series = pd.Series(known["value"].astype(float).to_numpy(), index=list(known["period"]))
        result = spc(
            series,
            improvement=metric.direction,
            target=metric.target,
            rebase=tuple(d for d in rebase if d <= series.index[-1]),
            fix_after_n_points=fix_after_n_points,
            screen_outliers=screen_outliers,
        )
        chart = GroupChart.of(group, result, missing)
    chart.points["incomplete"] = False
    if not pending.empty:
        chart.add_incomplete(pending)
    return chart


@dataclass
class GroupChart:
    """One group's XmR chart: points (period, value, mean, limits, point_type), assurance,
    variation and warnings."""

    group: Any
    points: pd.DataFrame
    assurance: str | None = None
    variation: str | None = None
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, group: Any, result: SpcResult, missing: int) -> GroupChart:
        points = result.points.reset_index(names="period")
        warnings = list(result.warnings)
        if missing:
            warnings.append(f"{missing} period(s) without a figure left out")
        return cls(group, points, result.assurance, result.variation, warnings)

    def add_incomplete(self, pending: pd.DataFrame) -> None:
        """Incomplete periods after the chart: drawn, with the last limits carried on, but
        never part of the limits or rules (no point type)."""
        added = pd.DataFrame({"period": list(pending["period"]), "value": pending["value"]})
        for column in ("mean", "lpl", "upl", "near_lpl", "near_upl"):
            added[column] = np.nan if self.points.empty else self.points[column].iloc[-1]
        added["point_type"] = None
        added["incomplete"] = True
        added = added.reset_index(drop=True)
        points = added if self.points.empty else pd.concat([self.points, added], ignore_index=True)
        self.points = points.sort_values("period", kind="stable").reset_index(drop=True)
        self.warnings.append(
            f"{len(added)} incomplete period(s) shown but left out of the limits and rules"
        )

    def answer(self) -> dict[str, Any]:
        """The chart as JSON values."""
        points = self.points[["period", *SPC_COLUMNS, "incomplete"]].copy()
        points["period"] = [p.isoformat() for p in points["period"]]
        clean = points.astype(object).where(points.notna(), None)
        return {
            "group": self.group,
            "assurance": self.assurance,
            "variation": self.variation,
            "warnings": self.warnings,
            "points": [
                {str(k): (v.item() if hasattr(v, "item") else v) for k, v in r.items()}
                for r in clean.to_dict("records")
            ],
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

    Raises MetricQueryError for an unknown metric, interval or breakdown, a bad period, or a
    date outside 2000-01-01 … 2100-12-31.
    `now` (naive UTC, default the current time) dates the readmission follow-up.
    """
    metric = _metric(name)
    _check_in_calendar(
        start=start, end=end, baseline_start=baseline_start, baseline_end=baseline_end
    )
    _check_period(start, end, interval, metric)
    group = _group_by(metric, group_by)
    orgs = organisation_filter(connection, organisation, end)
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
    # As the calculations read it: a system's organisations, and by system, by organisation
    # with each labelled with its system on the period's last day.
    reading = replace(query, organisation=orgs)
    if group == "system":
        reading = replace(reading, group_by="organisation", systems=_systems_on(connection, end))
    rows = _flag_incomplete(metric.figures(connection, reading), query)
    rows = labelled(connection, rows, group)
    count, latest = sources.events_reflected(connection, end)
    extras = metric.extras(query) if metric.extras else {}
    return MetricResult(query, _tidy(rows), count, latest, extras)


def organisation_filter(
    connection: Connection, organisation: str | None, end: date
) -> str | tuple[str, ...] | None:
    """The organisation filter as the calculations read it: an organisation's code, or a
    system's organisations on the period's last day (a system's figures over a period count
    the organisations that belong to it at its end, as national series are restated on the
    current boundaries; the same question asked later gives the same answer)."""
    if organisation is None or sources.organisation_exists(connection, organisation):
        return organisation
    if not is_system(connection, organisation):
        raise MetricQueryError(
            "organisation", f"{organisation!r} is neither an organisation with units nor a system"
        )
    members = members_on(connection, organisation, end)
    if not members:
        raise MetricQueryError(
            "organisation", f"system {organisation!r} has no organisations on {end}"
        )
    return members


def _systems_on(connection: Connection, end: date) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(systems_on(connection, end).items()))


def _metric(name: str) -> Metric:
    if name not in CATALOGUE:
        raise MetricQueryError("name", f"unknown metric {name!r}; see GET /api/v1/metrics")
    return CATALOGUE[name]


def _check_in_calendar(**days: date | None) -> None:
    """Every date asked for lies within the record's calendar (SPEC §3: 2000-01-01 to
    2100-12-31); outside it, the date sums of the calculations would overflow."""
    for name, day in days.items():
        problem = day_out_of_range(day) if day is not None else None
        if problem:
            raise MetricQueryError(name, problem)


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
    """The baseline period (default: the 12 weeks before start), for a metric that takes one."""
    given = baseline_start is not None or baseline_end is not None
    if given and not metric.takes_baseline:
        raise MetricQueryError("baseline_start", f"{metric.name} takes no baseline")
    b_end = baseline_end or start - timedelta(days=1)
    b_start = baseline_start or b_end - timedelta(weeks=BASELINE_WEEKS) + timedelta(days=1)
    if b_start > b_end:
        raise MetricQueryError("baseline_start", f"{b_start} is after baseline_end {b_end}")
    if (b_end - b_start).days + 1 > MAX_DAYS:
        raise MetricQueryError("baseline_start", f"a baseline may span at most {MAX_DAYS} days")
    return b_start, b_end


def _flag_incomplete(rows: pd.DataFrame, query: Query) -> pd.DataFrame:
    """`incomplete` on every row: the period's figure can still change, because its calendar
    week or month (or the day, or the total's end) has not yet ended at the local date of
    `now`, or because the calculation says so (readmissions still in their follow-up)."""
    starts = pd.to_datetime(rows["period"]).to_numpy().astype("datetime64[D]")
    today = np.datetime64(local_date(query.now), "D")
    unfinished = period_ends(starts, query.interval, query.end) >= today
    if "incomplete" in rows:
        unfinished |= rows["incomplete"].to_numpy(dtype=bool)
    rows = rows.copy()
    rows["incomplete"] = unfinished
    return rows


def _tidy(rows: pd.DataFrame) -> pd.DataFrame:
    """Periods as dates, the internal last_day column dropped."""
    rows = rows.drop(columns=["last_day"])
    rows["period"] = pd.to_datetime(rows["period"]).dt.date
    return rows.reset_index(drop=True)


def _plain_column(column: pd.Series, count: bool) -> list[Any]:
    """A column's values as plain JSON values, a column at a time (a figure by unit over a
    year has tens of thousands of rows): ISO dates, None for a missing figure, and a `count`
    that is a whole number as an integer."""
    kind = column.dtype.kind
    if kind in "iub":
        return column.to_numpy().tolist()
    if kind == "f":
        numbers = column.to_numpy(dtype=np.float64)
        plain = np.empty(len(numbers), dtype=object)
        plain[:] = numbers.tolist()  # Python floats, not numpy's
        plain[np.isnan(numbers)] = None
        if count:
            whole = np.isfinite(numbers) & (np.floor(numbers) == numbers)
            plain[whole] = numbers[whole].astype(np.int64).astype(object)
        return plain.tolist()
    inferred = pd.api.types.infer_dtype(column, skipna=False)
    if inferred == "string" and not column.isna().any():  # labels and codes: plain already
        return column.tolist()
    if inferred == "date":  # periods: a few distinct dates, each made ISO text once
        at, distinct = pd.factorize(column, use_na_sentinel=False)
        text = np.asarray([d.isoformat() for d in distinct], dtype=object)
        return text[at].tolist()
    values = [_plain(v) for v in column.tolist()]
    if count:
        values = [int(v) if isinstance(v, float) and v.is_integer() else v for v in values]
    return values


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.integer | np.bool_):
        return value.item()
    return value
