"""The derived tables are a function of the event log: a rebuild reproduces them exactly."""

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import delete, select

from ledger.rebuild import rebuild_derived
from metrics.tally import changed_from
from models import EventTally, ReadinessPeriod, ReadySpan, Spell, Stay
from store.database import Database


def ev(i: str, t: str, at: str, p: str = "p1", **kw: Any) -> dict[str, Any]:
    """An event of patient `p`."""
    return {"event_id": i, "type": t, "patient_id": p, "occurred_at": at, **kw}


def snapshot_of_derived(db: Database) -> list[list[dict[str, Any]]]:
    with db.session() as s:
        return [
            [
                dict(r._mapping)
                for r in s.execute(select(m.__table__).order_by(*m.__table__.primary_key))
            ]
            for m in (Spell, Stay, ReadinessPeriod, ReadySpan, EventTally)
        ]


def test_rebuild_reproduces_the_derived_rows(
    client: TestClient, system: Database, coordinator: dict[str, str]
) -> None:
    # p1: W1 → W2 transfer, ready, reason, a voided discharge then the right one; p2: still in.
    batch = [
        ev("a1", "admitted", "2025-03-03T14:00:00Z", unit_code="W1"),
        ev("t1", "transferred", "2025-03-04T14:00:00Z", unit_code="W2"),
        ev("r1", "discharge_ready", "2025-03-05T09:00:00Z", pathway=2),
        ev("x1", "delay_reason", "2025-03-05T10:00:00Z", reason_code="C2"),
        ev("d1", "discharged", "2025-03-08T10:00:00Z", destination="usual_residence", pathway=1),
        ev("a2", "admitted", "2025-03-06T08:00:00Z", p="p2", unit_code="W1"),
    ]
    assert client.post("/api/v1/events", json=batch, headers=coordinator).status_code == 200
    fix = [
        ev("v1", "void", "2025-03-09T10:00:00Z", voids_event_id="d1"),
        ev("d2", "discharged", "2025-03-08T10:00:00Z", destination="community_bed", pathway=2),
    ]
    assert client.post("/api/v1/events", json=fix, headers=coordinator).status_code == 200
    before = snapshot_of_derived(system)
    with system.session(write=True) as s:
        for model in (EventTally, ReadySpan, ReadinessPeriod, Stay, Spell):
            s.execute(delete(model))
    assert snapshot_of_derived(system) == [[], [], [], [], []]
    with system.session(write=True) as s:
        assert rebuild_derived(s, changed_from) == 2
    assert snapshot_of_derived(system) == before
    assert before[0][0]["destination"] == "community_bed"
    # 8 events by hour (GMT in March, so UTC hours on their UTC days): a1 3rd 14:00; t1 4th
    # 14:00; r1 5th 09:00, x1 5th 10:00; a2 6th 08:00; d1, d2 8th 10:00; the void v1 (9th) counts
    # in its target d1's hour, 10:00 on the 8th.
    assert [(str(t["day"]), t["hour_at"].hour, t["events"]) for t in before[4]] == [
        ("2025-03-03", 14, 1),
        ("2025-03-04", 14, 1),
        ("2025-03-05", 9, 1),
        ("2025-03-05", 10, 1),
        ("2025-03-06", 8, 1),
        ("2025-03-08", 10, 3),
    ]
    assert all(str(t["hour_at"].date()) == str(t["day"]) for t in before[4])


def test_a_piece_of_readiness_keeps_its_spell_s_local_authority(
    client: TestClient, system: Database, coordinator: dict[str, str]
) -> None:
    """ready_span.local_authority is the spell's (the snapshot counts by it without a join):
    on every piece, across a transfer and a new pathway, and None for a spell without one."""
    batch = [
        ev("a1", "admitted", "2025-03-03T14:00:00Z", "p1", unit_code="W1", local_authority="LA1"),
        ev("r1", "discharge_ready", "2025-03-04T09:00:00Z", "p1", pathway=1),
        ev("t1", "transferred", "2025-03-05T09:00:00Z", "p1", unit_code="W2"),
        ev("r2", "discharge_ready", "2025-03-06T09:00:00Z", "p1", pathway=2),
        ev("a2", "admitted", "2025-03-03T15:00:00Z", "p2", unit_code="W1"),
        ev("r3", "discharge_ready", "2025-03-04T10:00:00Z", "p2", pathway=0),
    ]
    assert client.post("/api/v1/events", json=batch, headers=coordinator).status_code == 200
    with system.session() as s:
        spans = s.execute(
            select(ReadySpan.patient_id, ReadySpan.seq, ReadySpan.local_authority).order_by(
                ReadySpan.patient_id, ReadySpan.seq
            )
        ).all()
    assert [tuple(r) for r in spans] == [
        ("p1", 0, "LA1"),
        ("p1", 1, "LA1"),
        ("p1", 2, "LA1"),
        ("p2", 0, None),
    ]
