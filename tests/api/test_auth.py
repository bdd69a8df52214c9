"""Tokens: hashed, expiring, revocable; roles limit what a token may do (SPEC §7)."""

import logging
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from access.roles import ROLE_PERMISSIONS, SCOPED_ROLES
from access.throttle import for_state
from access.tokens import create_token, hash_token
from ledger.ingest import ingest
from ledger.text import NHS_NUMBER, NHS_NUMBER_IN_TEXT
from models import ApiToken, AuditEntry
from models.clock import utc_now
from store.database import Database
from tests.conftest import token_for

ADMIT = [
    {
        "event_id": "a1",
        "type": "admitted",
        "patient_id": "p1",
        "occurred_at": "2025-03-03T14:00:00+00:00",
        "unit_code": "W1",
    }
]


@pytest.mark.parametrize("path", ["/api/v1/organisations", "/api/v1/units", "/api/v1/tokens"])
def test_no_or_bad_token_is_401(client: TestClient, db: Database, path: str) -> None:
    assert client.get(path).status_code == 401
    response = client.get(path, headers={"Authorization": "Bearer d2a_not-a-token"})
    assert response.status_code == 401
    assert response.json()["errors"][0]["field"] == "Authorization"


def test_tokens_are_stored_hashed(db: Database) -> None:
    with db.session(write=True) as session:
        _row, token = create_token(session, role="analyst", now=utc_now())
    with db.session() as session:
        stored = session.scalars(select(ApiToken.token_hash)).all()
    assert token not in stored and hash_token(token) in stored


def test_feed_may_only_post_events(client: TestClient, system: Database) -> None:
    feed = token_for(system, "feed", scope="RX1")
    assert client.post("/api/v1/events", json=ADMIT, headers=feed).status_code == 200
    assert client.get("/api/v1/units", headers=feed).status_code == 403
    assert client.get("/api/v1/patients/p1/timeline", headers=feed).status_code == 403
    assert (
        client.put(
            "/api/v1/organisations/X", json={"name": "x", "kind": "other"}, headers=feed
        ).status_code
        == 403
    )


@pytest.mark.parametrize("role", ["analyst", "board", "display"])
def test_aggregate_roles_see_no_patient_and_write_nothing(
    client: TestClient, system: Database, role: str
) -> None:
    headers = token_for(system, role)
    assert client.post("/api/v1/events", json=ADMIT, headers=headers).status_code == 403
    assert client.get("/api/v1/patients/p1/timeline", headers=headers).status_code == 403
    units = client.get("/api/v1/units", headers=headers).status_code
    assert units == (403 if role == "display" else 200)


def test_partner_sees_only_its_own_patients(
    client: TestClient, system: Database, coordinator: dict[str, str]
) -> None:
    assert client.post("/api/v1/events", json=ADMIT, headers=coordinator).status_code == 200
    own = token_for(system, "partner", scope="RX1")
    other = token_for(system, "partner", scope="CP1")
    assert client.get("/api/v1/patients/p1/timeline", headers=own).status_code == 200
    assert client.get("/api/v1/patients/p1/timeline", headers=other).status_code == 404


def test_expired_and_revoked_tokens_are_refused(
    client: TestClient, db: Database, admin: dict[str, str]
) -> None:
    made_at = utc_now() - timedelta(days=2)
    with db.session(write=True) as session:
        _row, expired = create_token(
            session, role="admin", now=made_at, expires_at=made_at + timedelta(days=1)
        )
    assert (
        client.get("/api/v1/units", headers={"Authorization": f"Bearer {expired}"}).status_code
        == 401
    )
    made = client.post(
        "/api/v1/tokens", json={"role": "analyst", "name": "bi"}, headers=admin
    ).json()
    headers = {"Authorization": f"Bearer {made['token']}"}
    assert client.get("/api/v1/units", headers=headers).status_code == 200
    assert client.delete(f"/api/v1/tokens/{made['id']}", headers=admin).status_code == 204
    assert client.get("/api/v1/units", headers=headers).status_code == 401
    assert "token" not in client.get("/api/v1/tokens", headers=admin).json()[0]


