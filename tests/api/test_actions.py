"""Actions and escalations (SPEC §6, ledger.actions): versions, the position at an instant, who
may make, change and see what, NHS numbers refused, and the audit of each write and read."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from ledger import actions, reference
from ledger.actions import ActionChange, ActionIn
from metrics.tally import changed_from
from models import ActionVersion, AuditEntry
from store.database import Database
from tests.conftest import token_for
from tests.metrics.scenario import Patient

ACTIONS = "/api/v1/actions"
NHS = "943 476 5919"  # a valid NHS number (modulus 11), spaced as people write it


@pytest.fixture
def people(client: TestClient, system: Database, coordinator: dict[str, str]) -> TestClient:
    """p1 in W1 (RX1), resident of LA1; p2 in W3 of a second trust RX2, resident of LA2."""
    with system.session(write=True) as session:
        reference.upsert_organisation(session, "RX2", "Hilltop Hospital", "acute")
        fields = {"name": "Ward 3", "organisation_code": "RX2", "setting": "acute", "pathway": None}
        reference.upsert_unit(session, "W3", fields, changed_from)
    p1, p2 = Patient("p1"), Patient("p2")
    p1.admitted("2025-03-01T10:00:00+00:00", local_authority="LA1")
    p2.admitted("2025-03-02T10:00:00+00:00", unit="W3", local_authority="LA2")
    response = client.post("/api/v1/events", json=p1.events + p2.events, headers=coordinator)
    assert response.status_code == 200, response.text
    return client


def _action(**fields: Any) -> dict[str, Any]:
    return {"organisation_code": "CP1", "title": "Find a P2 bed", "due": "2025-03-12"} | fields


def _made(client: TestClient, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    response = client.post(ACTIONS, json=_action(**fields), headers=headers)
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


def test_versions_and_the_position_at_an_instant(system: Database) -> None:
    """Made at 09:00 (v1: open, CP1, due 12 Mar); escalated at 11:00 (v2); handed to CH1 and
    done at 15:00 (v3). As it stood:
      08:59:59  absent (not yet made)
      09:00     v1 open (a version counts from its own instant: at or before)
      10:59:59  v1 open
      11:00     v2 escalated
      14:00     v2 escalated, owned by CP1
      15:00     v3 done, owned by CH1
    Filters apply to the version at the instant: at 14:00 status=open finds nothing and
    status=escalated finds it; at 16:00 organisation=CP1 finds nothing, CH1 finds it."""
    day = datetime(2025, 3, 11)
    with system.session(write=True) as session:
        made = actions.create_action(
            session,
            ActionIn(organisation_code="CP1", title="Find a P2 bed", due=date(2025, 3, 12)),
            now=day.replace(hour=9),
            by=None,
            owner=None,
        ).action
        v1 = session.execute(select(ActionVersion.__table__)).one()
        escalate = ActionChange(status="escalated")
        done = ActionChange(status="done", organisation_code="CH1")
        for hour, change in ((11, escalate), (15, done)):
            actions.change_action(
                session, made["id"], change, now=day.replace(hour=hour), by=None, owner=None
            )
    with system.session() as session:
        connection = session.connection()

        def at(hour: int, minute: int = 0, second: int = 0, **filters: Any) -> list[Any]:
            instant = day.replace(hour=hour, minute=minute, second=second)
            found = actions.actions_at(connection, instant, **filters)
            return [(a["id"], a["version"], a["status"], a["organisation_code"]) for a in found]

        n = made["id"]
        assert at(8, 59, 59) == []
        assert at(9) == [(n, 1, "open", "CP1")]
        assert at(10, 59, 59) == [(n, 1, "open", "CP1")]
        assert at(11) == [(n, 2, "escalated", "CP1")]
        assert at(14) == [(n, 2, "escalated", "CP1")]
        assert at(15) == [(n, 3, "done", "CH1")]
        assert at(14, status="open") == []
        assert at(14, status="escalated") == [(n, 2, "escalated", "CP1")]
        assert at(16, organisation="CP1") == []
        assert at(16, organisation="CH1") == [(n, 3, "done", "CH1")]
        versions = actions.history(connection, n)
        assert versions is not None
        assert [(v["version"], v["status"], v["updated_at"].hour) for v in versions] == [
            (1, "open", 9),
            (2, "escalated", 11),
            (3, "done", 15),
        ]
        # Never an UPDATE: version 1's row is as it was written.
        assert (
            session.execute(select(ActionVersion.__table__).where(ActionVersion.version == 1)).one()
            == v1
        )
        assert all(v["created_at"] == day.replace(hour=9) for v in versions)


def test_the_api_keeps_every_version_and_answers_as_of(
    people: TestClient, coordinator: dict[str, str]
) -> None:
    """POST makes version 1 (open); PATCH makes version 2. Asked at version 1's own instant
    (updated_at) the list gives version 1; a microsecond before it, nothing; at version 2's,
    version 2. A PATCH that changes nothing makes no version."""
    made = _made(people, coordinator, note="Ring the ward first")
    assert (made["status"], made["version"], made["note"]) == ("open", 1, "Ring the ward first")
    assert made["created_at"] == made["updated_at"] and made["created_at"].endswith("Z")
    path = f"{ACTIONS}/{made['id']}"
    changed = people.patch(path, json={"status": "escalated", "note": None}, headers=coordinator)
    assert changed.status_code == 200, changed.text
    second = changed.json()
    assert (second["version"], second["status"], second["note"]) == (2, "escalated", None)
    assert (second["title"], second["due"], second["created_at"]) == (
        "Find a P2 bed",
        "2025-03-12",
        made["created_at"],
    )
    same = people.patch(path, json={"status": "escalated"}, headers=coordinator)
    assert same.status_code == 200 and same.json()["version"] == 2

    def listed(as_of: datetime) -> list[tuple[int, str]]:
        params = {"as_of": as_of.isoformat() + "+00:00"}
        answer = people.get(ACTIONS, params=params, headers=coordinator)
        assert answer.status_code == 200, answer.text
        return [(a["version"], a["status"]) for a in answer.json()]

    first_at = datetime.fromisoformat(made["updated_at"].removesuffix("Z"))
    second_at = datetime.fromisoformat(second["updated_at"].removesuffix("Z"))
    assert listed(first_at - timedelta(microseconds=1)) == []
    assert listed(first_at) == [(1, "open")]
    assert listed(second_at) == [(2, "escalated")]
    assert [
        (a["version"], a["status"]) for a in people.get(ACTIONS, headers=coordinator).json()
    ] == [(2, "escalated")]
    history = people.get(f"{path}/history", headers=coordinator).json()
    assert [(v["version"], v["status"], v["note"]) for v in history] == [
        (1, "open", "Ring the ward first"),
        (2, "escalated", None),
    ]


def test_a_partner_makes_and_changes_only_its_own_organisations_actions(
    people: TestClient, system: Database, coordinator: dict[str, str]
) -> None:
    """Partner RX1: may make an action owned by RX1 about p1 (in its ward W1), not one owned by
    CP1, nor one about p2 (RX2's patient: answered as an unknown patient) or p9 (unknown);
    may change its own action but not hand it to CP1; may not change CP1's action."""
    partner = token_for(system, "partner", "RX1")
    own = _made(people, partner, organisation_code="RX1", patient_id="p1")
    assert own["patient_id"] == "p1"
    other = people.post(ACTIONS, json=_action(), headers=partner)
    assert other.status_code == 403 and other.json()["errors"][0]["field"] == "organisation_code"
    for patient in ("p2", "p9"):
        refused = people.post(
            ACTIONS, json=_action(organisation_code="RX1", patient_id=patient), headers=partner
        )
        assert refused.status_code == 422
        assert refused.json()["errors"][0] == {
            "index": None,
            "event_id": None,
            "field": "patient_id",
            "message": "no such patient",
        }
    mine = f"{ACTIONS}/{own['id']}"
    assert people.patch(mine, json={"due": "2025-03-13"}, headers=partner).json()["version"] == 2
    handed = people.patch(mine, json={"organisation_code": "CP1"}, headers=partner)
    assert handed.status_code == 403 and handed.json()["errors"][0]["field"] == "organisation_code"
    theirs = _made(people, coordinator)
    changed = people.patch(f"{ACTIONS}/{theirs['id']}", json={"status": "done"}, headers=partner)
    assert changed.status_code == 403
    # The coordinator may hand any action over, and name any known patient.
    assert (
        people.patch(mine, json={"organisation_code": "CP1"}, headers=coordinator).json()[
            "organisation_code"
        ]
        == "CP1"
    )
    assert _made(people, coordinator, patient_id="p2")["patient_id"] == "p2"
    unknown = people.post(ACTIONS, json=_action(patient_id="p9"), headers=coordinator)
    assert unknown.status_code == 422
    assert (
        people.patch(f"{ACTIONS}/999", json={"status": "done"}, headers=coordinator).status_code
        == 404
    )
    assert people.get(f"{ACTIONS}/999/history", headers=coordinator).status_code == 404


def test_a_partner_sees_every_action_but_only_its_scopes_patient_ids(
    people: TestClient, system: Database, coordinator: dict[str, str]
) -> None:
    """Four actions: a RX1 about p1, b CP1 about p1 (p1 is RX1's patient), c CP1 about p2
    (RX2's patient), d CP1 about nobody. Partner RX1 sees all four; p1 on a (its own) and b
    (its patient); c's patient hidden (about_patient true, patient_id null). Partner LA2 sees
    p2 on c (its resident) only. The coordinator sees every id."""
    a = _made(people, coordinator, organisation_code="RX1", patient_id="p1", due="2025-03-10")
    b = _made(people, coordinator, patient_id="p1", due="2025-03-11")
    c = _made(people, coordinator, patient_id="p2", due="2025-03-12")
    d = _made(people, coordinator, due="2025-03-13")

    def seen(headers: dict[str, str]) -> list[tuple[int, bool, str | None]]:
        answer = people.get(ACTIONS, headers=headers).json()
        return [(x["id"], x["about_patient"], x["patient_id"]) for x in answer]

    ids = [x["id"] for x in (a, b, c, d)]
    assert seen(token_for(system, "partner", "RX1")) == list(
        zip(ids, (True, True, True, False), ("p1", "p1", None, None), strict=True)
    )
    assert seen(token_for(system, "partner", "LA2")) == list(
        zip(ids, (True, True, True, False), (None, None, "p2", None), strict=True)
    )
    assert seen(coordinator) == list(
        zip(ids, (True, True, True, False), ("p1", "p1", "p2", None), strict=True)
    )
    hidden = people.get(f"{ACTIONS}/{c['id']}/history", headers=token_for(system, "partner", "RX1"))
    assert [v["patient_id"] for v in hidden.json()] == [None]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": f"Call NHS {NHS} back"}, "title"),
        ({"title": "Ring 9434765919"}, "title"),
        ({"note": f"his number is {NHS.replace(' ', '-')}"}, "note"),
        ({"patient_id": "943-476-5919"}, "patient_id"),
    ],
)
def test_nhs_numbers_are_refused_and_never_stored(
    people: TestClient, system: Database, coordinator: dict[str, str], fields: Any, field: str
) -> None:
    refused = people.post(ACTIONS, json=_action(**fields), headers=coordinator)
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == [field]
    assert "5919" not in refused.text
    made = _made(people, coordinator)
    note = fields.get("note", fields.get("title", "x"))
    changed = people.patch(f"{ACTIONS}/{made['id']}", json={"note": note}, headers=coordinator)
    if field in ("title", "note"):
        assert changed.status_code == 422 and changed.json()["errors"][0]["field"] == "note"
    with system.session() as session:
        stored = json.dumps(
            [list(r) for r in session.execute(select(AuditEntry.__table__))], default=str
        )
        stored += json.dumps(people.get(ACTIONS, headers=coordinator).json())
    assert "5919" not in stored


