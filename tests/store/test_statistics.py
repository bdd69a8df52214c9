"""A seed leaves PostgreSQL with planner statistics for what it loaded, and its pages vacuumed
(store.dialect.locks.refresh_statistics), and any write leaves none stale for long
(store.statistics); SQLite, whose queries are steered without statistics, gets none."""

from __future__ import annotations

import logging
import time
from datetime import date
from typing import Any
from unittest.mock import patch

import pytest
from sqlalchemy import text

from ledger.rebuild import rebuild_derived
from metrics.tally import changed_from
from seed.commands import seed_database
from seed.generate import RunSpec
from store.database import Database, make_engine
from store.dialect.locks import for_point_reads, grouped_by_hash, with_parallel_workers
from store.statistics import StatisticsKeeper, analyse_stale, outgrown, stale_tables
from tests.conftest import backend
from tests.metrics.scenario import Patient, load


def test_a_seed_leaves_statistics_on_postgresql_only(db: Database) -> None:
    seed_database(db.url, RunSpec.of("small", 3, 5, date(2025, 3, 3)))
    with db.engine.connect() as connection:
        if db.engine.dialect.name == "postgresql":
            analysed = connection.execute(
                text(
                    "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL"
                    " AND relname IN ('event', 'spell', 'stay', 'ready_span')"
                )
            ).scalars()
            assert sorted(analysed) == ["event", "ready_span", "spell", "stay"]
            # And vacuumed: pages marked all-visible, so a covering index answers alone.
            vacuumed = connection.execute(
                text(
                    "SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c"
                    " ON c.oid = s.relid WHERE last_vacuum IS NOT NULL AND relallvisible > 0"
                    " AND s.relname IN ('event', 'spell', 'stay', 'ready_span')"
                )
            ).scalars()
            assert sorted(vacuumed) == ["event", "ready_span", "spell", "stay"]
            # The planner now knows the spells are many, not the default guess for a table
            # it never looked at.
            rows = connection.execute(
                text("SELECT reltuples FROM pg_class WHERE relname = 'spell'")
            ).scalar_one()
            assert rows > 100
        else:
            stat = connection.execute(
                text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            ).scalar_one()
            assert stat == 0


def test_grouping_by_hash_is_for_the_queries_inside_only(db: Database) -> None:
    """store.dialect.locks.grouped_by_hash: inside, PostgreSQL may not sort to group (the
    snapshot's stays in at two instants, misjudged as few); after, it plans as before. The
    plan of a GROUP BY shows which; SQLite is left as it is."""
    query = "SELECT unit_code, count(*) FROM stay GROUP BY unit_code"
    with db.engine.connect() as connection:
        if db.engine.dialect.name != "postgresql":
            with grouped_by_hash(connection):
                assert connection.execute(text(query)).all() == []
            return
        connection.execute(text("SET LOCAL enable_hashagg = on"))

        def plan() -> str:
            return "\n".join(connection.execute(text(f"EXPLAIN {query}")).scalars())

        connection.execute(text("SET LOCAL enable_sort = on"))
        with grouped_by_hash(connection):
            inside = plan()
            assert connection.execute(text("SHOW enable_sort")).scalar() == "off"
        assert "HashAggregate" in inside
        assert connection.execute(text("SHOW enable_sort")).scalar() == "on"


def test_parallel_workers_are_for_the_queries_inside_only(db: Database) -> None:
    """store.dialect.locks.with_parallel_workers: the point reads allow PostgreSQL no parallel
    workers; inside, a whole deployment's census may have two; after, none again, even when
    what is inside fails."""
    with db.engine.connect() as connection:
        if db.engine.dialect.name != "postgresql":
            with with_parallel_workers(connection):
                assert connection.execute(text("SELECT count(*) FROM stay")).scalar() == 0
            return
        for_point_reads(connection)

        def workers() -> str:
            return str(connection.execute(text("SHOW max_parallel_workers_per_gather")).scalar())

        assert workers() == "0"
        with with_parallel_workers(connection):
            assert workers() == "2"
        assert workers() == "0"
        with pytest.raises(ZeroDivisionError), with_parallel_workers(connection, 1):
            assert workers() == "1"
            _ = 1 / 0
        assert workers() == "0"


# -- store.statistics: tables left stale by writes are analysed --------------------------------


def _journeys(patients: int, first: int = 0) -> list[dict[str, Any]]:
    """Two events each (admitted to W1, discharged home the next day)."""
    events = []
    for n in range(first, first + patients):
        patient = Patient(f"s{n}")
        patient.admitted(f"2025-03-{1 + n % 20:02d}T08:00:00+00:00")
        patient.discharged(f"2025-03-{2 + n % 20:02d}T15:00:00+00:00")
        events += patient.events
    return events


def _stored_without_keeper(db: Database, events: list[dict[str, Any]]) -> None:
    """Stores `events` with no analysis after the write, then has PostgreSQL publish its counts
    of changed rows at once (they would otherwise reach other sessions within seconds)."""
    keeper, db.statistics = db.statistics, None
    try:
        load(db, events)
    finally:
        db.statistics = keeper
    with db.engine.connect() as connection:
        connection.execute(text("SELECT pg_stat_force_next_flush()"))
        connection.commit()


