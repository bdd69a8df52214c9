"""SQLAlchemy models: reference data, the event log, derived tables, access."""

from models.access import ApiToken, AuditEntry
from models.actions import Action, ActionVersion
from models.annotations import MetricAnnotation
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
from models.feeds import DeploymentSecret, Feed, FeedMessage
from models.reference import (
    DelayReason,
    Destination,
    Organisation,
    PathwayTrigger,
    Unit,
    UnitCapacity,
)

__all__ = [
    "Action",
    "ActionVersion",
    "ApiToken",
    "AuditEntry",
    "Base",
    "DelayReason",
    "DeploymentSecret",
    "Destination",
    "Event",
    "EventTally",
    "Feed",
    "FeedMessage",
    "FigureTally",
    "MetricAnnotation",
    "Organisation",
    "PathwayTrigger",
    "ReadinessPeriod",
    "ReadySpan",
    "Spell",
    "Stay",
    "TallyChange",
    "TallySource",
    "Unit",
    "UnitCapacity",
]
