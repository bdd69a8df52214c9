"""Patient-level reads: a patient's timeline (events, voids marked, derived spells)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.events import PAYLOAD
from models import Event, ReadinessPeriod, Spell, Stay

INDEX_AIDS = ("length_class", "spell_admitted_date")


def _rows(session: Session, model: Any, patient_id: str, *order: Any) -> list[dict[str, Any]]:
    table = model.__table__
    query = select(table).where(table.c.patient_id == patient_id).order_by(*order)
    return [dict(r._mapping) for r in session.execute(query)]


def _of_spells(
    session: Session, model: Any, spell_ids: list[str], *order: Any
) -> list[dict[str, Any]]:
    """Rows keyed by spell (stays, readiness periods): found by their key, not by patient.
    Columns kept for the coordinator views' indexes (models.derived) are not shown."""
    table = model.__table__
    shown = [c for c in table.columns if c.name not in INDEX_AIDS]
    query = select(*shown).where(table.c.spell_id.in_(spell_ids)).order_by(*order)
    return [dict(r._mapping) for r in session.execute(query)]


def patient_timeline(session: Session, patient_id: str) -> dict[str, Any] | None:
    """Everything stored for a patient, or None when nothing is."""
    events = _rows(session, Event, patient_id, Event.occurred_at, Event.seq)
    if not events:
        return None
    voided_by = {e["voids_event_id"]: e["event_id"] for e in events if e["type"] == "void"}
    shown = []
    for e in events:
        item: dict[str, Any] = {k: e[k] for k in ("event_id", "type", "occurred_at", "received_at")}
        item |= {k: e[k] for k in PAYLOAD if e[k] is not None}
        item["voided_by"] = voided_by.get(e["event_id"])
        shown.append(item)
    spells = _rows(session, Spell, patient_id, Spell.admitted_at)
    spell_ids = [s["spell_id"] for s in spells]
    stays = _of_spells(session, Stay, spell_ids, Stay.start_at)
    readiness = _of_spells(session, ReadinessPeriod, spell_ids, ReadinessPeriod.start_at)
    for spell in spells:
        spell["stays"] = [s for s in stays if s["spell_id"] == spell["spell_id"]]
        spell["readiness_periods"] = [r for r in readiness if r["spell_id"] == spell["spell_id"]]
    return {"patient_id": patient_id, "events": shown, "spells": spells}
