"""SPEC §9: an HL7 v2 ADT message becomes one event, is ignored, or is refused. Pure code.

| trigger  | outcome                                                                      |
|----------|------------------------------------------------------------------------------|
| A01, A06 | `admitted` to the unit of PV1-3.1, with admission_method (PV1-4) and source   |
| A02      | `transferred` to the unit of PV1-3.1; ignored when it is the unit already     |
| A03      | `discharged`: destination from PV1-37 (or `died`: PID-30), pathway            |
| A11      | `void` of the stay's admission                                                |
| A12      | `void` of the stay's latest transfer                                          |
| A13      | `void` of the latest discharge                                                |
| other    | ignored (ACK AA, counted as ignored)                                          |

Only inpatients are recorded: a message of those triggers whose PV1-2 patient class is not
`I` is ignored (an A&E or outpatient visit is not a stay in a bed; an emergency patient who
is admitted to a ward arrives as `I`, by A01 or by A06 from `E`). The time is EVN-6, else
PV1-44 (A01, A06) or PV1-45 (A03), else EVN-2. The event id is derived from (feed, MSH-10),
so a resent message is a duplicate. No name, address, date of birth or NHS number is read
into any outcome; the local id (the trust's MRN) is returned beside the event, never in it,
for the caller to turn into the pseudonym.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from feeds.codes import (
    admission_method,
    admission_source,
    discharge_destination,
    discharge_pathway,
)
from feeds.config import FeedConfig
from feeds.history import Stay, StoredEvent, latest_discharge, stay_at, stays
from feeds.hl7v2 import fields
from feeds.hl7v2.er7 import Message
from feeds.hl7v2.messages import Received
from feeds.hl7v2.problems import FieldProblem, label, where
from feeds.identity import event_id, local_id, shown
from models.clock import to_utc_naive

INPATIENT = frozenset({"I"})
TIME_FIELD = {"A01": ("PV1", 44), "A06": ("PV1", 44), "A03": ("PV1", 45)}
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
AHEAD = timedelta(minutes=5)
NOTHING_TO_CANCEL = where("MSH", 9)


@dataclass(frozen=True)
class Mapped:
    """One event in the JSON shape of SPEC §3, `patient_id` None for the caller to fill
    with the pseudonym of `local_id`."""

    local_id: str
    event: dict[str, Any]


@dataclass(frozen=True)
class Ignored:
    """Acknowledged (AA) and counted as ignored: nothing to record."""

    reason: str


Refused = FieldProblem  # acknowledged AE, with an ERR naming `field` (e.g. PV1^1^3) and why


Outcome = Mapped | Ignored | Refused


@dataclass(frozen=True)
class _Context:
    """What every mapped trigger needs: the ids, the time, the patient's stays."""

    trigger: str
    event_id: str
    local_id: str
    at: datetime  # aware, as the message gave it
    stays: list[Stay]

    @property
    def at_utc(self) -> datetime:
        """The time as stored: naive UTC, to compare with history rows."""
        return to_utc_naive(self.at)

    def mapped(self, kind: str, **payload: Any) -> Mapped:
        """The event of this message, payload fields that are None left out."""
        event = {"event_id": self.event_id, "type": kind, "patient_id": None}
        event["occurred_at"] = self.at.isoformat()
        event |= {k: v for k, v in payload.items() if v is not None}
        return Mapped(self.local_id, event)

    def void(self, target: StoredEvent | None, what: str) -> Outcome:
        """A void of `target`, refused (naming MSH-9, the trigger) when there is none."""
        if target is None:
            return Refused(NOTHING_TO_CANCEL, f"{self.trigger} cancels {what}, but there is none")
        note = f"HL7 {self.trigger}: cancels {what}"
        return self.mapped("void", voids_event_id=target["event_id"], note=note)


def map_adt(
    message: Received | Message,
    feed: FeedConfig,
    history: Sequence[StoredEvent],
    *,
    now: datetime,
) -> Outcome:
    """The outcome of one ADT message for `feed`, given the patient's stored live events
    (those of the pseudonym of `local_id(message, feed)`; [] when there is none) and the
    current time (aware; naive is taken as UTC). Never raises on any message content."""
    parsed = message.message if isinstance(message, Received) else message
    if isinstance(message, Received) and message.problem is not None:
        return message.problem
    if parsed is None:
        return Refused("MSH^1", "the message could not be parsed")
    trigger = fields.trigger(parsed)
    if isinstance(trigger, FieldProblem):
        return trigger
    handler = HANDLERS.get(trigger)
    if handler is None:
        return Ignored(f"{shown(trigger)} is not a movement D2A Flow records")
    patient_class = fields.patient_class(parsed)
    if isinstance(patient_class, FieldProblem):
        return patient_class
    if patient_class not in INPATIENT:
        what = f"{trigger} for patient class {shown(patient_class)}"
        return Ignored(f"{what}: only inpatients (I) are recorded")
    context = _context(parsed, feed, history, trigger, now)
    return context if isinstance(context, Refused) else handler(parsed, feed, context)


