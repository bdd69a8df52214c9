"""PUT/GET organisations and units; capacity history is kept, bad input is a clear 422."""

from urllib.parse import quote

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.text import NHS_NUMBER
from ledger.text import NHS_NUMBER_IN_TEXT as IN_TEXT
from store.database import Database
from tests.conftest import token_for
from tests.ledger.test_nhs_number import IDENTIFIER_DISGUISES, TEXT_DISGUISES, nhs_numbers
from tests.metrics.scenario import Patient


def test_organisation_upsert_and_list(
    client: TestClient, db: Database, admin: dict[str, str]
) -> None:
    body = {"name": "Riverside Hospital", "kind": "acute"}
    assert client.put("/api/v1/organisations/RX1", json=body, headers=admin).status_code == 201
    renamed = {"name": "Riverside University Hospital", "kind": "acute"}
    assert client.put("/api/v1/organisations/RX1", json=renamed, headers=admin).status_code == 200
    assert client.get("/api/v1/organisations", headers=admin).json() == [
        {"code": "RX1", **renamed, "data_from": None, "system_code": None, "system_history": []}
    ]


def test_systems_and_an_organisations_system_history(
    client: TestClient, db: Database, admin: dict[str, str]
) -> None:
    """An organisation joins a system (an ICB) and later moves: both rows are kept, the list
    shows today's system, and every write is audited."""
    body = {"name": "Riverside Hospital", "kind": "acute"}
    # The system must exist first, and the refusal stores nothing.
    refused = client.put(
        "/api/v1/organisations/RX1", json=body | {"system_code": "QE1"}, headers=admin
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "system_code"
    assert client.get("/api/v1/organisations", headers=admin).json() == []
    for code, name in (("QE1", "Lancashire and South Cumbria ICB"), ("QYG", "Cheshire ICB")):
        made = client.put(f"/api/v1/systems/{code}", json={"name": name}, headers=admin)
        assert made.status_code == 201 and made.json() == {
            "code": code,
            "name": name,
            "organisations": [],
        }
    first = body | {"system_code": "QE1", "system_from": "2024-04-01"}
    assert client.put("/api/v1/organisations/RX1", json=first, headers=admin).status_code == 201
    moved = body | {"system_code": "QYG", "system_from": "2025-07-01"}
    answer = client.put("/api/v1/organisations/RX1", json=moved, headers=admin).json()
    assert answer["system_code"] == "QYG"
    assert answer["system_history"] == [
        {"system_code": "QE1", "effective_from": "2024-04-01"},
        {"system_code": "QYG", "effective_from": "2025-07-01"},
    ]
    # Left out, the system history stays as it is.
    again = client.put("/api/v1/organisations/RX1", json=body, headers=admin).json()
    assert len(again["system_history"]) == 2
    systems = client.get("/api/v1/systems", headers=admin).json()
    assert [(s["code"], s["organisations"]) for s in systems] == [("QE1", []), ("QYG", ["RX1"])]
    # A code is an organisation's or a system's, never both.
    clash = client.put("/api/v1/systems/RX1", json={"name": "x"}, headers=admin)
    assert clash.status_code == 422 and clash.json()["errors"][0]["field"] == "code"
    clash = client.put("/api/v1/organisations/QE1", json=body, headers=admin)
    assert clash.status_code == 422 and clash.json()["errors"][0]["field"] == "code"
    lonely = client.put(
        "/api/v1/organisations/RX1", json=body | {"system_from": "2025-01-01"}, headers=admin
    )
    assert lonely.status_code == 422
    entries = client.get("/api/v1/audit", params={"action": "system.put"}, headers=admin).json()
    assert len(entries["entries"]) == 2


def test_an_organisations_data_from_is_set_listed_audited_and_cleared(
    client: TestClient, db: Database, admin: dict[str, str]
) -> None:
    body = {"name": "Riverside Hospital", "kind": "acute"}
    made = client.put(
        "/api/v1/organisations/RX1", json=body | {"data_from": "2025-04-01"}, headers=admin
    )
    assert made.status_code == 201 and made.json()["data_from"] == "2025-04-01"
    assert client.get("/api/v1/organisations", headers=admin).json()[0]["data_from"] == "2025-04-01"
    moved = client.put(
        "/api/v1/organisations/RX1", json=body | {"data_from": "2025-05-01"}, headers=admin
    )
    assert moved.status_code == 200 and moved.json()["data_from"] == "2025-05-01"
    # A PUT replaces the whole organisation: left out, data_from is null (its first event).
    cleared = client.put("/api/v1/organisations/RX1", json=body, headers=admin)
    assert cleared.json()["data_from"] is None
    assert client.get("/api/v1/organisations", headers=admin).json()[0]["data_from"] is None
    entries = client.get(
        "/api/v1/audit", params={"action": "organisation.put"}, headers=admin
    ).json()["entries"]
    details = [e["detail"] for e in reversed(entries)]
    assert [d["data_from"] for d in details] == ["2025-04-01", "2025-05-01", None]
    assert [d.get("data_from_was") for d in details] == [None, "2025-04-01", "2025-05-01"]
    assert "data_from_was" not in details[0]


def test_a_bad_data_from_is_a_422_naming_it(
    client: TestClient, db: Database, admin: dict[str, str]
) -> None:
    body = {"name": "Riverside Hospital", "kind": "acute"}
    for bad in ("2025-13-01", "yesterday", 20250401, "1999-12-31", "2101-01-01", ""):
        response = client.put(
            "/api/v1/organisations/RX1", json=body | {"data_from": bad}, headers=admin
        )
        assert response.status_code == 422, bad
        [error] = response.json()["errors"]
        assert error["field"] == "data_from" and error["message"], error
    assert client.get("/api/v1/organisations", headers=admin).json() == []


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


PATH_SAFE = sorted(name for name, dress in IDENTIFIER_DISGUISES.items() if "/" not in dress("1"))
HYPOTHESIS = settings(
    max_examples=80,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@HYPOTHESIS
@given(
    number=nhs_numbers(),
    disguise=st.sampled_from(sorted(IDENTIFIER_DISGUISES)),
    where=st.sampled_from(["code", "name", "unit code", "unit name", "organisation_code"]),
)
def test_an_nhs_number_is_refused_in_reference_data(
    client: TestClient,
    system: Database,
    admin: dict[str, str],
    number: str,
    disguise: str,
    where: str,
) -> None:
    written = IDENTIFIER_DISGUISES[disguise](number)
    if where in ("code", "unit code") and disguise not in PATH_SAFE:
        written = IDENTIFIER_DISGUISES["spaced"](number)  # a slash ends a path segment
    in_path = quote(written, safe="")
    ward = {"name": "Ward 9", "organisation_code": "RX1", "setting": "acute"}
    organisations = client.get("/api/v1/organisations", headers=admin).json()
    units = client.get("/api/v1/units", headers=admin).json()
    url, body, field, message = {
        "code": (f"organisations/{in_path}", {"name": "X", "kind": "acute"}, "code", NHS_NUMBER),
        "name": ("organisations/RX1", {"name": written, "kind": "acute"}, "name", IN_TEXT),
        "unit code": (f"units/{in_path}", ward, "code", NHS_NUMBER),
        "unit name": ("units/W1", ward | {"name": written}, "name", IN_TEXT),
        "organisation_code": (
            "units/W9",
            ward | {"organisation_code": written},
            "organisation_code",
            NHS_NUMBER,
        ),
    }[where]
    response = client.put(f"/api/v1/{url}", json=body, headers=admin)
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [
        {"index": None, "event_id": None, "field": field, "message": message}
    ]
    assert number not in response.text
    assert client.get("/api/v1/organisations", headers=admin).json() == organisations
    assert client.get("/api/v1/units", headers=admin).json() == units


@HYPOTHESIS
@given(number=nhs_numbers(), disguise=st.sampled_from(sorted(TEXT_DISGUISES)))
def test_a_name_holding_an_nhs_number_is_refused(
    client: TestClient, system: Database, admin: dict[str, str], number: str, disguise: str
) -> None:
    name = f"Ward of {TEXT_DISGUISES[disguise](number)}"
    body = {"name": name, "organisation_code": "RX1", "setting": "acute"}
    response = client.put("/api/v1/units/W1", json=body, headers=admin)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "name"
    assert number not in response.text


def test_codes_and_names_that_are_not_nhs_numbers_are_accepted(
    client: TestClient, db: Database, admin: dict[str, str]
) -> None:
    # 943 476 5918 fails the check; a name with a valid number glued to other digits holds none.
    body = {"name": "Ward 19434765919 (943 476 5918)", "kind": "acute"}
    assert (
        client.put("/api/v1/organisations/9434765918", json=body, headers=admin).status_code == 201
    )
    unit = {"name": "Bay 94347659190", "organisation_code": "9434765918", "setting": "acute"}
    assert client.put("/api/v1/units/943-476-5918", json=unit, headers=admin).status_code == 201
