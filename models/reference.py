"""Reference data: organisations, units with capacity history, national code lists."""

import csv
import io
from datetime import date, datetime
from importlib.resources import files
from typing import Any

from sqlalchemy import Boolean, Connection, Date, DateTime, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base

ACUTE_SETTINGS = ("acute",)
D2A_SETTINGS = ("home_service", "community_bed", "care_home_bed")
SETTING_PATHWAY = {"home_service": 1, "community_bed": 2, "care_home_bed": 3}
PATHWAYS = (0, 1, 2, 3)
D2A_PATHWAYS = tuple(SETTING_PATHWAY.values())  # 1, 2, 3


class Organisation(Base):
    __tablename__ = "organisation"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    # The first local date its data is complete (its feeds went live, or a seed's start):
    # figures of days before it are null. Null means its first event's day (metrics.data_start).
    data_from: Mapped[date | None] = mapped_column(Date)


class CareSystem(Base):
    """A health and care system: an integrated care board (ICB), by its ODS code (SPEC §3)."""

    __tablename__ = "care_system"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class OrganisationSystem(Base):
    """The system an organisation belongs to, in force from `effective_from` until the next
    row (history: an organisation can move between systems). An organisation's first row also
    holds for the days before it: its system before any recorded move is its first known."""

    __tablename__ = "organisation_system"

    organisation_code: Mapped[str] = mapped_column(
        ForeignKey("organisation.code"), primary_key=True
    )
    effective_from: Mapped[date] = mapped_column(Date, primary_key=True)
    system_code: Mapped[str] = mapped_column(ForeignKey("care_system.code"), index=True)


class Unit(Base):
    __tablename__ = "unit"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation_code: Mapped[str] = mapped_column(ForeignKey("organisation.code"), index=True)
    setting: Mapped[str] = mapped_column(String(20))
    pathway: Mapped[int | None] = mapped_column(Integer)


class UnitCapacity(Base):
    """Beds or slots of a unit, in force from `effective_from` until the next row."""

    __tablename__ = "unit_capacity"

    unit_code: Mapped[str] = mapped_column(ForeignKey("unit.code"), primary_key=True)
    effective_from: Mapped[date] = mapped_column(Date, primary_key=True)
    capacity: Mapped[int] = mapped_column(Integer)


class PathwayTrigger(Base):
    """Trigger levels of a D2A pathway (1, 2, 3), in force from `effective_from` until the next
    row: the pathway is at pressure when its shortfall (people ready in acute beds waiting for
    it − its places free) is ≥ `pressure`, at escalation when ≥ `escalation`
    (metrics.capacity_status)."""

    __tablename__ = "pathway_trigger"

    pathway: Mapped[int] = mapped_column(Integer, primary_key=True)
    effective_from: Mapped[date] = mapped_column(Date, primary_key=True)
    pressure: Mapped[int] = mapped_column(Integer)
    escalation: Mapped[int] = mapped_column(Integer)
    set_at: Mapped[datetime] = mapped_column(DateTime)


class DelayReason(Base):
    """The national acute discharge return's delay reasons (reference/delay_reasons.csv)."""

    __tablename__ = "delay_reason"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    group: Mapped[str] = mapped_column(String(60))
    label: Mapped[str] = mapped_column(String(200))
    pathways: Mapped[str] = mapped_column(String(20), default="")


class Destination(Base):
    """Discharge destinations mapped to NHS Data Dictionary codes (reference/destinations.csv)."""

    __tablename__ = "destination"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    nhs_discharge_destination_codes: Mapped[str] = mapped_column(String(60), default="")
    usual_residence: Mapped[bool] = mapped_column(Boolean)
    leaves_system: Mapped[bool] = mapped_column(Boolean)


def read_reference_csv(name: str) -> list[dict[str, str]]:
    """Rows of a national reference list shipped in models/reference (copied from shared/)."""
    text = files("models").joinpath("reference", f"{name}.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def delay_reason_rows() -> list[dict[str, object]]:
    return [
        {"code": r["code"], "group": r["group"], "label": r["label"], "pathways": r["pathways"]}
        for r in read_reference_csv("delay_reasons")
    ]


def destination_rows() -> list[dict[str, object]]:
    return [
        {
            "code": r["code"],
            "label": r["label"],
            "nhs_discharge_destination_codes": r["nhs_discharge_destination_codes"],
            "usual_residence": r["usual_residence"] == "true",
            "leaves_system": r["leaves_system"] == "true",
        }
        for r in read_reference_csv("destinations")
    ]


def system_history(connection: Connection) -> dict[str, list[tuple[date, str]]]:
    """Each organisation with a system → its (effective_from, system_code) rows, oldest first."""
    t = OrganisationSystem.__table__.c
    query = select(t.organisation_code, t.effective_from, t.system_code).order_by(
        t.organisation_code, t.effective_from
    )
    history: dict[str, list[tuple[date, str]]] = {}
    for org, since, system in connection.execute(query):
        day = since if isinstance(since, date) else date.fromisoformat(str(since)[:10])
        history.setdefault(org, []).append((day, system))
    return history


def system_on(rows: list[tuple[date, str]], day: date) -> str:
    """The system of an organisation on `day` from its history rows (oldest first): the row in
    force then, or before the first row the first (its system before any recorded move)."""
    found = rows[0][1]
    for since, system in rows:
        if since > day:
            break
        found = system
    return found


def systems_on(connection: Connection, day: date) -> dict[str, str]:
    """Each organisation with a system → its system on `day`."""
    return {org: system_on(rows, day) for org, rows in system_history(connection).items()}


def members_on(connection: Connection, system: str, day: date) -> tuple[str, ...]:
    """The organisations of `system` on `day`, in code order."""
    return tuple(sorted(org for org, s in systems_on(connection, day).items() if s == system))


def is_system(connection: Connection, code: str) -> bool:
    return (
        connection.execute(select(CareSystem.code).where(CareSystem.code == code)).first()
        is not None
    )


# A limit on whose data a reader or writer may touch (SPEC §7): one organisation or local
# authority code, a system's organisations, or None: everyone's.
Scope = str | tuple[str, ...] | None


def scope_has(scope: str | tuple[str, ...], code: str | None) -> bool:
    """Whether `code` (an organisation or local authority) is `scope` or one of it."""
    return code in scope if isinstance(scope, tuple) else code == scope


def scope_sql(column: Any, scope: str | tuple[str, ...]) -> Any:
    """The SQL condition that `column` holds `scope` or one of it."""
    return column.in_(scope) if isinstance(scope, tuple) else column == scope


def scope_name(scope: Scope) -> str:
    """The scope in a message: its code, or "this system" for a system's organisations."""
    return "this system" if isinstance(scope, tuple) else str(scope)
