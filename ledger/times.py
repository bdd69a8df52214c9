"""Time types for input (SPEC §3): a time is an ISO 8601 string with an offset, never a number,
and dates and instants lie within the record's calendar (models.clock FIRST_DAY … LAST_DAY).

Pydantic reads a number, or a string of digits, as seconds since 1970; these types refuse both
before pydantic parses anything. An event's time may be any instant from FIRST_DAY on (how far
ahead is the ingest's rule: 5 minutes); a date or instant in a question lies within the calendar.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BeforeValidator
from pydantic_core import PydanticCustomError

from models.clock import FIRST_INSTANT, KNOWN_DATES, day_out_of_range, instant_out_of_range

ISO_TIME = "must be an ISO 8601 time with an offset, e.g. 2025-01-06T14:00:00+00:00"
ISO_DATE = "must be an ISO 8601 date, e.g. 2025-01-06"
_DATE_FIRST = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_text(value: object, message: str) -> object:
    if isinstance(value, str) and _DATE_FIRST.match(value):
        return value
    if isinstance(value, int | float) or (isinstance(value, str) and value.strip().isdigit()):
        message += ", not a number"
    raise PydanticCustomError("iso_8601", message)


def _time_text(value: object) -> object:
    return _iso_text(value, ISO_TIME)


def _date_text(value: object) -> object:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value  # a date the caller made already (the dashboard, tests)
    return _iso_text(value, ISO_DATE)


def _from_first_day(at: datetime) -> datetime:
    if at < FIRST_INSTANT:
        raise PydanticCustomError("time_range", f"is before {FIRST_INSTANT.date()}: {KNOWN_DATES}")
    return at


def _instant_in_range(at: datetime) -> datetime:
    problem = instant_out_of_range(at)
    if problem:
        raise PydanticCustomError("time_range", problem)
    return at


def _day_in_range(day: date) -> date:
    problem = day_out_of_range(day)
    if problem:
        raise PydanticCustomError("date_range", problem)
    return day


EventTime = Annotated[AwareDatetime, BeforeValidator(_time_text), AfterValidator(_from_first_day)]
Instant = Annotated[AwareDatetime, BeforeValidator(_time_text), AfterValidator(_instant_in_range)]
Day = Annotated[date, BeforeValidator(_date_text), AfterValidator(_day_in_range)]
