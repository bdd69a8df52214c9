"""The code lists of SPEC §9's mapping: NHS and HL7 codes read into D2A Flow's codes.

Admission method from PV1-4, source from PV1-14, destination from PV1-37, and the pathway of
a discharge. Each function takes a code and gives ours; none ever refuses.
"""

from __future__ import annotations

from datetime import datetime

from feeds.config import CARE_HOME_DESTINATIONS, FeedConfig
from feeds.history import Stay

EMERGENCY = frozenset({*(str(n) for n in range(21, 29)), "2A", "2B", "2C", "2D", "E", "U"})
ELECTIVE = frozenset({"11", "12", "13", "R", "C"})
# Pathway of a discharge without a planned one, by destination (SPEC §9, and our choices for
# the destinations §9 leaves open: see `discharge_pathway`).
DEFAULT_PATHWAY = {
    "usual_residence": 0, "temporary_residence": 0, "care_home_return": 0,
    "community_bed": 2, "care_home_new": 3,
    "hospice": 3, "other_hospital": 0, "other": 0, "unknown": 0,
}  # fmt: skip


def admission_method(code: str) -> str:
    """PV1-4: NHS admission method 21–28 (and 2A–2D, the later emergency codes) or HL7
    E/U → emergency; 11–13 or R/C → elective; anything else → other. Never refused."""
    code = code.strip().upper()
    return "emergency" if code in EMERGENCY else "elective" if code in ELECTIVE else "other"


def admission_source(code: str, feed: FeedConfig) -> str | None:
    """PV1-14, an NHS source of admission code, read with the destination codes. A care home
    is `care_home_return` (the care home is where the person lives, as the seed records it);
    an unmapped code, and 98/99 (not known), give no source: SPEC's "unknown → none"; source
    79 (born in hospital) is none too, not `died`."""
    if code in feed.care_home_source_codes:
        return "care_home_return"
    found = feed.destination_codes.get(code)
    if found in CARE_HOME_DESTINATIONS:
        return "care_home_return"
    return None if found in ("died", "unknown") else found


def discharge_destination(code: str, feed: FeedConfig, stay: Stay | None) -> str:
    """PV1-37.1, an NHS discharge destination code. A care-home code is `care_home_return`
    when the stay's admission source was a care home, else `care_home_new`; unknown or
    empty is `unknown`."""
    found = feed.destination_codes.get(code, "unknown")
    if found not in CARE_HOME_DESTINATIONS:
        return found
    came_from = stay.admission.get("source") if stay else None
    return "care_home_return" if came_from in CARE_HOME_DESTINATIONS else "care_home_new"


def discharge_pathway(
    destination: str, stay: Stay | None, feed: FeedConfig, at: datetime
) -> int | None:
    """None for a death. Otherwise the stay's planned pathway, else by destination: SPEC's 0
    (home, temporary home, back to one's care home), 2 (community bed), 3 (new care home);
    our choices: 3 for a hospice (24-hour bed-based care) and 0 for another hospital, other
    and unknown (no D2A service is arranged; another hospital and death are left out of
    Home First anyway). A stay in a D2A unit keeps only a planned pathway: §3 requires one
    only when leaving an acute unit, and a D2A stay's own pathway is its unit's."""
    if destination == "died":
        return None
    planned = stay.planned_pathway(at) if stay else None
    setting = feed.unit_settings.get(stay.unit_at(at) or "") if stay else None
    if setting not in (None, "acute"):
        return planned
    return planned if planned is not None else DEFAULT_PATHWAY.get(destination, 0)