@pytest.mark.parametrize(
    ("expires_at", "message"),
    [
        ("9999-12-31T23:59:59-14:00", "is after 2100-12-31"),  # overflowed as UTC: a 500
        ("0001-01-01T00:00:00+14:00", "is before 2000-01-01"),  # underflowed as UTC: a 500
        ("2101-01-01T00:00:00Z", "is after 2100-12-31"),
        (1893456000, "must be an ISO 8601 time with an offset"),  # 2030 in seconds since 1970
        ("2030-01-01T00:00:00", "Input should have timezone info"),
    ],
)
def test_a_token_expiry_outside_the_calendar_is_422(
    client: TestClient, db: Database, admin: dict[str, str], expires_at: object, message: str
) -> None:
    body = {"role": "analyst", "expires_at": expires_at}
    response = client.post("/api/v1/tokens", json=body, headers=admin)
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["field"] == "expires_at" and error["message"].startswith(message), error
    assert len(client.get("/api/v1/tokens", headers=admin).json()) == 1  # the admin's own


def test_partner_token_needs_a_scope(
    client: TestClient, db: Database, admin: dict[str, str]
) -> None:
    response = client.post("/api/v1/tokens", json={"role": "partner"}, headers=admin)
    assert response.status_code == 422 and "scope" in response.json()["errors"][0]["message"]


def test_writes_and_patient_reads_are_audited(
    client: TestClient, system: Database, coordinator: dict[str, str]
) -> None:
    client.post("/api/v1/events", json=ADMIT, headers=coordinator)
    client.get("/api/v1/patients/p1/timeline", headers=coordinator)
    with system.session() as session:
        actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["events.ingest", "patient.timeline"]


def test_openapi_and_docs_are_served(client: TestClient, db: Database) -> None:
    spec = client.get("/openapi.json").json()
    body = spec["paths"]["/api/v1/events"]["post"]["requestBody"]["content"]["application/json"][
        "schema"
    ]
    assert body["maxItems"] == 10_000 and "event_id" in body["items"]["properties"]
    assert client.get("/docs").status_code == 200


def test_a_token_id_out_of_range_is_422_not_500(
    client: TestClient, db: Database, admin: dict[str, str]
) -> None:
    # Found by the schemathesis fuzz: PostgreSQL refused a 22-digit id as an integer.
    response = client.delete("/api/v1/tokens/485538641407048155136", headers=admin)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "token_id"


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"role": "partner", "scope": "943 476 5919"}, "scope", NHS_NUMBER),
        ({"role": "partner", "scope": "NHS\u00a09434765919"}, "scope", NHS_NUMBER),
        ({"role": "analyst", "name": "for 943-476-5919"}, "name", NHS_NUMBER_IN_TEXT),
        ({"role": "analyst", "name": "[943/476/5919]"}, "name", NHS_NUMBER_IN_TEXT),
    ],
)
def test_an_nhs_number_in_a_token_is_refused(
    client: TestClient,
    db: Database,
    admin: dict[str, str],
    body: dict[str, str],
    field: str,
    message: str,
) -> None:
    response = client.post("/api/v1/tokens", json=body, headers=admin)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"index": None, "event_id": None, "field": field, "message": message}
    ]
    assert "5919" not in response.text
    assert len(client.get("/api/v1/tokens", headers=admin).json()) == 1  # the admin's own


def test_token_times_carry_their_utc_offset(
    client: TestClient, db: Database, admin: dict[str, str]
) -> None:
    # 2030-07-01T01:00+01:00 is midnight UTC; stored naive, answered with its offset (Z).
    body = {"role": "analyst", "expires_at": "2030-07-01T01:00:00+01:00"}
    made = client.post("/api/v1/tokens", json=body, headers=admin).json()
    assert made["expires_at"] == "2030-07-01T00:00:00Z" and made["revoked_at"] is None
    created = datetime.fromisoformat(made["created_at"])
    assert made["created_at"].endswith("Z") and created.utcoffset() == timedelta(0)
    assert abs(created.replace(tzinfo=None) - utc_now()) < timedelta(minutes=1)
    assert client.delete(f"/api/v1/tokens/{made['id']}", headers=admin).status_code == 204
    [_admin, listed] = client.get("/api/v1/tokens", headers=admin).json()
    assert (listed["created_at"], listed["expires_at"]) == (made["created_at"], made["expires_at"])
    assert listed["revoked_at"].endswith("Z") and listed["revoked_at"] >= listed["created_at"]
    schema = client.get("/openapi.json").json()["components"]["schemas"]["TokenOut"]
    assert schema["properties"]["created_at"]["format"] == "date-time"


class Clock:
    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


