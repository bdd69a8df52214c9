"""The discharge hub's readiness list (SPEC §9): POST /api/v1/feeds/{code}/readiness.

The scenario, worked out by hand. Trust RXX has wards RXX-W7 and RXX-W9 (acute) and community
beds RXX-CHB; York (RYY) has ward RYY-W1. RXX's feed is LTH. Times are BST (UTC+1); the list is
as at 2025-07-10 09:00 BST (08:00 UTC). Before it, the record holds:

  MRN     where   admitted     ready (pathway, reason)        list row (date, pathway, reason)
  RX0001  W7      07-01 10:00  no                              2: 2025-07-08, 1, H1
  RX0002  W7      07-02 10:00  07-05 10:00 (1)                 3: 05/07/2025, 2, -
  RX0003  W9      07-03 10:00  07-06 10:00 (3), H1 at 11:00    4: 2025-07-06, 3, T1
  RX0004  W9      07-01 10:00  07-04 10:00 (0)                 not listed
  RX0005  W7      07-04 10:00  07-07 10:00 (1), H1 at 11:00    5: 2025-07-07, 1, H1
  RX0006  -       never                                        6: 2025-07-09, 1, -
  RX0007  RYY-W1  07-02 10:00  07-05 10:00 (1)                 7: 2025-07-05, 1, -
  RX0008  RYY-W1  07-02 10:00  07-05 10:00 (2)                 not listed
  RX0009  W7      07-09 15:00  no                              8: 2025-07-08, 2, -
  RX0010  W7      07-01 10:00  07-03 10:00 (1), home 07-09     not listed
  RX0011  W9      07-01 10:00  07-02 10:00 (1), withdrawn      9: 2025-07-05, 1, -
                               07-08 12:00

So the list gives, at 08:00 UTC unless said:
- RX0001 (row 2): discharge_ready at the DRD's local midnight, 2025-07-08 00:00 BST = 07-07
  23:00 UTC, pathway 1; and delay_reason H1.
- RX0002 (row 3): pathway_changed 1 → 2 (the UK date is the DRD on record: no warning).
- RX0003 (row 4): delay_reason H1 → T1.
- RX0004: ready, of RXX, not listed: readiness_withdrawn (from its DRD 2025-07-04).
- RX0005 (row 5): as recorded: nothing.
- RX0006 (row 6): no stay: a warning. RX0007 (row 7): its stay is York's: a warning. RX0008
  is ready at York, not RXX: not withdrawn. RX0010 left on 07-09: not withdrawn.
- RX0009 (row 8): ready before its admission: discharge_ready one second after the admission
  (07-09 14:00:01 UTC), so its DRD is 2025-07-09; a warning says so.
- RX0011 (row 9): ready again, but from 07-05, before the withdrawal (07-08 11:00 UTC) that a
  readiness from then would not survive: discharge_ready at 11:00:01 UTC, DRD 2025-07-08; a
  warning says so.
Counts: discharge_ready 3, pathway_changed 1, delay_reason 2, readiness_withdrawn 1; seven
events, four warnings.
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, select, text

from feeds.pseudonym import pseudonym, pseudonym_key
from feeds.readiness.plan import event_id
from ledger import reference
from metrics.tally import changed_from
from models import AuditEntry, Event, FeedMessage
from store.database import Database
from tests.conftest import token_for
from tests.feeds.builders import MRN, adt

FEED = {
    "name": "Leeds PAS",
    "organisation_code": "RXX",
    "patient_id_authority": "RXX",
    "locations": {"WARD7": "RXX-W7", "WARD9": "RXX-W9", "CHB": "RXX-CHB"},
}
AS_OF = "2025-07-10T09:00:00+01:00"
AS_OF_UTC = datetime(2025, 7, 10, 8, 0)
CSV = {"content-type": "text/csv"}
XLSX = {"content-type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
LIST = (
    " Local_Patient_ID ,Ready_Date,PATHWAY,reason_code\r\n"
    "RX0001,2025-07-08,1,H1\r\n"
    "RX0002,05/07/2025,2,\r\n"
    "RX0003,2025-07-06,3,T1\r\n"
    "RX0005,2025-07-07,1,H1\r\n"
    "RX0006,2025-07-09,1,\r\n"
    "RX0007,2025-07-05,1,\r\n"
    "RX0009,2025-07-08,2,\r\n"
    "RX0011,2025-07-05,1,\r\n"
)


@pytest.fixture
def trust(db: Database, client: TestClient) -> Database:
    with db.session(write=True) as session:
        reference.upsert_organisation(session, "RXX", "Leeds Teaching", "acute")
        reference.upsert_organisation(session, "RYY", "York Hospitals", "acute")
        for code, org, setting in (
            ("RXX-W7", "RXX", "acute"),
            ("RXX-W9", "RXX", "acute"),
            ("RXX-CHB", "RXX", "community_bed"),
            ("RYY-W1", "RYY", "acute"),
        ):
            fields: dict[str, Any] = {"name": code, "organisation_code": org}
            fields |= {"setting": setting}
            fields |= {"pathway": 2 if setting == "community_bed" else None}
            reference.upsert_unit(session, code, fields, changed_from)
    answer = client.put("/api/v1/feeds/LTH", json=FEED, headers=token_for(db, "admin"))
    assert answer.status_code == 201, answer.text
    return db


def pid(db: Database, local_id: str) -> str:
    with db.session(write=True) as session:
        return pseudonym(pseudonym_key(session, ""), "LTH", local_id)


def record(client: TestClient, db: Database, *events: tuple[str, str, str, dict[str, Any]]) -> None:
    """(MRN, type, BST time 'MM-DD HH:MM', payload) as events of the MRN's pseudonym."""
    batch = [
        {
            "event_id": f"setup-{i}",
            "type": kind,
            "patient_id": pid(db, mrn),
            "occurred_at": f"2025-{at.replace(' ', 'T')}:00+01:00",
            **payload,
        }
        for i, (mrn, kind, at, payload) in enumerate(events)
    ]
    answer = client.post("/api/v1/events", json=batch, headers=token_for(db, "coordinator"))
    assert answer.status_code == 200, answer.text


