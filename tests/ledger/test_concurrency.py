"""Concurrent batches touching the same patients are serialised (PostgreSQL, real connections).

Without the per-patient lock both writers would read the same stored timeline: two admissions
would both pass (two open stays), and a readiness and a discharge sent at once would each rebuild
the spell without the other (a lost update).
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from ledger.ingest import BatchRejected, ingest
from metrics.tally import changed_from
from models import Spell
from models.clock import utc_now
from store.database import Database
from store.dialect.locks import lock_patients
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


# More patients than the server's shared lock table holds locks at its default settings
# (max_locks_per_transaction 64 × max_connections 100 = 6,400): a lock each there filled it.
MANY = [f"m{i}" for i in range(7_000)]


def advisory_locks(session: Session) -> int:
    """This transaction's advisory locks."""
    return int(
        session.execute(
            text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                " AND pid = pg_backend_pid()"
            )
        ).scalar_one()
    )


def waits(system: Database, patients: list[str]) -> bool:
    """Whether a transaction cannot lock `patients` within 0.3 s."""
    with system.session(write=True) as session:
        session.execute(text("SET LOCAL lock_timeout = '300ms'"))
        try:
            lock_patients(session, patients)
        except OperationalError as error:
            assert "lock timeout" in str(error)
            return True
        return False


def test_a_batch_of_many_patients_holds_a_row_lock_each_and_no_advisory_lock(
    system: Database,
) -> None:
    # 7,000 patients, a patient twice locked once: a row of patient_lock each, none in the
    # shared lock table; locked again, the rows are there already and none is added.
    with system.session(write=True) as session:
        lock_patients(session, MANY + MANY[:10])
        assert advisory_locks(session) == 0
        rows = session.execute(text("SELECT count(*) FROM patient_lock")).scalar_one()
        assert rows == len(MANY)
    with system.session(write=True) as session:
        lock_patients(session, list(reversed(MANY)))
        assert session.execute(text("SELECT count(*) FROM patient_lock")).scalar_one() == rows
    # Only hashes are kept: no patient id is in the table.
    with system.session() as session:
        keys = session.execute(text("SELECT key FROM patient_lock LIMIT 5")).scalars().all()
    assert all(isinstance(key, int) for key in keys)


def test_a_large_batch_holds_off_only_batches_of_its_patients(system: Database) -> None:
    with system.session(write=True) as large:
        lock_patients(large, MANY)
        assert waits(system, [MANY[0]])  # one of its patients: waits for it to commit
        assert waits(system, ["p1", MANY[-1]])
        assert not waits(system, ["p1"])  # any other patient goes on
        assert not waits(system, [f"other{i}" for i in range(7_000)])  # a large batch too
    assert not waits(system, [MANY[0]])  # committed: the locks are gone
    with system.session(write=True) as small:
        lock_patients(small, ["p1", "p2"])
        assert not waits(system, ["p3"])  # small batches of other patients pass each other
        assert waits(system, ["p2"])  # and queue behind one of theirs


def test_two_large_batches_sent_at_once_are_both_stored(system: Database) -> None:
    # Each writer admits 7,000 patients; half of them are the other's, admitted an hour later
    # into another ward. The first to lock stores its 7,000; the second finds 3,500 of its
    # patients in already (an admission into an open stay): refused as a whole.
    first = [
        ev(f"{p}-w1", "admitted", "2025-03-03T10:00:00+00:00", p, unit_code="W1") for p in MANY
    ]
    others = [f"n{i}" for i in range(len(MANY) // 2)]
    second = [
        ev(f"{p}-w2", "admitted", "2025-03-03T11:00:00+00:00", p, unit_code="W2")
        for p in MANY[len(MANY) // 2 :] + others
    ]
    outcomes = run_together(system, [first, second])
    assert sorted(outcomes) == ["ok", "rejected 422"]
    with system.session() as session:
        stored = session.scalar(select(func.count()).select_from(Spell))
    assert stored == len(MANY) == len(second)
    # Disjoint patients: both are stored.
    third = [
        ev(f"{p}-t", "admitted", "2025-03-05T10:00:00+00:00", f"{p}x", unit_code="W1") for p in MANY
    ]
    fourth = [
        ev(f"{p}-f", "admitted", "2025-03-05T10:00:00+00:00", f"{p}y", unit_code="W2") for p in MANY
    ]
    assert run_together(system, [third, fourth]) == ["ok", "ok"]
    with system.session() as session:
        after = session.scalar(select(func.count()).select_from(Spell))
    assert after == stored + 2 * len(MANY)
