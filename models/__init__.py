"""SQLAlchemy models: reference data, the event log, derived tables, access."""

from models.access import ApiToken, AuditEntry
from models.base import Base
from models.derived import (
    EventTally,
    FigureTally,
    ReadinessPeriod,
    ReadySpan,
    Spell,
    Stay,
    TallyChange,
    TallySource,
)
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
    "FigureTally",
    "Organisation",
    "ReadinessPeriod",
    "ReadySpan",
    "Spell",
    "Stay",
    "TallyChange",
    "TallySource",
    "Unit",
    "UnitCapacity",
]
