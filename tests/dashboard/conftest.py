"""A small ward's morning, loaded through the real ingest, for the dashboard's tests.

Winter, so UTC = local time. As of Mon 10 March 2025 12:00, compared with Sun 9 March 12:00:
- p1 admitted W1 (RX1) 1 March, ready 5 March on P1, reason C1; local authority LA1.
- p2 admitted W2 8 March, ready 10 March 08:00 on P2 (ready now, not 24 hours before).
- p3 admitted W1 20 Feb, home on P1 6 March, then reablement H1 from 6 March 15:00.
- p4 admitted W1 25 Feb, not ready (stranded: LOS 13 at 10 March).
"""

from __future__ import annotations

from datetime import datetime

import pytest

from dashboard.data import Backend
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