@pytest.mark.parametrize(
    "body",
    [
        _action(due="1999-12-31"),
        _action(due="2101-01-01"),
        _action(due=20250312),
        _action(due="2025-03-12T10:00:00+00:00Z"),
        _action(title="   "),
        _action(title=""),
        _action(organisation_code="NOPE"),
        _action(status="open"),
        {"title": "no owner", "due": "2025-03-12"},
    ],
)
def test_bad_actions_are_refused(
    people: TestClient, coordinator: dict[str, str], body: dict[str, Any]
) -> None:
    assert people.post(ACTIONS, json=body, headers=coordinator).status_code == 422
    assert people.get(ACTIONS, headers=coordinator).json() == []


@pytest.mark.parametrize(
    "change",
    [
        {},
        {"status": "closed"},
        {"status": None},
        {"due": None},
        {"organisation_code": None},
        {"organisation_code": "NOPE"},
        {"due": "2101-01-01"},
        {"title": "titles do not change"},
    ],
)
def test_bad_changes_are_refused(
    people: TestClient, coordinator: dict[str, str], change: dict[str, Any]
) -> None:
    made = _made(people, coordinator)
    answer = people.patch(f"{ACTIONS}/{made['id']}", json=change, headers=coordinator)
    assert answer.status_code == 422, answer.text
    assert people.get(f"{ACTIONS}/{made['id']}/history", headers=coordinator).json() == [made]


