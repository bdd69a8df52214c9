"""SPC by Making Data Count rules (SPEC section 5): hand-worked series, real NHS series, bad input.

Each hand-made series is small enough to check with pencil and paper; the arithmetic is in the
comments. Constants: limits at mean ± 2.66·amr, near lines at mean ± 1.7733·amr.
"""

import datetime as dt
import math
from collections.abc import Sequence
from pathlib import Path
from statistics import fmean

import numpy as np
import pandas as pd
import pytest

from metrics.spc import SpcInputError, SpcResult, spc

DATA = Path(__file__).parent / "data"
NEAR = 2 * 2.66 / 3


def daily(values: Sequence[float], start: str = "2024-01-01") -> pd.Series:
    return pd.Series(values, index=pd.date_range(start, periods=len(values)), dtype=float)


def flagged(result: SpcResult, column: str) -> list[int]:
    """Positions of the points where a flag column is set."""
    return list(np.flatnonzero(result.points[column].to_numpy()))


def types(result: SpcResult) -> dict[int, str]:
    """Positions and types of the points that are not common cause."""
    kinds = result.points["point_type"].tolist()
    return {i: kind for i, kind in enumerate(kinds) if kind != "common_cause"}


def assert_lines(result: SpcResult, mean: float, amr: float, rows: slice = slice(None)) -> None:
    points = result.points.iloc[rows]
    assert points["mean"].tolist() == pytest.approx([mean] * len(points))
    assert points["lpl"].tolist() == pytest.approx([mean - 2.66 * amr] * len(points))
    assert points["upl"].tolist() == pytest.approx([mean + 2.66 * amr] * len(points))
    assert points["near_lpl"].tolist() == pytest.approx([mean - NEAR * amr] * len(points))
    assert points["near_upl"].tolist() == pytest.approx([mean + NEAR * amr] * len(points))


# --- shift -------------------------------------------------------------------------------

# Sum 50 + 80 + 10 = 140 over 14 points: mean 10. Moving ranges 4,8,8,8,5,1,1,1,1,1,1,5,2 sum
# 46 over 13: amr 46/13 = 3.538 (screen cut-off 11.56, none dropped). Limits 0.588 / 19.412,
# near lines 3.725 / 16.275: nothing outside or near. Points 5-11 (11,12,…,11) lie above 10.
SHIFT_7 = [10, 14, 6, 14, 6, 11, 12, 11, 12, 11, 12, 11, 6, 4]
# Same mean (50 + 69 + 21 = 140) and ranges (4,8,8,8,5,1,1,1,1,1,3,1,4: 46): only 6 above.
SHIFT_6 = [10, 14, 6, 14, 6, 11, 12, 11, 12, 11, 12, 9, 8, 4]
# Sum 50 + 78 + 12 = 140: mean exactly 10, so the 10 at point 8 splits 11,12,11 | 11,12,11.
# Ranges 4,8,8,8,5,1,1,1,1,1,1,5,0: amr 44/13; limits 0.997 / 19.003; near 3.998 / 16.002.
SHIFT_ON_MEAN = [10, 14, 6, 14, 6, 11, 12, 11, 10, 11, 12, 11, 6, 6]


def test_seven_points_above_the_mean_are_a_shift() -> None:
    result = spc(daily(SHIFT_7), improvement="increase")
    assert_lines(result, mean=10, amr=46 / 13)
    assert flagged(result, "shift") == [5, 6, 7, 8, 9, 10, 11]
    assert types(result) == dict.fromkeys(range(5, 12), "special_cause_improvement")
    assert flagged(result, "outside_limits") == flagged(result, "trend") == []
    assert flagged(result, "two_in_three") == []


def test_six_points_above_the_mean_are_not_a_shift_unless_run_length_is_six() -> None:
    result = spc(daily(SHIFT_6), improvement="decrease")
    assert_lines(result, mean=10, amr=46 / 13)
    assert types(result) == {}
    shorter = spc(daily(SHIFT_6), improvement="decrease", run_length=6)
    assert types(shorter) == dict.fromkeys(range(5, 11), "special_cause_concern")


