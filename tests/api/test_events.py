"""POST /api/v1/events: SPEC §3. Each test writes out the patient's timeline it builds.

Units (conftest `system`): W1, W2 acute; H1 home_service (P1); B1 community_bed (P2).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from ledger.text import NHS_NUMBER, NHS_NUMBER_IN_TEXT
from models import Event, ReadinessPeriod, Spell, Stay
from store.database import Database
from tests.ledger.test_nhs_number import (
    IDENTIFIER_DISGUISES,
    TEXT_DISGUISES,
    invalid_numbers,
    nhs_numbers,
)
from tests.metrics.scenario import forget_events

URL = "/api/v1/events"


def ev(event_id: str, type_: str, at: str, patient: str = "p1", **payload: Any) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "type": type_,
        "patient_id": patient,
        "occurred_at": at,
        **payload,
    }


def post(client: TestClient, headers: dict[str, str], batch: Any) -> Any:
    return client.post(URL, json=batch, headers=headers)


def counts(db: Database) -> tuple[int, int, int]:
    with db.session() as s:
        return (
            s.scalar(select(func.count()).select_from(Event)) or 0,
            s.scalar(select(func.count()).select_from(Spell)) or 0,
            s.scalar(select(func.count()).select_from(Stay)) or 0,
        )


def spells(db: Database, patient: str = "p1") -> list[Spell]:
    with db.session() as s:
        return list(
            s.scalars(select(Spell).where(Spell.patient_id == patient).order_by(Spell.admitted_at))
        )


ADMIT = ev(
    "a1", "admitted", "2025-03-03T14:00:00+00:00", unit_code="W1", admission_method="emergency"
)
READY = ev("r1", "discharge_ready", "2025-03-05T09:00:00+00:00", pathway=1)
DISCHARGE = ev(
    "d1", "discharged", "2025-03-07T10:00:00+00:00", destination="usual_residence", pathway=1
)


@pytest.fixture
def headers(system: Database, coordinator: dict[str, str]) -> dict[str, str]:
    return coordinator


def test_a_whole_stay_derives_spell_delay_and_readiness(
    client: TestClient, db: Database, headers: dict[str, str]
) -> None:
    # Mon 3 Mar 14:00 admitted W1; Wed 5 Mar 09:00 ready (P1); Fri 7 Mar 10:00 home on P1.
    # DRD = 5 Mar; delay = 7 − 5 = 2 days.
    assert post(client, headers, [ADMIT, READY, DISCHARGE]).json() == {
        "accepted": 3,
        "duplicates": 0,
    }
    [spell] = spells(db)
    assert (str(spell.discharge_ready_date), spell.delay_days, spell.discharge_pathway) == (
        "2025-03-05",
        2,
        1,
    )
    assert spell.journey_id == "a1"


def test_out_of_order_events_are_accepted_when_the_timeline_fits(
    client: TestClient, db: Database, headers: dict[str, str]
) -> None:
    # Sent: discharge first, then admission and readiness in a later batch.
    # Timeline once inserted: admitted 3 Mar, ready 5 Mar, discharged 7 Mar — consistent.
    assert post(client, headers, [DISCHARGE]).status_code == 422  # alone it has no stay
    assert post(client, headers, [ADMIT]).status_code == 200
    assert post(client, headers, [DISCHARGE]).status_code == 200
    assert post(client, headers, [READY]).status_code == 200  # late readiness inside a closed stay
    [spell] = spells(db)
    assert spell.delay_days == 2


def test_readiness_withdrawn_then_declared_again_uses_the_final_period(
    client: TestClient, db: Database, headers: dict[str, str]
) -> None:
    # 3 Mar admitted; 4 Mar 10:00 ready; 5 Mar 08:00 withdrawn (deteriorated);
    # 8 Mar 11:00 ready again;
    # 10 Mar 15:00 discharged. Final readiness starts 8 Mar: delay = 10 − 8 = 2 (not 6).
    batch = [
        ADMIT,
        ev("r1", "discharge_ready", "2025-03-04T10:00:00+00:00"),
        ev("w1", "readiness_withdrawn", "2025-03-05T08:00:00+00:00"),
        ev("r2", "discharge_ready", "2025-03-08T11:00:00+00:00", pathway=0),
        ev(
            "d1",
            "discharged",
            "2025-03-10T15:00:00+00:00",
            destination="usual_residence",
            pathway=0,
        ),
    ]
    assert post(client, headers, batch).status_code == 200
    [spell] = spells(db)
    assert (str(spell.discharge_ready_date), spell.delay_days) == ("2025-03-08", 2)
    with db.session() as s:
        ended = [
            r.ended_by for r in s.scalars(select(ReadinessPeriod).order_by(ReadinessPeriod.seq))
        ]
    assert ended == ["readiness_withdrawn", "discharged"]


def test_late_withdrawal_inside_a_closed_stay_changes_the_delay(
    client: TestClient, db: Database, headers: dict[str, str]
) -> None:
    # Stored: admitted 3 Mar, ready 4 Mar, discharged 7 Mar (delay 3).
    # Late: withdrawn 5 Mar 12:00 → the person was not ready at discharge: delay 0, no DRD.
    batch = [ADMIT, ev("r1", "discharge_ready", "2025-03-04T10:00:00+00:00"), DISCHARGE]
    assert post(client, headers, batch).status_code == 200
    assert spells(db)[0].delay_days == 3
    assert (
        post(
            client, headers, [ev("w1", "readiness_withdrawn", "2025-03-05T12:00:00+00:00")]
        ).status_code
        == 200
    )
    [spell] = spells(db)
    assert (spell.delay_days, spell.discharge_ready_date) == (0, None)


def test_ward_transfer_keeps_the_spell(
    client: TestClient, db: Database, headers: dict[str, str]
) -> None:
    # 3 Mar W1; 4 Mar 12:00 ready; 5 Mar 16:00 transferred to W2; 7 Mar discharged from W2.
    # One spell (admitted 3 Mar, DRD 4 Mar, delay 3), two stays W1 then W2.
    batch = [
        ADMIT,
        ev("r1", "discharge_ready", "2025-03-04T12:00:00+00:00", pathway=1),
        ev("t1", "transferred", "2025-03-05T16:00:00+00:00", unit_code="W2"),
        DISCHARGE,
    ]
    assert post(client, headers, batch).status_code == 200
    [spell] = spells(db)
    assert (spell.first_unit_code, spell.last_unit_code, spell.delay_days) == ("W1", "W2", 3)
    with db.session() as s:
        stays = [(x.unit_code, x.ended_by) for x in s.scalars(select(Stay).order_by(Stay.seq))]
    assert stays == [("W1", "transferred"), ("W2", "discharged")]


def test_transfer_between_kinds_is_refused(
    client: TestClient, db: Database, headers: dict[str, str]
) -> None:
    # Acute W1 → community bed B1 must be a discharge then an admission, not a transfer.
    response = post(
        client,
        headers,
        [ADMIT, ev("t1", "transferred", "2025-03-04T10:00:00+00:00", unit_code="B1")],
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["index"], error["event_id"], error["field"]) == (1, "t1", "unit_code")
    assert "same kind" in error["message"]
    assert counts(db) == (0, 0, 0)


def test_acute_discharge_to_d2a_links_the_journey(
    client: TestClient, db: Database, headers: dict[str, str]
) -> None:
    # Acute W1 3–7 Mar (P2), admitted to B1 on 7 Mar 13:00 (3 h later), discharged home 20 Mar;
    # then H1 (P1) from 21 Mar 09:00 (within 48 h of leaving B1): all one journey "a1".
    batch = [
        ADMIT,
        ev("d1", "discharged", "2025-03-07T10:00:00+00:00", destination="community_bed", pathway=2),
        ev("a2", "admitted", "2025-03-07T13:00:00+00:00", unit_code="B1"),
        ev("d2", "discharged", "2025-03-20T11:00:00+00:00", destination="usual_residence"),
        ev("a3", "admitted", "2025-03-21T09:00:00+00:00", unit_code="H1"),
    ]
    assert post(client, headers, batch).status_code == 200
    assert [(s.setting, s.journey_id) for s in spells(db)] == [
        ("acute", "a1"),
        ("community_bed", "a1"),
        ("home_service", "a1"),
    ]


def test_overlapping_admission_is_refused(
    client: TestClient, db: Database, headers: dict[str, str]
) -> None:
    # Stored: W1 3 Mar 14:00 → 7 Mar 10:00. New: admitted W2 5 Mar — two open stays at once.
    assert post(client, headers, [ADMIT, READY, DISCHARGE]).status_code == 200
    before = counts(db)
    response = post(
        client, headers, [ev("a2", "admitted", "2025-03-05T10:00:00+00:00", unit_code="W2")]
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["event_id"] == "a2" and "open stay" in error["message"]
    assert counts(db) == before


def test_an_earlier_admission_that_breaks_a_stored_one_is_blamed(
    client: TestClient, db: Database, headers: dict[str, str]
) -> None:
    # Stored: admitted W1 3 Mar (open). New: admitted W2 1 Mar with no discharge —
    # then the stored admission of 3 Mar would find an open stay.
    assert post(client, headers, [ADMIT]).status_code == 200
    response = post(
        client, headers, [ev("a0", "admitted", "2025-03-01T10:00:00+00:00", unit_code="W2")]
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["event_id"] == "a0" and "stored event 'a1'" in error["message"]


def test_events_outside_any_stay_are_refused(
    client: TestClient, db: Database, headers: dict[str, str]
) -> None:
    # Stay 3–7 Mar. A readiness on 9 Mar and a delay reason on 2 Mar fall outside it.
    assert post(client, headers, [ADMIT, READY, DISCHARGE]).status_code == 200
    response = post(
        client,
        headers,
        [
            ev("r9", "discharge_ready", "2025-03-09T10:00:00+00:00"),
            ev("x2", "delay_reason", "2025-03-02T10:00:00+00:00", reason_code="C2"),
        ],
    )
    assert response.status_code == 422
    assert [(e["index"], e["event_id"]) for e in response.json()["errors"]] == [
        (0, "r9"),
        (1, "x2"),
    ]


def test_withdrawal_or_reason_when_not_ready_is_refused(
    client: TestClient, db: Database, headers: dict[str, str]
) -> None:
    # Admitted 3 Mar, never ready: a withdrawal and a delay reason have nothing to apply to.
    response = post(
        client,
        headers,
        [
            ADMIT,
            ev("w1", "readiness_withdrawn", "2025-03-04T10:00:00+00:00"),
            ev("x1", "delay_reason", "2025-03-04T11:00:00+00:00", reason_code="H1"),
        ],
    )
    assert response.status_code == 422
    assert [e["event_id"] for e in response.json()["errors"]] == ["w1", "x1"]
    assert counts(db) == (0, 0, 0)


def test_acute_discharge_alive_needs_a_pathway_but_death_does_not(
    client: TestClient, db: Database, headers: dict[str, str]
) -> None:
    no_pathway = ev("d1", "discharged", "2025-03-07T10:00:00+00:00", destination="usual_residence")
    response = post(client, headers, [ADMIT, no_pathway])
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "pathway"
    died = ev("d1", "discharged", "2025-03-07T10:00:00+00:00", destination="died")
    assert post(client, headers, [ADMIT, died]).status_code == 200


BAD_FIELDS = [
    ({"unit_code": "NOPE"}, "unit_code", "unknown unit"),
    ({"pathway": 4}, "pathway", "less than or equal to 3"),
    ({"pathway": -1}, "pathway", "greater than or equal to 0"),
    ({"occurred_at": "2025-03-03T14:00:00"}, "occurred_at", "offset"),
    ({"occurred_at": "yesterday"}, "occurred_at", "ISO 8601"),
    ({"occurred_at": "2025-03-33T14:00:00+00:00"}, "occurred_at", "datetime"),
    ({"patient_id": ""}, "patient_id", "at least 1"),
    ({"patient_id": "x" * 65}, "patient_id", "at most 64"),
    ({"event_id": "e" * 65}, "event_id", "at most 64"),
    ({"patient_id": "943 476 5919"}, "patient_id", "NHS number"),
    ({"name": "Jane Doe"}, "name", "not a field"),
    ({"type": "moved"}, "type", "Input should be"),
    ({"reason_code": "H1"}, "reason_code", "not a field of a admitted event"),
    ({"source": "castle"}, "source", "unknown destination"),
    ({"admission_method": "ambulance"}, "admission_method", "Input should be"),
]


@pytest.mark.parametrize(("change", "field", "words"), BAD_FIELDS)
def test_bad_fields_are_refused_with_field_and_reason(
    client: TestClient,
    db: Database,
    headers: dict[str, str],
    change: dict[str, Any],
    field: str,
    words: str,
) -> None:
    response = post(client, headers, [READY | {"event_id": "ok"}, ADMIT | change])
    assert response.status_code == 422
    errors = response.json()["errors"]
    mine = [e for e in errors if e["index"] == 1]
    assert mine and mine[0]["field"] == field and words in mine[0]["message"], errors
    assert counts(db) == (0, 0, 0)


def test_missing_required_fields_by_type(
    client: TestClient, db: Database, headers: dict[str, str]
) -> None:
    batch = [
        {
            "event_id": "a1",
            "type": "admitted",
            "patient_id": "p1",
            "occurred_at": "2025-03-03T14:00:00+00:00",
        },
        ev("x1", "delay_reason", "2025-03-04T10:00:00+00:00"),
        ev("c1", "pathway_changed", "2025-03-04T10:00:00+00:00"),
        ev("d1", "discharged", "2025-03-04T10:00:00+00:00", pathway=1),
        ev("v1", "void", "2025-03-04T10:00:00+00:00"),
        {"type": "admitted"},
    ]
    errors = post(client, headers, batch).json()["errors"]
    got = {(e["index"], e["field"]) for e in errors}
    assert {
        (0, "unit_code"),
        (1, "reason_code"),
        (2, "pathway"),
        (3, "destination"),
        (4, "voids_event_id"),
    } <= got
    assert {(5, "event_id"), (5, "patient_id"), (5, "occurred_at")} <= got


def test_times_more_than_five_minutes_ahead_are_refused(
    client: TestClient, db: Database, headers: dict[str, str]
) -> None:
    soon = (datetime.now(UTC) + timedelta(minutes=3)).isoformat()
    later = (datetime.now(UTC) + timedelta(minutes=10)).isoformat()
    assert post(client, headers, [ev("a1", "admitted", soon, unit_code="W1")]).status_code == 200
    response = post(client, headers, [ev("a2", "admitted", later, patient="p2", unit_code="W1")])
    assert response.status_code == 422
    assert response.json()["errors"][0]["message"] == "is more than 5 minutes in the future"


@pytest.mark.parametrize(
    "at",
    [
        1741010400,  # 2025-03-03T14:00Z as seconds since 1970
        1741010400.5,
        "1741010400",
        " 1741010400 ",
        True,
        None,
        ["2025-03-03T14:00:00+00:00"],
    ],
)
def test_a_time_is_an_iso_string_never_a_number(
    client: TestClient, db: Database, headers: dict[str, str], at: Any
) -> None:
    response = post(client, headers, [ADMIT | {"occurred_at": at}])
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["index"], error["event_id"], error["field"]) == (0, "a1", "occurred_at")
    assert error["message"].startswith("must be an ISO 8601 time with an offset"), error
    if isinstance(at, int | float) and not isinstance(at, bool):
        assert error["message"].endswith(", not a number")
    assert counts(db) == (0, 0, 0)


@pytest.mark.parametrize(
    "at",
    [
        "1999-12-31T23:59:59+00:00",
        "2000-01-01T00:30:00+01:00",  # 1999-12-31T23:30Z
        "0001-01-01T00:00:00+00:00",
        "0001-01-01T00:00:00+14:00",  # would underflow converted to UTC
    ],
)
def test_times_before_2000_are_refused(
    client: TestClient, db: Database, headers: dict[str, str], at: str
) -> None:
    # The year-1 event used to be stored, and then broke every figure-tally refresh.
    response = post(client, headers, [ADMIT, READY | {"occurred_at": at}])
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["index"], error["field"]) == (1, "occurred_at")
    assert error["message"] == (
        "is before 2000-01-01: dates from 2000-01-01 to 2100-12-31 are accepted"
    )
    assert counts(db) == (0, 0, 0)


def test_the_first_instant_of_2000_is_accepted(
    client: TestClient, db: Database, headers: dict[str, str]
) -> None:
    # 2000-01-01T01:00+01:00 is midnight UTC, the first instant accepted.
    first = ADMIT | {"occurred_at": "2000-01-01T01:00:00+01:00"}
    assert post(client, headers, [first]).json() == {"accepted": 1, "duplicates": 0}
    assert spells(db)[0].admitted_at == datetime(2000, 1, 1, 0, 0)


@pytest.mark.parametrize(
    "at",
    ["9999-12-31T23:59:59-14:00", "9999-12-31T23:59:59+00:00", "2101-01-01T00:00:00+00:00"],
)
def test_times_at_the_end_of_the_calendar_are_a_clean_422(
    client: TestClient, db: Database, headers: dict[str, str], at: str
) -> None:
    # The first used to overflow as it was converted to UTC: a 500.
    assert post(client, headers, [ADMIT]).status_code == 200
    response = post(client, headers, [READY | {"occurred_at": at}])
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "index": 0,
            "event_id": "r1",
            "field": "occurred_at",
            "message": "is more than 5 minutes in the future",
        }
    ]
    assert counts(db) == (1, 1, 1)


def test_offsets_are_honoured(client: TestClient, db: Database, headers: dict[str, str]) -> None:
    # 2025-07-01T00:30+01:00 is 23:30 UTC on 30 June; its local date is 1 July.
    assert (
        post(
            client, headers, [ev("a1", "admitted", "2025-07-01T00:30:00+01:00", unit_code="W1")]
        ).status_code
        == 200
    )
    [spell] = spells(db)
    assert spell.admitted_at == datetime(2025, 6, 30, 23, 30)
    assert spell.admitted_date.isoformat() == "2025-07-01"


def test_a_batch_is_atomic(client: TestClient, db: Database, headers: dict[str, str]) -> None:
    # Two good patients and one bad event: nothing is stored.
    batch = [
        ADMIT,
        ev("a2", "admitted", "2025-03-03T15:00:00+00:00", patient="p2", unit_code="W1"),
        READY | {"pathway": 9},
    ]
    assert post(client, headers, batch).status_code == 422
    assert counts(db) == (0, 0, 0)


def test_duplicates_are_counted_not_stored(
    client: TestClient, db: Database, headers: dict[str, str]
) -> None:
    assert post(client, headers, [ADMIT, READY]).json() == {"accepted": 2, "duplicates": 0}
    same_instant = ADMIT | {"occurred_at": "2025-03-03T15:00:00+01:00"}  # the same moment
    assert post(client, headers, [same_instant, READY, DISCHARGE]).json() == {
        "accepted": 1,
        "duplicates": 2,
    }
    assert post(client, headers, [DISCHARGE, DISCHARGE]).json() == {"accepted": 0, "duplicates": 2}
    assert counts(db)[0] == 3


def test_same_id_other_content_is_a_conflict(
    client: TestClient, db: Database, headers: dict[str, str]
) -> None:
    assert post(client, headers, [ADMIT]).status_code == 200
    response = post(client, headers, [ADMIT | {"unit_code": "W2"}])
    assert response.status_code == 409
    assert response.json()["errors"][0] == {
        "index": 0,
        "event_id": "a1",
        "field": "event_id",
        "message": "is already stored with other content",
    }
    twice = post(client, headers, [READY, READY | {"pathway": 2}])
    assert (
        twice.status_code == 422 and "twice in this batch" in twice.json()["errors"][0]["message"]
    )


def test_void_retracts_and_replacement_corrects(
    client: TestClient, db: Database, headers: dict[str, str]
) -> None:
    # Wrong: discharged 7 Mar to usual residence on P1. Void it and send the right one:
    # discharged 7 Mar to a new care home on P3. The timeline shows both, the first voided.
    assert post(client, headers, [ADMIT, READY, DISCHARGE]).status_code == 200
    fix = [
        ev(
            "v1", "void", "2025-03-08T09:00:00+00:00", voids_event_id="d1", note="wrong destination"
        ),
        ev(
            "d1b", "discharged", "2025-03-07T10:00:00+00:00", destination="care_home_new", pathway=3
        ),
    ]
    assert post(client, headers, fix).status_code == 200
    [spell] = spells(db)
    assert (spell.destination, spell.discharge_pathway) == ("care_home_new", 3)
    timeline = client.get("/api/v1/patients/p1/timeline", headers=headers).json()
    assert {e["event_id"]: e["voided_by"] for e in timeline["events"]}["d1"] == "v1"


def test_the_timeline_gives_every_time_with_its_utc_offset(
    client: TestClient, db: Database, headers: dict[str, str]
) -> None:
    # Sent in BST: admitted 1 Jul 00:30+01:00 (30 Jun 23:30Z), ready 2 Jul 10:00+01:00 (09:00Z),
    # discharged 3 Jul 12:00+01:00 (11:00Z). Stored as naive UTC, answered with Z.
    batch = [
        ADMIT | {"occurred_at": "2025-07-01T00:30:00+01:00"},
        READY | {"occurred_at": "2025-07-02T10:00:00+01:00"},
        DISCHARGE | {"occurred_at": "2025-07-03T12:00:00+01:00"},
    ]
    assert post(client, headers, batch).status_code == 200
    timeline = client.get("/api/v1/patients/p1/timeline", headers=headers).json()
    assert [e["occurred_at"] for e in timeline["events"]] == [
        "2025-06-30T23:30:00Z",
        "2025-07-02T09:00:00Z",
        "2025-07-03T11:00:00Z",
    ]
    assert all(e["received_at"].endswith("Z") for e in timeline["events"])
    [spell] = timeline["spells"]
    assert (spell["admitted_at"], spell["ready_at"], spell["discharged_at"]) == (
        "2025-06-30T23:30:00Z",
        "2025-07-02T09:00:00Z",
        "2025-07-03T11:00:00Z",
    )
    assert (spell["admitted_date"], spell["discharge_ready_date"]) == ("2025-07-01", "2025-07-02")
    [stay] = spell["stays"]
    assert (stay["start_at"], stay["end_at"]) == ("2025-06-30T23:30:00Z", "2025-07-03T11:00:00Z")
    [period] = spell["readiness_periods"]
    assert (period["start_at"], period["end_at"]) == (
        "2025-07-02T09:00:00Z",
        "2025-07-03T11:00:00Z",
    )
    assert period["start_date"] == "2025-07-02"


def test_void_that_would_break_the_timeline_is_refused(
    client: TestClient, db: Database, headers: dict[str, str]
) -> None:
    # Voiding the admission would leave readiness and a discharge with no stay.
    assert post(client, headers, [ADMIT, READY, DISCHARGE]).status_code == 200
    response = post(
        client, headers, [ev("v1", "void", "2025-03-08T09:00:00+00:00", voids_event_id="a1")]
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["event_id"] == "v1"
    assert spells(db)[0].spell_id == "a1"


@pytest.mark.parametrize(
    ("target", "words"),
    [("nope", "names no event"), ("v1", "cannot be voided"), ("r1", "already voided")],
)
def test_void_targets_are_checked(
    client: TestClient, db: Database, headers: dict[str, str], target: str, words: str
) -> None:
    # Stored: a1, r1, and v1 (which voided r1).
    assert post(client, headers, [ADMIT, READY]).status_code == 200
    assert (
        post(
            client, headers, [ev("v1", "void", "2025-03-06T09:00:00+00:00", voids_event_id="r1")]
        ).status_code
        == 200
    )
    response = post(
        client, headers, [ev("v2", "void", "2025-03-06T10:00:00+00:00", voids_event_id=target)]
    )
    assert response.status_code == 422
    assert words in response.json()["errors"][0]["message"]


def test_void_of_another_patients_event_is_refused(
    client: TestClient, db: Database, headers: dict[str, str]
) -> None:
    assert post(client, headers, [ADMIT]).status_code == 200
    response = post(
        client,
        headers,
        [ev("v1", "void", "2025-03-06T09:00:00+00:00", patient="p2", voids_event_id="a1")],
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "voids_event_id"


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"[{", "application/json", 400),
        (b"{}", "application/json", 422),
        (b"[]", "application/json", 422),
        (b'[1, "x"]', "application/json", 422),
        (b"event_id=1", "application/x-www-form-urlencoded", 415),
        (b"", "application/json", 400),
    ],
)
def test_malformed_bodies_are_4xx(
    client: TestClient,
    db: Database,
    headers: dict[str, str],
    body: bytes,
    content_type: str,
    status: int,
) -> None:
    response = client.post(URL, content=body, headers=headers | {"Content-Type": content_type})
    assert response.status_code == status
    assert response.json()["errors"][0]["message"]


def test_a_batch_over_ten_thousand_is_refused(
    client: TestClient, db: Database, headers: dict[str, str]
) -> None:
    batch = [
        ev(f"a{i}", "admitted", "2025-03-03T14:00:00+00:00", patient=f"p{i}", unit_code="W1")
        for i in range(10_001)
    ]
    response = post(client, headers, batch)
    assert response.status_code == 413
    assert counts(db) == (0, 0, 0)


def test_control_characters_are_refused_not_stored(
    client: TestClient, db: Database, headers: dict[str, str]
) -> None:
    # PostgreSQL cannot store NUL: it must be a 422 naming the field on every backend.
    response = post(client, headers, [ADMIT | {"patient_id": "p\x001"}])
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "patient_id"
    note = ev(
        "v1",
        "void",
        "2025-03-04T10:00:00+00:00",
        voids_event_id="a1",
        note="line one\nline two\x00",
    )
    assert post(client, headers, [ADMIT, note]).json()["errors"][0]["field"] == "note"
    assert client.get("/api/v1/patients/p%001/timeline", headers=headers).status_code == 400


# Each field an event can carry an identifier or code in, with an event that carries it.
VOID = ev("v1", "void", "2025-03-08T09:00:00+00:00", voids_event_id="a1")
IDENTIFIER_FIELDS = {
    "event_id": ADMIT,
    "patient_id": ADMIT,
    "unit_code": ADMIT,
    "local_authority": ADMIT,
    "source": ADMIT,
    "reason_code": ev("x1", "delay_reason", "2025-03-05T10:00:00+00:00", reason_code="H1"),
    "destination": DISCHARGE,
    "voids_event_id": VOID,
}
HYPOTHESIS = settings(
    max_examples=120,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def _refused_without_the_number(
    response: Any, number: str, written: str, field: str, message: str
) -> None:
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    mine = [(e["index"], e["message"]) for e in errors if e["field"] == field]
    assert mine == [(0, message)], errors
    if field == "event_id":  # the error names no event: its id is the number
        assert [e["event_id"] for e in errors] == [None] * len(errors)
    assert number not in response.text and written.strip() not in response.text


@HYPOTHESIS
@given(
    number=nhs_numbers(),
    disguise=st.sampled_from(sorted(IDENTIFIER_DISGUISES)),
    field=st.sampled_from(sorted(IDENTIFIER_FIELDS)),
)
def test_an_nhs_number_is_refused_in_every_identifier_field(
    client: TestClient,
    db: Database,
    headers: dict[str, str],
    number: str,
    disguise: str,
    field: str,
) -> None:
    written = IDENTIFIER_DISGUISES[disguise](number)
    response = post(client, headers, [IDENTIFIER_FIELDS[field] | {field: written}])
    _refused_without_the_number(response, number, written, field, NHS_NUMBER)
    assert counts(db) == (0, 0, 0)


@HYPOTHESIS
@given(
    number=nhs_numbers(),
    disguise=st.sampled_from(sorted(TEXT_DISGUISES)),
    whole=st.sampled_from(sorted(IDENTIFIER_DISGUISES)),
)
def test_an_nhs_number_is_refused_in_a_note(
    client: TestClient,
    db: Database,
    headers: dict[str, str],
    number: str,
    disguise: str,
    whole: str,
) -> None:
    # Within a sentence, by the free-text rule; as the whole note, by the identifier rule too.
    for written in (
        f"rang about {TEXT_DISGUISES[disguise](number)} today",
        IDENTIFIER_DISGUISES[whole](number),
    ):
        response = post(client, headers, [VOID | {"note": written}])
        _refused_without_the_number(response, number, written, "note", NHS_NUMBER_IN_TEXT)
    assert counts(db) == (0, 0, 0)


@HYPOTHESIS
@given(
    invalid=invalid_numbers(),
    number=nhs_numbers(),
    glue=st.text("0123456789", min_size=1, max_size=2),
)
def test_ids_that_are_not_nhs_numbers_and_glued_digits_in_a_note_are_accepted(
    client: TestClient,
    db: Database,
    headers: dict[str, str],
    invalid: str,
    number: str,
    glue: str,
) -> None:
    # Fails the check: a patient, event and local authority id of ten digits is fine; a note
    # with a valid number glued to other digits is not one.
    event_id = str(uuid.uuid4())
    admit = ADMIT | {"event_id": event_id, "patient_id": invalid, "local_authority": invalid}
    note = f"bed {glue}{number[:3]} {number[3:6]} {number[6:]} and {number}{glue}"
    void = VOID | {"event_id": invalid, "patient_id": invalid, "voids_event_id": event_id}
    response = post(client, headers, [admit, void | {"note": note}])
    assert response.json() == {"accepted": 2, "duplicates": 0}, response.text
    forget_events(db)  # the next example's ids may be the same
