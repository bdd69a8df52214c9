"""metrics.capacity_status: each D2A pathway's queue against its free places, judged by the
trigger levels in force on each instant's local date (ledger.triggers), and the system's level.

The rule: shortfall = waiting − free; escalation when shortfall ≥ escalation level, else
pressure when ≥ pressure level, else normal; unknown without levels or capacity.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from ledger import triggers
from metrics.capacity_status import status_of, worst
from metrics.snapshot import snapshot
from models.clock import utc_now
from store.database import Database
from tests.metrics.scenario import Patient, events_of, load

LEVELS = {"pressure": 2, "escalation": 5}


@pytest.mark.parametrize(
    ("waiting", "free", "levels", "expected"),
    [
        # shortfall 1, just below pressure 2
        (3, 2, LEVELS, "normal"),
        # shortfall 2 = pressure: at the boundary it is pressure
        (4, 2, LEVELS, "pressure"),
        # shortfall 4, just below escalation 5
        (6, 2, LEVELS, "pressure"),
        # shortfall 5 = escalation
        (7, 2, LEVELS, "escalation"),
        (20, 0, LEVELS, "escalation"),
        # Negative levels: "two or fewer places to spare beyond the queue". Nobody waiting and
        # 2 free is shortfall −2 = pressure; 3 free is −3, normal; 0 free is 0 ≥ −1, escalation.
        (0, 2, {"pressure": -2, "escalation": -1}, "pressure"),
        (0, 3, {"pressure": -2, "escalation": -1}, "normal"),
        (0, 0, {"pressure": -2, "escalation": -1}, "escalation"),
        # Pressure = escalation: there is no pressure stage.
        (1, 0, {"pressure": 1, "escalation": 1}, "escalation"),
        (0, 0, {"pressure": 1, "escalation": 1}, "normal"),
        # No capacity in force, or no levels: unknown.
        (3, None, LEVELS, "unknown"),
        (3, 2, None, "unknown"),
    ],
)
def test_the_status_rule_at_its_boundaries(
    waiting: int, free: int | None, levels: dict[str, int] | None, expected: str
) -> None:
    assert status_of(waiting, free, levels) == expected


def test_the_systems_level_is_the_worst_known_status() -> None:
    assert worst(["normal", "escalation", "unknown"]) == "escalation"
    assert worst(["pressure", "normal", "normal"]) == "pressure"
    assert worst(["normal", "unknown"]) == "normal"
    assert worst(["unknown", "unknown", "unknown"]) == "unknown"


def _levels(db: Database, pathway: int, pressure: int, escalation: int, start: date) -> None:
    with db.session(write=True) as session:
        levels = triggers.TriggerIn(pressure=pressure, escalation=escalation, effective_from=start)
        triggers.set_levels(session, pathway, levels, utc_now())


@pytest.fixture
def queues(system: Database) -> Database:
    """March 2025 (UTC = local). Capacity: H1 (P1) 10 slots, B1 (P2) 4 beds, C1 (P3) 2 beds.

    a1, a2  W1, ready 10 Mar (P2).         a3  W2, ready 12 Mar 09:00 (P2).
    c1      W2, ready 10 Mar (P3).
    b1, b2  in B1 since 1 and 2 Mar.       d1  in C1 since 1 Mar; d2 in C1 from 11 Mar 18:00.

    Levels: P2 (0, 1) from 1 Jan, (2, 3) from 12 Mar; P3 (0, 1) from 1 Jan; P1 (−12, 0) from
    13 Mar only."""
    a1, a2, a3, c1, b1, b2, d1, d2 = (
        Patient(p) for p in ("a1", "a2", "a3", "c1", "b1", "b2", "d1", "d2")
    )
    a1.admitted("2025-03-01T10:00:00+00:00")
    a1.ready("2025-03-10T10:00:00+00:00", pathway=2)
    a2.admitted("2025-03-02T10:00:00+00:00")
    a2.ready("2025-03-10T11:00:00+00:00", pathway=2)
    a3.admitted("2025-03-05T10:00:00+00:00", unit="W2")
    a3.ready("2025-03-12T09:00:00+00:00", pathway=2)
    c1.admitted("2025-03-03T10:00:00+00:00", unit="W2")
    c1.ready("2025-03-10T12:00:00+00:00", pathway=3)
    b1.admitted("2025-03-01T10:00:00+00:00", unit="B1")
    b2.admitted("2025-03-02T10:00:00+00:00", unit="B1")
    d1.admitted("2025-03-01T10:00:00+00:00", unit="C1")
    d2.admitted("2025-03-11T18:00:00+00:00", unit="C1")
    load(system, events_of(a1, a2, a3, c1, b1, b2, d1, d2))
    _levels(system, 2, 0, 1, date(2025, 1, 1))
    _levels(system, 2, 2, 3, date(2025, 3, 12))
    _levels(system, 3, 0, 1, date(2025, 1, 1))
    _levels(system, 1, -12, 0, date(2025, 3, 13))
    return system


def _status(db: Database, at: datetime, organisation: str | None = None) -> Any:
    with db.session() as session:
        return snapshot(session.connection(), as_of=at, organisation=organisation)


def test_each_pathway_against_the_levels_in_force_on_each_instants_date(queues: Database) -> None:
    """At 12 Mar 12:00, and 24 hours before (11 Mar 12:00):

    P1: waiting 0, H1 0 of 10 taken, free 10, shortfall −10; its levels start 13 Mar: unknown
        at both instants.
    P2: now waiting 3 (a1, a2, a3), B1 2 of 4, free 2, shortfall 1; levels of 12 Mar (2, 3):
        normal. Before waiting 2 (a3 not yet ready), free 2, shortfall 0; levels of 11 Mar
        (0, 1): pressure. (Under the old levels shortfall 1 would have been escalation.)
    P3: now waiting 1 (c1), C1 2 of 2, free 0, shortfall 1; levels (0, 1): escalation. Before
        C1 held d1 only: free 1, shortfall 0: pressure.
    The system: escalation now (the worst), pressure before."""
    answer = _status(queues, datetime(2025, 3, 12, 12, 0))
    status = answer["capacity_status"]
    got = {
        p["pathway"]: (
            p["waiting"],
            p["capacity"],
            p["occupied"],
            p["free"],
            p["shortfall"],
            p["status"],
            p["waiting_before"],
            p["free_before"],
            p["shortfall_before"],
            p["status_before"],
        )
        for p in status["pathways"]
    }
    assert got == {
        1: (0, 10, 0, 10, -10, "unknown", 0, 10, -10, "unknown"),
        2: (3, 4, 2, 2, 1, "normal", 2, 2, 0, "pressure"),
        3: (1, 2, 2, 0, 1, "escalation", 1, 1, 0, "pressure"),
    }
    assert [p["levels"] for p in status["pathways"]] == [
        None,
        {"pressure": 2, "escalation": 3, "effective_from": "2025-03-12"},
        {"pressure": 0, "escalation": 1, "effective_from": "2025-01-01"},
    ]
    assert (status["level"], status["level_before"]) == ("escalation", "pressure")
    assert status["rule"] == triggers.RULE
    # The figures are the snapshot's own per-pathway totals.
    for row, totals in zip(status["pathways"], answer["d2a_pathways"], strict=True):
        for key in ("pathway", "waiting", "capacity", "occupied", "free"):
            assert row[key] == totals[key]


def test_levels_from_a_later_date_apply_from_that_date(queues: Database) -> None:
    """At 13 Mar 12:00 P1's levels (−12, 0) are in force: nobody waiting, 10 free, shortfall
    −10 ≥ −12: pressure; its status 24 hours before (12 Mar) is still unknown."""
    status = _status(queues, datetime(2025, 3, 13, 12, 0))["capacity_status"]
    p1 = status["pathways"][0]
    assert (p1["shortfall"], p1["status"], p1["status_before"]) == (-10, "pressure", "unknown")


def test_an_organisations_snapshot_has_no_capacity_status(queues: Database) -> None:
    """Trigger levels are the system's; one organisation's snapshot is not judged by them,
    and every other key of the snapshot is unchanged."""
    at = datetime(2025, 3, 12, 12, 0)
    assert _status(queues, at, "CP1")["capacity_status"] is None
    whole = _status(queues, at)
    assert set(whole) - {"capacity_status"} == set(_status(queues, at, "CP1")) - {"capacity_status"}
