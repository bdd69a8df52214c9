"""No stay, readiness period or ready span outlives its spell.

The database no longer checks this with foreign keys (migration 6b2d9e4f1a37: the checks cost
each ingest batch a query per derived row); ledger.ingest.write_derived keeps it by bringing a
patient's spells and all their children to what the replay gives in one transaction, writing
only the rows that differ. These scenarios change a spell's identity or remove it, the cases
where a child could be left behind, and keep a closed spell, whose rows must be left alone.
"""

from datetime import date, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text

from ledger.ingest import ingest
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


def row_versions(db: Database, spell_id: str) -> dict[str, list[str]]:
    """Each table's rows of one spell, by the physical version the database holds: PostgreSQL's
    xmin (the transaction that wrote the row) or SQLite's rowid (a reinserted row gets a new
    one, as the tables' keys are not integers)."""
    with db.session() as s:
        version = "xmin::text" if s.get_bind().dialect.name == "postgresql" else "rowid"
        return {
            table: [
                str(v)
                for v in s.execute(
                    text(f"SELECT {version} FROM {table} WHERE spell_id = :s ORDER BY 1"),  # noqa: S608
                    {"s": spell_id},
                ).scalars()
            ]
            for table in ("spell", *CHILDREN)
        }


def test_a_batch_leaves_the_rows_it_does_not_change_as_they_were(
    system: Database,
) -> None:
    # p4 is in Riverside (RX1) from the 3rd, ready for a recovery bed (pathway 2) on the 4th,
    # and discharged on the 6th into Community Partnership's recovery beds (CP1, B1): a closed
    # acute spell a4 (1 stay, 1 readiness period, 1 ready span) and an open one b4 (1 stay).
    # A later batch says p4 is ready to leave B1 on the 10th: it changes only b4's rows (its
    # spell gains a readiness, a readiness period and a span). a4's rows stay as they were
    # written; the batch still names RX1 with CP1 as organisations whose figures may change
    # (a4's figures can depend on p4's later spells: a readmission, for one).
    first = [
        ev("a4", "admitted", "2025-03-03T14:00:00Z", p="p4", unit_code="W1"),
        ev("r4", "discharge_ready", "2025-03-04T09:00:00Z", p="p4", pathway=2),
        ev("d4", "discharged", "2025-03-06T11:00:00Z", p="p4", pathway=2)
        | {"destination": "community_bed"},
        ev("b4", "admitted", "2025-03-06T12:00:00Z", p="p4", unit_code="B1"),
        # p5's rows are written after p4's, so on SQLite a row of p4's written again gets a
        # rowid above theirs, not the one it had.
        ev("a5", "admitted", "2025-03-07T12:00:00Z", p="p5", unit_code="W2"),
    ]
    later = [ev("q4", "discharge_ready", "2025-03-10T09:00:00Z", p="p4", pathway=0)]
    reported: list[tuple[date, frozenset[str]]] = []

    def changes(_session: Any, day: date, organisations: Any = None, /) -> None:
        reported.append((day, frozenset(organisations)))

    now = datetime(2025, 3, 11)  # naive UTC, as models.clock.utc_now gives
    for batch in (first, later):
        with system.session(write=True) as session:
            ingest(session, batch, now=now, changes=changes)
        if batch is first:
            before = {spell: row_versions(system, spell) for spell in ("a4", "b4")}
    after = {spell: row_versions(system, spell) for spell in ("a4", "b4")}
    assert counts(system) == {"spell": 3, "stay": 3, "readiness_period": 2, "ready_span": 2}
    assert [len(v) for v in before["a4"].values()] == [1, 1, 1, 1]
    assert after["a4"] == before["a4"]  # not one of a4's rows rewritten
    assert after["b4"]["spell"] != before["b4"]["spell"]  # b4's spell row is
    assert after["b4"]["stay"] == before["b4"]["stay"]  # its stay is the same open stay
    assert reported == [
        (date(2025, 3, 3), frozenset({"RX1", "CP1"})),  # a4, b4 and a5 new
        (date(2025, 3, 10), frozenset({"RX1", "CP1"})),
    ]
    assert orphans(system) == dict.fromkeys(CHILDREN, 0)
