"""The snapshot's answer shaped from the counts: delay reasons, D2A services with their
capacity in force, and the totals per pathway."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, select

from metrics.grid import UNKNOWN
from metrics.instants import Window
from metrics.snapshot_counts import InstantCounts, UnitRow, org_filter
from models import DelayReason, Unit, UnitCapacity
from models.reference import D2A_PATHWAYS, D2A_SETTINGS, SETTING_PATHWAY

NO_REASON = "none recorded"


def reasons(connection: Connection, ready: InstantCounts) -> list[dict[str, Any]]:
    """Reasons of the people ready at either instant, most (now, then before) first."""
    d = DelayReason.__table__.c
    reference = {
        code: (label, group)
        for code, label, group in connection.execute(select(d.code, d.label, d.group))
    }
    counts = ready.groups("reason")
    counts.sort(key=lambda c: (-c["now"], -c["before"], c["group"]))
    out = []
    for c in counts:
        code = None if c["group"] == UNKNOWN else c["group"]
        label, group = reference.get(code or "", (code or NO_REASON, None))
        out.append(
            {
                "reason_code": code,
                "label": label,
                "group": group,
                "now": c["now"],
                "before": c["before"],
            }
        )
    return out


def services(
    connection: Connection,
    w: Window,
    units: list[UnitRow],
    d2a: InstantCounts,
    waiting: dict[int, dict[str, Any]],
    organisation: str | tuple[str, ...] | None,
) -> list[dict[str, Any]]:
    """Each D2A unit: capacity in force on each instant's local date, occupied, free, and the
    queue in acute beds for its pathway."""
    u, c = Unit.__table__.c, UnitCapacity.__table__.c
    history = connection.execute(
        select(c.unit_code, c.effective_from, c.capacity)
        .join(Unit, u.code == c.unit_code)
        .where(u.setting.in_(D2A_SETTINGS), c.effective_from <= w.now_day)
        .where(*org_filter(u.organisation_code, organisation))
        .order_by(c.unit_code, c.effective_from)
    ).all()
    capacity = [_in_force(history, day) for day in (w.now_day, w.before_day)]
    now, before = d2a._by("unit", "now"), d2a._by("unit", "before")
    out = []
    for unit in units:
        if unit.setting not in D2A_SETTINGS:
            continue
        pathway = unit.pathway if unit.pathway is not None else SETTING_PATHWAY[unit.setting]
        taken, taken_before = now.get(unit.code, 0), before.get(unit.code, 0)
        cap_now, cap_before = capacity[0].get(unit.code), capacity[1].get(unit.code)
        out.append(
            {
                "unit_code": unit.code,
                "name": unit.name,
                "organisation_code": unit.organisation_code,
                "setting": unit.setting,
                "pathway": pathway,
                "capacity": cap_now,
                "occupied": taken,
                "free": _free(cap_now, taken),
                "capacity_before": cap_before,
                "occupied_before": taken_before,
                "free_before": _free(cap_before, taken_before),
                "waiting": waiting[pathway]["now"],
                "waiting_before": waiting[pathway]["before"],
            }
        )
    return sorted(out, key=lambda s: (s["pathway"], s["unit_code"]))


def _in_force(history: Sequence[Any], day: date) -> dict[str, int]:
    """Each unit's capacity on `day`: its latest row effective on or before it (rows ordered)."""
    return {code: int(cap) for code, since, cap in history if since <= day}


def _free(capacity: int | None, occupied: int) -> int | None:
    """Places free: capacity − occupied, never below 0 (an over-full unit shows occupied >
    capacity); None when the unit has no capacity in force."""
    return None if capacity is None else max(capacity - occupied, 0)


def pathway_totals(
    services: list[dict[str, Any]], waiting: dict[int, dict[str, Any]]
) -> list[dict[str, Any]]:
    """The D2A units summed per pathway, beside that pathway's queue in acute beds."""
    out = []
    for p in D2A_PATHWAYS:
        units = [s for s in services if s["pathway"] == p]
        row: dict[str, Any] = {"pathway": p, "units": len(units)}
        for key in ("capacity", "free", "capacity_before", "free_before"):
            known = [s[key] for s in units if s[key] is not None]
            row[key] = sum(known) if known else None
        for key in ("occupied", "occupied_before"):
            row[key] = sum(s[key] for s in units)
        row["waiting"], row["waiting_before"] = waiting[p]["now"], waiting[p]["before"]
        out.append(row)
    return out


def iso(at: datetime | None) -> str | None:
    """A naive UTC instant as ISO 8601 with Z."""
    return None if at is None else at.isoformat() + "Z"
