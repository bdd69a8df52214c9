"""Small-number suppression for figures made for publication (SPEC §10, `suppress=true`).

Counts of 1 to 7 become `*`; other counts are rounded to the nearest 5 (0 stays 0); a rate
whose numerator or denominator is suppressed becomes `*`. Rates on counts that are not
suppressed are left as computed, from the unrounded counts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

SUPPRESSED = "*"
SMALLEST_SHOWN = 8  # 1–7 are suppressed
ROUND_TO = 5


def is_small(value: Any) -> bool:
    """Whether a count (its size, for a negative figure) is one that is suppressed: 1–7."""
    if value is None or isinstance(value, str):
        return False
    size = abs(float(value))
    return not math.isnan(size) and 0 < _rounded_whole(size) < SMALLEST_SHOWN


def suppress_count(value: Any) -> Any:
    """`*` for 1–7, else the nearest multiple of 5 (halves up); None and `*` stay as they are."""
    if value is None or isinstance(value, str):
        return value
    number = float(value)
    if math.isnan(number):
        return None
    if is_small(number):
        return SUPPRESSED
    size = math.floor(abs(number) / ROUND_TO + 0.5) * ROUND_TO
    return int(math.copysign(size, number)) if size else 0


def suppress_record(
    record: Mapping[str, Any],
    counts: Iterable[str],
    rates: Mapping[str, tuple[str, ...]],
) -> dict[str, Any]:
    """One row for publication: `counts` suppressed and rounded; each rate of `rates` becomes
    `*` when any count it is made of (a column, or a hidden count given in the record) is
    suppressed. Other fields are left as they are."""
    out = dict(record)
    for rate, parts in rates.items():
        if rate in record and any(is_small(record.get(part)) for part in parts):
            out[rate] = SUPPRESSED
    for column in counts:
        out[column] = suppress_count(record.get(column))
    return out


def _rounded_whole(size: float) -> int:
    """A count that is not whole (a mean census) judged by its nearest whole number."""
    return math.floor(size + 0.5)
