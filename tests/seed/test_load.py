"""Every generated event passes the same validation as a real feed's."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from models import Event, Spell
from seed import system
from seed.commands import SeedFailed, seed_database
from seed.generate import RunSpec, events, generate, plans
from seed.load import load_batches
from store.database import Database

SPEC = RunSpec.of("small", 30, 7, date(2025, 3, 3))


def test_a_small_month_passes_ingest_and_is_stored_whole(db: Database) -> None:
    with db.session(write=True) as session:
        for plan in plans(SPEC):
            system.install(session, plan)
    result = load_batches(db, generate(SPEC), now_limit=datetime(2030, 1, 1))
    assert result.duplicates == 0
    assert result.accepted == sum(1 for _ in events(SPEC))
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Event)) == result.accepted
        assert (session.scalar(select(func.count()).select_from(Spell)) or 0) > 1000


def test_loading_the_same_run_again_adds_nothing(db: Database) -> None:
    spec = RunSpec.of("small", 7, 3, date(2025, 3, 3))
    with db.session(write=True) as session:
        for plan in plans(spec):
            system.install(session, plan)
    first = load_batches(db, generate(spec), now_limit=datetime(2030, 1, 1))
    again = load_batches(db, generate(spec), now_limit=datetime(2030, 1, 1))
    assert (again.accepted, again.duplicates) == (0, first.accepted)


def test_another_seed_into_the_same_database_is_refused_plainly(db: Database) -> None:
    seed_database(db.url, RunSpec.of("small", 3, 1, date(2025, 3, 3)))
    with pytest.raises(SeedFailed, match="use a new database"):
        seed_database(db.url, RunSpec.of("small", 3, 2, date(2025, 3, 3)))
