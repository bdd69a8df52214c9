"""The day × group grid every metric is counted on, and its roll-up into period rows.

Census counts are difference arrays: each row adds its weight at its first counted day and
removes it after its last, and a cumulative sum over the day axis gives every census at once,
so cost grows with rows plus days, never rows × days.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from metrics.calendar import Days, day_range, period_starts, weekday

UNKNOWN = "unknown"
BANDS = ("0", "1", "2-3", "4-6", "7-13", "14-20", "21+")
BAND_FLOORS = (0, 1, 2, 4, 7, 14, 21)
BAND_CEILINGS = (0, 1, 3, 6, 13, 20, None)

DayCounts = NDArray[np.float64]  # shape (groups, days)


@dataclass(frozen=True)
class Grid:
    """The days start..end and the breakdown groups ([None] when not broken down); each
    group's first day with figures in `known_from` (metrics.data_start; empty: every day)."""

    start: date
    end: date
    groups: tuple[str | None, ...]
    known_from: tuple[date, ...] = ()

    def known(self) -> NDArray[np.bool_]:
        """(groups, days): whether each group's day has figures (is on or after its start)."""
        days = self.days
        if not self.known_from:
            return np.ones((len(self.groups), len(days)), dtype=bool)
        firsts = np.asarray([np.datetime64(d, "D") for d in self.known_from])
        return days[None, :] >= firsts[:, None]

    @property
    def days(self) -> Days:
        return day_range(self.start, self.end)

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.groups), len(self.days)

    def codes(self, labels: pd.Series | None, size: int) -> NDArray[np.int64]:
        """The group index of each row."""
        if labels is None or self.groups == (None,):
            return np.zeros(size, dtype=np.int64)
        position = {g: i for i, g in enumerate(self.groups)}
        return np.asarray(labels.map(position), dtype=np.int64)

    def index(self, days: Days) -> NDArray[np.int64]:
        return np.asarray(days - np.datetime64(self.start, "D"), dtype=np.int64)


def make_grid(
    start: date, end: date, labels: pd.Series | None, universe: Sequence[str] = ()
) -> Grid:
    """A grid whose groups are the universe (shown even when empty) plus any other label seen."""
    if labels is None:
        return Grid(start, end, (None,))
    seen = set(labels.dropna().unique()) - set(universe)
    extra = sorted(seen - {UNKNOWN}) + ([UNKNOWN] if UNKNOWN in seen else [])
    return Grid(start, end, (*universe, *extra))


def label(values: pd.Series) -> pd.Series:
    """Breakdown labels: numbers and codes as text, a missing value as 'unknown'."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    # A missing value has code -1, which picks the last name: unknown.
    names = np.asarray([_text(u) for u in uniques] + [UNKNOWN], dtype=object)
    return pd.Series(names[codes], index=values.index, dtype=object)


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def census_counts(
    grid: Grid,
    first: Days,
    last: Days,
    labels: pd.Series | None = None,
    weights: NDArray[np.float64] | None = None,
) -> DayCounts:
    """Each day's census: the weight of the rows whose first..last days include it."""
    groups, days = grid.shape
    lo = np.maximum(first, np.datetime64(grid.start, "D"))
    hi = np.minimum(last, np.datetime64(grid.end, "D"))
    keep = lo <= hi
    codes = grid.codes(labels, len(first))[keep]
    w = np.ones(len(first)) if weights is None else np.asarray(weights, dtype=np.float64)
    w = w[keep]
    width = days + 1
    flat = np.concatenate(
        [codes * width + grid.index(lo[keep]), codes * width + grid.index(hi[keep]) + 1]
    )
    diff = np.bincount(flat, weights=np.concatenate([w, -w]), minlength=groups * width)
    return np.cumsum(diff.reshape(groups, width), axis=1, dtype=np.float64)[:, :days]


def event_counts(
    grid: Grid,
    days: Days,
    labels: pd.Series | None = None,
    weights: NDArray[np.float64] | None = None,
) -> DayCounts:
    """The weight of the rows falling on each day."""
    groups, width = grid.shape
    keep = (days >= np.datetime64(grid.start, "D")) & (days <= np.datetime64(grid.end, "D"))
    codes = grid.codes(labels, len(days))[keep]
    w = np.ones(len(days)) if weights is None else np.asarray(weights, dtype=np.float64)
    flat = codes * width + grid.index(days[keep])
    counts = np.bincount(flat, weights=w[keep], minlength=groups * width)
    return counts.reshape(groups, width).astype(np.float64)


def split_by_elapsed(
    first: Days,
    last: Days,
    origin: Days,
    floors: Iterable[int],
    ceilings: Iterable[int | None],
    names: Iterable[str],
) -> tuple[Days, Days, pd.Series]:
    """Cut each row's counted days where D + 1 − origin crosses into each band [floor, ceiling].

    Used for length of stay (origin = admission date) and days ready (origin = the DRD).
    """
    firsts, lasts, labels = [], [], []
    for floor, ceiling, name in zip(floors, ceilings, names, strict=True):
        firsts.append(np.maximum(first, origin + np.timedelta64(floor - 1, "D")))
        cap = last if ceiling is None else origin + np.timedelta64(ceiling - 1, "D")
        lasts.append(np.minimum(last, cap))
        labels.append(np.full(len(first), name, dtype=object))
    return np.concatenate(firsts), np.concatenate(lasts), pd.Series(np.concatenate(labels))


