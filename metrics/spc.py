"""XmR statistical process control by NHS England "Making Data Count" rules (SPEC section 5).

Where SPEC section 5 is silent the rules follow NHSRplotthedots 0.2.x, the named reference.
"""

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from numbers import Integral, Real
from typing import Literal, TypeGuard

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

LIMIT = 2.66  # process limits at mean ± LIMIT × mean moving range
NEAR = 2 * LIMIT / 3  # "near" lines for the two-in-three rule
SCREEN = 3.267  # moving ranges at or above SCREEN × their mean are left out
SHORT_GROUP = 13  # a group with fewer points carries a warning
MIN_FIX = 12
IMPROVEMENTS = ("increase", "decrease", "neutral")
NUMBER_KINDS = ("integer", "floating", "mixed-integer-float", "decimal")  # of object values

HIGH_AND_LOW = {
    "increase": ("special_cause_improvement", "special_cause_concern"),
    "decrease": ("special_cause_concern", "special_cause_improvement"),
    "neutral": ("special_cause_neutral_high", "special_cause_neutral_low"),
}

Improvement = Literal["increase", "decrease", "neutral"]
Floats = NDArray[np.float64]
Flags = NDArray[np.bool_]
Ints = NDArray[np.int64]


class SpcInputError(ValueError):
    """Input that spc() cannot chart; the message names the parameter (the API answers 422)."""


@dataclass(frozen=True, eq=False)
class SpcResult:
    """Points with their limits, flags and point type; assurance; variation; plain warnings."""

    points: pd.DataFrame
    assurance: str | None
    variation: str
    warnings: list[str] = field(default_factory=list)


def spc(
    series: pd.Series,
    *,
    improvement: Improvement,
    target: float | None = None,
    rebase: Iterable[dt.date | str] = (),
    screen_outliers: bool = True,
    fix_after_n_points: int | None = None,
    run_length: int = 7,
    trend_length: int = 7,
) -> SpcResult:
    """Chart a date-indexed series: limits per rebase group, special causes, assurance.

    A point exactly on a near line is not "near" (NHSRplotthedots compares strictly), so it
    never counts towards two in three; nor does a point beyond the limits.
    """
    _check_options(improvement, target, fix_after_n_points, run_length, trend_length)
    dates = _dates(series)
    values = _values(series, dates)
    groups = _groups(dates, rebase)
    mean, amr, ranges = _centre_and_spread(values, groups, fix_after_n_points, screen_outliers)
    lines = {"mean": mean, "lpl": mean - LIMIT * amr, "upl": mean + LIMIT * amr}
    lines |= {"near_lpl": mean - NEAR * amr, "near_upl": mean + NEAR * amr}
    flags, direction = _special_causes(values, lines, groups, run_length, trend_length)
    columns = {"value": values, "group": groups, "moving_range": ranges} | lines | flags
    points = pd.DataFrame(columns, index=series.index)
    points["point_type"] = _point_types(direction, improvement)
    lpl, upl, variation = points.iloc[-1][["lpl", "upl", "point_type"]]
    return SpcResult(
        points=points,
        assurance=_assurance(improvement, target, lpl, upl),
        variation=variation,
        warnings=_short_group_warnings(dates, groups),
    )


def _check_options(
    improvement: object, target: object, fix: object, run_length: object, trend_length: object
) -> None:
    """Refuse settings outside the rules before any work is done."""
    if not isinstance(improvement, str) or improvement not in IMPROVEMENTS:
        raise SpcInputError(f"improvement: must be one of {IMPROVEMENTS}, not {improvement!r}")
    finite = isinstance(target, Real) and math.isfinite(target)
    if target is not None and (isinstance(target, bool) or not finite):
        raise SpcInputError(f"target: must be a finite number or None, not {target!r}")
    if fix is not None and not (_is_count(fix) and fix >= MIN_FIX):
        raise SpcInputError(f"fix_after_n_points: must be a whole number ≥ {MIN_FIX} or None")
    for name, length in (("run_length", run_length), ("trend_length", trend_length)):
        if not (_is_count(length) and length >= 2):
            raise SpcInputError(f"{name}: must be a whole number ≥ 2, not {length!r}")


def _is_count(x: object) -> TypeGuard[int]:
    return isinstance(x, Integral) and not isinstance(x, bool)