@pytest.fixture
def scenario(client: TestClient, trust: Database) -> Database:
    """The record of the module's table, before the list."""
    w7, w9, york = {"unit_code": "RXX-W7"}, {"unit_code": "RXX-W9"}, {"unit_code": "RYY-W1"}
    record(
        client,
        trust,
        ("RX0001", "admitted", "07-01 10:00", w7),
        ("RX0002", "admitted", "07-02 10:00", w7),
        ("RX0002", "discharge_ready", "07-05 10:00", {"pathway": 1}),
        ("RX0003", "admitted", "07-03 10:00", w9),
        ("RX0003", "discharge_ready", "07-06 10:00", {"pathway": 3}),
        ("RX0003", "delay_reason", "07-06 11:00", {"reason_code": "H1"}),
        ("RX0004", "admitted", "07-01 10:00", w9),
        ("RX0004", "discharge_ready", "07-04 10:00", {"pathway": 0}),
        ("RX0005", "admitted", "07-04 10:00", w7),
        ("RX0005", "discharge_ready", "07-07 10:00", {"pathway": 1}),
        ("RX0005", "delay_reason", "07-07 11:00", {"reason_code": "H1"}),
        ("RX0007", "admitted", "07-02 10:00", york),
        ("RX0007", "discharge_ready", "07-05 10:00", {"pathway": 1}),
        ("RX0008", "admitted", "07-02 10:00", york),
        ("RX0008", "discharge_ready", "07-05 10:00", {"pathway": 2}),
        ("RX0009", "admitted", "07-09 15:00", w7),
        ("RX0010", "admitted", "07-01 10:00", w7),
        ("RX0010", "discharge_ready", "07-03 10:00", {"pathway": 1}),
        ("RX0010", "discharged", "07-09 10:00", {"destination": "usual_residence", "pathway": 1}),
        ("RX0011", "admitted", "07-01 10:00", w9),
        ("RX0011", "discharge_ready", "07-02 10:00", {"pathway": 1}),
        ("RX0011", "readiness_withdrawn", "07-08 12:00", {}),
    )
    return trust


def post_list(
    client: TestClient,
    headers: dict[str, str],
    body: str | bytes,
    *,
    as_of: str | None = AS_OF,
    dry_run: bool = False,
    media: dict[str, str] = CSV,
    code: str = "LTH",
) -> Any:
    params: dict[str, str] = {"dry_run": str(dry_run).lower()}
    if as_of is not None:
        params["as_of"] = as_of
    return client.post(
        f"/api/v1/feeds/{code}/readiness", content=body, params=params, headers=media | headers
    )


