"""No stay, readiness period or ready span outlives its spell.

The database no longer checks this with foreign keys (migration 6b2d9e4f1a37: the checks cost
each ingest batch a query per derived row); ledger.ingest.write_derived keeps it by replacing a
patient's spells with all their children in one transaction. These scenarios change a spell's
identity or remove it, the cases where a child could be left behind.
"""

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text

from store.database import Database


def ev(i: str, t: str, at: str, p: str = "p1", **kw: Any) -> dict[str, Any]:
    return {"event_id": i, "type": t, "patient_id": p, "occurred_at": at, **kw}


CHILDREN = ("stay", "readiness_period", "ready_span")


def orphans(db: Database) -> dict[str, int]:
    """Children whose spell is not stored, by table."""
    with db.session() as s:
        return {
            table: int(
                s.execute(
                    text(
                        f"SELECT count(*) FROM {table} c WHERE NOT EXISTS "
                        "(SELECT 1 FROM spell s WHERE s.spell_id = c.spell_id)"
                    )
                ).scalar_one()
            )
            for table in CHILDREN
        }


def counts(db: Database) -> dict[str, int]:
    with db.session() as s:
        return {
            table: int(s.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
            for table in ("spell", *CHILDREN)
        }


def post(client: TestClient, headers: dict[str, str], batch: list[dict[str, Any]]) -> None:
    answer = client.post("/api/v1/events", json=batch, headers=headers)
    assert answer.status_code == 200, answer.text


def test_a_voided_timeline_takes_its_stays_and_readiness_with_it(
    client: TestClient, system: Database, coordinator: dict[str, str]
) -> None:
    # p1: admitted to W1, moved to W2, ready on pathway 1 with a reason: 1 spell, 2 stays,
    # 1 readiness period, 2 ready spans (the reason splits the readiness).
    post(
        client,
        coordinator,
        [
            ev("a1", "admitted", "2025-03-03T14:00:00Z", unit_code="W1"),
            ev("t1", "transferred", "2025-03-04T14:00:00Z", unit_code="W2"),
            ev("r1", "discharge_ready", "2025-03-05T09:00:00Z", pathway=1),
            ev("x1", "delay_reason", "2025-03-06T10:00:00Z", reason_code="C2"),
        ],
    )
    assert counts(system) == {"spell": 1, "stay": 2, "readiness_period": 1, "ready_span": 2}
    # p1 was the wrong patient: every event voided leaves no spell, so nothing derived.
    voids = [
        ev(f"v{n}", "void", "2025-03-07T10:00:00Z", voids_event_id=target)
        for n, target in enumerate(("x1", "r1", "t1", "a1"))
    ]
    post(client, coordinator, voids)
    assert counts(system) == {"spell": 0, "stay": 0, "readiness_period": 0, "ready_span": 0}
    assert orphans(system) == dict.fromkeys(CHILDREN, 0)


def test_a_late_admission_renames_the_spell_without_leaving_its_children(
    client: TestClient, system: Database, coordinator: dict[str, str]
) -> None:
    # p2 is admitted on the 5th and discharged on the 9th; then the real admission, on the 3rd,
    # arrives late and the first one is voided: the spell's id (its admission's event id)
    # changes from a2 to a0, and every child must move with it.
    post(
        client,
        coordinator,
        [
            ev("a2", "admitted", "2025-03-05T08:00:00Z", p="p2", unit_code="W1"),
            ev("r2", "discharge_ready", "2025-03-07T09:00:00Z", p="p2", pathway=0),
            ev("d2", "discharged", "2025-03-09T10:00:00Z", p="p2", pathway=0)
            | {"destination": "usual_residence"},
        ],
    )
    post(
        client,
        coordinator,
        [
            ev("v2", "void", "2025-03-10T10:00:00Z", p="p2", voids_event_id="a2"),
            ev("a0", "admitted", "2025-03-03T08:00:00Z", p="p2", unit_code="W2"),
        ],
    )
    with system.session() as s:
        held = {
            table: sorted(
                s.execute(text(f"SELECT DISTINCT spell_id FROM {table}")).scalars()  # noqa: S608
            )
            for table in ("spell", *CHILDREN)
        }
    assert held == dict.fromkeys(("spell", *CHILDREN), ["a0"])
    assert counts(system) == {"spell": 1, "stay": 1, "readiness_period": 1, "ready_span": 1}
    assert orphans(system) == dict.fromkeys(CHILDREN, 0)
