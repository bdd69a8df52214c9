"""A feed token writes only about its own organisation's units, and every stored event records
the token that sent it (SPEC §7).

RX1 runs wards W1 and W2; a second trust RX2 runs ward X1. The RX1 feed may admit to W1 and
record readiness, reasons, discharges and voids of stays in RX1's wards; anything about X1 is
refused, naming the field, with nothing stored.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from access.tokens import create_token
from ledger import reference
from metrics.tally import changed_from
from models import Event
from models.clock import utc_now
from store.database import Database
from tests.conftest import token_for
from tests.metrics.scenario import Patient


@pytest.fixture
def two_trusts(system: Database) -> Database:
    with system.session(write=True) as session:
        reference.upsert_organisation(session, "RX2", "Hillside Hospital", "acute")
        fields = {"name": "Ward X1", "organisation_code": "RX2", "setting": "acute"}
        reference.upsert_unit(session, "X1", fields | {"pathway": None}, changed_from)
    return system


def feed_of(db: Database, organisation: str | None) -> tuple[int, dict[str, str]]:
    """A feed token of `organisation`; None: one made before feed tokens needed a scope (no
    longer possible to create, but such tokens may still be stored)."""
    with db.session(write=True) as session:
        row, token = create_token(session, role="feed", scope=organisation or "RX1", now=utc_now())
        row.scope = organisation
        return row.id, {"Authorization": f"Bearer {token}"}


def post(client: TestClient, events: list[dict[str, Any]], headers: dict[str, str]) -> Any:
    return client.post("/api/v1/events", json=events, headers=headers)


def stored_ids(db: Database) -> set[str]:
    with db.session() as session:
        return set(session.scalars(select(Event.event_id)))


def test_a_feed_writes_about_its_own_units_and_is_recorded(
    client: TestClient, two_trusts: Database
) -> None:
    token_id, rx1 = feed_of(two_trusts, "RX1")
    p = Patient("p1")
    p.admitted("2025-03-03T10:00:00+00:00", unit="W1")
    p.ready("2025-03-04T10:00:00+00:00", pathway=1)
    p.discharged("2025-03-05T10:00:00+00:00", pathway=1)
    assert post(client, p.events, rx1).json() == {"accepted": 3, "duplicates": 0}
    with two_trusts.session() as session:
        senders = set(session.scalars(select(Event.sent_by)))
    assert senders == {token_id}


def test_a_feed_may_not_write_about_another_organisations_units(
    client: TestClient, two_trusts: Database
) -> None:
    _token, rx1 = feed_of(two_trusts, "RX1")
    coordinator = token_for(two_trusts, "coordinator")
    theirs = Patient("q1")
    admission = theirs.admitted("2025-03-03T10:00:00+00:00", unit="X1")
    assert post(client, theirs.events, coordinator).status_code == 200
    before = stored_ids(two_trusts)

    admit_there = Patient("q2")
    admit_there.admitted("2025-03-03T11:00:00+00:00", unit="X1")
    ready_there = {"event_id": "q1-r", "type": "discharge_ready", "patient_id": "q1"}
    ready_there |= {"occurred_at": "2025-03-04T10:00:00+00:00"}
    void_there = {"event_id": "q1-v", "type": "void", "patient_id": "q1"}
    void_there |= {"occurred_at": "2025-03-04T11:00:00+00:00", "voids_event_id": admission}
    for event, field in (
        (admit_there.events[0], "unit_code"),
        (ready_there, "patient_id"),
        (void_there, "patient_id"),
    ):
        answer = post(client, [event], rx1)
        assert answer.status_code == 422, answer.json()
        [error] = answer.json()["errors"]
        assert (error["field"], error["event_id"]) == (field, event["event_id"])
        assert "a feed of RX1 may write only about its own units" in error["message"]
        assert "unit X1 of RX2" in error["message"]
    assert stored_ids(two_trusts) == before


def test_a_feed_may_void_its_own_events(client: TestClient, two_trusts: Database) -> None:
    _token, rx1 = feed_of(two_trusts, "RX1")
    p = Patient("p1")
    admission = p.admitted("2025-03-03T10:00:00+00:00", unit="W1")
    p.add("void", "2025-03-03T12:00:00+00:00", voids_event_id=admission)
    assert post(client, p.events, rx1).json() == {"accepted": 2, "duplicates": 0}


def test_a_transfer_into_another_organisations_ward_is_refused(
    client: TestClient, two_trusts: Database
) -> None:
    _token, rx1 = feed_of(two_trusts, "RX1")
    p = Patient("p1")
    p.admitted("2025-03-03T10:00:00+00:00", unit="W1")
    p.add("transferred", "2025-03-04T10:00:00+00:00", unit_code="X1")
    answer = post(client, p.events, rx1)
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["unit_code"]


def test_a_feed_token_without_an_organisation_writes_nothing(
    client: TestClient, two_trusts: Database
) -> None:
    _token, unscoped = feed_of(two_trusts, None)
    p = Patient("p1")
    p.admitted("2025-03-03T10:00:00+00:00", unit="W1")
    assert post(client, p.events, unscoped).status_code == 403
    assert stored_ids(two_trusts) == set()


def test_a_coordinator_writes_about_any_unit(client: TestClient, two_trusts: Database) -> None:
    p = Patient("p1")
    p.admitted("2025-03-03T10:00:00+00:00", unit="X1")
    answer = post(client, p.events, token_for(two_trusts, "coordinator"))
    assert answer.json() == {"accepted": 1, "duplicates": 0}
