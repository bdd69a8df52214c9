"""SPEC §7's role table, operation by operation: every API operation (each format of a metric
and its breakdown by unit too) as each role, and the status each must get.

One test per role runs every operation in order on a fresh database and compares the whole
column at once, so a failure shows every operation that differs."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from access.roles import ROLES
from metrics.wall import wall_figures
from store.database import Database
from tests.conftest import token_for

ROLE_ORDER = ("admin", "coordinator", "partner", "analyst", "board", "display", "feed")
SCOPES = {"partner": "RX1", "feed": "RX1"}
WEEK = {"start": "2025-03-03", "end": "2025-03-09"}
EVENTS = [
    {
        "event_id": "e1",
        "type": "admitted",
        "patient_id": "p1",
        "occurred_at": "2025-03-03T14:00:00+00:00",
        "unit_code": "W1",
        "local_authority": "LA1",
    },
    {
        "event_id": "e2",
        "type": "discharge_ready",
        "patient_id": "p1",
        "occurred_at": "2025-03-04T09:00:00+00:00",
        "pathway": 1,
    },
]
UNIT = {"name": "Ward 9", "organisation_code": "RX1", "setting": "acute"}
FEED = {
    "name": "Riverside PAS",
    "organisation_code": "RX1",
    "patient_id_authority": "RX1",
    "locations": {"WARD1": "W1"},
}
ADT = (
    "MSH|^~\\&|PAS|RX1|D2AFLOW|ICB|202503031400||ADT^A08^ADT_A01|M1|P|2.5\r"
    "EVN|A08|202503031400\rPID|1||X1^^^RX1^MR\rPV1|1|I|WARD1"
)
# An action of the partner's own organisation about its own patient (p1 is in W1, RX1's).
ACTION = {
    "organisation_code": "RX1",
    "title": "Board round",
    "due": "2025-03-05",
    "patient_id": "p1",
}
TRIGGERS = {"pressure": 0, "escalation": 3, "effective_from": "2025-01-01"}
Call = Callable[[TestClient, dict[str, str], dict[str, Any]], Any]

# operation: (how to call it, the status of each role in ROLE_ORDER)
#                     admin  coord  partner analyst board  display feed
OPERATIONS: dict[str, tuple[Call, tuple[int, ...]]] = {
    "POST /events": (
        lambda c, h, _: c.post("/api/v1/events", json=EVENTS, headers=h),
        (403, 200, 403, 403, 403, 403, 200),
    ),
    "PUT /organisations/{code}": (
        lambda c, h, _: c.put(
            "/api/v1/organisations/X9", json={"name": "X", "kind": "other"}, headers=h
        ),
        (201, 201, 403, 403, 403, 403, 403),
    ),
    "GET /organisations": (
        lambda c, h, _: c.get("/api/v1/organisations", headers=h),
        (200, 200, 200, 200, 200, 403, 403),
    ),
    "PUT /systems/{code}": (
        lambda c, h, _: c.put("/api/v1/systems/QX9", json={"name": "X ICB"}, headers=h),
        (201, 201, 403, 403, 403, 403, 403),
    ),
    "GET /systems": (
        lambda c, h, _: c.get("/api/v1/systems", headers=h),
        (200, 200, 200, 200, 200, 403, 403),
    ),
    "PUT /units/{code}": (
        lambda c, h, _: c.put("/api/v1/units/W9", json=UNIT, headers=h),
        (201, 201, 403, 403, 403, 403, 403),
    ),
    "GET /units": (
        lambda c, h, _: c.get("/api/v1/units", headers=h),
        (200, 200, 200, 200, 200, 403, 403),
    ),
    "GET /patients/{id}/timeline": (
        lambda c, h, _: c.get("/api/v1/patients/p1/timeline", headers=h),
        (403, 200, 200, 403, 403, 403, 403),
    ),
    "GET /patients/ready": (
        lambda c, h, _: c.get("/api/v1/patients/ready", headers=h),
        (403, 200, 200, 403, 403, 403, 403),
    ),
    "GET /patients/changes": (
        lambda c, h, _: c.get("/api/v1/patients/changes", headers=h),
        (403, 200, 200, 403, 403, 403, 403),
    ),
    "GET /callsheet": (
        lambda c, h, _: c.get("/api/v1/callsheet", headers=h),
        (403, 200, 200, 403, 403, 403, 403),
    ),
    "GET /callsheet?format=xlsx": (
        lambda c, h, _: c.get("/api/v1/callsheet", params={"format": "xlsx"}, headers=h),
        (403, 200, 200, 403, 403, 403, 403),
    ),
    "GET /snapshot": (
        lambda c, h, _: c.get("/api/v1/snapshot", headers=h),
        (403, 200, 200, 200, 200, 200, 403),
    ),
    "GET /snapshot?organisation=": (
        lambda c, h, _: c.get("/api/v1/snapshot", params={"organisation": "RX1"}, headers=h),
        (403, 200, 200, 200, 200, 403, 403),
    ),
    "GET /metrics": (
        lambda c, h, _: c.get("/api/v1/metrics", headers=h),
        (403, 200, 200, 200, 200, 403, 403),
    ),
    "GET /metrics/{name}": (
        lambda c, h, _: c.get("/api/v1/metrics/acute_occupied", params=WEEK, headers=h),
        (403, 200, 200, 200, 200, 403, 403),
    ),
    "GET /metrics/{name}?group_by=unit": (
        lambda c, h, _: c.get(
            "/api/v1/metrics/acute_occupied", params=WEEK | {"group_by": "unit"}, headers=h
        ),
        (403, 200, 200, 200, 200, 403, 403),
    ),
    "GET /metrics/{name}?format=csv": (
        lambda c, h, _: c.get(
            "/api/v1/metrics/acute_occupied", params=WEEK | {"format": "csv"}, headers=h
        ),
        (403, 200, 403, 200, 403, 403, 403),
    ),
    "GET /metrics/{name}?format=xlsx": (
        lambda c, h, _: c.get(
            "/api/v1/metrics/acute_occupied", params=WEEK | {"format": "xlsx"}, headers=h
        ),
        (403, 200, 403, 200, 403, 403, 403),
    ),
    "GET /metrics/{name}?group_by=unit&format=csv": (
        lambda c, h, _: c.get(
            "/api/v1/metrics/acute_occupied",
            params=WEEK | {"group_by": "unit", "format": "csv"},
            headers=h,
        ),
        (403, 200, 403, 200, 403, 403, 403),
    ),
    "GET /metrics/{name}/spc": (
        lambda c, h, _: c.get("/api/v1/metrics/acute_occupied/spc", params=WEEK, headers=h),
        (403, 200, 200, 200, 200, 403, 403),
    ),
    "GET /metrics/{name}?suppress=true": (
        lambda c, h, _: c.get(
            "/api/v1/metrics/acute_occupied", params=WEEK | {"suppress": "true"}, headers=h
        ),
        (403, 200, 200, 200, 200, 403, 403),
    ),
    "PUT /metrics/{name}/annotations": (
        lambda c, h, _: c.put(
            "/api/v1/metrics/home_first_rate/annotations",
            json={"day": "2025-03-03", "text": "Hub opened", "rebase": True},
            headers=h,
        ),
        (201, 201, 403, 201, 403, 403, 403),
    ),
    "GET /metrics/{name}/annotations": (
        lambda c, h, _: c.get("/api/v1/metrics/home_first_rate/annotations", headers=h),
        (200, 200, 200, 200, 200, 403, 403),
    ),
    "DELETE /metrics/{name}/annotations": (
        lambda c, h, _: c.delete(
            "/api/v1/metrics/home_first_rate/annotations", params={"day": "2025-03-03"}, headers=h
        ),
        (200, 200, 403, 200, 403, 403, 403),
    ),
    "GET /returns/drd": (
        lambda c, h, _: c.get("/api/v1/returns/drd", params={"month": "2025-03"}, headers=h),
        (403, 200, 403, 200, 403, 403, 403),
    ),
    "GET /returns/drd?format=xlsx": (
        lambda c, h, _: c.get(
            "/api/v1/returns/drd", params={"month": "2025-03", "format": "xlsx"}, headers=h
        ),
        (403, 200, 403, 200, 403, 403, 403),
    ),
    "GET /boardpack": (
        lambda c, h, _: c.get("/api/v1/boardpack", params={"month": "2025-04"}, headers=h),
        (403, 200, 200, 200, 200, 403, 403),
    ),
    "GET /boardpack?format=xlsx": (
        lambda c, h, _: c.get(
            "/api/v1/boardpack", params={"month": "2025-04", "format": "xlsx"}, headers=h
        ),
        (403, 200, 403, 200, 403, 403, 403),
    ),
    "POST /tokens": (
        lambda c, h, _: c.post("/api/v1/tokens", json={"role": "analyst"}, headers=h),
        (201, 403, 403, 403, 403, 403, 403),
    ),
    "GET /tokens": (
        lambda c, h, _: c.get("/api/v1/tokens", headers=h),
        (200, 403, 403, 403, 403, 403, 403),
    ),
    "DELETE /tokens/{id}": (
        lambda c, h, spare: c.delete(f"/api/v1/tokens/{spare['id']}", headers=h),
        (204, 403, 403, 403, 403, 403, 403),
    ),
    "PUT /feeds/{code}": (
        lambda c, h, _: c.put("/api/v1/feeds/F2", json=FEED, headers=h),
        (201, 201, 403, 403, 403, 403, 403),
    ),
    "GET /feeds": (
        lambda c, h, _: c.get("/api/v1/feeds", headers=h),
        (200, 200, 403, 403, 403, 403, 403),
    ),
    "GET /feeds/{code}": (
        lambda c, h, _: c.get("/api/v1/feeds/F1", headers=h),
        (200, 200, 403, 403, 403, 403, 403),
    ),
    "GET /feeds/{code}/pseudonym": (
        lambda c, h, _: c.get("/api/v1/feeds/F1/pseudonym", params={"local_id": "X1"}, headers=h),
        (403, 200, 200, 403, 403, 403, 403),
    ),
    "POST /feeds/{code}/hl7v2": (
        lambda c, h, _: c.post(
            "/api/v1/feeds/F1/hl7v2",
            content=ADT,
            headers=h | {"Content-Type": "application/hl7-v2"},
        ),
        (403, 200, 403, 403, 403, 403, 200),
    ),
    "POST /feeds/{code}/readiness": (
        lambda c, h, _: c.post(
            "/api/v1/feeds/F1/readiness",
            content="local_patient_id,ready_date,pathway,reason_code\n",
            headers=h | {"Content-Type": "text/csv"},
            params={"dry_run": "true"},
        ),
        (403, 200, 403, 403, 403, 403, 200),
    ),
    "POST /actions": (
        lambda c, h, _: c.post("/api/v1/actions", json=ACTION, headers=h),
        (403, 201, 201, 403, 403, 403, 403),
    ),
    "PATCH /actions/{id}": (
        lambda c, h, spare: c.patch(
            f"/api/v1/actions/{spare['action']}", json={"status": "escalated"}, headers=h
        ),
        (403, 200, 200, 403, 403, 403, 403),
    ),
    "GET /actions": (
        lambda c, h, _: c.get("/api/v1/actions", headers=h),
        (403, 200, 200, 403, 403, 403, 403),
    ),
    "GET /actions/{id}/history": (
        lambda c, h, spare: c.get(f"/api/v1/actions/{spare['action']}/history", headers=h),
        (403, 200, 200, 403, 403, 403, 403),
    ),
    "PUT /triggers/{pathway}": (
        lambda c, h, _: c.put("/api/v1/triggers/2", json=TRIGGERS, headers=h),
        (201, 201, 403, 403, 403, 403, 403),
    ),
    "GET /triggers": (
        lambda c, h, _: c.get("/api/v1/triggers", headers=h),
        (200, 200, 200, 200, 200, 403, 403),
    ),
    "GET /audit": (
        lambda c, h, _: c.get("/api/v1/audit", headers=h),
        (200, 403, 403, 403, 403, 403, 403),
    ),
    "GET /audit?format=csv": (
        lambda c, h, _: c.get("/api/v1/audit", params={"format": "csv"}, headers=h),
        (200, 403, 403, 403, 403, 403, 403),
    ),
}


def test_the_table_covers_every_role_and_every_api_operation(client: TestClient) -> None:
    assert set(ROLE_ORDER) == set(ROLES)
    paths = client.get("/openapi.json").json()["paths"]
    served = {
        f"{method.upper()} {path.removeprefix('/api/v1')}"
        for path, methods in paths.items()
        for method in methods
        if path.startswith("/api/v1")
    }
    named = {re.sub(r"\{\w+\}", "{x}", op.split("?")[0]) for op in OPERATIONS}
    normalised = {re.sub(r"\{\w+\}", "{x}", s) for s in served}
    assert normalised == named


@pytest.mark.parametrize("role", ROLE_ORDER)
def test_each_role_gets_exactly_what_the_table_says(
    client: TestClient, system: Database, role: str
) -> None:
    coordinator = token_for(system, "coordinator")
    load = client.post("/api/v1/events", json=EVENTS, headers=coordinator)
    assert load.status_code == 200
    assert client.put("/api/v1/feeds/F1", json=FEED, headers=coordinator).status_code == 201
    made = client.post("/api/v1/actions", json=ACTION, headers=coordinator)
    assert made.status_code == 201
    headers = token_for(system, role, SCOPES.get(role))
    spare = {"id": _spare_token(system), "action": made.json()["id"]}
    got = {name: call(client, headers, spare).status_code for name, (call, _) in OPERATIONS.items()}
    expected = {
        name: statuses[ROLE_ORDER.index(role)] for name, (_, statuses) in OPERATIONS.items()
    }
    assert got == expected


def _spare_token(db: Database) -> int:
    from access.tokens import create_token
    from models.clock import utc_now

    with db.session(write=True) as session:
        row, _token = create_token(session, role="board", now=utc_now())
        return row.id


def test_a_display_gets_the_wall_figures_of_the_snapshot_only(
    client: TestClient, system: Database
) -> None:
    client.post("/api/v1/events", json=EVENTS, headers=token_for(system, "coordinator"))
    at = {"as_of": "2025-03-04T20:00:00Z"}
    whole = client.get("/api/v1/snapshot", params=at, headers=token_for(system, "board")).json()
    shown = client.get("/api/v1/snapshot", params=at, headers=token_for(system, "display")).json()
    assert shown["ready"] == {"now": 1, "before": 0}
    assert shown == wall_figures(whole)
    assert "d2a_services" in whole and "by_site" in whole["ready_to_leave"]
    text = str(shown)
    for unit_or_site in ("unit_code", "W1", "RX1", "by_site", "p1", "patient"):
        assert unit_or_site not in text


def test_refusals_name_the_permission_and_the_field(client: TestClient, system: Database) -> None:
    board = token_for(system, "board")
    csv = client.get(
        "/api/v1/metrics/acute_occupied", params=WEEK | {"format": "csv"}, headers=board
    )
    [error] = csv.json()["errors"]
    assert error["field"] == "format" and "exports" in error["message"]
    assert "coordinator, analyst" in error["message"]
    display = token_for(system, "display")
    scoped = client.get("/api/v1/snapshot", params={"organisation": "RX1"}, headers=display)
    assert scoped.json()["errors"][0]["field"] == "organisation"
