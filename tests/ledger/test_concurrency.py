"""Concurrent batches touching the same patients are serialised (PostgreSQL, real connections).

Without the per-patient lock both writers would read the same stored timeline: two admissions
would both pass (two open stays), and a readiness and a discharge sent at once would each rebuild
the spell without the other (a lost update).
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from ledger.ingest import BatchRejected, ingest
from metrics.tally import changed_from
from models import Spell
from models.clock import utc_now
from store.database import Database
from tests.conftest import backend

pytestmark = pytest.mark.skipif(
    backend() != "postgresql", reason="needs concurrent PostgreSQL writers"
)
PATIENTS = [f"p{i}" for i in range(60)]


def ev(event_id: str, type_: str, at: str, patient: str, **payload: Any) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "type": type_,
        "patient_id": patient,
        "occurred_at": at,
        **payload,
    }


def run_together(db: Database, batches: list[list[dict[str, Any]]]) -> list[str]:
    """Posts each batch from its own thread, all released at once; returns each outcome."""
    barrier = threading.Barrier(len(batches))
    outcomes = [""] * len(batches)

    def work(i: int) -> None:
        barrier.wait()
        try:
            with db.session(write=True) as session:
                ingest(session, batches[i], now=utc_now(), changes=changed_from)
            outcomes[i] = "ok"
        except BatchRejected as exc:
            outcomes[i] = f"rejected {exc.status}"

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(batches))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_two_admissions_at_once_make_one_stay(system: Database) -> None:
    # Each writer admits all 60 patients (open stays) into a different ward at a different time.
    first = [
        ev(f"{p}-w1", "admitted", "2025-03-03T10:00:00+00:00", p, unit_code="W1") for p in PATIENTS
    ]
    second = [
        ev(f"{p}-w2", "admitted", "2025-03-03T11:00:00+00:00", p, unit_code="W2") for p in PATIENTS
    ]
    outcomes = run_together(system, [first, second])
    assert sorted(outcomes) == ["ok", "rejected 422"]
    with system.session() as session:
        assert session.scalar(select(func.count()).select_from(Spell)) == len(PATIENTS)


def test_readiness_and_discharge_sent_at_once_are_both_kept(system: Database) -> None:
    # Stored: admitted 3 Mar. Writer A: ready 4 Mar. Writer B: discharged home 6 Mar.
    # Whatever the order, every spell must end with DRD 4 Mar and delay 2.
    admissions = [
        ev(f"{p}-a", "admitted", "2025-03-03T10:00:00+00:00", p, unit_code="W1") for p in PATIENTS
    ]
    with system.session(write=True) as session:
        ingest(session, admissions, now=utc_now(), changes=changed_from)
    ready = [
        ev(f"{p}-r", "discharge_ready", "2025-03-04T10:00:00+00:00", p, pathway=0) for p in PATIENTS
    ]
    out = [
        ev(
            f"{p}-d",
            "discharged",
            "2025-03-06T10:00:00+00:00",
            p,
            destination="usual_residence",
            pathway=0,
        )
        for p in PATIENTS
    ]
    assert run_together(system, [ready, out]) == ["ok", "ok"]
    with system.session() as session:
        delays = session.execute(
            select(Spell.delay_days, func.count()).group_by(Spell.delay_days)
        ).all()
    assert [tuple(d) for d in delays] == [(2, len(PATIENTS))]


def test_the_same_new_event_sent_twice_at_once_is_stored_once(system: Database) -> None:
    batch = [
        ev(f"{p}-a", "admitted", "2025-03-03T10:00:00+00:00", p, unit_code="W1") for p in PATIENTS
    ]
    assert run_together(system, [batch, batch]) == ["ok", "ok"]
    with system.session() as session:
        assert session.scalar(select(func.count()).select_from(Spell)) == len(PATIENTS)
