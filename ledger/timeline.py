"""Replays one patient's events in time order: checks consistency and derives spells.

The same replay validates an incoming batch (the timeline with the new events inserted at their
`occurred_at` must be consistent) and produces the derived rows, so the two can never disagree.
Order is (occurred_at, type rank, event_id): independent of arrival order.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ledger.timeline_shapes import (
    JOURNEY_GAP,
    TYPE_RANK,
    Derived,
    Inconsistency,
    TimelineEvent,
    UnitInfo,
)
from models.clock import local_date
from models.derived import length_class

__all__ = ["TYPE_RANK", "Derived", "Inconsistency", "TimelineEvent", "UnitInfo", "replay_patient"]


# Spell columns known only later in the replay (discharge, readiness, journey).
# fmt: off
_UNSET_SPELL: dict[str, Any] = dict.fromkeys((
    "discharged_at", "discharged_date", "planned_pathway", "delay_reason", "ready_at",
    "discharge_ready_date", "destination", "discharge_pathway", "delay_days", "journey_id",
))
# fmt: on


class _Open:
    """The state of the patient's open spell during the replay."""

    def __init__(self, event: TimelineEvent, unit: UnitInfo) -> None:
        p = event.payload
        self.spell: dict[str, Any] = _UNSET_SPELL | {
            "spell_id": event.event_id,
            "patient_id": event.patient_id,
            "setting": unit.setting,
            "admitted_at": event.occurred_at,
            "admitted_date": local_date(event.occurred_at),
            "first_unit_code": unit.code,
            "last_unit_code": unit.code,
            "organisation_code": unit.organisation_code,
        }
        self.spell |= {
            k: p.get(k) for k in ("admission_method", "local_authority", "age", "source")
        }
        self.unit = unit
        self.stay: dict[str, Any] = {}
        self.period: dict[str, Any] | None = None
        self.span: dict[str, Any] | None = None
        self.counts = {"stay": 0, "period": 0, "span": 0}

    def next_seq(self, kind: str) -> int:
        self.counts[kind] += 1
        return self.counts[kind] - 1