def _context(
    message: Message,
    feed: FeedConfig,
    history: Sequence[StoredEvent],
    trigger: str,
    now: datetime,
) -> _Context | Refused:
    """The message's event id (MSH-10), local id (PID-3) and time, or the first refusal."""
    control = fields.control_id(message)
    if isinstance(control, FieldProblem):
        return control
    patient = local_id(message, feed)
    if isinstance(patient, FieldProblem):
        return patient
    at = event_time(message, trigger, now)
    if isinstance(at, FieldProblem):
        return at
    return _Context(trigger, event_id(feed.code, control), patient, at, stays(history, feed.units))


# -- the table, one function a row -------------------------------------------------------------


def _admitted(message: Message, feed: FeedConfig, c: _Context) -> Outcome:
    """A01, A06: a stay starts in the unit of PV1-3.1."""
    unit = _unit(message, feed)
    if isinstance(unit, Refused):
        return unit
    method = admission_method(fields.admission_type(message))
    source = admission_source(fields.admit_source(message), feed)
    return c.mapped("admitted", unit_code=unit, admission_method=method, source=source)


def _transferred(message: Message, feed: FeedConfig, c: _Context) -> Outcome:
    """A02: the stay moves; nothing to record when it is in that unit already at that time."""
    unit = _unit(message, feed)
    if isinstance(unit, Refused):
        return unit
    stay = stay_at(c.stays, c.at_utc)
    if stay is not None and stay.open_at(c.at_utc) and stay.unit_at(c.at_utc) == unit:
        return Ignored(f"A02 to unit {unit}, where the patient already is")
    return c.mapped("transferred", unit_code=unit)


def _discharged(message: Message, feed: FeedConfig, c: _Context) -> Outcome:
    """A03: the stay open at the message's time ends; PID-30 `Y` makes it a death."""
    stay = stay_at(c.stays, c.at_utc)
    if fields.died(message):
        destination = "died"
    else:
        destination = discharge_destination(fields.discharged_to(message), feed, stay)
    pathway = discharge_pathway(destination, stay, feed, c.at_utc)
    return c.mapped("discharged", destination=destination, pathway=pathway)


def _cancel_admission(message: Message, feed: FeedConfig, c: _Context) -> Outcome:
    """A11: void the admission of the stay the message falls in."""
    stay = stay_at(c.stays, c.at_utc)
    return c.void(stay.admission if stay else None, "an admission")


def _cancel_transfer(message: Message, feed: FeedConfig, c: _Context) -> Outcome:
    """A12: void that stay's latest transfer up to the message's time."""
    stay = stay_at(c.stays, c.at_utc)
    return c.void(stay.latest_transfer(c.at_utc) if stay else None, "a transfer")


def _cancel_discharge(message: Message, feed: FeedConfig, c: _Context) -> Outcome:
    """A13: void the latest discharge up to the message's time."""
    return c.void(latest_discharge(c.stays, c.at_utc), "a discharge")


HANDLERS: dict[str, Callable[[Message, FeedConfig, _Context], Outcome]] = {
    "A01": _admitted,
    "A06": _admitted,
    "A02": _transferred,
    "A03": _discharged,
    "A11": _cancel_admission,
    "A12": _cancel_transfer,
    "A13": _cancel_discharge,
}


def _unit(message: Message, feed: FeedConfig) -> str | Refused:
    """The unit of PV1-3.1 through the feed's locations."""
    place = fields.assigned_location(message)
    if isinstance(place, FieldProblem):
        return place
    unit = feed.locations.get(place.point_of_care)
    if unit is None:
        what = f"PV1-3.1 point of care {shown(place.point_of_care)}"
        return Refused(where("PV1", 3), f"{what} is not a location of feed {feed.code}")
    return unit


# -- the time -----------------------------------------------------------------------------------


def event_time(message: Message, trigger: str, now: datetime) -> datetime | FieldProblem:
    """EVN-6, else PV1-44 (A01, A06) or PV1-45 (A03), else EVN-2: the first present is used,
    and refused (naming it) when malformed, more than 5 minutes after `now` or before 2000."""
    sources = [("EVN", 6), *([TIME_FIELD[trigger]] if trigger in TIME_FIELD else []), ("EVN", 2)]
    for segment_id, number in sources:
        found = fields.time_at(message, segment_id, number)
        if found is not None:
            return _in_range(found, where(segment_id, number), now)
    names = ", ".join(f"{s}-{n}" for s, n in sources)
    return FieldProblem(where("EVN", 2), f"the message has no event time ({names} are empty)")


def _in_range(at: datetime | FieldProblem, location: str, now: datetime) -> datetime | FieldProblem:
    """SPEC §3's bounds: not more than 5 minutes after `now`, not before 2000-01-01."""
    if isinstance(at, FieldProblem):
        return at
    now = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    name = f"{label(location)} {at.isoformat()}"
    if at > now + AHEAD:
        return FieldProblem(location, f"{name} is more than 5 minutes in the future")
    if at < EARLIEST:
        return FieldProblem(location, f"{name} is before 2000")
    return at
