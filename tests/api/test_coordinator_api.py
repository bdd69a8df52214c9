"""GET /api/v1/snapshot and GET /api/v1/patients/ready: roles, scoping, audit, parameters."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from ledger import reference
from metrics.tally import changed_from
from models import AuditEntry
from models.clock import utc_now
from store.database import Database
from tests.conftest import token_for
from tests.metrics.scenario import Patient

SNAPSHOT = "/api/v1/snapshot"
READY = "/api/v1/patients/ready"
AS_OF = "2025-03-12T12:00:00+00:00"


def _post(client: TestClient, headers: dict[str, str], events: list[dict[str, Any]]) -> None:
    response = client.post("/api/v1/events", json=events, headers=headers)
    assert response.status_code == 200, response.text


@pytest.fixture
def ready_people(client: TestClient, system: Database, coordinator: dict[str, str]) -> TestClient:
    """At 12 March 2025 12:00 (UTC = local):
    r1  W1 (RX1) since 1 Mar, LA1; ready 10 Mar (P2), reason C2 → 2 days waiting, LOS 11.
    r2  W3 (RX2) since 11 Mar, LA2; ready 12 Mar 09:00, no pathway → 0 days, LOS 1.
    r3  W2 (RX1) since 20 Feb, LA2; ready 5 Mar (P1) → 7 days, LOS 20.
    r4  W1 since 11 Mar, not ready."""
    with system.session(write=True) as session:
        reference.upsert_organisation(session, "RX2", "Hilltop Hospital", "acute")
        fields = {"name": "Ward 3", "organisation_code": "RX2", "setting": "acute", "pathway": None}
        reference.upsert_unit(session, "W3", fields, changed_from)
    r1, r2, r3, r4 = (Patient(f"r{n}") for n in range(1, 5))
    r1.admitted("2025-03-01T10:00:00+00:00", local_authority="LA1")
    r1.ready("2025-03-10T15:00:00+00:00", pathway=2)
    r1.add("delay_reason", "2025-03-10T16:00:00+00:00", reason_code="C2")
    r2.admitted("2025-03-11T08:00:00+00:00", unit="W3", local_authority="LA2")
    r2.ready("2025-03-12T09:00:00+00:00")
    r3.admitted("2025-02-20T10:00:00+00:00", unit="W2", local_authority="LA2")
    r3.ready("2025-03-05T10:00:00+00:00", pathway=1)
    r4.admitted("2025-03-11T10:00:00+00:00")
    _post(client, coordinator, r1.events + r2.events + r3.events + r4.events)
    return client


def _ids(answer: dict[str, Any]) -> list[str]:
    return [p["patient_id"] for p in answer["patients"]]


def test_the_snapshot_answers_for_an_aggregate_reader(
    ready_people: TestClient, system: Database
) -> None:
    response = ready_people.get(
        SNAPSHOT, params={"as_of": AS_OF}, headers=token_for(system, "board")
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    # Now: r1, r2, r3, r4 in; r1, r2, r3 ready. 24 hours earlier (11 Mar 12:00): r1, r2, r3, r4
    # in (r2 and r4 came in that morning); r1 and r3 ready.
    assert answer["as_of"] == "2025-03-12T12:00:00Z"
    assert answer["acute_inpatients"]["now"] == 4 and answer["acute_inpatients"]["before"] == 4
    assert (answer["ready_to_leave"]["now"], answer["ready_to_leave"]["before"]) == (3, 2)
    for key in (
        "compared_with",
        "waits_by_band",
        "top_reasons",
        "stranded_7",
        "stranded_21",
        "d2a_services",
        "events_reflected",
        "latest_event_at",
    ):
        assert key in answer


def test_a_display_gets_the_snapshot_but_not_the_patients(
    ready_people: TestClient, system: Database
) -> None:
    display = token_for(system, "display")
    snapshot = ready_people.get(SNAPSHOT, params={"as_of": AS_OF}, headers=display)
    assert snapshot.status_code == 200
    assert "r1" not in snapshot.text and "patient_id" not in snapshot.text
    assert ready_people.get(READY, params={"as_of": AS_OF}, headers=display).status_code == 403
    board = token_for(system, "board")
    assert ready_people.get(READY, headers=board).status_code == 403
    assert ready_people.get(READY).status_code == 401
    assert ready_people.get(SNAPSHOT).status_code == 401


def test_the_coordinator_list_sorted_longest_wait_first(
    ready_people: TestClient, system: Database
) -> None:
    coordinator = token_for(system, "coordinator")
    answer = ready_people.get(READY, params={"as_of": AS_OF}, headers=coordinator).json()
    # Days waiting: r3 7, r1 2, r2 0.
    assert answer["as_of"] == "2025-03-12T12:00:00Z" and answer["count"] == 3
    assert _ids(answer) == ["r3", "r1", "r2"]
    r1 = answer["patients"][1]
    assert (r1["unit_code"], r1["organisation_code"], r1["pathway"]) == ("W1", "RX1", 2)
    assert (r1["discharge_ready_date"], r1["days_waiting"], r1["reason_code"]) == (
        "2025-03-10",
        2,
        "C2",
    )


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"sort": "days_waiting", "order": "asc"}, ["r2", "r1", "r3"]),
        ({"sort": "discharge_ready_date"}, ["r3", "r1", "r2"]),  # 5, 10, 12 Mar
        ({"sort": "discharge_ready_date", "order": "desc"}, ["r2", "r1", "r3"]),
        ({"sort": "unit_code"}, ["r1", "r3", "r2"]),  # W1, W2, W3
        ({"sort": "pathway"}, ["r3", "r1", "r2"]),  # 1, 2, unknown last
        ({"sort": "los_days"}, ["r3", "r1", "r2"]),  # 20, 11, 1 (desc by default)
        ({"sort": "los_days", "order": "asc"}, ["r2", "r1", "r3"]),
        ({"pathway": "1"}, ["r3"]),
        ({"pathway": "unknown"}, ["r2"]),
        ({"organisation": "RX1"}, ["r3", "r1"]),
        ({"local_authority": "LA2"}, ["r3", "r2"]),
    ],
)
def test_sorting_and_filters(
    ready_people: TestClient, system: Database, params: dict[str, str], expected: list[str]
) -> None:
    coordinator = token_for(system, "coordinator")
    response = ready_people.get(READY, params={"as_of": AS_OF} | params, headers=coordinator)
    assert response.status_code == 200, response.text
    assert _ids(response.json()) == expected


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"sort": "name"}, "sort"),
        ({"order": "sideways"}, "order"),
        ({"pathway": "4"}, "pathway"),
        ({"as_of": "yesterday"}, "as_of"),
    ],
)
def test_bad_list_parameters_are_422(
    ready_people: TestClient, system: Database, params: dict[str, str], field: str
) -> None:
    coordinator = token_for(system, "coordinator")
    response = ready_people.get(READY, params=params, headers=coordinator)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


def test_a_partner_sees_only_its_people(ready_people: TestClient, system: Database) -> None:
    # RX2: r2 (in W3). LA2: r2 and r3 (their local authority). RX1: r1 and r3.
    for scope, expected in (("RX2", ["r2"]), ("LA2", ["r3", "r2"]), ("RX1", ["r3", "r1"])):
        partner = token_for(system, "partner", scope=scope)
        answer = ready_people.get(READY, params={"as_of": AS_OF}, headers=partner).json()
        assert _ids(answer) == expected, scope
    # A partner's filters cannot widen its scope.
    partner = token_for(system, "partner", scope="RX2")
    answer = ready_people.get(
        READY, params={"as_of": AS_OF, "organisation": "RX1"}, headers=partner
    ).json()
    assert answer["patients"] == [] and answer["count"] == 0
    # Aggregates are for everyone: the partner's snapshot counts all three.
    snapshot = ready_people.get(SNAPSHOT, params={"as_of": AS_OF}, headers=partner).json()
    assert snapshot["ready_to_leave"]["now"] == 3


def test_every_list_read_is_audited(ready_people: TestClient, system: Database) -> None:
    partner = token_for(system, "partner", scope="LA2")
    params = {"as_of": AS_OF, "sort": "pathway"}
    assert ready_people.get(READY, params=params, headers=partner).status_code == 200
    with system.session() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "patients.ready")
        ).all()
    assert len(entries) == 1
    entry = entries[0]
    assert (entry.role, entry.target) == ("partner", "LA2")
    detail = json.loads(entry.detail or "{}")
    assert detail["as_of"] == "2025-03-12T12:00:00" and detail["count"] == 2
    assert detail["sort"] == "pathway" and detail["order"] == "asc"


def test_the_snapshot_is_not_audited(ready_people: TestClient, system: Database) -> None:
    coordinator = token_for(system, "coordinator")
    ready_people.get(SNAPSHOT, params={"as_of": AS_OF}, headers=coordinator)
    with system.session() as session:
        actions = session.scalars(select(AuditEntry.action)).all()
    assert actions == ["events.ingest"]  # the fixture's batch; no read of the snapshot


@pytest.mark.parametrize(
    "as_of",
    [
        "yesterday",
        "2025-03-12",  # a date is not an instant
        "2025-03-12T12:00:00",  # no offset
        "2025-13-12T12:00:00Z",
    ],
)
def test_a_bad_as_of_is_422(ready_people: TestClient, system: Database, as_of: str) -> None:
    coordinator = token_for(system, "coordinator")
    response = ready_people.get(SNAPSHOT, params={"as_of": as_of}, headers=coordinator)
    assert response.status_code == 422, as_of
    assert response.json()["errors"][0]["field"] == "as_of"


@pytest.mark.parametrize(
    ("as_of", "message"),
    [
        ("1999-12-31T23:59:59Z", "is before 2000-01-01"),
        ("0001-01-01T00:00:00+00:00", "is before 2000-01-01"),
        ("0001-01-01T00:00:00+14:00", "is before 2000-01-01"),  # underflowed as UTC: a 500
        ("9999-12-31T23:59:59-14:00", "is after 2100-12-31"),  # overflowed as UTC: a 500
        ("2101-01-01T00:00:00Z", "is after 2100-12-31"),
    ],
)
@pytest.mark.parametrize("url", [SNAPSHOT, READY])
def test_an_as_of_outside_the_calendar_is_422(
    ready_people: TestClient, system: Database, as_of: str, message: str, url: str
) -> None:
    coordinator = token_for(system, "coordinator")
    response = ready_people.get(url, params={"as_of": as_of}, headers=coordinator)
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [
        {
            "index": None,
            "event_id": None,
            "field": "as_of",
            "message": f"{message}: dates from 2000-01-01 to 2100-12-31 are accepted",
        }
    ]


def test_the_first_instant_of_2000_is_answered(ready_people: TestClient, system: Database) -> None:
    coordinator = token_for(system, "coordinator")
    params = {"as_of": "2000-01-01T00:00:00Z"}
    answer = ready_people.get(SNAPSHOT, params=params, headers=coordinator).json()
    assert answer["as_of"] == "2000-01-01T00:00:00Z" and answer["acute_inpatients"]["now"] == 0
    listed = ready_people.get(READY, params=params, headers=coordinator).json()
    assert listed["count"] == 0


def test_as_of_in_the_future(ready_people: TestClient, system: Database) -> None:
    coordinator = token_for(system, "coordinator")
    soon = (utc_now() + timedelta(minutes=2)).isoformat() + "+00:00"
    later = (utc_now() + timedelta(minutes=10)).isoformat() + "+00:00"
    assert (
        ready_people.get(SNAPSHOT, params={"as_of": soon}, headers=coordinator).status_code == 200
    )
    for url in (SNAPSHOT, READY):
        response = ready_people.get(url, params={"as_of": later}, headers=coordinator)
        assert response.status_code == 422
        assert response.json()["errors"][0] == {
            "index": None,
            "event_id": None,
            "field": "as_of",
            "message": "is more than 5 minutes in the future",
        }


def test_as_of_offsets_and_default(ready_people: TestClient, system: Database) -> None:
    coordinator = token_for(system, "coordinator")
    # 13:00+01:00 and 12:00Z are the same instant; an unencoded '+' arrives as a space.
    for raw in ("2025-03-12T13:00:00+01:00", "2025-03-12T12:00:00Z"):
        answer = ready_people.get(SNAPSHOT, params={"as_of": raw}, headers=coordinator).json()
        assert answer["as_of"] == "2025-03-12T12:00:00Z"
    spaced = ready_people.get(
        f"{SNAPSHOT}?as_of=2025-03-12T13:00:00+01:00", headers=coordinator
    ).json()
    assert spaced["as_of"] == "2025-03-12T12:00:00Z"
    # Without as_of: now. Everyone is still in (nobody was discharged), so 4 inpatients.
    now = ready_people.get(SNAPSHOT, headers=coordinator).json()
    assert now["acute_inpatients"]["now"] == 4 and now["events_reflected"] == 8


def test_the_snapshot_organisation_filter(ready_people: TestClient, system: Database) -> None:
    coordinator = token_for(system, "coordinator")
    params = {"as_of": AS_OF, "organisation": "RX2"}
    answer = ready_people.get(SNAPSHOT, params=params, headers=coordinator).json()
    assert answer["acute_inpatients"]["now"] == 1 and answer["organisation"] == "RX2"
    params["organisation"] = "NOPE"
    response = ready_people.get(SNAPSHOT, params=params, headers=coordinator)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "organisation"


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        (SNAPSHOT, {"organisation": "943 476 5919"}, "organisation"),
        (READY, {"organisation": "NHS9434765919"}, "organisation"),
        (READY, {"local_authority": "943.476.5919"}, "local_authority"),
        ("/api/v1/metrics/ready_to_leave", {"organisation": "(943) 476-5919"}, "organisation"),
        ("/api/v1/patients/943%C2%A0476%C2%A05919/timeline", {}, "patient_id"),
    ],
)
def test_an_nhs_number_asked_for_is_refused_and_not_kept(
    ready_people: TestClient, system: Database, url: str, params: dict[str, str], field: str
) -> None:
    # The list's filters are written to the audit log, and a refused timeline read may be:
    # an NHS number typed in a question is refused before anything is read or kept.
    coordinator = token_for(system, "coordinator")
    params = {"start": "2025-03-03", "end": "2025-03-09"} | params if "metrics" in url else params
    response = ready_people.get(url, params=params, headers=coordinator)
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [
        {
            "index": None,
            "event_id": None,
            "field": field,
            "message": "looks like an NHS number; send the pseudonymous local id",
        }
    ]
    assert "5919" not in response.text
    with system.session() as session:
        actions = session.scalars(select(AuditEntry.action)).all()
    assert actions == ["events.ingest"]  # the fixture's batch only
