"""HL7 v2 times (TS/DTM) as aware datetimes, by SPEC §9's rule for times without an offset.

`YYYY[MM[DD[HH[MM[SS[.S{1,4}]]]]]][+/-ZZZZ]`. An event time needs at least minutes. An offset
(any, e.g. +0110: HL7 offsets are offsets, not zones) is used as given; a time without one is
Europe/London wall-clock time.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

from feeds.hl7v2.problems import FieldProblem, label
from models.clock import LONDON

_TWO = "([0-9]{2})?"  # month, day, hour, minute, second: each optional after the previous
_TIME = re.compile("([0-9]{4})" + _TWO * 5 + r"(?:\.([0-9]{1,4}))?(?:([+-])([0-9]{2})([0-9]{2}))?")
TIME_FORMAT = "YYYYMMDDHHMM[SS[.S{1,4}]][+/-ZZZZ]"


def parse_time(text: str, location: str) -> datetime | FieldProblem:
    """An HL7 time with at least minutes, as an aware datetime. With an offset (any, e.g.
    +0110: an offset, not a zone) it is used as given; without, it is Europe/London local
    time: the first occurrence of the repeated hour when the clocks go back, and refused in
    the hour that does not exist when they go forward."""
    name = label(location)
    match = _TIME.fullmatch(text.strip())
    if match is None or (match.group(7) is not None and match.group(6) is None):
        return FieldProblem(location, f"{name} is not an HL7 time ({TIME_FORMAT})")
    year, month, day, hour, minute, second, frac, sign, off_h, off_m = match.groups()
    if minute is None:
        what = "only a date" if hour is None else "no minutes"
        return FieldProblem(location, f"{name} has {what}: an event time needs hours and minutes")
    micro = int((frac or "0").ljust(6, "0"))
    try:
        naive = datetime(int(year), int(month), int(day), int(hour), int(minute), 0, micro)
        naive = naive.replace(second=int(second or 0))
    except ValueError:
        return FieldProblem(location, f"{name} is not a valid date and time")
    if sign is None:
        return _london(naive, location)
    if int(off_h) > 23 or int(off_m) > 59:
        return FieldProblem(location, f"{name} has an offset out of range (±2359 at most)")
    delta = timedelta(hours=int(off_h), minutes=int(off_m))
    return naive.replace(tzinfo=timezone(-delta if sign == "-" else delta))


def _london(naive: datetime, location: str) -> datetime | FieldProblem:
    """A wall-clock time in Europe/London, refused when the clocks skipped it. Returned
    with its fixed offset (+00:00 or +01:00), not the zone: Python never finds a zoned time
    of the repeated hour equal to any time in another zone, a trap for every caller."""
    local = naive.replace(tzinfo=LONDON)  # fold=0: the first occurrence of a repeated hour
    offset = local.utcoffset()
    if offset is None or local.astimezone(UTC).astimezone(LONDON).replace(tzinfo=None) != naive:
        return FieldProblem(
            location,
            f"{label(location)} is a local time that does not exist in Europe/London (the "
            "clocks went forward); send it with an offset",
        )
    return naive.replace(tzinfo=timezone(offset))