def test_a_point_exactly_on_the_mean_breaks_a_shift() -> None:
    result = spc(daily(SHIFT_ON_MEAN), improvement="increase")
    assert_lines(result, mean=10, amr=44 / 13)
    assert result.points["value"].iloc[8] == result.points["mean"].iloc[8]
    assert types(result) == {}


def test_points_on_the_mean_are_not_a_shift() -> None:
    # 8,12,8,12 (40), 10 ×7 (70), 12,8,12,8 (40): mean 150/15 = 10, so seven points sit on it.
    # Ranges 4,4,4,2, six 0s, 2,4,4,4: 28 over 14, amr 2; near lines 6.453 / 13.547.
    result = spc(daily([8, 12, 8, 12] + [10] * 7 + [12, 8, 12, 8]), improvement="increase")
    assert_lines(result, mean=10, amr=2)
    assert flagged(result, "shift") == []


# --- trend -------------------------------------------------------------------------------

# Sum 13 + 28 + 11 = 52 over 13: mean 4. Ranges 3,7,1,1,1,1,1,1,4,2,4,1 sum 27 over 12: amr
# 2.25 (cut-off 7.35 keeps the 7). Limits -1.985 / 9.985; near 0.01 / 7.99: the 8 is near but
# its three-point windows straddle the mean. Points 2-8 (1,2,…,7) rise 6 steps: a trend, also
# for the 1, 2, 3 below the mean and the 4 on it.
TREND = [5, 8, 1, 2, 3, 4, 5, 6, 7, 3, 5, 1, 2]
# The tie 3, 3 breaks the run. Sum 13 + 27 + 12 = 52: mean 4. Ranges 3,7,1,1,0,2,1,1,4,2,4,2:
# amr 28/12 = 7/3; limits -2.207 / 10.207; near -0.138 / 8.138 (the 8 is not near).
TREND_TIED = [5, 8, 1, 2, 3, 3, 5, 6, 7, 3, 5, 1, 3]


def test_seven_points_each_strictly_up_are_a_trend_whatever_their_side() -> None:
    result = spc(daily(TREND), improvement="increase")
    assert_lines(result, mean=4, amr=2.25)
    assert flagged(result, "trend") == [2, 3, 4, 5, 6, 7, 8]
    assert types(result) == dict.fromkeys(range(2, 9), "special_cause_improvement")
    falling = spc(daily(TREND), improvement="decrease")
    assert types(falling) == dict.fromkeys(range(2, 9), "special_cause_concern")


def test_a_tie_breaks_a_trend() -> None:
    result = spc(daily(TREND_TIED), improvement="increase")
    assert_lines(result, mean=4, amr=7 / 3)
    assert types(result) == {}
    # trend_length=4: 3, 5, 6, 7 (points 5-8) rise 3 steps; 1, 2, 3 before the tie are only 3.
    shorter = spc(daily(TREND_TIED), improvement="increase", trend_length=4)
    assert flagged(shorter, "trend") == [5, 6, 7, 8]


# Up 2..8 (points 4-10) then down 8..2 (points 10-16), between wide swings. Sum 20 + 35 + 27
# + 19 = 101 over 20: mean 5.05. Ranges 8,8,8,7, six 1s, six 1s, 7,8,8: 66 over 19, amr 3.474
# (cut-off 11.35); limits -4.19 / 14.29; near -1.11 / 11.21: nothing outside or near, no run
# longer than 5 on one side. The 8 at point 10 belongs to both trends.
PEAK = [1, 9, 1, 9, 2, 3, 4, 5, 6, 7, 8, 7, 6, 5, 4, 3, 2, 9, 1, 9]


