"""A token scoped to a system (issue 18): a coordinator, analyst, board or display token of
system QAA sees only QAA's figures and patients, on both databases.

The scenario (March 2025, GMT): QAA holds RX1 (ward W1) and the test system's other
organisations; QBB holds RX2 (ward W3).
  a  W1 (RX1) admitted Mon 3 Mar 10:00, ready Tue 4 Mar 09:00 (pathway 1): in QAA.
  b  W3 (RX2) admitted Mon 3 Mar 11:00, ready Tue 4 Mar 10:00 (pathway 2): in QBB.
At 5 Mar 12:00 each system has one person ready to leave and one acute inpatient; the whole
deployment two of each.
"""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient

from ledger import reference
from metrics.tally import changed_from
from store.database import Database
from tests.conftest import token_for
from tests.metrics.scenario import Patient, load

AS_OF = "2025-03-05T12:00:00Z"
DAY = {"start": "2025-03-05", "end": "2025-03-05"}


@pytest.fixture
def two_systems(system: Database) -> Database:
    with system.session(write=True) as session:
        reference.upsert_system(session, "QAA", "North ICB")
        reference.upsert_system(session, "QBB", "South ICB")
        reference.upsert_organisation(session, "RX2", "Hilltop Hospital", "acute", date(2024, 1, 1))
        ward = {"name": "Ward 3", "organisation_code": "RX2", "setting": "acute", "pathway": None}
        reference.upsert_unit(session, "W3", ward, changed_from)
        for org in ("RX1", "CP1", "CH1", "LA1"):
            reference.set_organisation_system(session, org, "QAA", date(2024, 1, 1))
        reference.set_organisation_system(session, "RX2", "QBB", date(2024, 1, 1))
    a, b = Patient("a"), Patient("b")
    a.admitted("2025-03-03T10:00:00+00:00", unit="W1")
    a.ready("2025-03-04T09:00:00+00:00", pathway=1)
    b.admitted("2025-03-03T11:00:00+00:00", unit="W3")
    b.ready("2025-03-04T10:00:00+00:00", pathway=2)
    load(system, a.events + b.events)
    return system


def _value(client: TestClient, headers: dict[str, str], **params: str) -> object:
    answer = client.get("/api/v1/metrics/ready_to_leave", params=DAY | params, headers=headers)
    assert answer.status_code == 200, answer.text
    return {r["group"]: r["value"] for r in answer.json()["rows"]}


def test_a_system_coordinator_sees_only_its_systems_figures(
    client: TestClient, two_systems: Database
) -> None:
    whole = token_for(two_systems, "coordinator")
    north = token_for(two_systems, "coordinator", "QAA")
    assert _value(client, whole) == {None: 2}
    assert _value(client, north) == {None: 1}
    assert _value(client, north, organisation="QAA") == {None: 1}
    assert _value(client, north, organisation="RX1") == {None: 1}
    # By system or organisation, only its own groups.
    assert _value(client, north, group_by="system") == {"QAA": 1}
    assert _value(client, whole, group_by="system") == {"QAA": 1, "QBB": 1}
    assert _value(client, north, group_by="organisation") == {"RX1": 1}
    for other in ("QBB", "RX2"):
        refused = client.get(
            "/api/v1/metrics/ready_to_leave", params=DAY | {"organisation": other}, headers=north
        )
        assert refused.status_code == 403
        assert refused.json()["errors"][0]["field"] == "organisation"


def test_a_system_coordinator_sees_only_its_systems_patients(
    client: TestClient, two_systems: Database
) -> None:
    north = token_for(two_systems, "coordinator", "QAA")
    ready = client.get("/api/v1/patients/ready", params={"as_of": AS_OF}, headers=north)
    assert ready.status_code == 200
    assert [p["patient_id"] for p in ready.json()["patients"]] == ["a"]
    whole = token_for(two_systems, "coordinator")
    everyone = client.get("/api/v1/patients/ready", params={"as_of": AS_OF}, headers=whole)
    assert sorted(p["patient_id"] for p in everyone.json()["patients"]) == ["a", "b"]
    # A system's list, asked for by its code.
    south = client.get(
        "/api/v1/patients/ready", params={"as_of": AS_OF, "organisation": "QBB"}, headers=whole
    )
    assert [p["patient_id"] for p in south.json()["patients"]] == ["b"]
    # Another system's patient is as unknown as one never seen.
    assert client.get("/api/v1/patients/b/timeline", headers=north).status_code == 404
    assert client.get("/api/v1/patients/a/timeline", headers=north).status_code == 200


