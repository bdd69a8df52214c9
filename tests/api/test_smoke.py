from fastapi.testclient import TestClient

from store.database import Database


def test_health_needs_no_token(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}


def test_an_admitted_event_is_stored_and_derived(
    client: TestClient, system: Database, coordinator: dict[str, str]
) -> None:
    batch = [
        {
            "event_id": "e1",
            "type": "admitted",
            "patient_id": "p1",
            "occurred_at": "2025-03-03T14:00:00+00:00",
            "unit_code": "W1",
        },
        {
            "event_id": "e2",
            "type": "discharge_ready",
            "patient_id": "p1",
            "occurred_at": "2025-03-04T09:00:00+00:00",
            "pathway": 1,
        },
    ]
    response = client.post("/api/v1/events", json=batch, headers=coordinator)
    assert response.status_code == 200, response.text
    assert response.json() == {"accepted": 2, "duplicates": 0}
    timeline = client.get("/api/v1/patients/p1/timeline", headers=coordinator).json()
    assert timeline["spells"][0]["discharge_ready_date"] == "2025-03-04"