def _planned_rows(db: Database) -> dict[str, float]:
    """{table: the planner's count of its rows}: -1 for a table not analysed since made or
    emptied."""
    with db.engine.connect() as connection:
        found = connection.execute(
            text(
                "SELECT s.relname, c.reltuples FROM pg_stat_user_tables s"
                " JOIN pg_class c ON c.oid = s.relid"
            )
        )
        return {str(name): float(rows) for name, rows in found}


def _stale(db: Database, table: str, expected: bool) -> list[str]:
    """stale_tables, asked again for up to 10 s until `table` is in it (or not) as expected:
    the counts of changed rows reach other sessions a moment after the write."""
    deadline = time.monotonic() + 10
    while True:
        with db.engine.connect() as connection:
            stale = stale_tables(connection)
        if (table in stale) == expected or time.monotonic() > deadline:
            return stale
        time.sleep(0.2)


postgresql_only = pytest.mark.skipif(
    backend() != "postgresql", reason="planner statistics are PostgreSQL's"
)


@postgresql_only
def test_a_table_changed_by_a_tenth_and_a_thousand_rows_is_analysed_after_a_write(
    system: Database,
) -> None:
    # 600 patients: 1,200 events, over the 1,000 changed rows of a table never analysed; the
    # spells (600) and the units (5) are under it.
    _stored_without_keeper(system, _journeys(600))
    assert "event" in _stale(system, "event", True)
    stale = _stale(system, "event", True)
    assert "spell" not in stale and "unit" not in stale
    assert _planned_rows(system)["event"] == -1

    keeper = StatisticsKeeper(system.engine, every=0)
    keeper.poke()
    planned = _planned_rows(system)
    assert planned["event"] == 1_200  # the planner now knows the table's rows
    assert planned["spell"] == -1
    # 1,099 more rows changed would be under 1,000 + a tenth of 1,200 (1,120); 1,200 are over.
    _stored_without_keeper(system, _journeys(549, first=600))
    assert "event" not in _stale(system, "event", False)
    _stored_without_keeper(system, _journeys(51, first=1_149))
    assert "event" in _stale(system, "event", True)
    keeper.poke()
    assert _planned_rows(system)["event"] == 2_400


@postgresql_only
def test_rows_just_written_outgrow_a_table_by_the_same_rule(system: Database) -> None:
    """`outgrown` (a tally refresh's question, asked at once after its write) applies the rule
    to the rows it says it wrote: of a table never analysed, over 1,000; of one analysed with
    1,200 rows, over 1,000 + 120."""
    _stored_without_keeper(system, _journeys(600))  # 1,200 events, never analysed
    assert outgrown(system.engine, "event", 1_001)
    assert not outgrown(system.engine, "event", 1_000)
    StatisticsKeeper(system.engine, every=0).poke()
    assert _planned_rows(system)["event"] == 1_200
    assert not outgrown(system.engine, "event", 1_120)
    assert outgrown(system.engine, "event", 1_121)


def test_rows_written_never_outgrow_a_table_on_sqlite(system: Database) -> None:
    if backend() == "postgresql":
        pytest.skip("SQLite's answer")
    assert not outgrown(system.engine, "event", 10**9)


@postgresql_only
def test_the_database_analyses_after_its_writes_at_most_every_few_seconds(db: Database) -> None:
    database = Database(db.url)
    try:
        assert isinstance(database.statistics, StatisticsKeeper)
        calls: list[float] = []
        database.statistics.poke = lambda: calls.append(time.monotonic())  # type: ignore[method-assign]
        with database.session() as session:
            session.execute(text("SELECT 1"))
        assert calls == []  # a read is not followed by a look
        with database.session(write=True) as session:
            session.execute(text("SELECT 1"))
        assert len(calls) == 1
    finally:
        database.dispose()
    keeper = StatisticsKeeper(db.engine, every=3600)
    looked: list[int] = []

    def look(_connection: object) -> list[str]:
        looked.append(1)
        return []

    with patch("store.statistics.analyse_stale", look):
        keeper.poke()
        keeper.poke()
    assert looked == [1]  # the second write within the hour was not followed by a look


@postgresql_only
def test_a_failed_analysis_is_logged_and_the_write_stands(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    gone = make_engine(db.url.rsplit("/", 1)[0] + "/d2a_no_such_database")
    try:
        with caplog.at_level(logging.WARNING, logger="store.statistics"):
            StatisticsKeeper(gone, every=0).poke()
    finally:
        gone.dispose()
    assert "could not refresh the planner's statistics" in caplog.text
    assert "d2a_no_such_database" in caplog.text


@postgresql_only
def test_a_rebuild_analyses_the_stale_tables_before_it_replays(system: Database) -> None:
    _stored_without_keeper(system, _journeys(600))
    _stale(system, "event", True)
    assert _planned_rows(system)["event"] == -1
    with system.session(write=True) as session:
        assert rebuild_derived(session, changed_from) == 600
    assert _planned_rows(system)["event"] == 1_200


def test_sqlite_is_never_analysed(system: Database) -> None:
    if backend() == "postgresql":
        pytest.skip("SQLite's side")
    assert system.statistics is None
    load(system, _journeys(600))
    with system.engine.connect() as connection:
        assert analyse_stale(connection) == []
        stat = "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"
        assert connection.execute(text(stat)).scalar_one() == 0