def test_a_falling_trend_is_low_and_a_shared_turning_point_takes_the_later_trend() -> None:
    result = spc(daily(PEAK), improvement="neutral")
    assert_lines(result, mean=5.05, amr=66 / 19)
    assert flagged(result, "trend") == list(range(4, 17))
    high, low = "special_cause_neutral_high", "special_cause_neutral_low"
    assert types(result) == dict.fromkeys(range(4, 10), high) | dict.fromkeys(range(10, 17), low)


# --- two in three ------------------------------------------------------------------------

# 16 points 9,11,… (sum 160) then 16, 11, 16, 9: sum 212 over 20, mean 10.6. Ranges: fifteen
# 2s, then 5, 5, 5, 7: sum 52 over 19, amr 2.7368 (cut-off 8.94). Limits 3.320 / 17.880; near
# 5.747 / 15.453. 16, 11, 16 lie above the mean and both 16s are near: they (not the 11) flag.
TWO_IN_THREE = [9, 11] * 8 + [16, 11, 16, 9]
# The second 16 made 20: sum 216, mean 10.8. Ranges 30 + 5, 5, 9, 11 = 60 over 19: amr 3.158,
# cut-off 10.317 drops the 11: amr 49/18 = 2.7222. Limits 3.559 / 18.041; near 5.973 / 15.627.
# The 20 is beyond the limit, so it is not near: one near point in three, no flag.
TWO_IN_THREE_BEYOND = [9, 11] * 8 + [16, 11, 20, 9]


def test_two_of_three_near_the_upper_limit_flag_only_the_near_points() -> None:
    result = spc(daily(TWO_IN_THREE), improvement="increase")
    assert_lines(result, mean=10.6, amr=52 / 19)
    assert flagged(result, "two_in_three") == [16, 18]
    assert types(result) == {16: "special_cause_improvement", 18: "special_cause_improvement"}


def test_a_point_beyond_the_limit_does_not_count_as_near() -> None:
    result = spc(daily(TWO_IN_THREE_BEYOND), improvement="decrease")
    assert_lines(result, mean=10.8, amr=49 / 18)
    assert flagged(result, "two_in_three") == []
    assert types(result) == {18: "special_cause_concern"}


def test_a_point_exactly_on_the_near_line_is_not_near() -> None:
    # Limits fixed on 9,11,… (mean 10, amr 2), so later points do not move the near line.
    baseline = [9.0, 11.0] * 6
    near_upl = spc(daily([*baseline, 10.0]), improvement="increase", fix_after_n_points=12)
    line = float(near_upl.points["near_upl"].iloc[0])
    assert line == pytest.approx(10 + NEAR * 2)
    on_line = spc(daily([*baseline, line, 11, line]), improvement="increase", fix_after_n_points=12)
    assert flagged(on_line, "two_in_three") == []
    just_over = float(np.nextafter(line, math.inf))
    over = spc(
        daily([*baseline, just_over, 11, line]), improvement="increase", fix_after_n_points=12
    )
    assert flagged(over, "two_in_three") == []  # one near point in three
    both = spc(
        daily([*baseline, just_over, 11, just_over]), improvement="increase", fix_after_n_points=12
    )
    assert flagged(both, "two_in_three") == [12, 14]


# --- moving ranges: screening, rebasing, fixing ------------------------------------------

# 10,14,… (12 points) then 38: sum 182 over 13, mean 14 (the 14s sit on it: no shift). Ranges:
# eleven 4s and 24, sum 68 over 12: amr 5.667, cut-off 18.51 drops the 24: amr 44/11 = 4.
SCREENED = [10, 14] * 6 + [38]


def test_screening_drops_a_moving_range_not_below_3_267_times_the_mean() -> None:
    result = spc(daily(SCREENED), improvement="decrease")
    assert_lines(result, mean=14, amr=4)  # limits 3.36 / 24.64
    assert math.isnan(result.points["moving_range"].iloc[0])
    assert math.isnan(result.points["moving_range"].iloc[12])
    assert result.points["moving_range"].iloc[1:12].tolist() == [4.0] * 11
    assert types(result) == {12: "special_cause_concern"}
    assert result.variation == "special_cause_concern"


