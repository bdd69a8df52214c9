"""Reference data: organisations, units with capacity history, and the national code lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.changes import FigureChanges
from ledger.events import EventIn
from ledger.timeline import UnitInfo
from models import (
    CareSystem,
    DelayReason,
    Destination,
    Organisation,
    OrganisationSystem,
    Stay,
    Unit,
    UnitCapacity,
)
from models.reference import system_history, system_on


@dataclass(frozen=True)
class ReferenceCodes:
    """The codes an event may name, loaded once per batch."""

    units: dict[str, UnitInfo]
    reasons: frozenset[str]
    destinations: frozenset[str]

    def code_errors(self, event: EventIn) -> list[tuple[str, str]]:
        errors = []
        if event.unit_code is not None and event.unit_code not in self.units:
            errors.append(("unit_code", f"unknown unit {event.unit_code!r}"))
        if event.reason_code is not None and event.reason_code not in self.reasons:
            errors.append(("reason_code", f"unknown delay reason {event.reason_code!r}"))
        for name in ("destination", "source"):
            value = getattr(event, name)
            if value is not None and value not in self.destinations:
                errors.append((name, f"unknown destination code {value!r}"))
        return errors


def load_reference_codes(session: Session) -> ReferenceCodes:
    units = {
        code: UnitInfo(code, org, setting)
        for code, org, setting in session.execute(
            select(Unit.code, Unit.organisation_code, Unit.setting)
        )
    }
    return ReferenceCodes(
        units=units,
        reasons=frozenset(session.scalars(select(DelayReason.code))),
        destinations=frozenset(session.scalars(select(Destination.code))),
    )


class Keep(Enum):
    """Leave a stored value as it is (an argument not given)."""

    KEEP = "keep"


KEEP = Keep.KEEP


def upsert_organisation(
    session: Session, code: str, name: str, kind: str, data_from: date | None | Keep = KEEP
) -> bool:
    """Creates or updates an organisation; True when it was created.

    `data_from` is the first local date its data is complete (figures of earlier days are
    null; None: the day of its first event); left as stored unless given. It changes no stored
    row but the organisation's, and no figure tally (metrics read it at every answer).
    """
    existing = session.get(Organisation, code)
    if existing is None:
        given = None if data_from is KEEP else data_from
        session.add(Organisation(code=code, name=name, kind=kind, data_from=given))
        session.flush()
        return True
    existing.name, existing.kind = name, kind
    if not isinstance(data_from, Keep):
        existing.data_from = data_from
    session.flush()
    return False


@dataclass
class UnitChange:
    created: bool
    problems: list[tuple[str, str]]


def upsert_unit(
    session: Session, code: str, fields: dict[str, Any], changes: FigureChanges
) -> UnitChange:
    """Creates or updates a unit; a capacity is added to its history from `capacity_from`.

    A unit's setting cannot change once it exists: its stays were derived under the old one.
    Nor can the organisation of a unit that has had stays: every past figure of both
    organisations would move (occupancy, discharges by site); a unit that changes hands is a
    new unit from that day.
    """
    problems: list[tuple[str, str]] = []
    if session.get(Organisation, fields["organisation_code"]) is None:
        problems.append(
            ("organisation_code", f"unknown organisation {fields['organisation_code']!r}")
        )
    existing = session.get(Unit, code)
    if existing is not None and existing.setting != fields["setting"]:
        problems.append(("setting", f"is {existing.setting} and cannot change; create a new unit"))
    owner = existing.organisation_code if existing is not None else None
    if owner not in (None, fields["organisation_code"]) and _has_stays(session, code):
        message = (
            f"unit {code} has stays with {owner}, so its organisation "
            "cannot change (past figures would move); create a new unit for the new organisation"
        )
        problems.append(("organisation_code", message))
    if problems:
        return UnitChange(False, problems)
    if existing is None:
        session.add(Unit(code=code, **_unit_columns(fields)))
    else:
        if existing.pathway != fields["pathway"]:
            # Its stays are counted under the unit's pathway as it is now, on every past day.
            changes(session, date.min)
        for key, value in _unit_columns(fields).items():
            setattr(existing, key, value)
    session.flush()
    if fields.get("capacity") is not None:
        _set_capacity(session, code, fields["capacity"], fields["capacity_from"])
    return UnitChange(existing is None, [])


def _has_stays(session: Session, code: str) -> bool:
    """Whether any stay was ever in the unit (voided events leave none)."""
    found = session.execute(select(Stay.spell_id).where(Stay.unit_code == code).limit(1))
    return found.first() is not None


def _unit_columns(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: fields[k] for k in ("name", "organisation_code", "setting", "pathway")}


def _set_capacity(session: Session, code: str, capacity: int, effective_from: date) -> None:
    row = session.get(UnitCapacity, (code, effective_from))
    if row is None:
        session.add(UnitCapacity(unit_code=code, effective_from=effective_from, capacity=capacity))
    else:
        row.capacity = capacity
    session.flush()


def upsert_system(session: Session, code: str, name: str) -> list[tuple[str, str]] | bool:
    """Creates or renames a system (an ICB); True when created, or the problems (a code that
    is already an organisation's: an `organisation=` filter must name one or the other)."""
    if session.get(Organisation, code) is not None:
        return [("code", f"{code!r} is an organisation's code; a system needs its own code")]
    existing = session.get(CareSystem, code)
    if existing is None:
        session.add(CareSystem(code=code, name=name))
        session.flush()
        return True
    existing.name = name
    session.flush()
    return False


def system_problems(
    session: Session, organisation: str, system: str | None
) -> list[tuple[str, str]]:
    """Why an organisation cannot be given `system` (or be created under its code)."""
    problems = []
    if session.get(CareSystem, organisation) is not None:
        problems.append(
            ("code", f"{organisation!r} is a system's code; an organisation needs its own")
        )
    if system is not None and session.get(CareSystem, system) is None:
        message = f"unknown system {system!r}; create it first with PUT /api/v1/systems/{system}"
        problems.append(("system_code", message))
    return problems


def set_organisation_system(session: Session, organisation: str, system: str, since: date) -> bool:
    """Puts `organisation` in `system` from `since` (a row of its history; the same date again
    replaces that row); False when that changes nothing. Figures by system map organisations to
    systems at each answer (metrics.systems), so no stored figure or tally changes."""
    rows = system_history(session.connection()).get(organisation)
    if rows and system_on(rows, since) == system and all(d < since for d, _ in rows):
        return False
    row = session.get(OrganisationSystem, (organisation, since))
    if row is None:
        session.add(
            OrganisationSystem(
                organisation_code=organisation, effective_from=since, system_code=system
            )
        )
    elif row.system_code == system:
        return False
    else:
        row.system_code = system
    session.flush()
    return True


def list_systems(session: Session, day: date) -> list[dict[str, Any]]:
    """Every system with its organisations on `day`, in code order."""
    history = system_history(session.connection())
    members: dict[str, list[str]] = {}
    for org, rows in history.items():
        members.setdefault(system_on(rows, day), []).append(org)
    return [
        {"code": s.code, "name": s.name, "organisations": sorted(members.get(s.code, []))}
        for s in session.scalars(select(CareSystem).order_by(CareSystem.code))
    ]


def organisation_systems(session: Session) -> dict[str, list[dict[str, Any]]]:
    """Each organisation with a system → its history rows, oldest first."""
    return {
        org: [{"system_code": s, "effective_from": d} for d, s in rows]
        for org, rows in system_history(session.connection()).items()
    }


def organisation_data_from(session: Session, code: str) -> date | None:
    """The stored data_from of an organisation (None: not set, or no such organisation)."""
    existing = session.get(Organisation, code)
    return None if existing is None else existing.data_from


def list_organisations(session: Session) -> list[Organisation]:
    return list(session.scalars(select(Organisation).order_by(Organisation.code)))


def list_units(session: Session, code: str | None = None) -> list[dict[str, Any]]:
    """Units (all, or the one with `code`) with their capacity history, oldest first."""
    units = select(Unit).order_by(Unit.code)
    capacities = select(UnitCapacity).order_by(UnitCapacity.effective_from)
    if code is not None:
        units = units.where(Unit.code == code)
        capacities = capacities.where(UnitCapacity.unit_code == code)
    history: dict[str, list[dict[str, Any]]] = {}
    for row in session.scalars(capacities):
        history.setdefault(row.unit_code, []).append(
            {"effective_from": row.effective_from, "capacity": row.capacity}
        )
    return [
        {
            "code": u.code,
            "name": u.name,
            "organisation_code": u.organisation_code,
            "setting": u.setting,
            "pathway": u.pathway,
            "capacity_history": history.get(u.code, []),
            "capacity": history[u.code][-1]["capacity"] if u.code in history else None,
        }
        for u in session.scalars(units)
    ]
