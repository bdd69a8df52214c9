"""PUT/GET organisations and units; capacity history is kept, bad input is a clear 422."""

from fastapi.testclient import TestClient

from store.database import Database


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
        (ward | {"capacity": 5, "capacity_from": "0001-01-01"}, "capacity_from"),
        (ward | {"capacity": 5, "capacity_from": "9999-12-31"}, "capacity_from"),
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


def test_bad_code_in_path_is_422(client: TestClient, db: Database, admin: dict[str, str]) -> None:
    response = client.put(
        "/api/v1/organisations/has space", json={"name": "x", "kind": "acute"}, headers=admin
    )
    assert response.status_code == 422
