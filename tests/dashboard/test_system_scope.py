"""The dashboard holds a system-scoped viewer to its system (issue 18), as the API does
(tests/api/test_system_scope.py has the scenario): each callback's token check sets the viewer
(dashboard.access), and every figure the Backend reads is then its system's.

Here: QAA holds RX1 (ward W1) and the test system's other organisations, QBB holds RX2 (W3);
a (W1) and b (W3) are ready to leave at 5 Mar 2025 12:00: one in each system.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from dashboard import data
from dashboard.access import allowed
from dashboard.data import Backend
from store.database import Database
from store.settings import Settings
from tests.api.test_system_scope import two_systems  # noqa: F401  (the scenario's fixture)
from tests.conftest import token_for

AT = datetime(2025, 3, 5, 12, 0)
NOW = datetime(2025, 3, 6, 12, 0)


@pytest.fixture
def backend(two_systems: Database) -> Backend:  # noqa: F811
    return Backend(lambda: two_systems, Settings(database_url=two_systems.url))


def _bare(db: Database, role: str, scope: str | None = None) -> str:
    return token_for(db, role, scope)["Authorization"].removeprefix("Bearer ")


def _ready(backend: Backend, organisation: str | None = None) -> object:
    day = date(2025, 3, 5)
    result = data.metric(backend, "ready_to_leave", day, day, organisation=organisation)
    return [r["value"] for r in result.records()]


def test_a_system_viewer_reads_its_systems_figures_only(
    backend: Backend,
    two_systems: Database,  # noqa: F811
) -> None:
    assert allowed(backend, _bare(two_systems, "coordinator"), NOW, "aggregates:read")
    assert _ready(backend) == [2]
    assert data.snapshot(backend, AT)["ready_to_leave"]["now"] == 2
    north = _bare(two_systems, "board", "QAA")
    assert allowed(backend, north, NOW, "aggregates:read")
    assert _ready(backend) == [1]
    assert _ready(backend, "RX1") == [1]
    # Another system's organisation is never read: the viewer's own system stands in.
    assert _ready(backend, "RX2") == [1]
    snap = data.snapshot(backend, AT)
    assert snap["organisation"] == "QAA" and snap["ready_to_leave"]["now"] == 1
    assert {o["code"] for o in data.organisations(backend)} == {"RX1", "CP1", "CH1", "LA1"}
    returned = data.drd(backend, date(2025, 3, 1), NOW)
    assert [r["org_code"] for r in returned.records()] == ["RX1", "TOTAL"]


def test_the_filters_offer_systems_then_organisations(
    backend: Backend,
    two_systems: Database,  # noqa: F811
) -> None:
    from dashboard.callbacks import explore, trends

    whole = _bare(two_systems, "analyst")
    options = trends.organisation_options(backend, whole, NOW)
    values = [o["value"] for o in options]
    assert values[:3] == ["", "QAA", "QBB"]
    assert {"label": "System: North ICB", "value": "QAA"} in options
    assert "RX2" in values
    north = _bare(two_systems, "analyst", "QAA")
    narrowed = [o["value"] for o in explore.organisation_options(backend, north, NOW)]
    assert narrowed[0] == "QAA" and "QBB" not in narrowed and "RX2" not in narrowed
    # A system chosen in Trends charts that system's figures.
    day = date(2025, 3, 5)
    allowed(backend, whole, NOW, "aggregates:read")
    result = data.metric(backend, "ready_to_leave", day, day, organisation="QBB")
    assert [r["value"] for r in result.records()] == [1]