def test_the_list_refuses_bad_questions(people: TestClient, coordinator: dict[str, str]) -> None:
    for params in (
        {"status": "closed"},
        {"as_of": "1999-12-31T23:59:59+00:00"},
        {"as_of": "2025-03-12T10:00:00"},
        {"organisation": NHS},
    ):
        assert people.get(ACTIONS, params=params, headers=coordinator).status_code == 422


def _audit(db: Database) -> list[dict[str, Any]]:
    with db.session() as session:
        rows = session.execute(select(AuditEntry.__table__).order_by(AuditEntry.id)).mappings()
        return [
            dict(r) | {"detail": json.loads(r["detail"]) if r["detail"] else None} for r in rows
        ]


def test_every_write_read_and_refusal_is_audited(
    people: TestClient, system: Database, coordinator: dict[str, str]
) -> None:
    """A write names the action id (target and detail), its version and the fields changed;
    a read the patient ids returned; a refusal the id asked for and why."""
    made = _made(people, coordinator, patient_id="p1")
    people.patch(f"{ACTIONS}/{made['id']}", json={"status": "done"}, headers=coordinator)
    people.get(ACTIONS, headers=coordinator)
    people.get(f"{ACTIONS}/{made['id']}/history", headers=coordinator)
    partner = token_for(system, "partner", "RX2")
    people.patch(f"{ACTIONS}/{made['id']}", json={"status": "open"}, headers=partner)
    people.post(ACTIONS, json=_action(organisation_code="RX2", patient_id="p1"), headers=partner)
    board = token_for(system, "board")
    assert people.get(f"{ACTIONS}/{made['id']}/history", headers=board).status_code == 403
    entries = [e for e in _audit(system) if e["action"].startswith("action")]
    assert [(e["action"], e["target"]) for e in entries] == [
        ("action.create", str(made["id"])),
        ("action.change", str(made["id"])),
        ("actions.read", None),
        ("action.history", str(made["id"])),
        ("action.change.refused", str(made["id"])),
        ("action.create.refused", "p1"),
        ("action.history.refused", str(made["id"])),
    ]
    create, change, read, history, refused_change, refused_create, refused_read = (
        e["detail"] for e in entries
    )
    assert refused_read["status"] == 403 and "actions:read" in refused_read["reason"]
    assert create["action_id"] == made["id"]
    assert (create["version"], create["changed"], create["patient_ids"]) == (1, ["created"], ["p1"])
    assert (change["version"], change["changed"], change["status"]) == (2, ["status"], "done")
    assert (read["patient_ids"], read["action_ids"], read["count"]) == (["p1"], [made["id"]], 1)
    assert history["patient_ids"] == ["p1"]
    assert refused_change["status"] == 403 and "RX2" in refused_change["reason"]
    assert refused_create["status"] == 422 and "no such patient" in refused_create["reason"]
    assert all(e["client"] for e in entries)