def test_a_moving_range_exactly_3_267_times_the_mean_is_dropped() -> None:
    # 1,0 ×6 then r: eleven ranges of 1 and r, where r = 3.267 × (11 + r) / 12 holds exactly in
    # floating point. "Not strictly below" drops r, leaving amr 11/11 = 1; mean (6 + r) / 13.
    r = 4.115080728272072
    assert r == 3.267 * ((11 + r) / 12)
    result = spc(daily([1.0, 0.0] * 6 + [r]), improvement="increase")
    assert_lines(result, mean=(6 + r) / 13, amr=1)
    assert math.isnan(result.points["moving_range"].iloc[-1])


def test_without_screening_every_moving_range_counts() -> None:
    result = spc(daily(SCREENED), improvement="decrease", screen_outliers=False)
    assert_lines(result, mean=14, amr=68 / 12)  # limits -1.073 / 29.073
    assert result.points["moving_range"].iloc[12] == 24
    assert flagged(result, "outside_limits") == [12]


# Group 0: 8,12 ×5 then 13 ×4: sum 152 over 14, mean 10.857; ranges nine 4s, 1, 0, 0, 0: amr
# 37/13 = 2.846; limits 3.286 / 18.429. Group 1 is group 0 reversed plus 100: mean 110.857,
# same amr. Group 0 ends with 5 points above its mean and group 1 starts with 5 above its own:
# 10 in a row, but no rule looks across a rebase.
GROUP_0 = [8, 12] * 5 + [13] * 4
REBASED = GROUP_0 + [v + 100 for v in reversed(GROUP_0)]
REBASE_DATE = dt.date(2024, 1, 15)  # the 15th point


def test_a_rebase_starts_a_group_with_its_own_mean_and_limits() -> None:
    result = spc(daily(REBASED), improvement="increase", rebase=[REBASE_DATE])
    assert result.points["group"].tolist() == [0] * 14 + [1] * 14
    assert_lines(result, mean=152 / 14, amr=37 / 13, rows=slice(0, 14))
    assert_lines(result, mean=152 / 14 + 100, amr=37 / 13, rows=slice(14, 28))
    ranges = result.points["moving_range"]
    assert math.isnan(ranges.iloc[14]) and ranges.iloc[15] == 0  # none across the rebase
    assert types(result) == {}
    assert result.warnings == []
    # Without the rebase the first 14 all lie below the overall mean 60.857.
    whole = spc(daily(REBASED), improvement="increase")
    assert flagged(whole, "shift") == list(range(28))


def test_fixed_limits_apply_per_rebase_group() -> None:
    # First 12 of group 0: 8,12 ×5, 13, 13 = 126, mean 10.5; ranges nine 4s, 1, 0: amr 37/11.
    # First 12 of group 1: 113 ×4, then 112,108 ×4 = 1332, mean 111; ranges 0,0,0,1,4 ×7: 29/11.
    result = spc(
        daily(REBASED), improvement="increase", rebase=[REBASE_DATE], fix_after_n_points=12
    )
    assert_lines(result, mean=10.5, amr=37 / 11, rows=slice(0, 14))
    assert_lines(result, mean=111, amr=29 / 11, rows=slice(14, 28))
    assert result.points["moving_range"].iloc[[12, 13, 26, 27]].isna().all()


# Baseline 9,11 ×6 (or 11,9 ×6): mean 10, eleven ranges of 2: amr 2. Limits 4.68 / 15.32;
# near 6.453 / 13.547. The later points do not move them.
BASELINE = [9, 11] * 6
FIXED = [11, 9] * 6 + [12, 12, 20, 12, 12, 12, 12]


def test_limits_fixed_after_twelve_points_ignore_later_points() -> None:
    result = spc(daily(FIXED), improvement="increase", fix_after_n_points=12)
    assert_lines(result, mean=10, amr=2)
    assert result.points["moving_range"].iloc[12:].isna().all()
    # Seven points above 10 (a shift); the 20 is beyond 15.32 as well, and high either way.
    assert flagged(result, "shift") == list(range(12, 19))
    assert flagged(result, "outside_limits") == [14]
    assert types(result) == dict.fromkeys(range(12, 19), "special_cause_improvement")
    unfixed = spc(daily(FIXED), improvement="increase")
    assert unfixed.points["mean"].iloc[0] == pytest.approx(212 / 19)


