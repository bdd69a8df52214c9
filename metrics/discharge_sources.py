"""Discharges read as counts: spells grouped by discharge date and the attributes a figure needs.

A figure over a year of discharges needs a few hundred distinct (date, pathway, delay, …)
combinations, not a quarter of a million rows; every row carries its count `n`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Connection, func, literal_column, select

from metrics.sources import day_window, frame, micros
from models import Spell
from models.reference import Destination

S, D = Spell.__table__.c, Destination.__table__.c
PLAIN = {
    "patient_id": S.patient_id,
    "setting": S.setting,
    "unit": S.last_unit_code,
    "organisation": S.organisation_code,
    "local_authority": S.local_authority,
    "pathway": S.discharge_pathway,
    "reason": S.delay_reason,
    "destination": S.destination,
    "delay_days": S.delay_days,
    "home": D.usual_residence,
}
TIMES = {"admitted_date": S.admitted_date, "discharged_at": S.discharged_at}


def discharges(
    connection: Connection,
    settings: tuple[str, ...],
    start: date,
    end: date,
    org: str | None,
    columns: Iterable[str],
) -> pd.DataFrame:
    """Counts `n` of spells of `settings` ended by `discharged` with a local discharge date in
    start..end, by discharged_date and `columns` (names of PLAIN, TIMES or discharged_hour)."""
    since, until = day_window(start, end)
    selected, grouped = (
        [micros(connection, S.discharged_date, "discharged_date")],
        [S.discharged_date],
    )
    for name in sorted(set(columns)):
        shown, key = _column(connection, name)
        selected.append(shown)
        grouped.append(key)
    query = select(*selected, func.count().label("n")).select_from(Spell)
    if "home" in columns:
        query = query.join(Destination, D.code == S.destination, isouter=True)
    query = query.where(S.setting.in_(settings), S.discharged_at >= since, S.discharged_at < until)
    if org is not None:
        query = query.where(S.organisation_code == org)
    return frame(connection, query.group_by(*grouped))


def _column(connection: Connection, name: str) -> tuple[Any, Any]:
    """What to select for `name`, and what to group by."""
    if name in PLAIN:
        return PLAIN[name].label(name), PLAIN[name]
    if name in TIMES:
        return micros(connection, TIMES[name], name), TIMES[name]
    if name != "discharged_hour":
        raise KeyError(name)
    if connection.dialect.name == "sqlite":  # 'YYYY-MM-DD HH' of the stored text
        hour = func.substr(S.discharged_at, 1, 13)
        return hour.op("||")(literal_column("':00:00'")).label(name), hour
    hour = func.date_trunc(literal_column("'hour'"), S.discharged_at)
    return micros(connection, hour, name), hour


def emergency_admissions(connection: Connection, start: date, end: date) -> pd.DataFrame:
    """Emergency acute admissions with a local admission date in start..end, anywhere."""
    since, until = day_window(start, end)
    query = select(
        S.patient_id,
        micros(connection, S.admitted_at, "admitted_at"),
        micros(connection, S.admitted_date, "admitted_date"),
    ).where(
        S.setting == "acute",
        S.admission_method == "emergency",
        S.admitted_at >= since,
        S.admitted_at < until,
    )
    return frame(connection, query)
