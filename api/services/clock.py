"""Time conventions: stored times are naive UTC; days are Europe/London local dates."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def to_utc_naive(at: datetime) -> datetime:
    """An aware datetime as naive UTC, the form every stored time takes."""
    return at.astimezone(UTC).replace(tzinfo=None)


def local_date(at_utc: datetime) -> date:
    """The Europe/London date of a naive UTC instant."""
    return at_utc.replace(tzinfo=UTC).astimezone(LONDON).date()


def census_instant(day: date) -> datetime:
    """The census of day D: the local midnight that ends D, as naive UTC."""
    midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=LONDON)
    return to_utc_naive(midnight)


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
