"""GET /api/v1/callsheet: the call sheet is made of the snapshot, the ready list, the actions and
the changes, and repeats their figures; its XLSX holds the same numbers as its JSON."""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from ledger import actions, reference, triggers
from ledger.actions import ActionChange, ActionIn
from metrics.tally import changed_from
from models import AuditEntry
from store.database import Database
from tests.conftest import token_for
from tests.metrics.scenario import Patient

SHEET = "/api/v1/callsheet"
AS_OF = "2025-03-12T12:00:00+00:00"
AT = {"as_of": AS_OF}


def _act(db: Database, at: datetime, body: ActionIn, *changes: tuple[datetime, Any]) -> int:
    with db.session(write=True) as session:
        made = actions.create_action(session, body, now=at, by=None, owner=None).action
        for when, change in changes:
            actions.change_action(session, made["id"], change, now=when, by=None, owner=None)
    return int(made["id"])


@pytest.fixture
def day(client: TestClient, system: Database, coordinator: dict[str, str]) -> dict[str, int]:
    """Wed 12 Mar 2025 12:00 (UTC = local), a second trust RX2 with ward W3.

    r1  W1 (RX1) from 1 Mar, LA1; ready 3 Mar (P2): 9 days waiting     → long waiter
    r2  W3 (RX2) from 2 Mar; ready 5 Mar (P3): 7 days                   → long waiter (≥ 7)
    r3  W1 from 4 Mar; ready 6 Mar (P2): 6 days                         → not a long waiter
    r4  W2 from 10 Mar; ready 12 Mar 09:00 (P1)                         → a change (became ready)
    r5  community beds B1 from 1 Mar.
    Trigger levels for P2 from 1 Jan: pressure 0, escalation 2 (P2: 2 waiting, B1 3 free of 4,
    shortfall −1: normal).
    Actions, as they stood at 12:00:
    A1  CP1, due 11 Mar, about r1, open                       → due: overdue
    A2  RX1, due 12 Mar, escalated at 11 Mar 10:00            → due: today
    A3  CP1, due 13 Mar                                       → not due yet
    A4  RX2, due 10 Mar, about r2, done 11 Mar 16:00          → done: not listed
    A5  RX1, due 12 Mar, made at 12 Mar 13:00, after as_of     → absent
    """
    with system.session(write=True) as session:
        reference.upsert_organisation(session, "RX2", "Hilltop Hospital", "acute")
        fields = {"name": "Ward 3", "organisation_code": "RX2", "setting": "acute", "pathway": None}
        reference.upsert_unit(session, "W3", fields, changed_from)
        levels = triggers.TriggerIn(pressure=0, escalation=2, effective_from=date(2025, 1, 1))
        triggers.set_levels(session, 2, levels, datetime(2025, 1, 1))
    r1, r2, r3, r4, r5 = (Patient(f"r{n}") for n in range(1, 6))
    r1.admitted("2025-03-01T10:00:00+00:00", local_authority="LA1")
    r1.ready("2025-03-03T10:00:00+00:00", pathway=2)
    r2.admitted("2025-03-02T10:00:00+00:00", unit="W3")
    r2.ready("2025-03-05T10:00:00+00:00", pathway=3)
    r3.admitted("2025-03-04T10:00:00+00:00")
    r3.ready("2025-03-06T10:00:00+00:00", pathway=2)
    r4.admitted("2025-03-10T10:00:00+00:00", unit="W2")
    r4.ready("2025-03-12T09:00:00+00:00", pathway=1)
    r5.admitted("2025-03-01T10:00:00+00:00", unit="B1")
    events = r1.events + r2.events + r3.events + r4.events + r5.events
    assert client.post("/api/v1/events", json=events, headers=coordinator).status_code == 200
    t = datetime(2025, 3, 11, 9, 0)
    made = {
        "A1": _act(
            system,
            t,
            ActionIn(
                patient_id="r1", organisation_code="CP1", title="Book B1", due=date(2025, 3, 11)
            ),
        ),
        "A2": _act(
            system,
            t,
            ActionIn(organisation_code="RX1", title="Board round", due=date(2025, 3, 12)),
            (datetime(2025, 3, 11, 10), ActionChange(status="escalated")),
        ),
        "A3": _act(
            system, t, ActionIn(organisation_code="CP1", title="Rota", due=date(2025, 3, 13))
        ),
        "A4": _act(
            system,
            t,
            ActionIn(
                patient_id="r2", organisation_code="RX2", title="Family", due=date(2025, 3, 10)
            ),
            (datetime(2025, 3, 11, 16), ActionChange(status="done")),
        ),
        "A5": _act(
            system,
            datetime(2025, 3, 12, 13),
            ActionIn(organisation_code="RX1", title="Later", due=date(2025, 3, 12)),
        ),
    }
    return made


