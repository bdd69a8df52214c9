"""Notes and rebase dates on a metric's chart: reference data with history, audited."""

from __future__ import annotations

from fastapi.testclient import TestClient

from store.database import Database
from tests.conftest import token_for

URL = "/api/v1/metrics/home_first_rate/annotations"
HUB = {"day": "2025-03-03", "text": "Discharge hub opened", "rebase": True}


def test_an_analyst_sets_replaces_and_removes_an_annotation(
    client: TestClient, db: Database
) -> None:
    analyst = token_for(db, "analyst")
    made = client.put(URL, json=HUB, headers=analyst)
    assert made.status_code == 201
    assert [(a["day"], a["text"], a["rebase"]) for a in made.json()["annotations"]] == [
        ("2025-03-03", "Discharge hub opened", True)
    ]
    replaced = client.put(URL, json=HUB | {"text": "Hub opened on ward 1"}, headers=analyst)
    assert replaced.status_code == 200
    assert [a["text"] for a in replaced.json()["annotations"]] == ["Hub opened on ward 1"]
    note = {"day": "2025-04-14", "text": "Easter"}
    assert client.put(URL, json=note, headers=analyst).json()["annotations"][1]["rebase"] is False
    gone = client.delete(URL, params={"day": "2025-04-14"}, headers=analyst)
    assert gone.status_code == 200 and len(gone.json()["annotations"]) == 1
    again = client.delete(URL, params={"day": "2025-04-14"}, headers=analyst)
    assert again.status_code == 404 and again.json()["errors"][0]["field"] == "day"
    board = token_for(db, "board")
    answer = client.get(URL, params={"history": "true"}, headers=board).json()
    assert [a["day"] for a in answer["annotations"]] == ["2025-03-03"]
    assert [(v["day"], v["removed"]) for v in answer["history"]] == [
        ("2025-03-03", False),
        ("2025-03-03", False),
        ("2025-04-14", False),
        ("2025-04-14", True),
    ]
    audit = client.get(
        "/api/v1/audit", params={"action": "annotation.put"}, headers=token_for(db, "admin")
    ).json()
    assert len(audit["entries"] if isinstance(audit, dict) else audit) == 3


def test_refusals_name_the_field(client: TestClient, db: Database) -> None:
    analyst = token_for(db, "analyst")
    unknown = client.put("/api/v1/metrics/nonsense/annotations", json=HUB, headers=analyst)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "name"
    nhs = client.put(URL, json=HUB | {"text": "Patient 943 476 5919"}, headers=analyst)
    assert nhs.status_code == 422 and "text" in str(nhs.json()["errors"][0]["field"])
    no_day = client.put(URL, json={"text": "x"}, headers=analyst)
    assert no_day.status_code == 422 and "day" in str(no_day.json()["errors"][0]["field"])
    board = client.put(URL, json=HUB, headers=token_for(db, "board"))
    assert board.status_code == 403
