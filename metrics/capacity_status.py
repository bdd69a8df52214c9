"""Demand against capacity per D2A pathway, judged by the pathway's trigger levels
(ledger.triggers): the status of each pathway and the system's level at a snapshot's instants.

For pathway p at an instant, from the snapshot's `d2a_pathways` row of p:
- waiting: people ready in acute beds whose planned pathway is p (the queue);
- capacity, occupied, free: its units' beds or slots in force on the instant's local date, the
  stays in them, and the places free (each unit's capacity − occupied, never below 0, summed:
  an over-full unit frees no place elsewhere); free is None when no unit of p has a capacity;
- shortfall = waiting − free;
- status, under the levels in force on the instant's local date: `escalation` when shortfall ≥
  the escalation level, else `pressure` when shortfall ≥ the pressure level, else `normal`;
  `unknown` when p has no levels in force or no capacity.
The system's level is the worst status of the three pathways (escalation, then pressure, then
normal); `unknown` only when every pathway's is.

Home care (pathway 1, slots) and beds (pathways 2 and 3) are judged apart: a free home-care slot
does not take a person waiting for a bed.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection

from ledger import triggers

NORMAL, PRESSURE, ESCALATION, UNKNOWN = "normal", "pressure", "escalation", "unknown"
SEVERITY = (NORMAL, PRESSURE, ESCALATION)  # least severe first


def status_of(waiting: int, free: int | None, levels: dict[str, Any] | None) -> str:
    """A pathway's status: its shortfall (waiting − free) against its levels."""
    if levels is None or free is None:
        return UNKNOWN
    shortfall = waiting - free
    if shortfall >= levels["escalation"]:
        return ESCALATION
    if shortfall >= levels["pressure"]:
        return PRESSURE
    return NORMAL


def worst(statuses: list[str]) -> str:
    """The system's level: the most severe known status, `unknown` when none is known."""
    known = [s for s in statuses if s != UNKNOWN]
    return max(known, key=SEVERITY.index) if known else UNKNOWN


def capacity_status(connection: Connection, snap: dict[str, Any]) -> dict[str, Any]:
    """Each pathway's figures and status at the snapshot's instant and 24 hours before, under
    the levels in force on each instant's local date, and the system's level at both."""
    now_day = date.fromisoformat(snap["local_date"])
    before_day = date.fromisoformat(snap["compared_with_local_date"])
    history = triggers.history(connection, until=now_day)
    pathways = []
    for row in snap["d2a_pathways"]:
        rows = history.get(row["pathway"], [])
        levels, levels_before = (
            triggers.in_force(rows, now_day),
            triggers.in_force(rows, before_day),
        )
        free, free_before = row["free"], row["free_before"]
        pathways.append(
            {
                "pathway": row["pathway"],
                "waiting": row["waiting"],
                "capacity": row["capacity"],
                "occupied": row["occupied"],
                "free": free,
                "shortfall": None if free is None else row["waiting"] - free,
                "status": status_of(row["waiting"], free, levels),
                "levels": _levels(levels),
                "waiting_before": row["waiting_before"],
                "free_before": free_before,
                "shortfall_before": None
                if free_before is None
                else row["waiting_before"] - free_before,
                "status_before": status_of(row["waiting_before"], free_before, levels_before),
            }
        )
    return {
        "rule": triggers.RULE,
        "level": worst([p["status"] for p in pathways]),
        "level_before": worst([p["status_before"] for p in pathways]),
        "pathways": pathways,
    }


def _levels(levels: dict[str, Any] | None) -> dict[str, Any] | None:
    if levels is None:
        return None
    return {
        "pressure": levels["pressure"],
        "escalation": levels["escalation"],
        "effective_from": levels["effective_from"].isoformat(),
    }