def test_a_system_snapshot(client: TestClient, two_systems: Database) -> None:
    north = token_for(two_systems, "coordinator", "QAA")
    snap = client.get("/api/v1/snapshot", params={"as_of": AS_OF}, headers=north).json()
    assert snap["organisation"] == "QAA"
    assert snap["ready_to_leave"]["now"] == 1
    assert snap["acute_inpatients"]["now"] == 1
    assert [s["group"] for s in snap["ready_to_leave"]["by_site"]] == ["RX1"]
    # A system's snapshot has its capacity status: the trigger levels are per pathway.
    assert snap["capacity_status"] is not None
    whole = token_for(two_systems, "coordinator")
    south = client.get(
        "/api/v1/snapshot", params={"as_of": AS_OF, "organisation": "QBB"}, headers=whole
    ).json()
    assert south["ready_to_leave"]["now"] == 1 and south["organisation"] == "QBB"
    everyone = client.get("/api/v1/snapshot", params={"as_of": AS_OF}, headers=whole).json()
    assert everyone["ready_to_leave"]["now"] == 2
    refused = client.get(
        "/api/v1/snapshot", params={"as_of": AS_OF, "organisation": "QBB"}, headers=north
    )
    assert refused.status_code == 403


@pytest.mark.parametrize("role", ["analyst", "board", "display"])
def test_other_system_roles_are_held_to_their_system(
    client: TestClient, two_systems: Database, role: str
) -> None:
    north = token_for(two_systems, role, "QAA")
    snap = client.get("/api/v1/snapshot", params={"as_of": AS_OF}, headers=north)
    assert snap.status_code == 200
    ready = snap.json()["ready" if role == "display" else "ready_to_leave"]
    assert ready["now"] == 1
    if role != "display":
        assert _value(client, north) == {None: 1}
        assert _value(client, north, group_by="system") == {"QAA": 1}


def test_a_system_analysts_return_holds_its_organisations_only(
    client: TestClient, two_systems: Database
) -> None:
    north = token_for(two_systems, "analyst", "QAA")
    rows = client.get("/api/v1/returns/drd", params={"month": "2025-03"}, headers=north).json()
    assert [r["org_code"] for r in rows["rows"]] == ["RX1", "TOTAL"]


def test_a_system_coordinator_writes_only_about_its_systems_units(
    client: TestClient, two_systems: Database
) -> None:
    north = token_for(two_systems, "coordinator", "QAA")
    c = Patient("c")
    c.admitted("2025-03-05T08:00:00+00:00", unit="W3")
    refused = client.post("/api/v1/events", json=c.events, headers=north)
    assert refused.status_code == 422
    assert "this system" in refused.json()["errors"][0]["message"]
    d = Patient("d")
    d.admitted("2025-03-05T08:00:00+00:00", unit="W1")
    assert client.post("/api/v1/events", json=d.events, headers=north).status_code == 200


def test_a_system_scope_must_be_a_system(two_systems: Database) -> None:
    from access.tokens import TokenRefused, create_token
    from models.clock import utc_now

    with two_systems.session(write=True) as session:
        with pytest.raises(TokenRefused, match="not a system"):
            create_token(session, role="coordinator", scope="RX1", now=utc_now())
        with pytest.raises(TokenRefused):
            create_token(session, role="admin", scope="QAA", now=utc_now())


def test_a_system_coordinator_sees_only_its_systems_actions(
    client: TestClient, two_systems: Database
) -> None:
    whole = token_for(two_systems, "coordinator")
    north = token_for(two_systems, "coordinator", "QAA")
    made = {}
    for org, patient in (("RX1", "a"), ("RX2", "b")):
        body = {"organisation_code": org, "title": f"Chase {org}", "due": "2025-03-06"}
        answer = client.post("/api/v1/actions", json=body | {"patient_id": patient}, headers=whole)
        assert answer.status_code == 201, answer.text
        made[org] = answer.json()["id"]
    listed = client.get("/api/v1/actions", headers=north).json()
    assert [(a["organisation_code"], a["patient_id"]) for a in listed] == [("RX1", "a")]
    assert len(client.get("/api/v1/actions", headers=whole).json()) == 2
    history = f"/api/v1/actions/{made['RX2']}/history"
    assert client.get(history, headers=north).status_code == 404
    assert client.get(history, headers=whole).status_code == 200
    # It makes actions for its own organisations only.
    other = {"organisation_code": "RX2", "title": "Not ours", "due": "2025-03-06"}
    assert client.post("/api/v1/actions", json=other, headers=north).status_code in (403, 422)
