"""The people ready to leave acute beds at an instant (the coordinator's patient-level list)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, and_, or_, select

from metrics.calendar import as_days
from metrics.grid import delay_bands
from metrics.instants import Window
from metrics.snapshot_answer import NO_REASON, iso
from metrics.snapshot_counts import ACUTE, fetch
from models import DelayReason, ReadinessPeriod, ReadySpan, Spell, Unit

SORT_FIELDS = ("days_waiting", "discharge_ready_date", "unit_code", "pathway", "los_days")
DESCENDING_BY_DEFAULT = ("days_waiting", "los_days")


def ready_list(connection: Connection, w: Window, scope: str | None) -> list[dict[str, Any]]:
    """People ready to leave acute beds at `as_of` (naive UTC), longest waiting first.

    `scope` (a partner's organisation or local authority code) keeps the people whose site at
    `as_of`, whose spell's organisation (its latest unit's) or whose local authority is `scope`.
    """
    joined, r, where = w.rows(ReadySpan, ACUTE, instants=1)
    s, u, p = (t.__table__.c for t in (Spell, Unit, ReadinessPeriod))
    d = DelayReason.__table__.c
    query = (
        select(
            r.patient_id,
            r.unit_code,
            u.name.label("unit_name"),
            r.organisation_code,
            s.local_authority,
            r.planned_pathway.label("pathway"),
            p.start_date.label("discharge_ready_date"),
            r.reason_code,
            d.label.label("reason_label"),
            d.group.label("reason_group"),
            r.ready_since,
            s.admitted_date,
        )
        .select_from(
            joined.join(
                ReadinessPeriod, and_(p.spell_id == r.spell_id, p.start_at == r.ready_since)
            )
            .join(Unit, u.code == r.unit_code)
            .outerjoin(DelayReason, d.code == r.reason_code)
        )
        .where(*where, w.in_now(r))
    )
    if scope is not None:
        query = query.where(
            or_(
                r.organisation_code == scope,
                s.organisation_code == scope,
                s.local_authority == scope,
            )
        )
    rows = fetch(connection, query)
    today = np.datetime64(w.now_day, "D")
    waited = pd.Series((today - as_days(rows["discharge_ready_date"])).astype(np.int64))
    rows["days_waiting"] = waited
    rows["band"] = delay_bands(waited)
    rows["reason_label"] = rows["reason_label"].where(rows["reason_code"].notna(), NO_REASON)
    rows["los_days"] = (today - as_days(rows["admitted_date"])).astype(np.int64)
    rows["pathway"] = rows["pathway"].astype("Int64")
    order = ["patient_id", "unit_code", "unit_name", "organisation_code", "local_authority"]
    order += ["pathway", "discharge_ready_date", "days_waiting", "band", "reason_code"]
    order += ["reason_label", "reason_group", "ready_since", "admitted_date", "los_days"]
    rows = rows[order].sort_values(
        ["days_waiting", "patient_id"], ascending=[False, True], kind="stable"
    )
    return [plain_row(row) for row in rows.to_dict("records")]


def sort_patients(
    patients: list[dict[str, Any]], field: str, descending: bool
) -> list[dict[str, Any]]:
    """The list ordered by `field` (one of SORT_FIELDS); unknown values last; ties by patient."""
    if field not in SORT_FIELDS:
        raise ValueError(f"sort must be one of {', '.join(SORT_FIELDS)}")
    by_patient = sorted(patients, key=lambda p: p["patient_id"])
    known = [p for p in by_patient if p[field] is not None]
    unknown = [p for p in by_patient if p[field] is None]
    return sorted(known, key=lambda p: p[field], reverse=descending) + unknown


def plain_row(row: dict[Any, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row.items():
        if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
            out[str(key)] = None
        elif isinstance(value, pd.Timestamp):
            out[str(key)] = iso(value.to_pydatetime())
        elif isinstance(value, datetime):
            out[str(key)] = iso(value)
        elif isinstance(value, date):
            out[str(key)] = value.isoformat()
        elif isinstance(value, np.integer | np.bool_):
            out[str(key)] = value.item()
        else:
            out[str(key)] = value
    return out
