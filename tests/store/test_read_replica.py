"""D2A_READ_DATABASE_URL: read-only requests and dashboard reads go to the read replica, writes
and token checks to the primary.

There is no streaming replication in a test, so the "replica" here is a second database that
deliberately holds something else: one patient, r1, admitted to ward W1, whom the primary has
never seen. A figure that counts r1 was read from the replica; an event that lands in the
primary and not in the replica was written to the primary.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from access.tokens import create_token
from d2a.server import create_app
from dashboard.data import Backend, snapshot
from ledger import reference
from ledger.ingest import ingest
from ledger.sender import Sender
from metrics.tally import changed_from
from models import Event
from models.clock import utc_now
from store import migrate
from store.database import Database
from store.settings import Settings
from tests.conftest import make_empty_database

AT = "2025-03-10T12:00:00+00:00"


@pytest.fixture
def replica(tmp_path: object) -> Iterator[Database]:
    url, drop = make_empty_database(str(tmp_path))
    migrate.upgrade(url)
    database = Database(url)
    with database.session(write=True) as session:
        reference.upsert_organisation(session, "RX1", "Riverside Hospital", "acute")
        fields: dict[str, object] = {"name": "Ward 1", "organisation_code": "RX1"}
        fields["setting"] = "acute"
        fields |= {"pathway": None, "capacity": 20, "capacity_from": date(2024, 1, 1)}
        reference.upsert_unit(session, "W1", fields, changed_from)
        admitted = {"event_id": "r1-adm", "type": "admitted", "patient_id": "r1"}
        admitted |= {"occurred_at": "2025-03-01T09:00:00+00:00", "unit_code": "W1"}
        result = ingest(session, [admitted], now=utc_now(), changes=changed_from, sender=Sender())
        assert result.accepted == 1
    yield database
    database.dispose()
    drop()


def events_in(database: Database) -> list[str]:
    with database.session(primary=True) as session:
        return sorted(session.scalars(select(Event.event_id)))


def test_reads_come_from_the_replica_and_writes_go_to_the_primary(
    system: Database, replica: Database
) -> None:
    routed = Database(system.url, read_url=replica.url)
    with routed.session(write=True) as session:  # a token only the primary knows
        _row, token = create_token(session, role="coordinator", now=utc_now())
    headers = {"Authorization": f"Bearer {token}"}
    app = create_app(Settings(database_url=system.url, read_database_url=replica.url), routed)
    try:
        with TestClient(app) as client:
            # The token is checked on the primary: the replica has never seen it.
            answer = client.get("/api/v1/snapshot", params={"as_of": AT}, headers=headers)
            assert answer.status_code == 200, answer.text
            # The figure is the replica's: r1 is the only acute inpatient anywhere.
            assert answer.json()["acute_inpatients"]["now"] == 1

            admitted = {"event_id": "p1-adm", "type": "admitted", "patient_id": "p1"}
            admitted |= {"occurred_at": "2025-03-05T09:00:00+00:00", "unit_code": "W1"}
            posted = client.post("/api/v1/events", json=[admitted], headers=headers)
            assert posted.status_code == 200, posted.text
            assert posted.json()["accepted"] == 1
            assert events_in(system) == ["p1-adm"]  # written to the primary only
            assert events_in(replica) == ["r1-adm"]

            # Still the replica's figure (with real replication p1 would arrive there soon).
            again = client.get("/api/v1/snapshot", params={"as_of": AT}, headers=headers)
            assert again.json()["acute_inpatients"]["now"] == 1

            # The dashboard reads the replica too.
            backend = Backend(lambda: routed, Settings(database_url=system.url))
            position = snapshot(backend, datetime(2025, 3, 10, 12, 0))
            assert position["acute_inpatients"]["now"] == 1

            # A revoked token stops at once: the check reads the primary.
            _revoke_all(routed)
            refused = client.get("/api/v1/snapshot", params={"as_of": AT}, headers=headers)
            assert refused.status_code == 401
    finally:
        routed.dispose()


def _revoke_all(database: Database) -> None:
    from models import ApiToken

    with database.session(write=True) as session:
        for row in session.scalars(select(ApiToken)):
            row.revoked_at = utc_now()


def test_without_a_replica_reads_and_writes_share_one_database(system: Database) -> None:
    plain = Database(system.url)
    try:
        assert plain.read_engine is plain.engine
        with plain.session(write=True) as session:
            admitted = {"event_id": "p2-adm", "type": "admitted", "patient_id": "p2"}
            admitted |= {"occurred_at": "2025-03-05T09:00:00+00:00", "unit_code": "W1"}
            ingest(session, [admitted], now=utc_now(), changes=changed_from, sender=Sender())
        with plain.session() as session:  # the read sees the write: same database
            assert session.scalar(select(func.count()).select_from(Event)) == 1
    finally:
        plain.dispose()