def expected_changes(db: Database) -> list[dict[str, Any]]:
    p = {mrn: pid(db, mrn) for mrn in ("RX0001", "RX0002", "RX0003", "RX0004", "RX0009")}
    p["RX0011"] = pid(db, "RX0011")
    return [
        {"row": 2, "patient_id": p["RX0001"], "change": "discharge_ready", "from": None,
         "to": "2025-07-08"},
        {"row": 2, "patient_id": p["RX0001"], "change": "delay_reason", "from": None,
         "to": "H1"},
        {"row": 3, "patient_id": p["RX0002"], "change": "pathway_changed", "from": 1, "to": 2},
        {"row": 4, "patient_id": p["RX0003"], "change": "delay_reason", "from": "H1",
         "to": "T1"},
        {"row": 8, "patient_id": p["RX0009"], "change": "discharge_ready", "from": None,
         "to": "2025-07-09"},
        {"row": 9, "patient_id": p["RX0011"], "change": "discharge_ready", "from": None,
         "to": "2025-07-08"},
        {"row": None, "patient_id": p["RX0004"], "change": "readiness_withdrawn",
         "from": "2025-07-04", "to": None},
    ]  # fmt: skip


COUNTS = {"discharge_ready": 3, "pathway_changed": 1, "delay_reason": 2, "readiness_withdrawn": 1}


def events(db: Database) -> list[dict[str, Any]]:
    with db.session() as session:
        rows = session.execute(select(Event.__table__).order_by(Event.seq))
        return [dict(r._mapping) for r in rows]


def list_events(db: Database) -> list[dict[str, Any]]:
    return [e for e in events(db) if not e["event_id"].startswith("setup-")]


def feed_messages(db: Database) -> list[dict[str, Any]]:
    with db.session() as session:
        rows = session.execute(select(FeedMessage.__table__).order_by(FeedMessage.id))
        return [dict(r._mapping) for r in rows]


def test_a_list_becomes_the_four_kinds_of_change(client: TestClient, scenario: Database) -> None:
    """The module's scenario: the answer, the events stored, and who is ready after."""
    answer = post_list(client, token_for(scenario, "coordinator"), LIST)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["as_of"] == "2025-07-10T08:00:00+00:00"
    assert (body["dry_run"], body["listed"], body["counts"]) == (False, 8, COUNTS)
    assert body["changes"] == expected_changes(scenario)
    assert [w["row"] for w in body["warnings"]] == [6, 7, 8, 9]
    assert "no open acute stay in RXX's units" in body["warnings"][0]["message"]
    assert "recorded as ready from 2025-07-09" in body["warnings"][2]["message"]
    assert "recorded as ready from 2025-07-08" in body["warnings"][3]["message"]

    stored = {(e["patient_id"], e["type"]): e for e in list_events(scenario)}
    assert len(stored) == 7
    ready = stored[(pid(scenario, "RX0001"), "discharge_ready")]
    assert (ready["occurred_at"], ready["pathway"]) == (datetime(2025, 7, 7, 23, 0), 1)
    late = stored[(pid(scenario, "RX0009"), "discharge_ready")]
    assert (late["occurred_at"], late["pathway"]) == (datetime(2025, 7, 9, 14, 0, 1), 2)
    again = stored[(pid(scenario, "RX0011"), "discharge_ready")]
    assert again["occurred_at"] == datetime(2025, 7, 8, 11, 0, 1)
    at_as_of = [e for e in stored.values() if e["type"] != "discharge_ready"]
    assert {e["occurred_at"] for e in at_as_of} == {AS_OF_UTC}
    assert stored[(pid(scenario, "RX0003"), "delay_reason")]["reason_code"] == "T1"
    assert stored[(pid(scenario, "RX0002"), "pathway_changed")]["pathway"] == 2

    # Who is ready just after as_of, as the coordinator's list reads it.
    ready_after = client.get(
        "/api/v1/patients/ready",
        params={"as_of": "2025-07-10T09:01:00+01:00", "organisation": "RXX"},
        headers=token_for(scenario, "coordinator"),
    ).json()["patients"]
    seen = {p["patient_id"]: (p["pathway"], p["reason_code"], p["discharge_ready_date"])
            for p in ready_after}  # fmt: skip
    assert seen == {
        pid(scenario, "RX0001"): (1, "H1", "2025-07-08"),
        pid(scenario, "RX0002"): (2, None, "2025-07-05"),
        pid(scenario, "RX0003"): (3, "T1", "2025-07-06"),
        pid(scenario, "RX0005"): (1, "H1", "2025-07-07"),
        pid(scenario, "RX0009"): (2, None, "2025-07-09"),
        pid(scenario, "RX0011"): (1, None, "2025-07-08"),
    }