def test_precedence_outside_then_trend_then_two_in_three() -> None:
    # After the baseline: 3 (below 4.68: outside, low), then 5, 6 (between 4.68 and 6.453: near,
    # below the mean: two in three, low), then 7, 8, 9, 10: 3..10 is a 7-point rising trend.
    # 3..9 are six points below 10 and the 10 sits on the mean: no shift.
    values = BASELINE + [3, 5, 6, 7, 8, 9, 10]
    result = spc(daily(values), improvement="increase", fix_after_n_points=12)
    assert flagged(result, "outside_limits") == [12]
    assert flagged(result, "trend") == list(range(12, 19))
    assert flagged(result, "two_in_three") == [13, 14]
    assert flagged(result, "shift") == []
    improvement = dict.fromkeys(range(13, 19), "special_cause_improvement")
    assert types(result) == {12: "special_cause_concern"} | improvement
    neutral = spc(daily(values), improvement="neutral", fix_after_n_points=12)
    high = dict.fromkeys(range(13, 19), "special_cause_neutral_high")
    assert types(neutral) == {12: "special_cause_neutral_low"} | high
    assert neutral.variation == "special_cause_neutral_high"


def test_a_flat_baseline_keeps_zero_limits_width() -> None:
    # Every range is 0, so none is an outlier; NHSRplotthedots would leave no limits at all.
    result = spc(daily([5.0] * 12 + [6.0]), improvement="decrease", fix_after_n_points=12)
    assert_lines(result, mean=5, amr=0)
    assert types(result) == {12: "special_cause_concern"}


# --- assurance, variation, warnings ------------------------------------------------------

# 9,11 ×7: mean 10, amr 2, limits 4.68 / 15.32.
STEADY = daily([9, 11] * 7)


@pytest.mark.parametrize(
    ("improvement", "target", "expected"),
    [
        ("decrease", 16, "pass"),
        ("decrease", 4, "fail"),
        ("decrease", 10, "hit_and_miss"),
        ("increase", 4, "pass"),
        ("increase", 16, "fail"),
        ("increase", 10, "hit_and_miss"),
        ("neutral", 16, None),
        ("increase", None, None),
        ("decrease", None, None),
    ],
)
def test_assurance(improvement: str, target: float | None, expected: str | None) -> None:
    result = spc(STEADY, improvement=improvement, target=target)  # type: ignore[arg-type]
    assert result.assurance == expected
    assert result.variation == "common_cause" == result.points["point_type"].iloc[-1]


def test_assurance_is_strict_at_the_limits() -> None:
    points = spc(STEADY, improvement="decrease").points
    upl, lpl = float(points["upl"].iloc[-1]), float(points["lpl"].iloc[-1])
    assert spc(STEADY, improvement="decrease", target=upl).assurance == "hit_and_miss"
    assert spc(STEADY, improvement="increase", target=lpl).assurance == "hit_and_miss"


def test_assurance_uses_the_last_groups_limits() -> None:
    # 50 is above group 0's limits (pass for lower-is-better) but below group 1's 103.3: fail.
    result = spc(daily(REBASED), improvement="decrease", target=50, rebase=[REBASE_DATE])
    assert result.assurance == "fail"


def test_short_groups_carry_warnings() -> None:
    assert spc(daily([9, 11] * 6 + [9]), improvement="increase").warnings == []
    (warning,) = spc(daily([9, 11] * 6), improvement="increase").warnings
    assert "2024-01-01" in warning and "(12)" in warning
    rebased = spc(daily([9, 11] * 7), improvement="increase", rebase=["2024-01-11"])
    assert [("(10)" in w, "(4)" in w) for w in rebased.warnings] == [
        (True, False),
        (False, True),
    ]


