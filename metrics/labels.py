"""Words beside breakdown codes: each grouped answer's rows get a `label` (the reference data's
name for the unit, organisation, local authority, destination or delay reason) and, by delay
reason, the reason's national `reason_group`; pathways and bands are named in words."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, select

from models.reference import CareSystem, DelayReason, Destination, Organisation, Unit


def labelled(connection: Connection, rows: pd.DataFrame, group_by: str | None) -> pd.DataFrame:
    """The rows with `label` (and `reason_group` by reason) after `group`; unchanged without a
    breakdown. A code without a name keeps the code as its label."""
    if group_by is None:
        return rows
    names = _names(connection, group_by)
    codes = rows["group"].astype(object)
    rows = rows.copy()
    at = list(rows.columns).index("group") + 1
    rows.insert(at, "label", [names.get(str(c), str(c)) for c in codes])
    if group_by == "reason":
        groups = _reason_groups(connection)
        rows.insert(at + 1, "reason_group", [groups.get(str(c)) for c in codes])
    return rows


def _names(connection: Connection, group_by: str) -> dict[str, str]:
    if group_by == "pathway":
        return {str(p): f"Pathway {p}" for p in range(4)}
    if group_by == "band":
        return {}
    table = {
        "reason": (DelayReason.code, DelayReason.label),
        "destination": (Destination.code, Destination.label),
        "unit": (Unit.code, Unit.name),
        "organisation": (Organisation.code, Organisation.name),
        "local_authority": (Organisation.code, Organisation.name),
        "system": (CareSystem.code, CareSystem.name),
    }.get(group_by)
    if table is None:
        return {}
    return {str(code): str(name) for code, name in connection.execute(select(*table)).all()}


def reason_groups(connection: Connection) -> dict[str, str]:
    """Each delay reason code's national group."""
    return _reason_groups(connection)


def _reason_groups(connection: Connection) -> dict[str, str]:
    found = connection.execute(select(DelayReason.code, DelayReason.group)).all()
    return {str(code): str(group) for code, group in found}
