"""The audit log (SPEC §7): every write with the ids it stored, every patient-level read with
the patient ids returned, every refusal of one with the id asked for; each with its actor, time
and client. GET /api/v1/audit (admin) reads it, newest first, a page at a time."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from models.clock import utc_now
from store.database import Database
from tests.conftest import token_for

AUDIT = "/api/v1/audit"


def _event(event_id: str, type_: str, at: str, patient: str = "p1", **more: Any) -> dict[str, Any]:
    return {"event_id": event_id, "type": type_, "patient_id": patient, "occurred_at": at, **more}


FIRST = [
    _event("e1", "admitted", "2025-03-03T14:00:00Z", unit_code="W1", local_authority="LA1"),
    _event("e2", "discharge_ready", "2025-03-04T09:00:00Z", pathway=1),
]
SECOND = [  # e2 again (a duplicate, not stored again) and a new patient
    FIRST[1],
    _event("f1", "admitted", "2025-03-05T10:00:00Z", patient="p2", unit_code="H1"),
]


def _token_id(client: TestClient, admin: dict[str, str], headers: dict[str, str]) -> str:
    """The id of the token in `headers` (the newest one made)."""
    return str(max(t["id"] for t in client.get("/api/v1/tokens", headers=admin).json()))


def _log(client: TestClient, admin: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    answer = client.get(AUDIT, params=params, headers=admin)
    assert answer.status_code == 200, answer.text
    entries: list[dict[str, Any]] = answer.json()["entries"]
    return [e for e in entries if e["action"] != "audit.read"]


def test_writes_are_audited_with_the_ids_they_stored(
    client: TestClient, system: Database, admin: dict[str, str]
) -> None:
    coordinator = token_for(system, "coordinator")
    actor = _token_id(client, admin, coordinator)
    assert client.post("/api/v1/events", json=FIRST, headers=coordinator).status_code == 200
    assert client.post("/api/v1/events", json=SECOND, headers=coordinator).json() == {
        "accepted": 1,
        "duplicates": 1,
    }
    org = {"name": "Someone's Trust", "kind": "acute"}
    assert client.put("/api/v1/organisations/RX7", json=org, headers=coordinator).status_code == 201
    made = client.post("/api/v1/tokens", json={"role": "board", "name": "Jo Bloggs"}, headers=admin)
    assert client.delete(f"/api/v1/tokens/{made.json()['id']}", headers=admin).status_code == 204
    entries = _log(client, admin)
    assert [e["action"] for e in entries] == [
        "token.revoke",
        "token.create",
        "organisation.put",
        "events.ingest",
        "events.ingest",
    ]
    revoke, create, organisation, second, first = entries
    assert first["detail"]["event_ids"] == ["e1", "e2"]
    assert second["detail"] | {} == {"accepted": 1, "duplicates": 1, "event_ids": ["f1"]}
    assert (first["actor"], first["role"], first["client"]) == (actor, "coordinator", "testclient")
    assert organisation["target"] == "RX7" and organisation["detail"]["kind"] == "acute"
    assert create["target"] == revoke["target"] == str(made.json()["id"])
    text = str(entries)
    assert "Someone's Trust" not in text and "Jo Bloggs" not in text  # no names
    assert made.json()["token"] not in text and coordinator["Authorization"][7:] not in text
    at = utc_now()
    assert all(at - timedelta(minutes=1) < _naive(e["at"]) <= at for e in entries)


def _naive(iso: str) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(iso.removesuffix("Z"))


def test_patient_reads_and_their_refusals_are_audited(
    client: TestClient, system: Database, admin: dict[str, str]
) -> None:
    coordinator = token_for(system, "coordinator")
    client.post("/api/v1/events", json=FIRST + SECOND[1:], headers=coordinator)
    partner = token_for(system, "partner", "CP1")  # p2 is in CP1's H1; p1 is not its patient
    analyst = token_for(system, "analyst")
    assert client.get("/api/v1/patients/p1/timeline", headers=coordinator).status_code == 200
    assert client.get("/api/v1/patients/p2/timeline", headers=partner).status_code == 200
    assert client.get("/api/v1/patients/p1/timeline", headers=partner).status_code == 404
    assert client.get("/api/v1/patients/nobody/timeline", headers=coordinator).status_code == 404
    assert client.get("/api/v1/patients/p1/timeline", headers=analyst).status_code == 403
    assert client.get("/api/v1/patients/ready", headers=coordinator).status_code == 200
    assert client.get("/api/v1/patients/ready", headers=analyst).status_code == 403
    bad = client.get("/api/v1/patients/ready", params={"sort": "name"}, headers=coordinator)
    assert bad.status_code == 422
    entries = list(reversed(_log(client, admin)))[1:]  # oldest first, after the ingest
    shown = [
        (e["action"], e["role"], e["target"], (e["detail"] or {}).get("status")) for e in entries
    ]
    assert shown == [
        ("patient.timeline", "coordinator", "p1", None),
        ("patient.timeline", "partner", "p2", None),
        ("patient.timeline.refused", "partner", "p1", 404),
        ("patient.timeline.refused", "coordinator", "nobody", 404),
        ("patient.timeline.refused", "analyst", "p1", 403),
        ("patients.ready", "coordinator", None, None),
        ("patients.ready.refused", "analyst", None, 403),
        ("patients.ready.refused", "coordinator", None, 422),
    ]
    assert entries[0]["detail"]["patient_ids"] == ["p1"]
    assert entries[1]["detail"] | {} == {"patient_ids": ["p2"], "scope": "CP1", "spells": ["f1"]}
    assert entries[5]["detail"]["patient_ids"] == ["p1"]  # the one ready now
    assert "sort" in entries[7]["detail"]["reason"]


def test_the_log_is_read_newest_first_filtered_and_paged(
    client: TestClient, system: Database, admin: dict[str, str]
) -> None:
    coordinator = token_for(system, "coordinator")
    actor = _token_id(client, admin, coordinator)
    for n in range(5):
        event = _event(f"x{n}", "admitted", "2025-03-03T14:00:00Z", patient=f"q{n}", unit_code="W1")
        client.post("/api/v1/events", json=[event], headers=coordinator)
    every = client.get(AUDIT, params={"action": "events.ingest"}, headers=admin).json()
    assert every["count"] == 5 and every["next_before"] is None
    ids = [e["id"] for e in every["entries"]]
    assert ids == sorted(ids, reverse=True)
    assert [e["detail"]["event_ids"] for e in every["entries"]] == [
        [f"x{n}"] for n in (4, 3, 2, 1, 0)
    ]
    page = client.get(AUDIT, params={"action": "events.ingest", "limit": 2}, headers=admin).json()
    assert [e["id"] for e in page["entries"]] == ids[:2] and page["next_before"] == ids[1]
    after = client.get(
        AUDIT, params={"action": "events.ingest", "limit": 2, "before": ids[1]}, headers=admin
    ).json()
    assert [e["id"] for e in after["entries"]] == ids[2:4]
    mine = client.get(AUDIT, params={"actor": actor}, headers=admin).json()["entries"]
    assert {e["actor"] for e in mine} == {actor} and len(mine) == 5
    assert client.get(AUDIT, params={"actor": "cli"}, headers=admin).json()["entries"] == []
    future = (utc_now() + timedelta(hours=1)).isoformat() + "Z"
    past = (utc_now() - timedelta(hours=1)).isoformat() + "+00:00"
    assert client.get(AUDIT, params={"since": future}, headers=admin).json()["count"] == 0
    assert client.get(AUDIT, params={"until": past}, headers=admin).json()["count"] == 0
    window = {"since": past, "until": future, "action": "events.ingest"}
    assert client.get(AUDIT, params=window, headers=admin).json()["count"] == 5
    # Reading the log is itself in the log.
    reads = client.get(AUDIT, params={"action": "audit.read"}, headers=admin).json()["entries"]
    assert len(reads) >= 8 and reads[0]["role"] == "admin"


def test_the_log_as_csv(client: TestClient, system: Database, admin: dict[str, str]) -> None:
    client.post("/api/v1/events", json=FIRST, headers=token_for(system, "coordinator"))
    answer = client.get(AUDIT, params={"format": "csv", "action": "events.ingest"}, headers=admin)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert list(rows[0]) == ["id", "at", "actor", "role", "client", "action", "target", "detail"]
    assert len(rows) == 1 and '"event_ids": ["e1", "e2"]' in rows[0]["detail"]
    paged = client.get(AUDIT, params={"format": "csv", "limit": 1}, headers=admin)
    assert "X-Next-Before" in paged.headers


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "yesterday"}, "since"),
        ({"until": "2025-03-01T10:00:00"}, "until"),  # no offset
        ({"since": "1999-12-31T00:00:00Z"}, "since"),
        ({"actor": "somebody"}, "actor"),
        ({"actor": "99999999999999"}, "actor"),
        ({"limit": 0}, "limit"),
        ({"limit": 10_001}, "limit"),
        ({"before": 0}, "before"),
        ({"format": "xml"}, "format"),
        ({"action": "DROP TABLE"}, "action"),
    ],
)
def test_bad_questions_are_422_naming_the_field(
    client: TestClient, db: Database, admin: dict[str, str], params: dict[str, Any], field: str
) -> None:
    answer = client.get(AUDIT, params=params, headers=admin)
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == field


def test_a_date_alone_is_its_uk_midnight(
    client: TestClient, db: Database, admin: dict[str, str]
) -> None:
    answer = client.get(AUDIT, params={"since": "2025-07-01"}, headers=admin)
    assert answer.status_code == 200
    [read] = client.get(AUDIT, params={"action": "audit.read", "limit": 1}, headers=admin).json()[
        "entries"
    ]
    assert read["detail"]["since"] == "2025-06-30 23:00:00"  # BST: midnight is 23:00 UTC
