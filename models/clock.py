"""Time conventions: stored times are naive UTC; days are Europe/London local dates.

The census of day D is the local midnight that ends D. A stay open over (start_at, end_at] is
counted at census c when start_at < c <= end_at, so its first counted day is the local date of
start_at and its last the local date of end_at minus one day. Pure functions, no clock reads
except `utc_now`, which callers use explicitly.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
ONE_DAY = timedelta(days=1)

# The dates the record knows (SPEC §3): no event happens before the first, no question is asked
# after the last. London keeps UTC in both Januaries, so the same bounds serve as instants.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)
FIRST_INSTANT = datetime(2000, 1, 1, tzinfo=UTC)
END_INSTANT = datetime(2101, 1, 1, tzinfo=UTC)  # the first instant after LAST_DAY
KNOWN_DATES = f"dates from {FIRST_DAY} to {LAST_DAY} are accepted"


def day_out_of_range(day: date) -> str | None:
    """Why a date is outside FIRST_DAY … LAST_DAY, or None when it is inside."""
    if day < FIRST_DAY:
        return f"is before {FIRST_DAY}: {KNOWN_DATES}"
    if day > LAST_DAY:
        return f"is after {LAST_DAY}: {KNOWN_DATES}"
    return None


def instant_out_of_range(at: datetime) -> str | None:
    """Why an aware instant is outside FIRST_DAY … LAST_DAY, or None when it is inside.

    Compared as aware values, so an instant near the ends of the calendar (9999-12-31T23:59
    -14:00) is judged without the overflow its conversion to UTC would raise."""
    if at < FIRST_INSTANT:
        return f"is before {FIRST_DAY}: {KNOWN_DATES}"
    if at >= END_INSTANT:
        return f"is after {LAST_DAY}: {KNOWN_DATES}"
    return None


def to_utc_naive(at: datetime) -> datetime:
    """An aware datetime as naive UTC, the form every stored time takes."""
    offset = at.utcoffset()  # half the cost of astimezone(UTC), on the ingest path
    if offset is None:
        raise ValueError(f"{at!r} has no time zone")
    naive = at.replace(tzinfo=None)
    return naive - offset if offset else naive


def local_date(at_utc: datetime) -> date:
    """The Europe/London date of a naive UTC instant.

    London is UTC or UTC+1, and the clocks change at 01:00 UTC, so the local date differs from
    the UTC date only in the hour from 23:00 UTC, and then only in summer time. Checking that
    hour once per date (cached) is much cheaper than a time-zone conversion per instant, which
    matters on the ingest path (several calls per event).
    """
    day = at_utc.date()
    if at_utc.hour == 23 and _late_hour_is_next_day(day):
        return day + ONE_DAY
    return day


@lru_cache(maxsize=8192)
def _late_hour_is_next_day(day: date) -> bool:
    """Whether 23:00 UTC on `day` is already the next day in London (summer time)."""
    return datetime.combine(day, time(23), tzinfo=UTC).astimezone(LONDON).date() != day


def hour_of(at: datetime) -> datetime:
    """The first instant of the UTC hour holding `at` (naive UTC). Europe/London's offsets are
    whole hours, so the hour lies in one local day: local_date(hour_of(t)) == local_date(t)."""
    return at.replace(minute=0, second=0, microsecond=0)


def census_instant(day: date) -> datetime:
    """The census of day D: the local midnight that ends D, as naive UTC."""
    midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=LONDON)
    return to_utc_naive(midnight)


def utc_text(at: datetime) -> str:
    """A stored time (naive UTC) as ISO 8601 with its offset: 2025-03-03T14:00:00Z."""
    return at.isoformat() + "Z"


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
