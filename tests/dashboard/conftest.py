"""A small ward's morning, loaded through the real ingest, for the dashboard's tests.

Winter, so UTC = local time. As of Mon 10 March 2025 12:00, compared with Sun 9 March 12:00:
- p1 admitted W1 (RX1) 1 March, ready 5 March on P1, reason C1; local authority LA1.
- p2 admitted W2 8 March, ready 10 March 08:00 on P2 (ready now, not 24 hours before).
- p3 admitted W1 20 Feb, home on P1 6 March, then reablement H1 from 6 March 15:00.
- p4 admitted W1 25 Feb, not ready (stranded: LOS 13 at 10 March).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import update

from dashboard.data import Backend
from feeds.registry import put_feed
from models import FeedMessage, Organisation
from store.database import Database
from store.settings import Settings
from tests.conftest import token_for
from tests.metrics.scenario import Patient, events_of, load

AS_OF = datetime(2025, 3, 10, 12, 0)
LOADED_AT = datetime(2025, 3, 10, 11, 30)


def _patients() -> list[Patient]:
    p1, p2, p3, p4 = (Patient(f"p{n}") for n in range(1, 5))
    p1.admitted("2025-03-01T10:00:00+00:00", local_authority="LA1", admission_method="emergency")
    p1.ready("2025-03-05T09:00:00+00:00", pathway=1)
    p1.add("delay_reason", "2025-03-05T10:00:00+00:00", reason_code="C1")
    p2.admitted("2025-03-08T10:00:00+00:00", "W2", local_authority="LA1")
    p2.ready("2025-03-10T08:00:00+00:00", pathway=2)
    p3.admitted("2025-02-20T10:00:00+00:00")
    p3.discharged("2025-03-06T11:00:00+00:00", pathway=1)
    p3.admitted("2025-03-06T15:00:00+00:00", "H1")
    p4.admitted("2025-02-25T10:00:00+00:00")
    return [p1, p2, p3, p4]


@pytest.fixture
def ward(system: Database) -> Database:
    """The patients, with every organisation's data starting at its first event (no data_from):
    RX1's on 20 Feb, CP1's on 6 Mar; CH1 has none."""
    with system.session(write=True) as session:
        session.execute(update(Organisation).values(data_from=None))
    load(system, events_of(*_patients()), now=LOADED_AT)
    return system


@pytest.fixture
def backend(ward: Database) -> Backend:
    return Backend(lambda: ward, Settings(database_url=ward.url, stale_after_minutes=60))


@pytest.fixture
def tokens(ward: Database) -> dict[str, str]:
    """A bare token per role (the dashboard keeps the token itself, not a header)."""
    made = {
        role: token_for(ward, role)["Authorization"].removeprefix("Bearer ")
        for role in ("admin", "coordinator", "board", "analyst", "display")
    }
    for role, scope in (("partner", "CP1"), ("feed", "RX1")):
        made[role] = token_for(ward, role, scope)["Authorization"].removeprefix("Bearer ")
    return made


# Feeds, worked out by hand; as of Mon 10 March 2025 12:00 (GMT: UTC = UK time), "today"
# starts at 00:00 UTC.
#
#   feed    name                org  silent after       messages (UTC)
#   RXPAS   Riverside PAS       RX1  (setting: 60 min)  9 Mar 15:00 refused M0; 9 Mar 23:59:59
#                                                       accepted; 10 Mar 00:00 and 08:00
#                                                       accepted, 09:00 duplicate, 09:30
#                                                       ignored, 10:00 refused M1, 11:15
#                                                       refused M2
#   RXLIST  Riverside hub list  RX1  240 min            10 Mar 07:00 a readiness list, accepted
#   CPPAS   Community PAS       CP1  30 min             none
#
# So today: RXPAS accepted 2, duplicate 1, ignored 1, refused 2 (M0 and the 23:59:59 message
# are yesterday's); RXLIST accepted 1; CPPAS nothing. At 12:00 RXPAS last sent 45 min ago
# (not silent); RXLIST 5 h ago (silent: over 4 h); CPPAS never (silent). At 12:16 RXPAS has
# been silent 61 min: silent too. RXPAS's refusals, latest first: M2, M1, M0.
FEEDS: tuple[tuple[str, str, str, dict[str, str], int | None], ...] = (
    ("RXPAS", "Riverside PAS", "RX1", {"WARD1": "W1", "WARD2": "W2"}, None),
    ("RXLIST", "Riverside hub list", "RX1", {}, 240),
    ("CPPAS", "Community PAS", "CP1", {"HOME": "H1"}, 30),
)
MESSAGES = (
    # feed, received at, kind, message id, trigger, outcome, field, reason
    ("RXPAS", datetime(2025, 3, 9, 15, 0), "hl7v2", "M0", "A03", "refused", "PV1-37",
     "unknown discharge destination code '99'"),
    ("RXPAS", datetime(2025, 3, 9, 23, 59, 59), "hl7v2", "A9", "A01", "accepted", None, None),
    ("RXPAS", datetime(2025, 3, 10, 0, 0), "hl7v2", "A10", "A01", "accepted", None, None),
    ("RXPAS", datetime(2025, 3, 10, 8, 0), "hl7v2", "A11", "A02", "accepted", None, None),
    ("RXPAS", datetime(2025, 3, 10, 9, 0), "hl7v2", "A11", "A02", "duplicate", None, None),
    ("RXPAS", datetime(2025, 3, 10, 9, 30), "hl7v2", "A12", "A08", "ignored", None, None),
    ("RXPAS", datetime(2025, 3, 10, 10, 0), "hl7v2", "M1", "A01", "refused", "PV1-3",
     "unknown location 'WARD9'"),
    ("RXPAS", datetime(2025, 3, 10, 11, 15), "hl7v2", "M2", "A01", "refused", "PID-3",
     "no identifier of authority RX1"),
    ("RXLIST", datetime(2025, 3, 10, 7, 0), "readiness", None, None, "accepted", None,
     "3 listed; discharge_ready 1, pathway_changed 0, delay_reason 0, readiness_withdrawn 0"),
)  # fmt: skip


def register_feeds(database: Database) -> None:
    """The feeds and messages of the table above."""
    with database.session(write=True) as session:
        for code, name, organisation, locations, silent_after in FEEDS:
            fields: dict[str, Any] = {"name": name, "organisation_code": organisation}
            fields |= {"patient_id_authority": organisation, "locations": locations}
            change = put_feed(session, code, fields | {"silent_after_minutes": silent_after}, AS_OF)
            assert change.problems == []
        for feed, at, kind, message_id, trigger, outcome, field, reason in MESSAGES:
            session.add(
                FeedMessage(
                    feed_code=feed,
                    received_at=at,
                    kind=kind,
                    message_id=message_id,
                    trigger=trigger,
                    outcome=outcome,
                    field=field,
                    reason=reason,
                )
            )


@pytest.fixture
def with_feeds(ward: Database) -> Database:
    register_feeds(ward)
    return ward
