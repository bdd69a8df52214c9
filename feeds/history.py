"""A patient's stored events read back as stays, for what an ADT message refers to.

ADT messages say "discharge", "cancel the transfer", not which stored event they mean; the
mapping finds it in the patient's history. History rows are dicts as in the `event` table
(`event_id`, `type`, `occurred_at` naive UTC, `unit_code`, `pathway`, `source`, …). Stays are
found relative to the message's time, not the arrival order, because feeds send late: a
transfer that arrives after the discharge still belongs to the stay it happened in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ledger.timeline_shapes import TYPE_RANK
from models.clock import to_utc_naive

StoredEvent = Mapping[str, Any]


@dataclass(frozen=True)
class Stay:
    """One stay: its admission and the events after it, up to and including its discharge."""

    admission: StoredEvent
    events: tuple[StoredEvent, ...]

    @property
    def discharge(self) -> StoredEvent | None:
        """The discharge that ended the stay, if it has ended."""
        last = self.events[-1] if self.events else None
        return last if last is not None and last["type"] == "discharged" else None

    def open_at(self, at: datetime) -> bool:
        """Admitted at or before `at` and not discharged before it."""
        end = self.discharge
        return self.admission["occurred_at"] <= at and (end is None or end["occurred_at"] >= at)

    def until(self, at: datetime) -> list[StoredEvent]:
        """The stay's events (admission first) at or before `at`."""
        return [e for e in (self.admission, *self.events) if e["occurred_at"] <= at]

    def unit_at(self, at: datetime) -> str | None:
        """The unit the stay is in at `at`: its admission's, or its latest transfer's."""
        moves = [e for e in self.until(at) if e["type"] in ("admitted", "transferred")]
        return moves[-1].get("unit_code") if moves else self.admission.get("unit_code")

    def planned_pathway(self, at: datetime) -> int | None:
        """The latest pathway declared by discharge_ready or pathway_changed up to `at`;
        withdrawn readiness keeps it, as the ledger's replay does."""
        kinds = ("discharge_ready", "pathway_changed")
        declared = [e.get("pathway") for e in self.until(at) if e["type"] in kinds]
        return next((p for p in reversed(declared) if p is not None), None)

    def latest_transfer(self, at: datetime) -> StoredEvent | None:
        """The stay's last transfer at or before `at`."""
        transfers = [e for e in self.until(at) if e["type"] == "transferred"]
        return transfers[-1] if transfers else None


def live(history: Iterable[StoredEvent]) -> list[StoredEvent]:
    """Events that stand: voids and the events they void left out; in the ledger's order
    (time, then type rank, so a discharge precedes an admission at the same instant)."""
    rows = [_naive_utc(e) for e in history]
    voided = {e.get("voids_event_id") for e in rows if e["type"] == "void"}
    kept = [e for e in rows if e["type"] != "void" and e["event_id"] not in voided]
    return sorted(kept, key=lambda e: (e["occurred_at"], TYPE_RANK.get(e["type"], 9)))


def _naive_utc(event: StoredEvent) -> StoredEvent:
    """The row with `occurred_at` as naive UTC, as stored, should a caller pass it aware."""
    at = event["occurred_at"]
    return event if at.tzinfo is None else {**event, "occurred_at": to_utc_naive(at)}


def stays(history: Iterable[StoredEvent], units: frozenset[str]) -> list[Stay]:
    """The stays of the history that touch one of `units` (the feed's units), in time order."""
    found: list[tuple[StoredEvent, list[StoredEvent]]] = []
    open_stay: list[StoredEvent] | None = None
    for event in live(history):
        if event["type"] == "admitted":
            open_stay = []
            found.append((event, open_stay))
        elif open_stay is not None:
            open_stay.append(event)
            if event["type"] == "discharged":
                open_stay = None
    result = [Stay(admission, tuple(events)) for admission, events in found]
    return [s for s in result if units & _units_of(s)]


def _units_of(stay: Stay) -> set[str]:
    """Every unit the stay was in."""
    return {e["unit_code"] for e in (stay.admission, *stay.events) if e.get("unit_code")}


def stay_at(all_stays: list[Stay], at: datetime) -> Stay | None:
    """The stay a message at `at` refers to: the latest admitted at or before `at`."""
    started = [s for s in all_stays if s.admission["occurred_at"] <= at]
    return started[-1] if started else None


def latest_discharge(all_stays: list[Stay], at: datetime) -> StoredEvent | None:
    """The latest discharge at or before `at`."""
    ends = [s.discharge for s in all_stays if s.discharge is not None]
    before = [e for e in ends if e["occurred_at"] <= at]
    return before[-1] if before else None
