"""Reads the derived and reference tables a metric needs, as DataFrames (SQLAlchemy Core).

Every loader takes the period's instants, so only rows that can count are read. Columns are
renamed to the breakdown names (unit, organisation, local_authority, pathway, reason,
destination) so the same grouping code serves every metric.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    Connection,
    Select,
    func,
    select,
)

from models import EventTally, Unit, UnitCapacity
from models.clock import census_instant
from models.reference import D2A_SETTINGS
from store.dialect.sql import micros, times_as_text

# Time and date columns, read raw and turned into datetime64 in one vectorised step: SQLite
# keeps them as ISO text, which numpy parses; PostgreSQL sends microseconds since 1970 (naive
# UTC, or midnight of a date), since numpy converts Python datetimes one by one.
TIMES = frozenset(
    {"start_at", "end_at", "ready_since", "admitted_at", "admitted_date", "discharged_at"}
    | {"discharged_date", "effective_from", "day"}
)


def frame(connection: Connection, query: Select[Any]) -> pd.DataFrame:
    """The rows of a query as a DataFrame, built column by column.

    Rows come straight from the DBAPI cursor (the columns are plain numbers and text), so no
    per-row result object is made.
    """
    result = connection.execute(query)
    keys = list(result.keys())
    try:
        rows = result.cursor.fetchall() if result.cursor is not None else []
    finally:
        result.close()
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(keys)
    text = times_as_text(connection)
    data = {
        key: _times(values, text) if key in TIMES else pd.Series(values, dtype=object)
        for key, values in zip(keys, columns, strict=True)
    }
    return pd.DataFrame(data)


def _times(values: tuple[Any, ...], text: bool) -> pd.Series:
    """ISO text, or microseconds since 1970, as datetime64[us]; None is NaT."""
    if text:
        return pd.Series(np.array(values, dtype="datetime64[us]"))
    micros = np.array(values, dtype=np.float64)
    stamps = np.full(len(micros), np.datetime64("NaT"), dtype="datetime64[us]")
    known = ~np.isnan(micros)
    stamps[known] = micros[known].astype(np.int64).astype("datetime64[us]")
    return pd.Series(stamps)


def day_window(start: date, end: date) -> tuple[datetime, datetime]:
    """The instants [from, to) whose local date lies in start..end."""
    return census_instant(start - timedelta(days=1)), census_instant(end)


def capacity(connection: Connection, end: date, org: Orgs) -> pd.DataFrame:
    """Capacity history of D2A units, rows in force by `end`, in effective order."""
    c, u = UnitCapacity.__table__.c, Unit.__table__.c
    query = (
        select(
            c.unit_code.label("unit"),
            micros(connection, c.effective_from, "effective_from"),
            c.capacity,
            u.organisation_code.label("organisation"),
            u.pathway,
        )
        .join_from(UnitCapacity, Unit, u.code == c.unit_code)
        .where(u.setting.in_(D2A_SETTINGS), c.effective_from <= end)
        .where(*_org(u.organisation_code, org))
        .order_by(c.unit_code, c.effective_from)
    )
    return frame(connection, query)


def units(connection: Connection, settings: tuple[str, ...], org: Orgs) -> pd.DataFrame:
    """Reference units of `settings` (the breakdown rows shown even when empty)."""
    u = Unit.__table__.c
    query = select(u.code.label("unit"), u.organisation_code.label("organisation")).where(
        u.setting.in_(settings), *_org(u.organisation_code, org)
    )
    return frame(connection, query.order_by(u.code))


def organisation_exists(connection: Connection, code: str) -> bool:
    u = Unit.__table__.c
    found = connection.execute(select(u.code).where(u.organisation_code == code).limit(1))
    return found.first() is not None


def events_reflected(connection: Connection, end: date) -> tuple[int, datetime | None]:
    """Events that occurred before the census of `end`, with their voids; the latest receipt.

    Read from the event tally that ingest keeps (a void is tallied in the earlier of its own
    and its target's hour, so on its day), so the cost is hours, not events.
    """
    t = EventTally.__table__.c
    query = select(func.coalesce(func.sum(t.events), 0), func.max(t.latest_received_at))
    count, latest = connection.execute(query.where(t.day <= end)).one()
    return int(count), latest


Orgs = str | tuple[str, ...] | None  # an organisation filter: one, several (a system's), all


def org_filter(column: Any, org: Orgs) -> list[Any]:
    """The condition that `column` is the organisation (or one of the organisations) `org`."""
    if org is None:
        return []
    return [column.in_(org)] if isinstance(org, tuple) else [column == org]


_org = org_filter
