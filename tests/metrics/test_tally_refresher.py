"""d2a serve's background recount waits for writes to settle (metrics.tally.Refresher).

A round that finds changes written since the round before leaves them for the next round,
unless changes have waited `settle` seconds; otherwise it refreshes. The clock is the test's:
`now[0]` seconds.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete, func, select

from metrics.catalogue import tallied_reads
from metrics.tally import Refresher, changed_from
from models import TallySource
from models.derived import TallyChange
from store.database import Database

SETTLE = 300.0


@pytest.fixture
def clock() -> list[float]:
    return [1000.0]


@pytest.fixture
def refresher(system: Database, clock: list[float]) -> Refresher:
    return Refresher(
        system.engine, system.write_engine, 60, tallied_reads, settle=SETTLE, clock=lambda: clock[0]
    )


def write(db: Database, organisation: str | None = "RX1") -> None:
    """A write recording a change, as an ingest batch does."""
    with db.session(write=True) as session:
        changed_from(session, date(2025, 3, 3), None if organisation is None else {organisation})


def waiting(db: Database) -> int:
    with db.session() as session:
        return int(session.execute(select(func.count()).select_from(TallyChange)).scalar_one())


def counted(db: Database) -> int:
    with db.session() as session:
        return int(session.execute(select(func.count()).select_from(TallySource)).scalar_one())


def test_the_first_round_counts_at_once_even_with_changes_waiting(
    system: Database, refresher: Refresher
) -> None:
    write(system)
    done = refresher.round()
    assert done is not None and done.sources == len(tallied_reads())
    assert waiting(system) == 0
    assert counted(system) == len(tallied_reads())


def test_a_write_since_the_last_round_waits_one_round(
    system: Database, refresher: Refresher, clock: list[float]
) -> None:
    assert refresher.round() is not None  # counted; nothing waits
    write(system)
    clock[0] += 60
    assert refresher.round() is None  # written since the last round: not yet
    assert waiting(system) == 1
    clock[0] += 60
    done = refresher.round()  # nothing written since: settled
    assert done is not None and done.sources > 0
    assert waiting(system) == 0


def test_a_round_with_nothing_waiting_refreshes(
    system: Database, refresher: Refresher, clock: list[float]
) -> None:
    """No change waits: a round still refreshes (a new day to count, a source not counted)."""
    assert refresher.round() is not None
    clock[0] += 60
    done = refresher.round()
    assert done is not None and done.sources == 0  # all counted up to today already
    with system.session(write=True) as session:  # a source to count afresh
        session.execute(delete(TallySource))
    clock[0] += 60
    done = refresher.round()
    assert done is not None and done.sources == len(tallied_reads())


def test_writes_that_never_settle_are_counted_after_settle_seconds(
    system: Database, refresher: Refresher, clock: list[float]
) -> None:
    assert refresher.round() is not None
    # A write every minute, first seen waiting at the first of these rounds: the rounds 0, 60,
    # …, 240 s after that sighting leave it (each finds a write since the round before) ...
    for _ in range(5):
        write(system)
        clock[0] += 60
        assert refresher.round() is None
    assert waiting(system) == 5
    # ... and the round 300 s (SETTLE) after it counts, though writes still come.
    write(system)
    clock[0] += 60
    done = refresher.round()
    assert done is not None and done.sources > 0
    assert waiting(system) == 0


def test_changes_of_any_organisation_wait_alike(
    system: Database, refresher: Refresher, clock: list[float]
) -> None:
    assert refresher.round() is not None
    write(system, None)
    clock[0] += 60
    assert refresher.round() is None
    assert waiting(system) == 1
    clock[0] += 60
    assert refresher.round() is not None
    assert waiting(system) == 0
