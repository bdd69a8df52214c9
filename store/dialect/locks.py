"""Locks, snapshots and planner settings: who waits for whom, and how a long read sees one
state of the database."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

from store.dialect import is_postgresql
from store.dialect.bulk import text_array

POINT_READ_SETTINGS = (
    "max_parallel_workers_per_gather = 0",
    "enable_hashjoin = off",
    "enable_mergejoin = off",
)


def lock_keys(session: Session, keys: list[str]) -> None:
    """Serialises concurrent transactions over the same few keys (a feed's list, an action)
    until commit: a PostgreSQL advisory lock per key, taken in one sorted order so two
    transactions never wait for each other in a circle. SQLite writers hold the whole file's
    lock already."""
    if not keys or not is_postgresql(session):
        return
    session.execute(
        text(
            "SELECT count(pg_advisory_xact_lock(k)) FROM (SELECT DISTINCT"
            " hashtextextended(p, 0) AS k FROM unnest(CAST(:ids AS text[])) AS p ORDER BY k) AS s"
        ),
        {"ids": text_array(sorted(keys))},
    )


def lock_patients(session: Session, patients: list[str]) -> None:
    """Serialises concurrent transactions over the same patients until commit: each patient's
    row of patient_lock (models.PatientLock, keyed by a 64-bit hash of the id) is inserted, or
    locked where it is there already, by one statement in key order, so two batches never
    wait for each other in a circle. A transaction that wants a patient another holds (or is
    inserting) waits for it to end; batches of other patients go on side by side, whatever
    their size. SQLite writers hold the whole file's lock already.

    An advisory lock per patient filled the server's lock table (two 10,000-event batches of
    some 5,000 patients each, sent at once, were answered 500, "out of shared memory"), and one
    exclusive lock for a large batch queued every other writer behind it: trusts' feeds sent
    at once took turns. Row locks are kept in the rows themselves; `WHERE false` locks a
    conflicting row without writing a new version of it."""
    if not patients or not is_postgresql(session):
        return
    session.execute(
        text(
            "INSERT INTO patient_lock (key) SELECT DISTINCT hashtextextended(p, 0) AS k"
            " FROM unnest(CAST(:ids AS text[])) AS p ORDER BY k"
            " ON CONFLICT (key) DO UPDATE SET key = excluded.key WHERE false"
        ),
        {"ids": text_array(sorted(set(patients)))},
    )


@contextmanager
def exclusive(engine: Engine, key: int) -> Iterator[None]:
    """One holder at a time per database: a PostgreSQL advisory lock on `key`, or a lock file
    beside an SQLite database."""
    if is_postgresql(engine):
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                connection.commit()
        return
    path = engine.url.database
    lock_path = f"{path}.{key:x}.lock" if path and path != ":memory:" else None
    if lock_path is None:
        yield
        return
    descriptor = os.open(lock_path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        os.close(descriptor)


@contextmanager
def one_snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that sees one state of the database throughout
    (REPEATABLE READ on PostgreSQL; an SQLite read transaction does already)."""
    options = {"isolation_level": "REPEATABLE READ"} if is_postgresql(engine) else {}
    with engine.connect().execution_options(**options) as connection, connection.begin():
        yield connection


def for_point_reads(connection: Connection) -> None:
    """PostgreSQL runs the rest of this transaction's queries as the coordinator views need.

    - Without parallel workers: the views read a few thousand rows per query, and starting a
      worker took longer (about 10 ms) than the work it took over (2 ms counting a day of
      events).
    - Joining by nested loops: the rows in at an instant are joined to their spells (and units,
      reasons, readiness periods) by key. PostgreSQL's estimate of those rows is some seven
      times too high (it cannot see that end_at ≥ since nearly implies the start range of each
      length class), so it hashed the whole spell table against them: the stays of a past
      instant of a large year took 75 ms that way, 23 ms by primary-key probes.
    """
    if is_postgresql(connection):
        for setting in POINT_READ_SETTINGS:
            connection.execute(text(f"SET LOCAL {setting}"))


@contextmanager
def grouped_by_hash(connection: Connection) -> Iterator[None]:
    """PostgreSQL groups the queries run inside by hashing, not by sorting, where it can.

    The stays in at two instants are grouped per unit: PostgreSQL expects some 5,600 rows
    where a national deployment has 205,000 (the same misjudged end_at range as for joins),
    so it sorted them all (about 180 ms) to make 4,400 groups a hash makes in a few tens."""
    with _set_locally(connection, "enable_sort", "off"):
        yield


@contextmanager
def with_parallel_workers(connection: Connection, workers: int = 2) -> Iterator[None]:
    """PostgreSQL may share each query run inside among `workers` parallel workers (the point
    reads' setting has none): for a whole national deployment's census, where each worker's
    share is tens of thousands of index entries, not the few rows that made starting one
    cost more than it saved."""
    with _set_locally(connection, "max_parallel_workers_per_gather", str(workers)):
        yield


@contextmanager
def _set_locally(connection: Connection, name: str, value: str) -> Iterator[None]:
    """A PostgreSQL setting for the queries run inside, put back after (this transaction)."""
    if not is_postgresql(connection):
        yield
        return
    was = connection.execute(text("SELECT current_setting(:name)"), {"name": name}).scalar()
    set_local = text("SELECT set_config(:name, :value, true)")
    connection.execute(set_local, {"name": name, "value": value})
    try:
        yield
    finally:
        connection.execute(set_local, {"name": name, "value": was})


def refresh_statistics(engine: Engine, *tables: str, vacuum: bool = False) -> None:
    """After a bulk load on PostgreSQL, gathers the planner's statistics at once (of `tables`,
    or of every table); with `vacuum`, vacuums them first (VACUUM (ANALYZE)).

    Without statistics (autovacuum may be off, or not yet round), PostgreSQL plans a year's
    metric query for empty tables: on a freshly seeded large year, readmissions ran for over
    seven minutes instead of about a second. Without a vacuum, no page of a new table is marked
    all-visible, so an index that holds every column a query asks for still sends it to the
    table for each row: the stays in at a national census were counted by bitmap scans of the
    table's pages (317–389 ms) instead of from ix_stay_length_start alone (180–244 ms; both
    EXPLAIN ANALYZE on the national year while a tally count ran).
    PostgreSQL's manual advises both after a bulk load; autovacuum would get round to them,
    but only where it is on. SQLite gets none on purpose: it plans without statistics and the
    queries in metrics/ steer it (metrics.instants).
    """
    if not is_postgresql(engine):
        return
    with engine.connect() as connection:
        command = "VACUUM (ANALYZE)" if vacuum else "ANALYZE"
        statement = command + (" " + ", ".join(f'"{t}"' for t in tables) if tables else "")
        connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(statement)


def batch_migrations(connection: Connection) -> bool:
    """Whether Alembic must rebuild tables to alter them (SQLite's ALTER TABLE is limited)."""
    return not is_postgresql(connection)