def test_the_upload_is_recorded_without_ids(client: TestClient, scenario: Database) -> None:
    """feed_message: one row with the counts; the audit log: the event ids stored; no MRN in
    any text column of any table."""
    answer = post_list(client, token_for(scenario, "coordinator"), LIST)
    assert answer.status_code == 200, answer.text
    [message] = feed_messages(scenario)
    assert (message["kind"], message["outcome"], message["event_id"]) == (
        "readiness",
        "accepted",
        None,
    )
    assert message["reason"] == (
        "8 listed; discharge_ready 3, pathway_changed 1, delay_reason 2, "
        "readiness_withdrawn 1; 4 warnings"
    )
    with scenario.session() as session:
        [entry] = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "feed.readiness")
        ).all()
        assert entry.target == "LTH"
        assert entry.detail is not None
        for e in list_events(scenario):
            assert e["event_id"] in entry.detail
        connection = session.connection()
        found = []
        for table in inspect(connection).get_table_names():
            for row in connection.execute(text(f"SELECT * FROM {table}")):
                found += [(table, v) for v in row if isinstance(v, str) and "RX00" in v]
    assert found == []


def test_a_dry_run_answers_the_same_and_stores_nothing(
    client: TestClient, scenario: Database
) -> None:
    coordinator = token_for(scenario, "coordinator")
    before = events(scenario)
    dry = post_list(client, coordinator, LIST, dry_run=True)
    assert dry.status_code == 200, dry.text
    assert events(scenario) == before
    assert feed_messages(scenario) == []
    real = post_list(client, coordinator, LIST)
    assert dry.json() == real.json() | {"dry_run": True}
    assert dry.json()["changes"] == expected_changes(scenario)


def test_the_same_list_again_stores_nothing(client: TestClient, scenario: Database) -> None:
    """Sent again at the same as_of, the list matches the record: no change, nothing stored.
    RX0009's and RX0011's listed dates now differ from the DRDs recorded: warnings."""
    coordinator = token_for(scenario, "coordinator")
    post_list(client, coordinator, LIST)
    stored = events(scenario)
    again = post_list(client, coordinator, LIST)
    assert again.status_code == 200, again.text
    body = again.json()
    assert body["counts"] == dict.fromkeys(COUNTS, 0)
    assert body["changes"] == []
    assert [w["row"] for w in body["warnings"]] == [6, 7, 8, 9]
    assert "not the discharge ready date on record (2025-07-09)" in body["warnings"][2]["message"]
    assert events(scenario) == stored
    later = post_list(client, coordinator, LIST, as_of="2025-07-10T15:00:00+01:00")
    assert later.json()["changes"] == []
    assert events(scenario) == stored


