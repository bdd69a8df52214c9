"""Who sent a batch (SPEC §7): every stored event records the token that sent it, and a feed
token may write only about its own organisation's units."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledger.timeline_shapes import UnitInfo
from models.reference import Scope, scope_has


@dataclass(frozen=True)
class Sender:
    """The token a batch came with (None: the command line or the seed loader) and, for a feed,
    the organisation whose units it may write about."""

    token_id: int | None = None
    organisation: Scope = None  # or a system-scoped token's organisations


CLI = Sender()


def out_of_scope(
    sender: Sender,
    events: list[dict[str, Any]],
    event_units: dict[str, str],
    units: dict[str, UnitInfo],
) -> list[tuple[dict[str, Any], str, str]]:
    """The events a scoped sender may not write: (event row, field, message) for each event
    about a unit of another organisation (the unit it names, else its stay's at that time;
    a void's, its target's)."""
    if sender.organisation is None:
        return []
    refused = []
    for row in events:
        about = row["voids_event_id"] if row["type"] == "void" else row["event_id"]
        unit = event_units.get(about)
        if unit is None or scope_has(sender.organisation, units[unit].organisation_code):
            continue
        field = "unit_code" if row["unit_code"] is not None else "patient_id"
        who = "a token of this system" if isinstance(sender.organisation, tuple) else None
        message = (
            f"{who or f'a feed of {sender.organisation}'} may write only about its own units; "
            f"this event is about unit {unit} of {units[unit].organisation_code}"
        )
        refused.append((row, field, message))
    return refused
