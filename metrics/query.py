"""A metric question as the computation sees it, and the error for a question it refuses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from metrics.catalogue import Metric


class MetricQueryError(ValueError):
    """A question the catalogue does not support; `field` names the parameter (API: 422)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Query:
    """A checked question: the period, interval, breakdown and filters of one metric."""

    metric: Metric
    start: date
    end: date
    interval: str
    group_by: str | None
    organisation: str | None
    baseline_start: date
    baseline_end: date
    cost_per_bed_day: float | None
    now: datetime