def test_a_one_point_group_has_no_limits_and_no_special_cause() -> None:
    result = spc(daily([9, 11] * 7), improvement="increase", target=1, rebase=["2024-01-14"])
    last = result.points.iloc[-1]
    assert math.isnan(last["lpl"]) and math.isnan(last["upl"]) and last["mean"] == 11
    assert result.variation == "common_cause" and result.assurance == "hit_and_miss"
    assert len(result.warnings) == 1


def test_an_index_of_dates_is_kept_and_gives_the_same_answer() -> None:
    series = daily(SHIFT_7)
    as_dates = pd.Series(series.to_numpy(), index=[d.date() for d in series.index])
    result = spc(as_dates, improvement="increase", rebase=[dt.date(2024, 1, 8)])
    assert list(result.points.index) == list(as_dates.index)
    timestamped = spc(series, improvement="increase", rebase=[pd.Timestamp("2024-01-08")])
    pd.testing.assert_frame_equal(
        result.points.reset_index(drop=True), timestamped.points.reset_index(drop=True)
    )


def test_integers_and_single_dates_are_accepted() -> None:
    series = pd.Series([9, 11] * 7, index=pd.date_range("2024-01-01", periods=14))
    result = spc(series, improvement="increase", rebase="2024-01-01")
    assert result.points["value"].dtype == np.float64
    assert result.points["group"].tolist() == [0] * 14


# --- real NHS series ---------------------------------------------------------------------


def read(name: str) -> pd.Series:
    frame = pd.read_csv(DATA / f"{name}.input.csv", parse_dates=["date"])
    return frame.set_index("date")["value"]


def reference(values: list[float]) -> tuple[float, float, dict[str, list[bool]]]:
    """Plain-Python XmR for one group, written out loop by loop, to check spc() against."""
    n, mean = len(values), fmean(values)
    ranges = [abs(values[i] - values[i - 1]) for i in range(1, n)]
    amr = fmean(ranges)
    amr = fmean([r for r in ranges if r < 3.267 * amr])
    lpl, upl = mean - 2.66 * amr, mean + 2.66 * amr
    near_lpl, near_upl = mean - NEAR * amr, mean + NEAR * amr
    side = [(v > mean) - (v < mean) for v in values]
    outside = [v < lpl or v > upl for v in values]
    near = [not o and (v < near_lpl or v > near_upl) for v, o in zip(values, outside, strict=True)]
    shift, trend, two = [False] * n, [False] * n, [False] * n
    for i in range(n - 6):
        if side[i] != 0 and all(s == side[i] for s in side[i : i + 7]):
            shift[i : i + 7] = [True] * 7
        steps = [values[j + 1] - values[j] for j in range(i, i + 6)]
        if all(s > 0 for s in steps) or all(s < 0 for s in steps):
            trend[i : i + 7] = [True] * 7
    for i in range(n - 2):
        if abs(sum(side[i : i + 3])) == 3 and sum(near[i : i + 3]) >= 2:
            for j in range(i, i + 3):
                two[j] = two[j] or near[j]
    return (
        mean,
        amr,
        {"outside_limits": outside, "shift": shift, "trend": trend, "two_in_three": two},
    )


@pytest.mark.parametrize(
    ("name", "improvement"),
    [
        ("ae_RJZ_breaches", "decrease"),
        ("ae_RVR_breaches_rebase", "decrease"),
        ("ae_RAS_attendances_neutral", "neutral"),
        ("nctr_RJZ_daily_2023q1", "decrease"),
    ],
)
def test_real_series_agree_with_a_plain_python_reference(name: str, improvement: str) -> None:
    series = read(name)
    mean, amr, expected = reference([float(v) for v in series])
    result = spc(series, improvement=improvement)  # type: ignore[arg-type]
    assert_lines(result, mean=mean, amr=amr)
    for rule, flags in expected.items():
        assert result.points[rule].tolist() == flags, rule
    assert result.points.index.equals(series.index)


