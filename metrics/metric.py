"""What a metric is: its declaration (title, unit, direction, definition, breakdowns, the
calculation and what it reads), a checked question about it, and the error for a question the
catalogue does not support. The catalogue itself is metrics.catalogue."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal, Protocol

import pandas as pd
from sqlalchemy import Connection

from metrics.calendar import INTERVALS
from metrics.tally import Tallied

Direction = Literal["increase", "decrease", "neutral"]
Aggregation = Literal["census", "sum", "ratio", "weekday_ratio"]


class MetricQueryError(ValueError):
    """A question the catalogue does not support; `field` names the parameter (API: 422)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class Reads(Protocol):
    """What a figure reads from the derived tables (a census of rows, discharges, readiness
    starts), and which of its reads the figure tallies serve (metrics.tally)."""

    def tallied(self, group_by: str | None, by_organisation: bool) -> Tallied | None:
        """The tallied read behind a question by `group_by`, system-wide or (with
        `by_organisation`) for one organisation; None where the derived tables are read."""


@dataclass(frozen=True)
class Metric:
    """One figure of the catalogue. `calculate(connection, query, *reads)` gives its period
    rows; `extras(query)`, if any, adds fields to the answer; `takes_baseline`: the figure
    compares the period with a baseline period (baseline_start, baseline_end)."""

    name: str
    title: str
    unit: str
    direction: Direction
    aggregation: Aggregation
    definition: str
    group_bys: tuple[str, ...]
    calculate: Callable[..., pd.DataFrame] = field(repr=False, compare=False)
    reads: tuple[Reads, ...] = field(repr=False, compare=False)
    intervals: tuple[str, ...] = INTERVALS
    target: float | None = None
    scale: float = 1.0  # 100 for a percentage
    fixed_group_by: str | None = None  # always broken down by this (pathway_mix, delay_band)
    takes_baseline: bool = False
    headline: bool = False  # on the board's one-page summary (Trends)
    # Its figure of a period sums, over the period's days, whole-number weights of the rows
    # counted on each day (no weekday, no fraction), or each day's census: a tallied flow's
    # days may be summed per span (metrics.calendar.spans) before they are read, a census's
    # census-days (metrics.tally.census_sums), and no figure changes.
    summed_spans: bool = False
    extras: Callable[[Query], dict[str, Any]] | None = field(default=None, repr=False)

    @property
    def rate(self) -> bool:
        return self.aggregation in ("ratio", "weekday_ratio")

    @property
    def breakdowns(self) -> tuple[str | None, ...]:
        """The breakdowns a question may ask for, the default first."""
        if self.fixed_group_by:
            return (self.fixed_group_by,)
        return (None, *self.group_bys)

    def as_dict(self) -> dict[str, Any]:
        shown: tuple[str, ...] = ("name", "title", "unit", "direction", "aggregation", "definition")
        shown += ("group_bys", "intervals", "target", "scale", "fixed_group_by", "headline")
        return {key: getattr(self, key) for key in shown} | {"rate": self.rate}

    def figures(self, connection: Connection, query: Query) -> pd.DataFrame:
        return self.calculate(connection, query, *self.reads)


@dataclass(frozen=True)
class Query:
    """A checked question: the period, interval, breakdown and filters of one metric."""

    metric: Metric
    start: date
    end: date
    interval: str
    group_by: str | None
    # The organisation filter: one organisation's code, or as the calculations read it a
    # system's member organisations (metrics.answer resolves a system code).
    organisation: str | tuple[str, ...] | None
    baseline_start: date
    baseline_end: date
    cost_per_bed_day: float | None
    now: datetime
    # By system: the calculations read by organisation and label each organisation with its
    # system (these pairs, as of the period's end; metrics.breakdown).
    systems: tuple[tuple[str, str], ...] | None = None