def test_more_than_20_failures_a_minute_get_429_until_the_minute_has_passed(
    client: TestClient, db: Database, admin: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    for_state(client.app.state).clock = clock  # type: ignore[attr-defined]
    wrong = {"Authorization": "Bearer d2a_guess-number-one"}
    with caplog.at_level(logging.WARNING, logger="d2a.auth"):
        for n in range(20):
            assert client.get("/api/v1/units", headers=wrong).status_code == 401, n
            clock.now += 1
        refused = client.get("/api/v1/units", headers=admin)  # even a good token, now
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "40"
    assert refused.json()["errors"][0]["field"] == "Authorization"
    failed = [r.getMessage() for r in caplog.records if "failed from" in r.getMessage()]
    assert len(failed) == 20
    assert failed[0] == (
        "authentication failed from testclient: "
        "unknown, expired or revoked token (GET /api/v1/units)"
    )
    assert not any("guess-number-one" in r.getMessage() for r in caplog.records)
    clock.now += 40  # Retry-After later: the first failure is a minute old
    assert client.get("/api/v1/units", headers=admin).status_code == 200
    assert client.get("/api/v1/units").status_code == 401  # no token is a failure too
    assert client.get("/api/v1/units", headers=admin).status_code == 429
    with db.session() as session:
        assert session.scalars(select(AuditEntry)).all() == []  # nothing stored by any of it


def test_new_tokens_expire_after_365_days_by_default(
    client: TestClient, db: Database, admin: dict[str, str]
) -> None:
    made = client.post("/api/v1/tokens", json={"role": "board"}, headers=admin).json()
    life = datetime.fromisoformat(made["expires_at"]) - datetime.fromisoformat(made["created_at"])
    assert life == timedelta(days=365) and made["state"] == "live"
    made = client.post(
        "/api/v1/tokens", json={"role": "board", "expires_days": 30}, headers=admin
    ).json()
    life = datetime.fromisoformat(made["expires_at"]) - datetime.fromisoformat(made["created_at"])
    assert life == timedelta(days=30)
    soon = (utc_now() + timedelta(hours=2)).isoformat() + "+00:00"
    made = client.post(
        "/api/v1/tokens", json={"role": "board", "expires_at": soon}, headers=admin
    ).json()
    assert datetime.fromisoformat(made["expires_at"]) == datetime.fromisoformat(soon)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"role": "board", "expires_at": "2020-01-01T00:00:00Z"}, "expires_at"),
        ({"role": "board", "expires_at": "2999-01-01T00:00:00Z"}, "expires_at"),
        ({"role": "board", "expires_days": 0}, "expires_days"),
        ({"role": "board", "expires_days": 100_000}, "expires_days"),
        (
            {"role": "board", "expires_days": 5, "expires_at": "2099-01-01T00:00:00Z"},
            "expires_days",
        ),
        ({"role": "partner"}, "scope"),
        ({"role": "feed"}, "scope"),
        ({"role": "partner", "scope": "NOWHERE"}, "scope"),
        ({"role": "feed", "scope": "LA7"}, "scope"),  # a local authority on a spell is no feed's
        ({"role": "board", "scope": "RX1"}, "scope"),
        ({"role": "chief"}, "role"),
    ],
)
def test_a_token_that_may_not_be_is_refused_and_nothing_stored(
    client: TestClient, system: Database, admin: dict[str, str], body: dict[str, Any], field: str
) -> None:
    with system.session(write=True) as session:  # LA7: a local authority seen on a spell
        ingest(
            session, [dict(ADMIT[0], local_authority="LA7")], now=utc_now(), changes=lambda *_: None
        )
    before = client.get("/api/v1/tokens", headers=admin).json()
    response = client.post("/api/v1/tokens", json=body, headers=admin)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field
    assert client.get("/api/v1/tokens", headers=admin).json() == before


@pytest.mark.parametrize(
    ("role", "scope"),
    [("partner", "RX1"), ("partner", "LA1"), ("partner", "LA7"), ("feed", "RX1"), ("feed", "LA1")],
)
def test_a_scope_is_an_organisation_or_a_local_authority(
    client: TestClient, system: Database, admin: dict[str, str], role: str, scope: str
) -> None:
    with system.session(write=True) as session:
        ingest(
            session, [dict(ADMIT[0], local_authority="LA7")], now=utc_now(), changes=lambda *_: None
        )
    response = client.post("/api/v1/tokens", json={"role": role, "scope": scope}, headers=admin)
    assert response.status_code == 201, response.text
    assert response.json()["scope"] == scope


def test_a_feed_token_holds_events_write_and_nothing_else() -> None:
    assert ROLE_PERMISSIONS["feed"] == {"events:write"}
    assert SCOPED_ROLES["feed"] == "an organisation code"
