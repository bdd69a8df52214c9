"""SQLAlchemy models: reference data, the event log, derived tables, access."""

from models.access import ApiToken, AuditEntry
from models.base import Base
from models.derived import EventTally, ReadinessPeriod, ReadySpan, Spell, Stay
from models.events import Event
from models.reference import DelayReason, Destination, Organisation, Unit, UnitCapacity

__all__ = [
    "ApiToken",
    "AuditEntry",
    "Base",
    "DelayReason",
    "Destination",
    "Event",
    "EventTally",
    "Organisation",
    "ReadinessPeriod",
    "ReadySpan",
    "Spell",
    "Stay",
    "Unit",
    "UnitCapacity",
]
