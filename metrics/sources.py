"""Reads the derived and reference tables a metric needs, as DataFrames (SQLAlchemy Core).

Every loader takes the period's instants, so only rows that can count are read. Columns are
renamed to the breakdown names (unit, organisation, local_authority, pathway, reason,
destination) so the same grouping code serves every metric.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Select, and_, func, or_, select

from metrics.calendar import census_instant
from models import Event, ReadySpan, Spell, Stay, Unit, UnitCapacity
from models.reference import D2A_SETTINGS, Destination

ACUTE = ("acute",)


def frame(connection: Connection, query: Select[Any]) -> pd.DataFrame:
    """The rows of a query as a DataFrame with the query's column names."""
    result = connection.execute(query)
    return pd.DataFrame(result.all(), columns=list(result.keys()))


def day_window(start: date, end: date) -> tuple[datetime, datetime]:
    """The instants [from, to) whose local date lies in start..end."""
    return census_instant(start - timedelta(days=1)), census_instant(end)


def stays(
    connection: Connection, settings: tuple[str, ...], start: date, end: date, org: str | None
) -> pd.DataFrame:
    """Stays in units of `settings` counted at some census from start to end."""
    t, s, u = Stay.__table__.c, Spell.__table__.c, Unit.__table__.c
    query = (
        select(
            t.start_at,
            t.end_at,
            t.unit_code.label("unit"),
            t.organisation_code.label("organisation"),
            s.local_authority,
            s.admitted_date,
            u.pathway,
        )
        .join_from(Stay, Spell, t.spell_id == s.spell_id)
        .join(Unit, u.code == t.unit_code)
        .where(t.setting.in_(settings), *_overlap(t, start, end), *_org(t.organisation_code, org))
    )
    return frame(connection, query)


def ready_spans(connection: Connection, start: date, end: date, org: str | None) -> pd.DataFrame:
    """Pieces of acute readiness counted at some census from start to end."""
    r, s = ReadySpan.__table__.c, Spell.__table__.c
    query = (
        select(*_span_columns(r), s.local_authority)
        .join_from(ReadySpan, Spell, r.spell_id == s.spell_id)
        .where(r.setting == "acute", *_overlap(r, start, end), *_org(r.organisation_code, org))
    )
    return frame(connection, query)


def readiness_starts(
    connection: Connection, start: date, end: date, org: str | None
) -> pd.DataFrame:
    """The first piece of each acute readiness period that began from start to end."""
    r, s = ReadySpan.__table__.c, Spell.__table__.c
    since, until = day_window(start, end)
    query = (
        select(r.spell_id, r.seq, *_span_columns(r), s.local_authority)
        .join_from(ReadySpan, Spell, r.spell_id == s.spell_id)
        .where(r.setting == "acute", r.start_at == r.ready_since)
        .where(r.start_at >= since, r.start_at < until, *_org(r.organisation_code, org))
    )
    return frame(connection, query)


def discharges(
    connection: Connection, settings: tuple[str, ...], start: date, end: date, org: str | None
) -> pd.DataFrame:
    """Spells of `settings` ended by `discharged` with a local discharge date in start..end."""
    s, d = Spell.__table__.c, Destination.__table__.c
    since, until = day_window(start, end)
    query = (
        select(
            s.patient_id,
            s.setting,
            s.admitted_date,
            s.discharged_at,
            s.discharged_date,
            s.last_unit_code.label("unit"),
            s.organisation_code.label("organisation"),
            s.local_authority,
            s.discharge_pathway.label("pathway"),
            s.delay_reason.label("reason"),
            s.destination,
            s.delay_days,
            d.usual_residence.label("home"),
        )
        .join_from(Spell, Destination, d.code == s.destination, isouter=True)
        .where(s.setting.in_(settings), s.discharged_at >= since, s.discharged_at < until)
        .where(*_org(s.organisation_code, org))
    )
    return frame(connection, query)


def emergency_admissions(connection: Connection, start: date, end: date) -> pd.DataFrame:
    """Emergency acute admissions with a local admission date in start..end, anywhere."""
    s = Spell.__table__.c
    since, until = day_window(start, end)
    query = select(s.patient_id, s.admitted_at, s.admitted_date).where(
        s.setting == "acute",
        s.admission_method == "emergency",
        s.admitted_at >= since,
        s.admitted_at < until,
    )
    return frame(connection, query)


def capacity(connection: Connection, end: date, org: str | None) -> pd.DataFrame:
    """Capacity history of D2A units, rows in force by `end`, in effective order."""
    c, u = UnitCapacity.__table__.c, Unit.__table__.c
    query = (
        select(
            c.unit_code.label("unit"),
            c.effective_from,
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


def units(connection: Connection, settings: tuple[str, ...], org: str | None) -> pd.DataFrame:
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
    """Events that occurred before the census of `end`, with their voids; the latest receipt."""
    e = Event.__table__.c
    census = census_instant(end)
    earlier = select(e.event_id).where(e.occurred_at < census).scalar_subquery()
    voids = and_(e.type == "void", e.voids_event_id.in_(earlier))
    query = select(func.count(), func.max(e.received_at)).where(or_(e.occurred_at < census, voids))
    count, latest = connection.execute(query).one()
    return int(count), latest


def _span_columns(r: Any) -> list[Any]:
    return [
        r.start_at,
        r.end_at,
        r.ready_since,
        r.unit_code.label("unit"),
        r.organisation_code.label("organisation"),
        r.planned_pathway.label("pathway"),
        r.reason_code.label("reason"),
    ]


def _overlap(table: Any, start: date, end: date) -> list[Any]:
    """Rows (start_at, end_at] that contain the census of some day from start to end."""
    first, last = census_instant(start), census_instant(end)
    return [table.start_at < last, or_(table.end_at.is_(None), table.end_at >= first)]


def _org(column: Any, org: str | None) -> list[Any]:
    return [] if org is None else [column == org]