def test_a_listed_person_with_no_stay_is_a_warning(client: TestClient, trust: Database) -> None:
    body = "local_patient_id,ready_date,pathway\nRX0006,2025-07-09,1\n"
    answer = post_list(client, token_for(trust, "coordinator"), body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["counts"] == dict.fromkeys(COUNTS, 0)
    [warning] = answer.json()["warnings"]
    assert warning == {
        "row": 2,
        "message": "no open acute stay in RXX's units at as_of: nothing recorded",
    }
    assert events(trust) == []


def test_bad_rows_are_all_listed_and_nothing_stored(client: TestClient, scenario: Database) -> None:
    """Every refusal at once: an empty id (row 2), one over 64 characters (3), an NHS number
    however written (4, 5), the same id twice (7 repeats 6), a date that is no date (8), after
    as_of's local date (9), before 2000 (10), impossible (11), a pathway of 4 (12), an unknown
    reason (13). Row 6 is fine; the blank row 14 is skipped; row 15 has a value beyond the
    header. Dry run or not: 422, nothing stored."""
    body = (
        "local_patient_id,ready_date,pathway,reason_code\n"
        ",2025-07-08,1,\n"
        f"{'X' * 65},2025-07-08,1,\n"
        "943 476 5919,2025-07-08,1,\n"
        "NHS: (943)-476.5919,2025-07-08,1,\n"
        "RX0001,2025-07-08,1,\n"
        " RX0001 ,2025-07-08,1,\n"
        "RX0002,9434765919,1,\n"
        "RX0003,2025-07-11,1,\n"
        "RX0004,31/12/1999,1,\n"
        "RX0005,2025-02-30,1,\n"
        "RX0006,2025-07-08,4,\n"
        "RX0007,2025-07-08,1,Z9\n"
        ",,,\n"
        "RX0009,2025-07-08,1,,extra\n"
    )
    coordinator = token_for(scenario, "coordinator")
    before = events(scenario)
    expected = [
        {"row": 2, "column": "local_patient_id",
         "message": "is empty: give the hospital's own patient id (its MRN)"},
        {"row": 3, "column": "local_patient_id", "message": "is longer than 64 characters"},
        {"row": 4, "column": "local_patient_id",
         "message": "looks like an NHS number: give the hospital's own patient id (its MRN)"},
        {"row": 5, "column": "local_patient_id",
         "message": "looks like an NHS number: give the hospital's own patient id (its MRN)"},
        {"row": 7, "column": "local_patient_id",
         "message": "lists the same person again (first on row 6)"},
        {"row": 8, "column": "ready_date",
         "message": "the value is not a date: write YYYY-MM-DD or DD/MM/YYYY, or use a date "
                    "cell"},
        {"row": 9, "column": "ready_date",
         "message": "2025-07-11 is after 2025-07-10, the local date of as_of"},
        {"row": 10, "column": "ready_date", "message": "1999-12-31 is before 2000-01-01"},
        {"row": 11, "column": "ready_date",
         "message": "'2025-02-30' is not a date: write YYYY-MM-DD or DD/MM/YYYY, or use a date "
                    "cell"},
        {"row": 12, "column": "pathway", "message": "'4' is not a pathway: give 0, 1, 2 or 3"},
        {"row": 13, "column": "reason_code",
         "message": "'Z9' is not a national delay reason code (H1–H7, T1–T3, I1–I12, …)"},
        {"row": 15, "column": None, "message": "column E has a value but no header"},
    ]  # fmt: skip
    for dry_run in (True, False):
        answer = post_list(client, coordinator, body, dry_run=dry_run)
        assert answer.status_code == 422, answer.text
        assert answer.json() == {"errors": expected}
        assert "943" not in answer.text and "5919" not in answer.text
    assert events(scenario) == before
    [refused] = feed_messages(scenario)
    assert refused["outcome"] == "refused"
    assert refused["reason"].startswith("12 problems; first, row 2 local_patient_id: is empty")


def test_the_header_is_checked(client: TestClient, trust: Database) -> None:
    """An unknown column is refused (it could hold names), a missing one too; row 1."""
    body = "Local_Patient_ID,ready_date,Patient name,reason_code,ready_date\nRX1,2025-07-08,A,\n"
    answer = post_list(client, token_for(trust, "coordinator"), body)
    assert answer.status_code == 422
    assert answer.json()["errors"] == [
        {
            "row": 1,
            "column": "Patient name",
            "message": "is not a column of a readiness list: remove it (a list holds "
            "local_patient_id, ready_date, pathway, reason_code only, never names or other "
            "details)",
        },
        {"row": 1, "column": "ready_date", "message": "appears twice"},
        {"row": 1, "column": "pathway", "message": "is missing: every list has this column"},
    ]


def test_a_pseudonym_from_the_list_is_the_one_from_adt(client: TestClient, trust: Database) -> None:
    """An A01 through POST /hl7v2 (MRN RX1234567, WARD7, 2025-07-01 10:00 BST), then a list
    naming the same MRN: its discharge_ready is about the patient the admission made."""
    coordinator = token_for(trust, "coordinator")
    acked = client.post(
        "/api/v1/feeds/LTH/hl7v2",
        content=adt("A01", control="M1"),
        headers={"content-type": "application/hl7-v2"} | coordinator,
    )
    assert "MSA|AA|M1" in acked.text
    body = f"local_patient_id,ready_date,pathway\n{MRN},2025-07-02,1\n"
    answer = post_list(client, coordinator, body)
    assert answer.status_code == 200, answer.text
    [admitted, ready] = events(trust)
    assert admitted["type"] == "admitted" and ready["type"] == "discharge_ready"
    assert ready["patient_id"] == admitted["patient_id"]
    assert answer.json()["changes"][0]["patient_id"] == admitted["patient_id"]


def xlsx(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_xlsx_list_gives_what_the_csv_gives(client: TestClient, scenario: Database) -> None:
    """The scenario's list as a workbook: date cells, number cells, a blank row 6 (so the
    rows after it are one further down than in the CSV) and a second sheet, never read."""
    d = datetime
    rows: list[list[Any]] = [
        ["local_patient_id", "ready_date", "pathway", "reason_code"],
        ["RX0001", d(2025, 7, 8), 1, "H1"],
        ["RX0002", "05/07/2025", 2.0, None],
        ["RX0003", d(2025, 7, 6), 3, "t1"],
        ["RX0005", "2025-07-07", "1", "H1"],
        [None, None, None, None],
        ["RX0006", d(2025, 7, 9), 1, None],
        ["RX0007", d(2025, 7, 5), 1, None],
        ["RX0009", d(2025, 7, 8), 2, None],
        ["RX0011", d(2025, 7, 5), "P1", None],
    ]
    coordinator = token_for(scenario, "coordinator")
    from_csv = post_list(client, coordinator, LIST, dry_run=True).json()
    answer = post_list(client, coordinator, xlsx(rows), dry_run=True, media=XLSX)
    assert answer.status_code == 200, answer.text
    shifted = [c | {"row": c["row"] + 1 if c["row"] and c["row"] > 5 else c["row"]}
               for c in from_csv["changes"]]  # fmt: skip
    assert answer.json()["changes"] == shifted
    assert [w["row"] for w in answer.json()["warnings"]] == [7, 8, 9, 10]
    assert answer.json()["counts"] == COUNTS


def test_xlsx_rows_are_numbered_as_the_sheet_shows_them(
    client: TestClient, trust: Database
) -> None:
    """A number cell holding an NHS number is refused like the text; a number is not a date."""
    rows: list[list[Any]] = [
        ["local_patient_id", "ready_date", "pathway"],
        [9434765919, datetime(2025, 7, 8), 1],
        [None, None, None],
        ["RX0001", 45845, 1.5],
    ]
    answer = post_list(client, token_for(trust, "coordinator"), xlsx(rows), media=XLSX)
    assert answer.status_code == 422
    assert answer.json()["errors"] == [
        {
            "row": 2,
            "column": "local_patient_id",
            "message": "looks like an NHS number: give the hospital's own patient id (its MRN)",
        },
        {
            "row": 4,
            "column": "ready_date",
            "message": "is a number, not a date: write YYYY-MM-DD or DD/MM/YYYY, or use a "
            "date cell",
        },
        {"row": 4, "column": "pathway", "message": "'1.5' is not a pathway: give 0, 1, 2 or 3"},
    ]


def test_a_feed_token_of_another_organisation_is_refused(
    client: TestClient, scenario: Database
) -> None:
    before = events(scenario)
    york = token_for(scenario, "feed", scope="RYY")
    assert post_list(client, york, LIST).status_code == 403
    assert post_list(client, token_for(scenario, "partner", scope="RXX"), LIST).status_code == 403
    assert events(scenario) == before and feed_messages(scenario) == []
    own = post_list(client, token_for(scenario, "feed", scope="RXX"), LIST)
    assert own.status_code == 200, own.text
    assert own.json()["counts"] == COUNTS


def test_an_unknown_feed_is_a_404(client: TestClient, trust: Database) -> None:
    answer = post_list(client, token_for(trust, "coordinator"), LIST, code="NOPE")
    assert answer.status_code == 404
    assert feed_messages(trust) == []


def test_a_second_list_at_the_same_as_of_cannot_contradict_the_first(
    client: TestClient, scenario: Database
) -> None:
    """Row 3 first gives pathway 2, then 3, at the same as_of: the event id is the same with
    other content, which the ledger refuses; the answer names the row. A later as_of works."""
    coordinator = token_for(scenario, "coordinator")
    post_list(client, coordinator, LIST)
    stored = events(scenario)
    corrected = LIST.replace("RX0002,05/07/2025,2,", "RX0002,05/07/2025,3,")
    answer = post_list(client, coordinator, corrected)
    assert answer.status_code == 422
    assert answer.json()["errors"] == [
        {
            "row": 3,
            "column": None,
            "message": "a list sent earlier for this as_of recorded another pathway_changed "
            "for this person; send the corrected list with a later as_of",
        }
    ]
    assert events(scenario) == stored
    later = post_list(client, coordinator, corrected, as_of="2025-07-10T10:00:00+01:00")
    assert later.status_code == 200, later.text
    assert [(c["change"], c["from"], c["to"]) for c in later.json()["changes"]] == [
        ("pathway_changed", 2, 3)
    ]


@pytest.mark.parametrize(
    ("as_of", "message"),
    [
        ("2025-07-10T09:00:00", "needs a UTC offset, e.g. +00:00 or Z"),
        ("yesterday", "'yesterday' is not an ISO 8601 date and time"),
        ("1999-12-31T12:00:00+00:00", "is before 2000-01-01"),
        ("0001-01-01T00:00:00+01:00", "is before 2000-01-01"),
        ("2100-06-01T00:00:00+00:00", "is more than 5 minutes in the future"),
    ],
)
def test_as_of_is_checked(client: TestClient, trust: Database, as_of: str, message: str) -> None:
    answer = post_list(client, token_for(trust, "coordinator"), LIST, as_of=as_of)
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["message"].startswith(message)


def test_as_of_defaults_to_now(client: TestClient, trust: Database) -> None:
    body = "local_patient_id,ready_date,pathway\n"
    answer = post_list(client, token_for(trust, "coordinator"), body, as_of=None)
    assert answer.status_code == 200, answer.text
    at = datetime.fromisoformat(answer.json()["as_of"])
    assert abs((datetime.now(at.tzinfo) - at).total_seconds()) < 60


@pytest.mark.parametrize(
    ("body", "media", "status"),
    [
        (b'{"local_patient_id": "RX1"}', {"content-type": "application/json"}, 415),
        (b"\xd0\xcf\x11\xe0 an old workbook", {"content-type": "application/vnd.ms-excel"}, 415),
        (b"PK\x03\x04 not really a zip", XLSX, 422),
        (b"not a workbook", XLSX, 422),
    ],
)
def test_a_body_that_is_no_list_is_refused(
    client: TestClient, trust: Database, body: bytes, media: dict[str, str], status: int
) -> None:
    answer = post_list(client, token_for(trust, "coordinator"), body, media=media)
    assert answer.status_code == status, answer.text
    [error] = answer.json()["errors"]
    assert (error["row"], error["column"]) == (None, None)


def test_a_list_longer_than_a_ledger_batch_is_stored_whole_or_not_at_all(
    client: TestClient, scenario: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ledger batches of 2 events: the scenario's 7 events go in 4 batches. With an event
    already stored under the id of the last one (RX0004's withdrawal) but other content, the
    last batch is refused and the first three are not kept either; the error names the
    unlisted patient by pseudonym, and feed_message keeps no id. Without it, all 7 are kept."""
    monkeypatch.setattr("feeds.readiness.receive.MAX_BATCH", 2)
    coordinator = token_for(scenario, "coordinator")
    withdrawn = event_id("LTH", AS_OF_UTC, pid(scenario, "RX0004"), "readiness_withdrawn")
    taken = {"event_id": withdrawn, "type": "delay_reason", "patient_id": pid(scenario, "RX0004")}
    taken |= {"occurred_at": "2025-07-05T10:00:00+01:00", "reason_code": "H1"}
    assert client.post("/api/v1/events", json=[taken], headers=coordinator).status_code == 200
    before = events(scenario)
    answer = post_list(client, coordinator, LIST)
    assert answer.status_code == 422
    assert answer.json()["errors"] == [
        {
            "row": None,
            "column": None,
            "message": f"readiness_withdrawn of {pid(scenario, 'RX0004')}: a list sent earlier "
            "for this as_of recorded another readiness_withdrawn for this person; send the "
            "corrected list with a later as_of",
        }
    ]
    assert events(scenario) == before
    [refused] = feed_messages(scenario)
    assert refused["reason"] == "1 problem; first, the list"

    later = post_list(client, coordinator, LIST, as_of="2025-07-10T09:30:00+01:00")
    assert later.status_code == 200, later.text
    assert later.json()["counts"] == COUNTS
    assert len(events(scenario)) == len(before) + 7
