"""Simulated time: whole minutes since the Unix epoch (UTC), stepped in Europe/London days.

Integers keep the simulation fast and exact; events are written as local ISO 8601 times with
their offset (+00:00 in winter, +01:00 in summer), as a real feed in England would send them.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from models.clock import LONDON

MINUTES_PER_DAY = 1440


def minute_of(at: datetime) -> int:
    """An aware datetime as whole minutes since the epoch (seconds dropped)."""
    return int(at.timestamp()) // 60


def utc_naive(minute: int) -> datetime:
    """The naive UTC datetime of a simulated minute (the form the database stores)."""
    return datetime.fromtimestamp(minute * 60, UTC).replace(tzinfo=None)


@lru_cache(maxsize=200_000)
def _hour_text(utc_hour: int) -> tuple[str, str]:
    """'YYYY-MM-DDTHH:' in London time, and its offset, for one UTC hour (whole-hour offsets)."""
    local = datetime.fromtimestamp(utc_hour * 3600, UTC).astimezone(LONDON)
    offset = local.utcoffset() or timedelta(0)
    hours = int(offset.total_seconds()) // 3600
    return local.strftime("%Y-%m-%dT%H:"), f"{'+' if hours >= 0 else '-'}{abs(hours):02d}:00"


def iso(minute: int) -> str:
    """The local ISO 8601 text of a simulated minute, with its offset."""
    prefix, offset = _hour_text(minute // 60)
    return f"{prefix}{minute % 60:02d}:00{offset}"


class Calendar:
    """The simulated days: day 0 is `first`; each day knows its local midnight in minutes."""

    def __init__(self, first: date, days: int) -> None:
        self.first = first
        self.days = days
        self.midnights = [_local_midnight(first + timedelta(days=d)) for d in range(days + 1)]

    def date(self, day: int) -> date:
        return self.first + timedelta(days=day)

    def weekday(self, day: int) -> int:
        """Monday 0 … Sunday 6."""
        return (self.first.weekday() + day) % 7

    def midnight(self, day: int) -> int:
        """The minute of the local midnight starting `day` (days past the end: 24-hour days)."""
        if day < len(self.midnights):
            return self.midnights[day]
        return self.midnights[-1] + (day - self.days) * MINUTES_PER_DAY

    def at(self, day: int, local_minutes: float) -> int:
        """The minute `local_minutes` after the local midnight starting `day`, kept in that day."""
        start, end = self.midnight(day), self.midnight(day + 1)
        return min(start + max(0, int(local_minutes)), end - 1)

    def day_of(self, minute: int) -> int:
        """The simulated day holding `minute` (may be < 0 or ≥ days outside the range)."""
        index = bisect_right(self.midnights, minute) - 1
        if index < 0:
            return -1 - (self.midnights[0] - minute - 1) // MINUTES_PER_DAY
        if index >= self.days:
            return self.days + (minute - self.midnights[self.days]) // MINUTES_PER_DAY
        return index

    def season(self, day: int) -> float:
        """Winter pressure: +1 in mid-January, −1 in mid-July (a cosine over the year)."""
        day_of_year = self.date(day).timetuple().tm_yday
        return math.cos(2 * math.pi * (day_of_year - 15) / 365.25)


def _local_midnight(day: date) -> int:
    return minute_of(datetime.combine(day, time(0), tzinfo=LONDON))
