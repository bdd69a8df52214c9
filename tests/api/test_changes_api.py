"""GET /api/v1/patients/changes: patient-level roles only, a partner its scope, every call and
every refusal audited, and the window's parameters checked."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from models import AuditEntry
from store.database import Database
from tests.conftest import token_for
from tests.metrics.scenario import Patient

CHANGES = "/api/v1/patients/changes"
AS_OF = "2025-03-12T12:00:00+00:00"


@pytest.fixture
def changed(client: TestClient, system: Database, coordinator: dict[str, str]) -> TestClient:
    """Winter (UTC = local). r1 W1, resident of LA1, ready 12 Mar 09:00 (P2); r2 W1 admitted
    5 Mar, reaches LOS 7 at 12 Mar 00:00; r3 W2 ready 10 Mar (before the window)."""
    r1, r2, r3 = Patient("r1"), Patient("r2"), Patient("r3")
    r1.admitted("2025-03-10T10:00:00+00:00", local_authority="LA1")
    r1.ready("2025-03-12T09:00:00+00:00", pathway=2)
    r2.admitted("2025-03-05T10:00:00+00:00")
    r3.admitted("2025-03-09T10:00:00+00:00", unit="W2")
    r3.ready("2025-03-10T09:00:00+00:00")
    events = r1.events + r2.events + r3.events
    assert client.post("/api/v1/events", json=events, headers=coordinator).status_code == 200
    return client


def test_the_changes_of_the_last_24_hours(changed: TestClient, coordinator: dict[str, str]) -> None:
    """Default since = as_of − 24 h = 11 Mar 12:00: r2 reaches 7 days at 00:00, r1 becomes
    ready at 09:00."""
    answer = changed.get(CHANGES, params={"as_of": AS_OF}, headers=coordinator)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["since"], body["as_of"], body["count"]) == (
        "2025-03-11T12:00:00Z",
        "2025-03-12T12:00:00Z",
        2,
    )
    assert body["counts"] == {
        "became_ready": 1,
        "left": 0,
        "pathway_changed": 0,
        "reason_changed": 0,
        "los_crossed": 1,
    }
    assert body["changes"] == [
        {
            "patient_id": "r2",
            "unit_code": "W1",
            "organisation_code": "RX1",
            "local_authority": None,
            "kind": "los_crossed",
            "from": 6,
            "to": 7,
            "pathway": None,
            "at": "2025-03-12T00:00:00Z",
        },
        {
            "patient_id": "r1",
            "unit_code": "W1",
            "organisation_code": "RX1",
            "local_authority": "LA1",
            "kind": "became_ready",
            "from": "not_ready",
            "to": "ready",
            "pathway": 2,
            "at": "2025-03-12T09:00:00Z",
        },
    ]
    # since given: from 12 Mar 01:00 only r1's readiness is in the window.
    later = changed.get(
        CHANGES, params={"as_of": AS_OF, "since": "2025-03-12T01:00:00+00:00"}, headers=coordinator
    )
    assert [c["patient_id"] for c in later.json()["changes"]] == ["r1"]


def test_a_partner_sees_its_scope_and_every_call_is_audited(
    changed: TestClient, system: Database
) -> None:
    la1 = token_for(system, "partner", "LA1")
    body = changed.get(CHANGES, params={"as_of": AS_OF}, headers=la1).json()
    assert [c["patient_id"] for c in body["changes"]] == ["r1"]
    cp1 = token_for(system, "partner", "CP1")
    assert changed.get(CHANGES, params={"as_of": AS_OF}, headers=cp1).json()["changes"] == []
    refused = changed.get(CHANGES, params={"as_of": AS_OF}, headers=token_for(system, "board"))
    assert refused.status_code == 403
    with system.session() as session:
        rows = session.execute(
            select(AuditEntry.action, AuditEntry.target, AuditEntry.detail)
            .where(AuditEntry.action.like("patients.changes%"))
            .order_by(AuditEntry.id)
        ).all()
    assert [(r.action, r.target) for r in rows] == [
        ("patients.changes", "LA1"),
        ("patients.changes", "CP1"),
        ("patients.changes.refused", None),
    ]
    assert json.loads(rows[0].detail)["patient_ids"] == ["r1"]
    assert json.loads(rows[1].detail)["patient_ids"] == []
    assert json.loads(rows[2].detail)["status"] == 403


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": AS_OF}, "since"),  # not before as_of
        ({"since": "2025-02-08T11:59:59+00:00"}, "since"),  # more than 31 days before
        ({"since": "yesterday"}, "since"),
        ({"since": "2025-03-11T12:00:00"}, "since"),  # no offset
        ({"since": "1999-12-31T00:00:00+00:00"}, "since"),
        ({"as_of": "2101-01-01T00:00:00+00:00"}, "as_of"),
    ],
)
def test_bad_windows_are_refused_and_audited(
    changed: TestClient, system: Database, coordinator: dict[str, str], params: Any, field: str
) -> None:
    answer = changed.get(CHANGES, params={"as_of": AS_OF} | params, headers=coordinator)
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == field
    with system.session() as session:
        refused = session.execute(
            select(AuditEntry.action).where(AuditEntry.action == "patients.changes.refused")
        ).all()
    assert len(refused) == 1
