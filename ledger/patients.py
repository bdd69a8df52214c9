"""Patient-level reads: a patient's timeline (events, voids marked, derived spells), whole or
limited to the spells of one organisation or local authority (a partner's scope, SPEC §7).

Each event belongs to at most one spell, found by walking the patient's events in the replay's
order (ledger.timeline: occurred_at, type, event_id): a live admission opens its spell, and
every event from there up to and including the live discharge that ends it belongs to it (a
voided event too, where it stands). A void belongs to its target's spell. An event outside
every spell (a voided admission between two spells, say) belongs to none.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, or_, select
from sqlalchemy.orm import Session

from ledger.events import PAYLOAD
from ledger.timeline_shapes import TYPE_RANK
from models import Event, ReadinessPeriod, Spell, Stay
from models.reference import Scope, scope_has, scope_sql

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


def spells_of_events(events: list[dict[str, Any]]) -> dict[str, str | None]:
    """{event_id: the spell_id it belongs to, or None} (the module's text)."""
    voided = {e["voids_event_id"] for e in events if e["type"] == "void"}
    ordered = sorted(
        (e for e in events if e["type"] != "void"),
        key=lambda e: (e["occurred_at"], TYPE_RANK.get(e["type"], 99), e["event_id"]),
    )
    belongs: dict[str, str | None] = {}
    current: str | None = None
    for e in ordered:
        live = e["event_id"] not in voided
        if live and e["type"] == "admitted":
            current = e["event_id"]  # a spell's id is its admission's event_id
        belongs[e["event_id"]] = current
        if live and e["type"] == "discharged":
            current = None
    for e in events:
        if e["type"] == "void":
            belongs[e["event_id"]] = belongs.get(e["voids_event_id"])
    return belongs


def in_scope(
    spell: dict[str, Any], scope: str | tuple[str, ...], journey_authority: str | None = None
) -> bool:
    """A spell of the organisation `scope` (one of its stays was in that organisation's units)
    or of a resident of the local authority `scope`: the spell's own local authority, or for a
    D2A spell that was not given one, that of the acute spell whose journey it continues."""
    resident_of = spell["local_authority"] or journey_authority
    return scope_has(scope, resident_of) or any(
        scope_has(scope, stay["organisation_code"]) for stay in spell["stays"]
    )


def patient_timeline(
    session: Session, patient_id: str, scope: Scope = None
) -> dict[str, Any] | None:
    """Everything stored for a patient, or None when nothing is. With a `scope` (a partner's
    organisation or local authority code), only the spells in that scope and their own events;
    None when the patient has none there."""
    events = _rows(session, Event, patient_id, Event.occurred_at, Event.seq)
    if not events:
        return None
    spells = _rows(session, Spell, patient_id, Spell.admitted_at)
    spell_ids = [s["spell_id"] for s in spells]
    stays = _of_spells(session, Stay, spell_ids, Stay.start_at)
    readiness = _of_spells(session, ReadinessPeriod, spell_ids, ReadinessPeriod.start_at)
    for spell in spells:
        spell["stays"] = [s for s in stays if s["spell_id"] == spell["spell_id"]]
        spell["readiness_periods"] = [r for r in readiness if r["spell_id"] == spell["spell_id"]]
    belongs = spells_of_events(events)
    if scope is not None:
        authority = {s["spell_id"]: s["local_authority"] for s in spells}
        spells = [s for s in spells if in_scope(s, scope, authority.get(s["journey_id"]))]
        if not spells:
            return None
        kept = {s["spell_id"] for s in spells}
        events = [e for e in events if belongs[e["event_id"]] in kept]
    voided_by = {e["voids_event_id"]: e["event_id"] for e in events if e["type"] == "void"}
    shown = []
    for e in events:
        item: dict[str, Any] = {k: e[k] for k in ("event_id", "type", "occurred_at", "received_at")}
        item |= {k: e[k] for k in PAYLOAD if e[k] is not None}
        item["voided_by"] = voided_by.get(e["event_id"])
        item["spell_id"] = belongs[e["event_id"]]
        shown.append(item)
    return {"patient_id": patient_id, "events": shown, "spells": spells}


def known_patient(connection: Connection, patient_id: str) -> bool:
    """Whether any event names the patient (the event log's (patient_id, occurred_at) index)."""
    e = Event.__table__.c
    found = connection.execute(select(e.seq).where(e.patient_id == patient_id).limit(1))
    return found.first() is not None


def patients_in_scope(
    connection: Connection, patient_ids: Iterable[str], scope: str | tuple[str, ...]
) -> set[str]:
    """Those of `patient_ids` with a spell in the scope `scope` (an organisation or a local
    authority): a stay in one of its units, a last unit of its own, or the spell's local
    authority. (A D2A spell without a local authority follows its acute spell, which is the
    same patient's, so the patient is in scope through that spell.)"""
    ids = sorted(set(patient_ids))
    if not ids:
        return set()
    s, t = Spell.__table__.c, Stay.__table__.c
    query = (
        select(s.patient_id)
        .select_from(Spell.__table__.join(Stay.__table__, t.spell_id == s.spell_id))
        .where(
            s.patient_id.in_(ids),
            or_(
                scope_sql(t.organisation_code, scope),
                scope_sql(s.organisation_code, scope),
                scope_sql(s.local_authority, scope),
            ),
        )
        .distinct()
    )
    return set(connection.execute(query).scalars())
