"""Census arithmetic of the calibration figures, on tiny literal cases (SPEC §2)."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from seed.calibration import capacity_days, census_days, census_instants

MONDAY = date(2025, 3, 3)


def test_a_stay_from_monday_afternoon_to_wednesday_morning_is_two_bed_days() -> None:
    instants = census_instants(MONDAY, date(2025, 3, 9))
    starts = pd.Series([datetime(2025, 3, 3, 14)])
    ends = pd.Series([datetime(2025, 3, 5, 10)])
    assert census_days(starts, ends, instants) == 2


def test_an_open_stay_counts_at_every_census_after_it_began() -> None:
    instants = census_instants(MONDAY, date(2025, 3, 9))
    starts = pd.Series([datetime(2025, 3, 6, 9)])
    ends = pd.Series([None], dtype="datetime64[us]")
    assert census_days(starts, ends, instants) == 4  # Thursday to Sunday


def test_capacity_in_force_changes_on_its_date() -> None:
    history = pd.DataFrame(
        {
            "unit_code": ["W1", "W1", "W2"],
            "effective_from": [date(2025, 1, 1), date(2025, 3, 5), date(2025, 3, 8)],
            "capacity": [10, 20, 5],
        }
    )
    assert capacity_days(history, MONDAY, date(2025, 3, 9)) == 2 * 10 + 5 * 20 + 2 * 5
