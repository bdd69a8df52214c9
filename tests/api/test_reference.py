"""PUT/GET organisations and units; capacity history is kept, bad input is a clear 422."""

from fastapi.testclient import TestClient

from store.database import Database
from tests.conftest import token_for
from tests.metrics.scenario import Patient


def test_organisation_upsert_and_list(
    client: TestClient, db: Database, admin: dict[str, str]
) -> None:
    body = {"name": "Riverside Hospital", "kind": "acute"}
    assert client.put("/api/v1/organisations/RX1", json=body, headers=admin).status_code == 201
    renamed = {"name": "Riverside University Hospital", "kind": "acute"}
    assert client.put("/api/v1/organisations/RX1", json=renamed, headers=admin).status_code == 200
    assert client.get("/api/v1/organisations", headers=admin).json() == [{"code": "RX1", **renamed}]


def test_unit_capacity_history_is_kept(
    client: TestClient, db: Database, admin: dict[str, str]
) -> None:
    client.put(
        "/api/v1/organisations/CP1", json={"name": "Community", "kind": "community"}, headers=admin
    )
    unit = {"name": "Recovery beds", "organisation_code": "CP1", "setting": "community_bed"}
    first = client.put(
        "/api/v1/units/B1",
        json=unit | {"capacity": 10, "capacity_from": "2025-01-01"},
        headers=admin,
    )
    assert first.status_code == 201 and first.json()["pathway"] == 2
    client.put(
        "/api/v1/units/B1",
        json=unit | {"capacity": 14, "capacity_from": "2025-06-01"},
        headers=admin,
    )
    [listed] = client.get("/api/v1/units", headers=admin).json()
    assert listed["capacity"] == 14
    assert listed["capacity_history"] == [
        {"effective_from": "2025-01-01", "capacity": 10},
        {"effective_from": "2025-06-01", "capacity": 14},
    ]


def test_unit_bad_input_names_the_field(
    client: TestClient, db: Database, admin: dict[str, str]
) -> None:
    client.put("/api/v1/organisations/RX1", json={"name": "R", "kind": "acute"}, headers=admin)
    ward = {"name": "Ward 1", "organisation_code": "RX1", "setting": "acute"}
    cases = [
        (ward | {"organisation_code": "NOPE"}, "organisation_code"),
        (ward | {"setting": "ward"}, "setting"),
        (ward | {"capacity": -1, "capacity_from": "2025-01-01"}, "capacity"),
        (ward | {"capacity": 5}, None),  # capacity without capacity_from
        (ward | {"pathway": 2}, None),  # acute units have no pathway
        (ward | {"beds": 5}, "beds"),
    ]
    for body, field in cases:
        response = client.put("/api/v1/units/W1", json=body, headers=admin)
        assert response.status_code == 422, body
        errors = response.json()["errors"]
        assert errors[0]["message"]
        if field:
            assert errors[0]["field"] == field, errors
    assert client.get("/api/v1/units", headers=admin).json() == []


def test_a_units_setting_cannot_change(
    client: TestClient, system: Database, admin: dict[str, str]
) -> None:
    body = {"name": "Ward 1", "organisation_code": "RX1", "setting": "community_bed"}
    response = client.put("/api/v1/units/W1", json=body, headers=admin)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "setting"


def test_a_unit_with_stays_keeps_its_organisation(
    client: TestClient, system: Database, admin: dict[str, str]
) -> None:
    """Moving W1 to CP1 would move every past figure of both organisations: refused once W1 has
    had a stay; W2, which never had one, may move."""
    coordinator = token_for(system, "coordinator")
    stay = Patient("p1")
    stay.admitted("2025-03-03T10:00:00+00:00", unit="W1")
    assert client.post("/api/v1/events", json=stay.events, headers=coordinator).status_code == 200
    moved = {"name": "Ward 1", "organisation_code": "CP1", "setting": "acute"}
    response = client.put("/api/v1/units/W1", json=moved, headers=admin)
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "organisation_code" and "has stays with RX1" in error["message"]
    [w1] = [u for u in client.get("/api/v1/units", headers=admin).json() if u["code"] == "W1"]
    assert w1["organisation_code"] == "RX1"
    moved_w2 = {"name": "Ward 2", "organisation_code": "CP1", "setting": "acute"}
    assert client.put("/api/v1/units/W2", json=moved_w2, headers=admin).status_code == 200


def test_bad_code_in_path_is_422(client: TestClient, db: Database, admin: dict[str, str]) -> None:
    response = client.put(
        "/api/v1/organisations/has space", json={"name": "x", "kind": "acute"}, headers=admin
    )
    assert response.status_code == 422
