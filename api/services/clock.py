"""Time conventions for the API; the pure functions live in metrics.calendar, defined once."""

from metrics.calendar import LONDON, census_instant, local_date, to_utc_naive, utc_now

__all__ = ["LONDON", "census_instant", "local_date", "to_utc_naive", "utc_now"]