def _get(client: TestClient, headers: dict[str, str], path: str, **params: str) -> Any:
    answer = client.get(path, params=AT | params, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json() if "xlsx" not in params.values() else answer


def test_the_sheet_repeats_the_views_it_is_made_of(
    client: TestClient, coordinator: dict[str, str], day: dict[str, int]
) -> None:
    sheet = _get(client, coordinator, SHEET)
    snap = _get(client, coordinator, "/api/v1/snapshot")
    ready = _get(client, coordinator, "/api/v1/patients/ready")
    listed = _get(client, coordinator, "/api/v1/actions")
    changes = _get(client, coordinator, "/api/v1/patients/changes")
    assert (sheet["title"], sheet["as_of"], sheet["local_date"]) == (
        "D2A call sheet",
        "2025-03-12T12:00:00Z",
        "2025-03-12",
    )
    assert sheet["made_for"]["role"] == "coordinator" and sheet["made_for"]["scope"] is None
    # Headline: the snapshot's own figures.
    for key in ("ready_to_leave", "acute_inpatients", "stranded_7", "stranded_14", "stranded_21"):
        assert sheet["headline"][key] == snap[key]
    assert sheet["headline"]["ready_by_pathway"] == snap["ready_to_leave"]["by_pathway"]
    assert sheet["headline"]["events_reflected"] == snap["events_reflected"]
    # By hand: r1, r2, r3, r4 ready now; r1, r2, r3 the day before.
    assert (snap["ready_to_leave"]["now"], snap["ready_to_leave"]["before"]) == (4, 3)
    assert sheet["capacity_status"] == snap["capacity_status"]
    p2 = sheet["capacity_status"]["pathways"][1]
    assert (p2["waiting"], p2["free"], p2["shortfall"], p2["status"]) == (2, 3, -1, "normal")
    # Long waiters: the ready list's people waiting 7 days or more (r1 9, r2 7; not r3 6).
    waiters = sheet["long_waiters"]["patients"]
    assert [(p["patient_id"], p["days_waiting"]) for p in waiters] == [("r1", 9), ("r2", 7)]
    from_list = [p for p in ready["patients"] if p["days_waiting"] >= 7]
    assert waiters == [{k: p[k] for k in waiters[0]} for p in from_list]
    # Actions due: A1 (overdue, CP1), A2 (today, RX1): the list as of 12:00, not done, due ≤ 12 Mar.
    owners = sheet["actions_due"]["by_organisation"]
    assert [(o["organisation_code"], [a["id"] for a in o["actions"]]) for o in owners] == [
        ("CP1", [day["A1"]]),
        ("RX1", [day["A2"]]),
    ]
    assert [a["overdue"] for o in owners for a in o["actions"]] == [True, False]
    due = [a for a in listed if a["status"] != "done" and a["due"] <= "2025-03-12"]
    flat = [a for o in owners for a in o["actions"]]
    assert [(a["id"], a["status"], a["version"], a["patient_id"]) for a in due] == [
        (a["id"], a["status"], a["version"], a["patient_id"]) for a in flat
    ]
    assert day["A5"] not in [a["id"] for a in listed]
    # Changes: the same as GET /patients/changes of the 24 hours before (r4 became ready).
    assert sheet["changes"] == changes
    assert [(c["patient_id"], c["kind"]) for c in changes["changes"]] == [("r4", "became_ready")]


@pytest.mark.parametrize(
    ("scope", "waiters", "a1_patient", "changed"),
    [("RX1", ["r1"], "r1", ["r4"]), ("RX2", ["r2"], None, []), ("LA1", ["r1"], "r1", [])],
)
def test_a_partners_sheet_holds_only_its_scopes_patients(
    client: TestClient,
    system: Database,
    coordinator: dict[str, str],
    day: dict[str, int],
    scope: str,
    waiters: list[str],
    a1_patient: str | None,
    changed: list[str],
) -> None:
    """The figures are everyone's; the patients only the scope's. A1 is CP1's action about r1:
    its patient shows to RX1 (r1 is in W1) and LA1 (r1 is its resident), not to RX2."""
    partner = token_for(system, "partner", scope)
    sheet = _get(client, partner, SHEET)
    whole = _get(client, coordinator, SHEET)
    assert sheet["headline"] == whole["headline"]
    assert sheet["capacity_status"] == whole["capacity_status"]
    assert [p["patient_id"] for p in sheet["long_waiters"]["patients"]] == waiters
    (a1,) = [
        a
        for o in sheet["actions_due"]["by_organisation"]
        for a in o["actions"]
        if a["id"] == day["A1"]
    ]
    assert (a1["about_patient"], a1["patient_id"]) == (True, a1_patient)
    assert [c["patient_id"] for c in sheet["changes"]["changes"]] == changed
    assert (sheet["made_for"]["role"], sheet["made_for"]["scope"]) == ("partner", scope)


def _rows(book: Any, title: str) -> list[list[Any]]:
    return [list(row) for row in book[title].iter_rows(values_only=True)]


def test_the_workbook_holds_the_same_numbers(
    client: TestClient, system: Database, coordinator: dict[str, str], day: dict[str, int]
) -> None:
    sheet = _get(client, coordinator, SHEET)
    answer = _get(client, coordinator, SHEET, format="xlsx")
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert 'filename="callsheet_20250312T1200Z.xlsx"' in answer.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(answer.content))
    assert book.sheetnames == [
        "Call sheet",
        "Headline",
        "Capacity",
        "Long waiters",
        "Actions due",
        "Changes",
    ]
    front = {r[0]: r[1] for r in _rows(book, "Call sheet")}
    assert front["As of (UTC)"] == "2025-03-12T12:00:00Z" and front["For"] == "coordinator"
    assert front["Local date"] == "2025-03-12" and front["System level"] == "normal"
    token = coordinator["Authorization"].removeprefix("Bearer ")
    assert token not in json.dumps([_rows(book, t) for t in book.sheetnames], default=str)
    headline = {r[0]: (r[1], r[2]) for r in _rows(book, "Headline")[1:]}
    h = sheet["headline"]
    assert headline["Ready to leave (acute)"] == (
        h["ready_to_leave"]["now"],
        h["ready_to_leave"]["before"],
    )
    assert headline["Stranded: length of stay 7+ days"] == (
        h["stranded_7"]["now"],
        h["stranded_7"]["before"],
    )
    assert headline["Ready to leave, planned pathway 2"] == (2, 2)  # r1, r3 at both
    capacity = _rows(book, "Capacity")
    json_capacity = sheet["capacity_status"]["pathways"]
    assert [r[:7] for r in capacity[1:4]] == [
        [
            p[k]
            for k in ("pathway", "waiting", "capacity", "occupied", "free", "shortfall", "status")
        ]
        for p in json_capacity
    ]
    assert capacity[4][0] == "system" and capacity[4][6] == sheet["capacity_status"]["level"]
    waiters = _rows(book, "Long waiters")
    assert [dict(zip(waiters[0], r, strict=True)) for r in waiters[1:]] == sheet["long_waiters"][
        "patients"
    ]
    due = _rows(book, "Actions due")
    assert [(r[0], r[1], r[4], r[6]) for r in due[1:]] == [
        ("CP1", day["A1"], True, "r1"),
        ("RX1", day["A2"], False, None),
    ]
    changes = _rows(book, "Changes")
    assert [dict(zip(changes[0], r, strict=True)) for r in changes[1:]] == [
        {k: c[k] for k in changes[0]} for c in sheet["changes"]["changes"]
    ]


def test_every_sheet_and_every_refusal_is_audited(
    client: TestClient, system: Database, coordinator: dict[str, str], day: dict[str, int]
) -> None:
    _get(client, coordinator, SHEET, format="xlsx")
    board = client.get(SHEET, params=AT, headers=token_for(system, "board"))
    assert board.status_code == 403
    late = client.get(SHEET, params={"as_of": "2101-01-01T00:00:00+00:00"}, headers=coordinator)
    assert late.status_code == 422
    with system.session() as session:
        rows = session.execute(
            select(AuditEntry.action, AuditEntry.detail)
            .where(AuditEntry.action.like("callsheet%"))
            .order_by(AuditEntry.id)
        ).all()
    assert [r.action for r in rows] == [
        "callsheet.read",
        "callsheet.read.refused",
        "callsheet.read.refused",
    ]
    detail = json.loads(rows[0].detail)
    # r1, r2 (long waiters), r4 (changes), r1 (A1): the patients the sheet holds.
    assert (detail["patient_ids"], detail["format"]) == (["r1", "r2", "r4"], "xlsx")