def test_rjz_breaches_by_hand() -> None:
    # RJZ type-1 breaches, April 2016 - March 2019: 36 months summing to 159,238, mean
    # 4,423.28; 35 moving ranges summing to 20,752, amr 592.91, none screened (cut-off 1,937).
    # Limits 2,846.13 / 6,000.43. Below: 2,572 (2016-08) and 2,805 (2017-07); above: 6,284
    # (2018-03), 6,113, 6,685, 6,085 (2018-12 to 2019-02). September 2018 on (4,992 … 5,908) are
    # seven above the mean after 3,990 below it: a shift.
    result = spc(read("ae_RJZ_breaches"), improvement="decrease", target=4000)
    points = result.points
    assert_lines(result, mean=159238 / 36, amr=20752 / 35)
    outside = [f"{date:%Y-%m}" for date in points.index[points["outside_limits"]]]
    assert outside == ["2016-08", "2017-07", "2018-03", "2018-12", "2019-01", "2019-02"]
    assert points["shift"].iloc[-7:].all() and not points["shift"].iloc[-8]
    assert result.variation == "special_cause_concern"
    assert result.assurance == "hit_and_miss"


def test_rvr_breaches_rebased_when_the_level_jumped() -> None:
    # RVR breaches jump from ~600 to ~1,400 in December 2017: rebase there.
    series = read("ae_RVR_breaches_rebase")
    result = spc(series, improvement="decrease", rebase=[dt.date(2017, 12, 1)])
    first, second = series.iloc[:20], series.iloc[20:]
    groups = result.points.groupby("group")
    assert groups.size().tolist() == [20, 16]
    assert groups["mean"].first().tolist() == pytest.approx([first.mean(), second.mean()])
    for group, part in ((0, first), (1, second)):
        _, _, expected = reference([float(v) for v in part])
        rows = result.points["group"] == group
        for rule, flags in expected.items():
            assert result.points.loc[rows, rule].tolist() == flags, (group, rule)
    assert math.isnan(result.points["moving_range"].iloc[20])


# --- bad input ---------------------------------------------------------------------------

GOOD = daily([9, 11] * 7)


@pytest.mark.parametrize(
    ("series", "options", "parameter"),
    [
        ([9, 11], {}, "series"),
        (pd.Series([], dtype=float), {}, "series"),
        (GOOD.iloc[::-1], {}, "series"),
        (pd.concat([GOOD, GOOD.iloc[:1]]), {}, "series"),
        (GOOD.where(GOOD.index != GOOD.index[3]), {}, "series"),
        (GOOD.replace(9.0, math.inf), {}, "series"),
        (GOOD.astype(str), {}, "series"),
        (GOOD.astype(bool), {}, "series"),
        (pd.Series([9.0, 11.0], index=[1, 2]), {}, "series"),
        (GOOD, {"rebase": [dt.date(2023, 1, 1)]}, "rebase"),
        (GOOD, {"rebase": ["not a date"]}, "rebase"),
        (GOOD, {"fix_after_n_points": 11}, "fix_after_n_points"),
        (GOOD, {"fix_after_n_points": 12.5}, "fix_after_n_points"),
        (GOOD, {"improvement": "up"}, "improvement"),
        (GOOD, {"run_length": 1}, "run_length"),
        (GOOD, {"trend_length": 1}, "trend_length"),
        (GOOD, {"trend_length": True}, "trend_length"),
        (GOOD, {"target": "high"}, "target"),
        (GOOD, {"target": math.nan}, "target"),
    ],
)
def test_bad_input_is_refused_naming_the_parameter(
    series: object, options: dict[str, object], parameter: str
) -> None:
    arguments: dict[str, object] = {"improvement": "increase"} | options
    with pytest.raises(SpcInputError, match=rf"^{parameter}: "):
        spc(series, **arguments)  # type: ignore[arg-type]


def test_the_input_error_is_a_value_error() -> None:
    assert issubclass(SpcInputError, ValueError)
