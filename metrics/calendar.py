"""Days as numpy arrays: local dates of many instants, day ranges, weekdays and the calendar
start of each interval (the time conventions themselves are in models.clock)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from models.clock import LONDON

INTERVALS = ("day", "week", "month", "total")

Days = NDArray[np.datetime64]


def local_days(instants: pd.Series) -> Days:
    """Europe/London dates (datetime64[D]) of naive UTC instants; NaT stays NaT."""
    stamps = pd.to_datetime(instants).astype("datetime64[us]")
    local = stamps.dt.tz_localize("UTC").dt.tz_convert(LONDON).dt.tz_localize(None)
    return local.to_numpy().astype("datetime64[D]")


def as_days(values: pd.Series) -> Days:
    """Dates (date objects, strings or timestamps) as datetime64[D]."""
    return pd.to_datetime(values).to_numpy().astype("datetime64[D]")


def day_range(start: date, end: date) -> Days:
    """Every date from start to end inclusive."""
    return np.arange(np.datetime64(start, "D"), np.datetime64(end, "D") + 1)


def weekday(days: Days) -> NDArray[np.int64]:
    """Monday = 0 … Sunday = 6 (1970-01-01 was a Thursday)."""
    return np.asarray((days.astype(np.int64) + 3) % 7, dtype=np.int64)


def period_starts(days: Days, interval: str, start: date) -> Days:
    """The calendar start of the interval holding each day: the day itself, the Monday of its
    week, the first of its month, or `start` for the total."""
    if interval == "day":
        return days
    if interval == "week":
        return days - weekday(days).astype("timedelta64[D]")
    if interval == "month":
        return days.astype("datetime64[M]").astype("datetime64[D]")
    return np.full(days.shape, np.datetime64(start, "D"))


def period_ends(starts: Days, interval: str, end: date) -> Days:
    """The calendar end of each interval starting on `starts`: the day itself, the Sunday of
    its week, the last of its month, or `end` for the total."""
    if interval == "day":
        return starts
    if interval == "week":
        return starts + np.timedelta64(6, "D")
    if interval == "month":
        next_month = starts.astype("datetime64[M]") + np.timedelta64(1, "M")
        return np.asarray(next_month.astype("datetime64[D]") - 1, dtype="datetime64[D]")
    return np.full(starts.shape, np.datetime64(end, "D"))


def spans(
    start: date, end: date, interval: str, cuts: Iterable[date] = (), weekends: bool = False
) -> tuple[date, ...]:
    """The first days of the spans start..end falls into: every period's start (`start` for
    the first) and every one of `cuts` inside (a day some group's figures begin on,
    metrics.data_start), in order. A span's days are of one period, and every group either
    has figures on all of them or on none: a flow of whole numbers summed per span gives the
    figures its days give. With `weekends`, spans also begin on every Saturday and Monday, so
    a span's days are all weekdays or all weekend days: a weekday ratio's sums per kind of day
    (metrics.grid) follow from a row per span too."""
    days = day_range(start, end)
    firsts = np.maximum(period_starts(days, interval, start), np.datetime64(start, "D"))
    inside = [np.datetime64(c, "D") for c in cuts if start < c <= end]
    if weekends:
        inside.extend(days[np.isin(weekday(days), (0, 5))])
    every = np.unique(np.concatenate([firsts, np.asarray(inside, dtype="datetime64[D]")]))
    return tuple(d.item() for d in every)
