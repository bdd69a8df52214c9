"""Small-number suppression for publication (SPEC §10) on hand-picked counts."""

from __future__ import annotations

import pytest

from metrics.suppression import is_small, suppress_count, suppress_record
from store.database import Database
from tests.metrics.scenario import figure
from tests.metrics.test_discharges import MON, SUN, week  # noqa: F401  (week: a fixture)


@pytest.mark.parametrize(
    ("count", "published"),
    [(0, 0), (1, "*"), (7, "*"), (8, 10), (12, 10), (13, 15), (None, None), (-3, "*"), (-13, -15)],
)
def test_counts_of_1_to_7_are_hidden_and_others_rounded_to_5(count: int, published: object) -> None:
    assert suppress_count(count) == published


def test_a_rate_on_a_suppressed_count_is_hidden() -> None:
    rates = {"rate": ("numerator", "denominator")}
    counts = ("numerator", "denominator")
    # 7 of 13: the numerator is small, so the rate goes; 13 → 15.
    hidden = suppress_record({"numerator": 7, "denominator": 13, "rate": 53.8}, counts, rates)
    assert hidden == {"numerator": "*", "denominator": 15, "rate": "*"}
    # 8 of 12: neither is small; counts rounded, the rate stands as computed.
    shown = suppress_record({"numerator": 8, "denominator": 12, "rate": 66.7}, counts, rates)
    assert shown == {"numerator": 10, "denominator": 10, "rate": 66.7}
    # 0 of 12: 0 is not suppressed, so neither is the rate.
    zero = suppress_record({"numerator": 0, "denominator": 12, "rate": 0.0}, counts, rates)
    assert zero == {"numerator": 0, "denominator": 10, "rate": 0.0}
    assert not is_small(0) and is_small(1) and is_small(7) and not is_small(8)


def test_a_metric_for_publication(week: Database) -> None:  # noqa: F811
    # The hand-worked week: 6 discharges (→ *), Home First 2 of 4 (both small: rate *).
    (row,) = figure(week, "acute_discharges", MON, SUN, interval="total").records(suppress=True)
    assert row["value"] == "*"
    (rate,) = figure(week, "home_first_rate", MON, SUN, interval="total").records(suppress=True)
    assert (rate["value"], rate["numerator"], rate["denominator"]) == ("*", "*", "*")
    csv = figure(week, "acute_discharges", MON, SUN).csv(suppress=True).decode()
    assert csv.splitlines()[1].startswith("2025-03-03,,*,")
