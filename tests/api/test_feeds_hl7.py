"""HL7 v2 ADT through the API (SPEC §9): the feed registry, pseudonyms at the door, one ACK per
message, the mapping table's rows stored as events, resends, cancels, the feed's health, and
no identifier of the messages anywhere in the database.

The trust RXX has wards RXX-W7 and RXX-W9 and community beds RXX-CHB; its PAS is feed LTH,
whose MRNs have assigning authority RXX. Messages are written in tests/feeds/builders.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import hl7
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, select, text

from feeds.pseudonym import pseudonym, pseudonym_key
from ledger import reference
from metrics.tally import changed_from
from models import Event
from store.database import Database
from tests.conftest import token_for
from tests.feeds.builders import MRN, SECRETS, adt

FEED = {
    "name": "Leeds PAS",
    "organisation_code": "RXX",
    "patient_id_authority": "RXX",
    "locations": {"WARD7": "RXX-W7", "WARD9": "RXX-W9", "CHB": "RXX-CHB"},
}
HL7 = {"content-type": "application/hl7-v2"}


@pytest.fixture
def trust(db: Database, client: TestClient) -> Database:
    with db.session(write=True) as session:
        reference.upsert_organisation(session, "RXX", "Leeds Teaching", "acute")
        reference.upsert_organisation(session, "RYY", "York Hospitals", "acute")
        for code, setting in (
            ("RXX-W7", "acute"),
            ("RXX-W9", "acute"),
            ("RXX-CHB", "community_bed"),
        ):
            fields: dict[str, Any] = {"name": code, "organisation_code": "RXX"}
            fields |= {"setting": setting}
            fields |= {"pathway": 2 if setting == "community_bed" else None}
            reference.upsert_unit(session, code, fields, changed_from)
    answer = client.put("/api/v1/feeds/LTH", json=FEED, headers=token_for(db, "admin"))
    assert answer.status_code == 201, answer.text
    return db


def send(client: TestClient, headers: dict[str, str], *messages: str) -> list[hl7.Message]:
    answer = client.post(
        "/api/v1/feeds/LTH/hl7v2", content="\r".join(messages), headers=HL7 | headers
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/hl7-v2")
    acks = ["MSH" + part for part in answer.text.split("MSH") if part]
    return [hl7.parse(ack) for ack in acks]


def msa(ack: hl7.Message) -> tuple[str, str]:
    return str(ack.segment("MSA")[1]), str(ack.segment("MSA")[2])


def events(db: Database) -> list[dict[str, Any]]:
    with db.session() as session:
        rows = session.execute(select(Event.__table__).order_by(Event.occurred_at, Event.seq))
        return [dict(r._mapping) for r in rows]


def pid_of(db: Database, local_id: str) -> str:
    with db.session(write=True) as session:
        return pseudonym(pseudonym_key(session, ""), "LTH", local_id)


def test_an_admission_transfer_and_discharge_become_events(
    client: TestClient, trust: Database
) -> None:
    """A01 at 10:00 BST (09:00 UTC) to WARD7, A02 to WARD9, A03 home (PV1-37 19): three
    events of the pseudonym, each ACKed AA with its MSH-10."""
    coordinator = token_for(trust, "coordinator")
    acks = send(
        client,
        coordinator,
        adt("A01", control="M1"),
        adt("A02", control="M2", evn={2: "202507011400"}, pv1={3: "WARD9^B1^1^RXX01"}),
        adt("A03", control="M3", evn={2: "202507031100"}, pv1={3: "WARD9", 37: "19"}),
    )
    assert [msa(a) for a in acks] == [("AA", "M1"), ("AA", "M2"), ("AA", "M3")]
    stored = events(trust)
    patient = pid_of(trust, MRN)
    assert [(e["type"], e["patient_id"], e["unit_code"]) for e in stored] == [
        ("admitted", patient, "RXX-W7"),
        ("transferred", patient, "RXX-W9"),
        ("discharged", patient, None),
    ]
    assert stored[0]["occurred_at"] == datetime(2025, 7, 1, 9, 0)
    assert stored[0]["admission_method"] == "emergency"  # PV1-4 21
    assert (stored[2]["destination"], stored[2]["pathway"]) == ("usual_residence", 0)
    assert [e["event_id"] for e in stored] == ["hl7:LTH:M1", "hl7:LTH:M2", "hl7:LTH:M3"]


def test_a_resend_is_acknowledged_and_stored_once(client: TestClient, trust: Database) -> None:
    coordinator = token_for(trust, "coordinator")
    first = send(client, coordinator, adt("A01", control="M1"))
    again = send(client, coordinator, adt("A01", control="M1"), adt("A01", control="M1"))
    assert [msa(a) for a in (*first, *again)] == [("AA", "M1")] * 3
    assert len(events(trust)) == 1
    health = client.get("/api/v1/feeds/LTH", headers=token_for(trust, "admin")).json()["health"]
    assert health["today"]["accepted"] == 1 and health["today"]["duplicate"] == 2


def test_a_cancelled_discharge_is_a_void(client: TestClient, trust: Database) -> None:
    coordinator = token_for(trust, "coordinator")
    send(
        client,
        coordinator,
        adt("A01", control="M1"),
        adt("A03", control="M2", evn={2: "202507031100"}, pv1={37: "19"}),
    )
    [ack] = send(client, coordinator, adt("A13", control="M3", evn={2: "202507031200"}))
    assert msa(ack) == ("AA", "M3")
    void = events(trust)[-1]
    assert (void["type"], void["voids_event_id"]) == ("void", "hl7:LTH:M2")


def test_a_timeline_conflict_refuses_only_that_message(client: TestClient, trust: Database) -> None:
    """A second admission while the first stay is open: AE naming PV1-3... the ledger's
    reason; the messages around it are stored."""
    coordinator = token_for(trust, "coordinator")
    acks = send(
        client,
        coordinator,
        adt("A01", control="M1"),
        adt("A01", control="M2", evn={2: "202507011200"}),
        adt("A02", control="M3", evn={2: "202507011400"}, pv1={3: "WARD9"}),
    )
    assert [msa(a) for a in acks] == [("AA", "M1"), ("AE", "M2"), ("AA", "M3")]
    err = acks[1].segment("ERR")
    assert "already has an open stay" in str(err[7])
    assert [e["event_id"] for e in events(trust)] == ["hl7:LTH:M1", "hl7:LTH:M3"]
    health = client.get("/api/v1/feeds", headers=token_for(trust, "coordinator")).json()[0]
    [refusal] = health["health"]["last_refusals"]
    assert refusal["message_id"] == "M2" and "open stay" in refusal["reason"]


def test_an_unknown_location_is_refused_naming_pv1_3(client: TestClient, trust: Database) -> None:
    [ack] = send(client, token_for(trust, "coordinator"), adt("A01", pv1={3: "NOWHERE"}))
    assert msa(ack)[0] == "AE"
    assert str(ack.segment("ERR")[2]) == "PV1^1^3"
    assert events(trust) == []


def test_ignored_triggers_are_acknowledged_and_counted(client: TestClient, trust: Database) -> None:
    [ack] = send(client, token_for(trust, "coordinator"), adt("A08", control="U1"))
    assert msa(ack) == ("AA", "U1")
    health = client.get("/api/v1/feeds/LTH", headers=token_for(trust, "admin")).json()["health"]
    assert health["today"]["ignored"] == 1 and health["last_message_at"] is not None


def test_a_feed_token_of_another_organisation_is_refused(
    client: TestClient, trust: Database
) -> None:
    theirs = token_for(trust, "feed", scope="RYY")
    answer = client.post("/api/v1/feeds/LTH/hl7v2", content=adt("A01"), headers=HL7 | theirs)
    assert answer.status_code == 403
    ours = token_for(trust, "feed", scope="RXX")
    assert msa(send(client, ours, adt("A01"))[0])[0] == "AA"


def test_hub_staff_find_a_person_by_local_id(client: TestClient, trust: Database) -> None:
    send(client, token_for(trust, "coordinator"), adt("A01"))
    answer = client.get(
        "/api/v1/feeds/LTH/pseudonym",
        params={"local_id": MRN},
        headers=token_for(trust, "partner", scope="RXX"),
    )
    assert answer.json() == {"feed": "LTH", "patient_id": events(trust)[0]["patient_id"]}
    other = token_for(trust, "partner", scope="RYY")
    refused = client.get("/api/v1/feeds/LTH/pseudonym", params={"local_id": MRN}, headers=other)
    assert refused.status_code == 403


def test_a_feed_maps_only_to_its_own_organisations_units(
    client: TestClient, trust: Database
) -> None:
    with trust.session(write=True) as session:
        york = {"name": "York 1", "organisation_code": "RYY", "setting": "acute"}
        reference.upsert_unit(session, "RYY-1", york | {"pathway": None}, changed_from)
    body = FEED | {"locations": {"WARD7": "RXX-W7", "Y1": "RYY-1", "Z": "NOPE"}}
    answer = client.put("/api/v1/feeds/LTH", json=body, headers=token_for(trust, "admin"))
    assert answer.status_code == 422
    refused = sorted(e["field"] for e in answer.json()["errors"])
    assert refused == ["locations.Y1", "locations.Z"]


def test_no_identifier_of_the_messages_is_stored_anywhere(
    client: TestClient, trust: Database
) -> None:
    """Every text column of every table, scanned for the MRN, the NHS number (also spaced),
    the name, the date of birth and the postcode the messages carried."""
    coordinator = token_for(trust, "coordinator")
    send(
        client,
        coordinator,
        adt("A01", control="M1"),
        adt("A01", control="M2", evn={2: "202507011200"}),  # refused: its reason is kept
        adt("A08", control="M3"),
    )
    with trust.session() as session:
        connection = session.connection()
        found = []
        for table in inspect(connection).get_table_names():
            for row in connection.execute(text(f"SELECT * FROM {table}")):
                for value in row:
                    if isinstance(value, str) and any(s in value for s in (MRN, *SECRETS)):
                        found.append((table, value[:80]))
    assert found == []
