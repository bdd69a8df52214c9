"""The local date computed by the database equals metrics.calendar.local_date, on both
databases: around both clock changes, around midnights, and for any instant (hypothesis)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import DateTime, literal, select

from models.clock import LONDON, census_instant, local_date
from store.database import Database
from store.dialect.local_day import bst_interval, local_day, local_hour_before, years_around

YEARS = years_around(date(2025, 1, 1), date(2025, 12, 31))  # 2024–2026 as literals


def sql_local_dates(db: Database, instants: list[datetime], years: range = YEARS) -> list[date]:
    with db.engine.connect() as connection:
        columns = [
            local_day(connection, literal(at, DateTime()), years).label(f"d{i}")
            for i, at in enumerate(instants)
        ]
        row = connection.execute(select(*columns)).one()
    return [_as_date(value) for value in row]


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def edges(centre: datetime) -> list[datetime]:
    """Instants just before, at and after `centre`."""
    steps = (-3600, -60, -1, 0, 1, 60, 3599, 3600)
    extra = [timedelta(microseconds=-1), timedelta(microseconds=1)]
    return [centre + timedelta(seconds=s) for s in steps] + [centre + d for d in extra]


@pytest.mark.parametrize("year", [2019, 2024, 2025, 2026, 2031])
def test_clock_changes(db: Database, year: int) -> None:
    """At 01:00 UTC on the last Sundays of March and October, and the local midnights next to
    them (23:00 UTC in summer); 2019 and 2031 lie outside the literal years (the fallback)."""
    spring, autumn = bst_interval(year)
    instants = []
    for change in (spring, autumn):
        instants += edges(change)
        for day in (-1, 0, 1):
            instants += edges(census_instant(change.date() + timedelta(days=day)))
    assert sql_local_dates(db, instants) == [local_date(at) for at in instants]


def test_the_rule_is_london_time() -> None:
    """bst_interval gives the instants where Europe/London changes its offset."""
    for year in range(1996, 2038):
        for change in bst_interval(year):
            before = (change - timedelta(seconds=1)).replace(tzinfo=None)
            offsets = [
                _offset(before),
                _offset(change),
            ]
            assert offsets[0] != offsets[1], (year, change)


def _offset(at_utc: datetime) -> timedelta | None:
    from datetime import UTC

    return at_utc.replace(tzinfo=UTC).astimezone(LONDON).utcoffset()


def test_every_hour_of_a_year(db: Database) -> None:
    """Each hour of 2025 at minute 30, and at each hour's first and last second."""
    first = datetime(2025, 1, 1)
    hours = [first + timedelta(hours=h) for h in range(0, 365 * 24, 7)]
    instants = [t for h in hours for t in (h, h + timedelta(seconds=3599))]
    for chunk in range(0, len(instants), 400):
        part = instants[chunk : chunk + 400]
        assert sql_local_dates(db, part) == [local_date(at) for at in part]


# Lists of any instants from 1997 to 2037, and the settings to draw them with a database fixture.
ANY_INSTANTS = st.lists(
    st.datetimes(min_value=datetime(1997, 1, 1), max_value=datetime(2037, 12, 31)),
    min_size=1,
    max_size=40,
)
DRAWN = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@DRAWN
@given(ANY_INSTANTS)
def test_any_instant(db: Database, instants: list[datetime]) -> None:
    assert sql_local_dates(db, instants) == [local_date(at) for at in instants]
    assert sql_local_dates(db, instants, range(0)) == [local_date(at) for at in instants]


def sql_before_noon(db: Database, instants: list[datetime], years: range = YEARS) -> list[int]:
    with db.engine.connect() as connection:
        columns = [
            local_hour_before(connection, literal(at, DateTime()), 12, years).label(f"b{i}")
            for i, at in enumerate(instants)
        ]
        row = connection.execute(select(*columns)).one()
    return [int(value) for value in row]


def before_noon(at_utc: datetime) -> int:
    """Python's answer: the London clock reads before 12:00."""
    from datetime import UTC

    return int(at_utc.replace(tzinfo=UTC).astimezone(LONDON).hour < 12)


@pytest.mark.parametrize("year", [2019, 2025, 2031])
def test_before_noon_around_noon_and_the_clock_changes(db: Database, year: int) -> None:
    """11:00 and 12:00 UTC (noon local in summer and in winter) on the days of both clock
    changes and the days either side; 2019 and 2031 lie outside the literal years."""
    spring, autumn = bst_interval(year)
    instants = []
    for change in (spring, autumn):
        for day in (-1, 0, 1):
            midday = datetime.combine(change.date() + timedelta(days=day), datetime.min.time())
            for hour in (10, 11, 12):
                instants += edges(midday + timedelta(hours=hour))
    assert sql_before_noon(db, instants) == [before_noon(at) for at in instants]
    assert sql_before_noon(db, instants, range(0)) == [before_noon(at) for at in instants]


@DRAWN
@given(ANY_INSTANTS)
def test_before_noon_any_instant(db: Database, instants: list[datetime]) -> None:
    assert sql_before_noon(db, instants) == [before_noon(at) for at in instants]
