"""PUT and GET /api/v1/triggers: trigger levels per D2A pathway with their history, and the
snapshot's capacity_status that reads them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from models import AuditEntry
from models.clock import local_date, utc_now
from store.database import Database
from tests.conftest import token_for

TRIGGERS = "/api/v1/triggers"


def _levels(pressure: int, escalation: int, start: str) -> dict[str, Any]:
    return {"pressure": pressure, "escalation": escalation, "effective_from": start}


def test_levels_keep_their_history(client: TestClient, db: Database, admin: dict[str, str]) -> None:
    """Pathway 2: (0, 3) from 1 Jan 2025, (1, 4) from 1 Jan 2100 (after today: not yet in
    force); (0, 3) set again for 1 Jan 2025 as (0, 2) replaces that row (200, not 201).
    Pathways 1 and 3 have none."""
    first = client.put(f"{TRIGGERS}/2", json=_levels(0, 3, "2025-01-01"), headers=admin)
    assert first.status_code == 201, first.text
    later = client.put(f"{TRIGGERS}/2", json=_levels(1, 4, "2100-01-01"), headers=admin)
    assert later.status_code == 201
    again = client.put(f"{TRIGGERS}/2", json=_levels(0, 2, "2025-01-01"), headers=admin)
    assert again.status_code == 200
    answer = client.get(TRIGGERS, headers=token_for(db, "board")).json()
    assert answer == again.json()
    assert "shortfall" in answer["rule"]
    p1, p2, p3 = answer["pathways"]
    assert (p1["pathway"], p1["in_force"], p1["history"]) == (1, None, [])
    assert (p3["pathway"], p3["in_force"], p3["history"]) == (3, None, [])
    assert [(h["effective_from"], h["pressure"], h["escalation"]) for h in p2["history"]] == [
        ("2025-01-01", 0, 2),
        ("2100-01-01", 1, 4),
    ]
    assert (p2["in_force"]["effective_from"], p2["in_force"]["escalation"]) == ("2025-01-01", 2)
    assert p2["in_force"]["set_at"].endswith("Z")
    assert local_date(utc_now()).year < 2100


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("0", _levels(0, 3, "2025-01-01")),
        ("4", _levels(0, 3, "2025-01-01")),
        ("x", _levels(0, 3, "2025-01-01")),
        ("2", _levels(4, 3, "2025-01-01")),  # pressure above escalation
        ("2", _levels(0, 3, "1999-12-31")),
        ("2", _levels(0, 3, "2101-01-01")),
        ("2", _levels(0, 100_001, "2025-01-01")),
        ("2", {"pressure": "1", "escalation": 3, "effective_from": "2025-01-01"}),
        ("2", {"pressure": 1.5, "escalation": 3, "effective_from": "2025-01-01"}),
        ("2", {"pressure": 1, "escalation": 3}),
        ("2", _levels(0, 3, "2025-01-01") | {"note": "extra"}),
    ],
)
def test_bad_levels_are_refused(
    client: TestClient, admin: dict[str, str], path: str, body: dict[str, Any]
) -> None:
    assert client.put(f"{TRIGGERS}/{path}", json=body, headers=admin).status_code == 422
    assert all(p["history"] == [] for p in client.get(TRIGGERS, headers=admin).json()["pathways"])


def test_setting_levels_is_audited(client: TestClient, db: Database) -> None:
    coordinator = token_for(db, "coordinator")
    client.put(f"{TRIGGERS}/3", json=_levels(-1, 2, "2025-02-01"), headers=coordinator)
    with db.session() as session:
        entry = session.execute(
            select(AuditEntry.__table__).where(AuditEntry.action == "trigger.put")
        ).one()
    assert entry.target == "3" and entry.role == "coordinator"
    assert json.loads(entry.detail) == {
        "pressure": -1,
        "escalation": 2,
        "effective_from": "2025-02-01",
        "created": True,
    }


def test_the_snapshot_carries_the_capacity_status(
    client: TestClient, system: Database, coordinator: dict[str, str]
) -> None:
    """One person ready for P3 on 12 Mar 2025 at 09:00; C1 (P3) has 2 beds, both free;
    levels for P3 from 1 Jan: pressure −2, escalation 0. At 12:00 the shortfall is
    1 − 2 = −1 ≥ −2: pressure; the day before nobody waited: −2, pressure too. P1 and P2
    have no levels: unknown. The system: pressure. With `organisation`, none."""
    events = [
        {
            "event_id": "e1",
            "type": "admitted",
            "patient_id": "p1",
            "occurred_at": "2025-03-01T10:00:00+00:00",
            "unit_code": "W1",
        },
        {
            "event_id": "e2",
            "type": "discharge_ready",
            "patient_id": "p1",
            "occurred_at": "2025-03-12T09:00:00+00:00",
            "pathway": 3,
        },
    ]
    assert client.post("/api/v1/events", json=events, headers=coordinator).status_code == 200
    client.put(f"{TRIGGERS}/3", json=_levels(-2, 0, "2025-01-01"), headers=coordinator)
    params = {"as_of": "2025-03-12T12:00:00+00:00"}
    board = token_for(system, "board")
    status = client.get("/api/v1/snapshot", params=params, headers=board).json()["capacity_status"]
    assert (status["level"], status["level_before"]) == ("pressure", "pressure")
    assert [
        (p["pathway"], p["waiting"], p["free"], p["shortfall"], p["status"])
        for p in status["pathways"]
    ] == [(1, 0, 10, -10, "unknown"), (2, 0, 4, -4, "unknown"), (3, 1, 2, -1, "pressure")]
    scoped = client.get("/api/v1/snapshot", params=params | {"organisation": "CH1"}, headers=board)
    assert scoped.json()["capacity_status"] is None
    wall = client.get("/api/v1/snapshot", params=params, headers=token_for(system, "display"))
    assert "capacity_status" not in wall.json()