def _dates(series: object) -> pd.DatetimeIndex:
    """The series' dates as timestamps, refused unless present, unique and ascending."""
    if not isinstance(series, pd.Series):
        raise SpcInputError(f"series: must be a pandas Series, not {type(series).__name__}")
    if series.empty:
        raise SpcInputError("series: is empty; there is nothing to chart")
    index = series.index
    if not isinstance(index, pd.DatetimeIndex):
        if pd.api.types.infer_dtype(index, skipna=False) not in ("date", "datetime"):
            raise SpcInputError("series: the index must hold dates (datetime.date or datetime64)")
        try:
            index = pd.DatetimeIndex(pd.to_datetime(index))
        except (TypeError, ValueError) as error:
            raise SpcInputError(f"series: the index dates could not be read ({error})") from error
    if index.hasnans:
        raise SpcInputError("series: the index has missing dates")
    if not index.is_unique:
        repeated = index[index.duplicated()].unique()[:3]
        raise SpcInputError(f"series: duplicate dates, e.g. {_show(repeated)}")
    if not index.is_monotonic_increasing:
        raise SpcInputError("series: dates must be in ascending order")
    return index


def _values(series: pd.Series, dates: pd.DatetimeIndex) -> Floats:
    """The values as floats, refused unless every one is a finite number."""
    dtype = series.dtype
    numeric = pd.api.types.is_numeric_dtype(dtype) and not (
        pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_complex_dtype(dtype)
    )
    if pd.api.types.is_object_dtype(dtype):
        numeric = pd.api.types.infer_dtype(series) in NUMBER_KINDS
    if not numeric:
        raise SpcInputError(f"series: values must be numbers, not {dtype}")
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    if not np.isfinite(values).all():
        bad = _show(dates[~np.isfinite(values)])
        raise SpcInputError(f"series: missing (NaN) or infinite values on {bad}")
    return values


def _show(dates: pd.DatetimeIndex) -> str:
    """A few dates for an error message."""
    shown = ", ".join(str(date)[:10] for date in dates[:3])
    return shown + (" …" if len(dates) > 3 else "")


def _groups(dates: pd.DatetimeIndex, rebase: Iterable[dt.date | str]) -> Ints:
    """Rebase group number (0, 1, …) of each point; a rebase on the first date changes nothing."""
    wanted_dates = (rebase,) if isinstance(rebase, str | dt.date) else rebase
    try:
        wanted = pd.DatetimeIndex([pd.Timestamp(date) for date in wanted_dates])
        positions = dates.get_indexer(wanted)
    except (TypeError, ValueError) as error:
        raise SpcInputError(f"rebase: dates could not be read ({error})") from error
    if (positions < 0).any():
        raise SpcInputError(f"rebase: not dates of the series: {_show(wanted[positions < 0])}")
    starts = np.zeros(len(dates), dtype=bool)
    starts[positions] = True
    starts[0] = False
    return np.cumsum(starts, dtype=np.int64)


def _centre_and_spread(
    values: Floats, groups: Ints, fix: int | None, screen: bool
) -> tuple[Floats, Floats, Floats]:
    """Per point: its group's mean and mean moving range, and its own moving range if used.

    Only the first `fix` points of a group feed its mean and moving ranges. Screening drops
    ranges not strictly below SCREEN × amr once; a zero amr is left alone (NHSRplotthedots
    would drop every range and give no limits at all to a flat baseline).
    """
    first = np.flatnonzero(np.r_[True, np.diff(groups) != 0])
    position = np.arange(values.size) - first[groups]
    baseline = position < (fix if fix is not None else values.size)
    mean = _group_mean(values, baseline, groups)
    ranges = np.abs(np.diff(values, prepend=np.nan))
    ranges[(position == 0) | ~baseline] = np.nan
    amr = _group_mean(ranges, ~np.isnan(ranges), groups)
    if screen:
        ranges[~(ranges < SCREEN * amr) & (amr > 0)] = np.nan
        amr = _group_mean(ranges, ~np.isnan(ranges), groups)
    return mean, amr, ranges


def _group_mean(x: Floats, use: Flags, groups: Ints) -> Floats:
    """Mean of the used x within each group, repeated on each of the group's points."""
    totals = np.bincount(groups, weights=np.where(use, x, 0.0))
    counts = np.bincount(groups, weights=use.astype(np.float64))
    with np.errstate(invalid="ignore", divide="ignore"):  # no used points: NaN, not a warning
        return (totals / counts)[groups]