def delay_bands(delays: pd.Series) -> pd.Series:
    """The delay band of each number of days."""
    position = np.searchsorted(BAND_FLOORS, delays.to_numpy(dtype=np.int64), side="right") - 1
    return pd.Series(np.asarray(BANDS, dtype=object)[position], index=delays.index)


def roll_up(
    grid: Grid,
    interval: str,
    aggregation: str,
    numerator: DayCounts,
    denominator: DayCounts | None = None,
    scale: float = 1.0,
) -> pd.DataFrame:
    """Period rows (period, group, value, numerator, denominator, days, last_day).

    Only each group's known days (grid.known: from its data start) count; `days` is how many
    a row counted, and a row with none has value, numerator and denominator null."""
    days = grid.days
    starts, bounds, known, ndays = _periods(grid, interval)
    numerator = np.where(known, numerator, 0.0)
    total = np.add.reduceat(numerator, bounds, axis=1)
    if aggregation == "weekday_ratio":
        num, den = _weekday_means(numerator, days, bounds, known)
    elif aggregation == "census":
        num, den = total, ndays.copy()
    elif aggregation == "ratio":
        assert denominator is not None
        denominator = np.where(known, np.broadcast_to(denominator, numerator.shape), 0.0)
        num, den = total, np.add.reduceat(denominator, bounds, axis=1)
    else:
        num, den = total, np.full(total.shape, np.nan)
    value = num if aggregation == "sum" else _divide(num, den) * scale
    if aggregation == "sum":
        num = np.full(total.shape, np.nan)
    unknown = ndays == 0
    value, num, den = (np.where(unknown, np.nan, a) for a in (value, num, den))
    last_days = days[np.r_[bounds[1:], len(days)] - 1]
    return _rows(grid, starts[bounds], ndays, last_days, value, num, den)


def period_sums(grid: Grid, interval: str, counts: DayCounts) -> NDArray[np.float64]:
    """The `value` column roll_up(grid, interval, "sum", counts) gives, as an array in its row
    order, without making its frame: for a figure that sums several counts rolled up alike
    (bed days saved: one per pathway; by unit over a year, 230,000 rows each)."""
    _starts, bounds, known, ndays = _periods(grid, interval)
    total = np.add.reduceat(np.where(known, counts, 0.0), bounds, axis=1)
    return np.where(ndays == 0, np.nan, total).T.ravel()


def _periods(
    grid: Grid, interval: str
) -> tuple[Days, NDArray[np.intp], NDArray[np.bool_], DayCounts]:
    """Each day's period start, where each period begins on the day axis, which days of each
    group are known, and how many known days each group's period holds."""
    starts = period_starts(grid.days, interval, grid.start)
    bounds = np.flatnonzero(np.r_[True, starts[1:] != starts[:-1]])
    known = grid.known()
    return starts, bounds, known, np.add.reduceat(known.astype(np.float64), bounds, axis=1)


def _weekday_means(
    counts: DayCounts, days: Days, bounds: NDArray[np.intp], known: NDArray[np.bool_]
) -> tuple[DayCounts, DayCounts]:
    weekend = (weekday(days) >= 5)[None, :] & known
    weekdays = ~(weekday(days) >= 5)[None, :] & known
    weekend_days = np.add.reduceat(weekend.astype(np.float64), bounds, axis=1)
    weekday_days = np.add.reduceat(weekdays.astype(np.float64), bounds, axis=1)
    on_weekend = np.add.reduceat(counts * weekend, bounds, axis=1)
    on_weekdays = np.add.reduceat(counts * weekdays, bounds, axis=1)
    return _divide(on_weekend, weekend_days), _divide(on_weekdays, weekday_days)


def _divide(num: DayCounts, den: DayCounts | NDArray[np.float64]) -> DayCounts:
    den = np.broadcast_to(den, num.shape)
    out = np.full(num.shape, np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def _rows(
    grid: Grid,
    periods: Days,
    ndays: DayCounts,
    last_days: Days,
    value: DayCounts,
    num: DayCounts,
    den: DayCounts,
) -> pd.DataFrame:
    groups, count = len(grid.groups), len(periods)
    return pd.DataFrame(
        {
            "period": np.repeat(periods, groups),
            "group": np.tile(np.asarray(grid.groups, dtype=object), count),
            "value": value.T.ravel(),
            "numerator": num.T.ravel(),
            "denominator": den.T.ravel(),
            "days": ndays.T.ravel().astype(np.int64),
            "last_day": np.repeat(last_days, groups),
        }
    )