class Replay:
    """Applies events one by one; an inconsistent event is reported and left out."""

    def __init__(self, units: dict[str, UnitInfo]) -> None:
        self.units = units
        self.derived = Derived()
        self.open: _Open | None = None

    # -- helpers -----------------------------------------------------------------------------

    def _start_stay(self, unit: UnitInfo, at: datetime) -> None:
        assert self.open is not None
        self.open.stay = {
            "spell_id": self.open.spell["spell_id"],
            "seq": self.open.next_seq("stay"),
            "patient_id": self.open.spell["patient_id"],
            "unit_code": unit.code,
            "organisation_code": unit.organisation_code,
            "setting": unit.setting,
            "start_at": at,
            "end_at": None,
            "ended_by": None,
            "spell_admitted_date": self.open.spell["admitted_date"],
        }
        self.derived.stays.append(self.open.stay)
        self.open.unit = unit

    def _close_span(self, at: datetime) -> None:
        assert self.open is not None
        if self.open.span is not None:
            self.open.span["end_at"] = at
            self.open.span = None

    def _start_span(self, at: datetime) -> None:
        """Begins a new constant piece of readiness if the patient is ready."""
        o = self.open
        assert o is not None
        self._close_span(at)
        if o.period is None:
            return
        o.span = {
            "spell_id": o.spell["spell_id"],
            "seq": o.next_seq("span"),
            "patient_id": o.spell["patient_id"],
            "setting": o.unit.setting,
            "unit_code": o.unit.code,
            "organisation_code": o.unit.organisation_code,
            "start_at": at,
            "end_at": None,
            "ready_since": o.period["start_at"],
            "planned_pathway": o.spell["planned_pathway"],
            "reason_code": o.spell["delay_reason"],
            "local_authority": o.spell["local_authority"],
        }
        self.derived.ready_spans.append(o.span)

    def _end_readiness(self, at: datetime, ended_by: str) -> None:
        o = self.open
        assert o is not None and o.period is not None
        o.period["end_at"] = at
        o.period["ended_by"] = ended_by
        o.period = None
        self._close_span(at)

    # -- event handlers: each returns an error (field, message) or None ------------------------

    def apply(self, e: TimelineEvent) -> tuple[str, str] | None:
        """Applies one event; returns (field, message) when it does not fit, changing nothing."""
        if e.type != "admitted" and self.open is None:
            return (
                "occurred_at",
                f"{e.type} at {_fmt(e.occurred_at)} but the patient has no open stay then",
            )
        # The unit the event is about: the one it names, else its stay's at that time.
        unit = e.payload.get("unit_code") or (self.open.unit.code if self.open else None)
        if e.type == "admitted":
            error = self._on_admitted(e)
        else:
            error = getattr(self, f"_on_{e.type}")(e, self.open)
        if error is None and unit is not None:
            self.derived.event_units[e.event_id] = unit
        return error

    def _on_admitted(self, e: TimelineEvent) -> tuple[str, str] | None:
        if self.open is not None:
            return (
                "occurred_at",
                f"admitted at {_fmt(e.occurred_at)} but the patient already has an open stay in "
                f"unit {self.open.unit.code} since {_fmt(self.open.spell['admitted_at'])}",
            )
        unit = self.units[e.payload["unit_code"]]
        self.open = _Open(e, unit)
        self.derived.spells.append(self.open.spell)
        self._start_stay(unit, e.occurred_at)
        return None

    def _on_transferred(self, e: TimelineEvent, o: _Open) -> tuple[str, str] | None:
        unit = self.units[e.payload["unit_code"]]
        if unit.code == o.unit.code:
            return ("unit_code", f"the patient is already in unit {unit.code}")
        if unit.setting != o.unit.setting:
            return (
                "unit_code",
                f"a transfer moves a stay between units of the same kind; {o.unit.code} is "
                f"{o.unit.setting} and {unit.code} is {unit.setting} (discharge, then admit)",
            )
        o.stay["end_at"] = e.occurred_at
        o.stay["ended_by"] = "transferred"
        self._start_stay(unit, e.occurred_at)
        o.spell["last_unit_code"] = unit.code
        o.spell["organisation_code"] = unit.organisation_code
        self._start_span(e.occurred_at)
        return None

    def _on_discharge_ready(self, e: TimelineEvent, o: _Open) -> tuple[str, str] | None:
        if e.payload.get("pathway") is not None:
            o.spell["planned_pathway"] = e.payload["pathway"]
        if o.period is None:
            o.period = {
                "spell_id": o.spell["spell_id"],
                "seq": o.next_seq("period"),
                "patient_id": e.patient_id,
                "setting": o.unit.setting,
                "start_at": e.occurred_at,
                "start_date": local_date(e.occurred_at),
                "end_at": None,
                "ended_by": None,
            }
            self.derived.readiness.append(o.period)
            o.spell["delay_reason"] = None
        self._start_span(e.occurred_at)
        return None

    def _on_readiness_withdrawn(self, e: TimelineEvent, o: _Open) -> tuple[str, str] | None:
        if o.period is None:
            return (
                "type",
                f"readiness withdrawn at {_fmt(e.occurred_at)} but the patient is not ready then",
            )
        self._end_readiness(e.occurred_at, "readiness_withdrawn")
        o.spell["delay_reason"] = None
        return None

    def _on_delay_reason(self, e: TimelineEvent, o: _Open) -> tuple[str, str] | None:
        if o.period is None:
            return (
                "type",
                f"a delay reason at {_fmt(e.occurred_at)} but the patient is not ready then",
            )
        o.spell["delay_reason"] = e.payload["reason_code"]
        self._start_span(e.occurred_at)
        return None

    def _on_pathway_changed(self, e: TimelineEvent, o: _Open) -> tuple[str, str] | None:
        o.spell["planned_pathway"] = e.payload["pathway"]
        if o.period is not None:
            self._start_span(e.occurred_at)
        return None

    def _on_discharged(self, e: TimelineEvent, o: _Open) -> tuple[str, str] | None:
        alive = e.payload["destination"] != "died"
        if o.unit.setting == "acute" and alive and e.payload.get("pathway") is None:
            return ("pathway", "is required when a patient leaves an acute unit alive")
        at = e.occurred_at
        s = o.spell
        s.update(
            discharged_at=at,
            discharged_date=local_date(at),
            destination=e.payload["destination"],
            discharge_pathway=e.payload.get("pathway"),
        )
        if o.period is not None:  # ready at discharge: the final readiness sets the DRD
            s["ready_at"] = o.period["start_at"]
            s["discharge_ready_date"] = o.period["start_date"]
            self._end_readiness(at, "discharged")
        else:
            s["ready_at"] = None
            s["discharge_ready_date"] = None
        drd = s["discharge_ready_date"]
        s["delay_days"] = (s["discharged_date"] - drd).days if drd else 0
        o.stay["end_at"] = at
        o.stay["ended_by"] = "discharged"
        self.open = None
        return None

    def finish(self) -> Derived:
        """Closes the replay: an open spell's readiness start is its current DRD."""
        if self.open is not None and self.open.period is not None:
            self.open.spell["ready_at"] = self.open.period["start_at"]
            self.open.spell["discharge_ready_date"] = self.open.period["start_date"]
        _link_journeys(self.derived.spells)
        for row in (*self.derived.stays, *self.derived.ready_spans):
            row["length_class"] = length_class(row["start_at"], row["end_at"])
        return self.derived


def _link_journeys(spells: list[dict[str, Any]]) -> None:
    """An acute spell starts a journey; a D2A spell admitted within 48 hours of the end of the
    latest spell already in a journey joins it (acute → P2 bed → P1 at home is one journey)."""
    previous: dict[str, Any] | None = None
    for spell in sorted(spells, key=lambda s: s["admitted_at"]):
        if spell["setting"] == "acute":
            spell["journey_id"] = spell["spell_id"]
        elif previous is not None and previous["journey_id"] and previous["discharged_at"]:
            gap = spell["admitted_at"] - previous["discharged_at"]
            if timedelta(0) <= gap <= JOURNEY_GAP:
                spell["journey_id"] = previous["journey_id"]
        previous = spell


def _fmt(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC")


def replay_patient(
    events: list[TimelineEvent], units: dict[str, UnitInfo], blame: TimelineEvent | None = None
) -> tuple[Derived, list[Inconsistency]]:
    """Replays a patient's live (not voided, not void) events.

    A new event that does not fit is reported and skipped so its neighbours are still checked.
    A stored event that no longer fits is blamed on `blame` (the patient's first new event,
    a void included), since only the new events changed the timeline; the replay stops there.
    """
    replay = Replay(units)
    problems: list[Inconsistency] = []
    for e in sorted(events, key=lambda ev: ev.sort_key):
        error = replay.apply(e)
        if error is None:
            continue
        if e.index is not None:
            problems.append(Inconsistency(e, error[0], error[1]))
            continue
        message = f"makes the stored timeline inconsistent: stored event {e.event_id!r}: {error[1]}"
        problems.append(Inconsistency(blame or e, "occurred_at", message))
        break
    return replay.finish(), problems