def _special_causes(
    values: Floats, lines: dict[str, Floats], groups: Ints, run_length: int, trend_length: int
) -> tuple[dict[str, Flags], Floats]:
    """Each rule's flags, and the direction (+1/−1) of the highest-precedence rule per point."""
    side = np.sign(values - lines["mean"])
    outside = (values > lines["upl"]) | (values < lines["lpl"])
    near = ~outside & ((values < lines["near_lpl"]) | (values > lines["near_upl"]))
    trend_direction = _trend(values, groups, trend_length)
    flags = {
        "outside_limits": outside,
        "trend": trend_direction != 0,
        "two_in_three": _two_in_three(side, near, groups),
        "shift": _shift(side, groups, run_length),
    }
    choices = [side, trend_direction, side, side]  # in the order of precedence of `flags`
    return flags, np.select(list(flags.values()), choices)


def _trend(values: Floats, groups: Ints, length: int) -> Floats:
    """+1/−1 for points in a run of `length` points each strictly up/down, else 0.

    A turning point shared by two trends takes the later one's direction (as NHSRplotthedots).
    """
    steps = np.sign(np.diff(values))
    windows = _windows(steps, length - 1)
    up = _spread((windows == 1).all(axis=1), groups, length)
    down = _spread((windows == -1).all(axis=1), groups, length)
    later_step = np.append(steps, 0.0)
    return np.where(up & down, later_step, up.astype(np.float64) - down)


def _two_in_three(side: Floats, near: Flags, groups: Ints) -> Flags:
    """Near points in any 3 consecutive points all on one side of the mean with 2 or more near."""
    sides, nears = _windows(side, 3), _windows(near, 3)
    starts = (np.abs(sides.sum(axis=1)) == 3) & (nears.sum(axis=1) >= 2)
    return _spread(starts, groups, 3) & near


def _shift(side: Floats, groups: Ints, length: int) -> Flags:
    """Points in a run of `length` strictly on one side of the mean (a point on it breaks it)."""
    windows = _windows(side, length)
    same_side = (windows == windows[:, :1]).all(axis=1) & (windows[:, 0] != 0)
    return _spread(same_side, groups, length)


def _windows(x: NDArray[np.generic], length: int) -> NDArray[np.generic]:
    """Every run of `length` consecutive items, one per row (no rows when x is shorter)."""
    if x.size < length:
        return np.empty((0, length), dtype=x.dtype)
    return sliding_window_view(x, length)


def _spread(hits: Flags, groups: Ints, length: int) -> Flags:
    """Flag every point of each hit window of `length` points (by start) inside one group."""
    ends = _windows(groups, length)
    starts = hits & (ends[:, 0] == ends[:, -1])  # rules never look across a rebase
    if starts.size == 0:
        return np.zeros(groups.size, dtype=bool)
    spread = np.convolve(starts.astype(np.int64), np.ones(length, dtype=np.int64))
    return spread[: groups.size] > 0


def _point_types(direction: Floats, improvement: str) -> NDArray[np.str_]:
    """Name each point's variation from its special-cause direction (+1 high, −1 low, 0 none)."""
    high, low = HIGH_AND_LOW[improvement]
    return np.select([direction > 0, direction < 0], [high, low], default="common_cause")


def _assurance(improvement: str, target: float | None, lpl: float, upl: float) -> str | None:
    """Whether the last group's limits say the target is always met, never met, or either."""
    if target is None or improvement == "neutral":
        return None
    above, below = target > upl, target < lpl  # NaN limits (one-point group): neither
    if improvement == "decrease":
        return "pass" if above else "fail" if below else "hit_and_miss"
    return "fail" if above else "pass" if below else "hit_and_miss"


def _short_group_warnings(dates: pd.DatetimeIndex, groups: Ints) -> list[str]:
    """A plain warning for each group too short for reliable limits."""
    first = np.flatnonzero(np.r_[True, np.diff(groups) != 0])
    return [
        f"The group starting {str(dates[int(start)])[:10]} has fewer than {SHORT_GROUP} points "
        f"({size}), so its limits are unreliable."
        for start, size in zip(first, np.bincount(groups), strict=True)
        if size < SHORT_GROUP
    ]
