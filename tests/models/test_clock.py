"""`local_date` takes a shortcut (only 23:00–23:59 UTC in summer time is the next London day);
it must agree with a full time-zone conversion at every instant."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import given
from hypothesis import strategies as st

from models.clock import LONDON, local_date


def _by_zoneinfo(at: datetime) -> date:
    return at.replace(tzinfo=UTC).astimezone(LONDON).date()


@given(st.datetimes(min_value=datetime(1996, 1, 1), max_value=datetime(2060, 12, 31)))
def test_local_date_equals_a_full_conversion(at: datetime) -> None:
    assert local_date(at) == _by_zoneinfo(at)


def test_local_date_around_both_clock_changes_of_2025() -> None:
    # Summer time starts 2025-03-30 01:00 UTC and ends 2025-10-26 01:00 UTC.
    cases = {
        datetime(2025, 3, 29, 23, 30): date(2025, 3, 29),  # winter: 23:30 London
        datetime(2025, 3, 30, 0, 59): date(2025, 3, 30),  # 00:59 GMT, just before the change
        datetime(2025, 3, 30, 23, 0): date(2025, 3, 31),  # summer: 00:00 BST next day
        datetime(2025, 7, 1, 22, 59): date(2025, 7, 1),  # 23:59 BST
        datetime(2025, 7, 1, 23, 0): date(2025, 7, 2),  # 00:00 BST
        datetime(2025, 10, 25, 23, 59): date(2025, 10, 26),  # 00:59 BST on the change day
        datetime(2025, 10, 26, 0, 30): date(2025, 10, 26),  # 01:30 BST (first 01:30)
        datetime(2025, 10, 26, 1, 30): date(2025, 10, 26),  # 01:30 GMT (second 01:30)
        datetime(2025, 10, 26, 23, 30): date(2025, 10, 26),  # winter again: 23:30 GMT
    }
    for at, expected in cases.items():
        assert local_date(at) == expected == _by_zoneinfo(at), at
