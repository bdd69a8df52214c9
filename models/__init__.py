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
from models.events import Event, PatientLock
from models.feeds import DeploymentSecret, Feed, FeedMessage
from models.reference import (
    CareSystem,
    DelayReason,
    Destination,
    Organisation,
    OrganisationSystem,
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
    "CareSystem",
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
    "OrganisationSystem",
    "PathwayTrigger",
    "PatientLock",
    "ReadinessPeriod",
    "ReadySpan",
    "Spell",
    "Stay",
    "TallyChange",
    "TallySource",
    "Unit",
    "UnitCapacity",
]
