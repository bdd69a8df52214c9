"""Words beside breakdown codes: each grouped answer's rows get a `label` (the reference data's
name for the unit, organisation, local authority, destination or delay reason) and, by delay
reason, the reason's national `reason_group`; pathways and bands are named in words."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import Connection, select

from models.reference import CareSystem, DelayReason, Destination, Organisation, Unit


def labelled(connection: Connection, rows: pd.DataFrame, group_by: str | None) -> pd.DataFrame:
    """The rows with `label` (and `reason_group` by reason) after `group`; unchanged without a
    breakdown. A code without a name keeps the code as its label."""
    if group_by is None:
        return rows
    names = _names(connection, group_by)
    # Each distinct code looked up once: a year by unit has some 4,400 codes in 210,000 rows.
    # (A missing code keeps its text, None or nan, as before: factorize would make one of them.)
    column = rows["group"].astype(object)
    if column.isna().any():
        at_code, texts = np.arange(len(column)), [str(c) for c in column]
    else:
        at_code, codes = pd.factorize(column)
        texts = [str(c) for c in codes]
    rows = rows.copy()
    at = list(rows.columns).index("group") + 1
    rows.insert(at, "label", _taken([names.get(t, t) for t in texts], at_code))
    if group_by == "reason":
        groups = _reason_groups(connection)
        rows.insert(at + 1, "reason_group", _taken([groups.get(t) for t in texts], at_code))
    return rows


def _taken(values: list[str | None], at: np.ndarray) -> list[str | None]:
    """values[i] for each i of `at`."""
    return np.asarray(values, dtype=object)[at].tolist() if len(values) else []


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
