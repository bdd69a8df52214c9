"""Engines and sessions. SQLite gets WAL, foreign keys and BEGIN IMMEDIATE for writers, and
its write-ahead log is copied into the database file on a thread of its own."""

import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from store.dialect import worth_retrying
from store.statistics import StatisticsKeeper

WRITE_OPTION = "d2a_write"
T = TypeVar("T")


def make_engine(url: str, *, own_checkpoints: bool = False, **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite connections are tuned and take the write lock up front.

    With `own_checkpoints`, SQLite connections do not checkpoint the log when they commit: the
    caller runs a `WalCheckpointer` instead.

    PostgreSQL sessions run without JIT compilation: the planner turns it on for any query it
    costs above 100,000, which a year's readmission figure is, and compiling took 373 ms of a
    2-second query whose plan it did not change.
    """
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if not url.startswith("sqlite"):
        connect_args = {"options": "-c jit=off"} | kwargs.pop("connect_args", {})
        return create_engine(url, pool_pre_ping=True, connect_args=connect_args, **kwargs)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)
    _tune_sqlite(engine, own_checkpoints=own_checkpoints)
    return engine


def _tune_sqlite(engine: Engine, *, own_checkpoints: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        # Index pages stay in memory as the log grows: a 32 MiB page cache per connection (the
        # default is 2 MiB), and reads of the database file through a shared memory map.
        cursor.execute("PRAGMA cache_size=-32768")
        cursor.execute("PRAGMA mmap_size=1073741824")
        if own_checkpoints:
            cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A writer takes the lock before it reads, so two writers never interleave.
        write = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


class WalCheckpointer:
    """Copies an SQLite database's write-ahead log into the database file, off the request path.

    By default the connection that commits past 1,000 pages of log copies them into the file
    itself, inside the request: a fifth of the time of a large ingest batch. Here each write
    commit wakes this thread instead, which runs a PASSIVE checkpoint (it never waits for, or
    blocks, readers and writers) on a connection of its own; the driver releases the GIL while
    SQLite works, so the copying overlaps the next request on the other core. Idle for
    `IDLE_SECONDS`, the thread ends; the next commit starts it again.

    A passive checkpoint never lets the log start again from its beginning while writes keep
    coming (a writer only rewinds it when every frame has been copied, and a busy writer has
    always added more), so under sustained ingest the log file would grow without end: 4 GB in
    two minutes of a seed load. Once the log holds more than `LOG_LIMIT_PAGES` after a passive
    checkpoint, a TRUNCATE checkpoint copies what little is left and empties the file. It needs
    a moment with no writer, which a busy loader never leaves (it begins its next batch as it
    commits one: the log still reached 470 MB), so this process's writers wait at `gate` while
    it runs. A reader on an older snapshot can hold it up: it gives up after `GATE_SECONDS`
    (writers never wait longer) and is not tried again for `RETRY_SECONDS`, so long reads do
    not hold every write back.
    """

    IDLE_SECONDS = 10.0
    LOG_LIMIT_PAGES = 16_384  # 64 MiB of 4 KiB pages
    GATE_SECONDS = 2.0
    RETRY_SECONDS = 10.0

    def __init__(self, path: str) -> None:
        self.path = path
        self._open = threading.Event()  # set: writers may begin
        self._open.set()
        self._retry_at = 0.0  # time.monotonic() before which no truncation is tried
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._closed = False

    def poke(self) -> None:
        """A write has committed: checkpoint soon."""
        with self._lock:
            if self._closed:
                return
            self._wake.set()
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="d2a-wal-checkpoint", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        try:
            uri = f"file:{quote(os.path.abspath(self.path))}?mode=rw"  # never creates a file
            connection = sqlite3.connect(uri, uri=True, timeout=30, check_same_thread=False)
            try:
                self._loop(connection)
            finally:
                connection.close()
        except sqlite3.Error:  # the file went away (a test's scratch database): nothing to do
            with self._lock:
                self._thread = None

    def _loop(self, connection: sqlite3.Connection) -> None:
        while True:
            woke = self._wake.wait(self.IDLE_SECONDS)
            self._wake.clear()
            self.checkpoint(connection)
            if woke and not self._closed:
                continue
            with self._lock:
                if not self._wake.is_set():
                    self._thread = None
                    return

    def gate(self) -> None:
        """Called before a write begins: waits while a truncating checkpoint runs."""
        self._open.wait(self.GATE_SECONDS)

    def checkpoint(self, connection: sqlite3.Connection) -> None:
        """A passive checkpoint; a truncating one when the log has grown past the limit."""
        _busy, log_pages, _copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        if log_pages <= self.LOG_LIMIT_PAGES or time.monotonic() < self._retry_at:
            return
        self._open.clear()
        try:
            connection.execute(f"PRAGMA busy_timeout={int(self.GATE_SECONDS * 1000)}")
            busy, _log, _copied = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            connection.execute("PRAGMA busy_timeout=30000")
            self._open.set()
        if busy:
            self._retry_at = time.monotonic() + self.RETRY_SECONDS

    def close(self) -> None:
        """One last checkpoint, then the thread ends."""
        with self._lock:
            self._closed = True
            thread = self._thread
            self._wake.set()
        if thread is not None:
            thread.join()


def sqlite_file(url: str) -> str | None:
    """The file of an SQLite URL, or None for another database or an in-memory one."""
    if not url.startswith("sqlite"):
        return None
    path = make_url(url).database
    return None if not path or path == ":memory:" or path.startswith("file:") else path


@dataclass(frozen=True)
class Written(Generic[T]):
    """What a write transaction gave, and how many times it was run again."""

    value: T
    retries: int


class Database:
    """An engine and its session factories, made once at start-up.

    With `read_url` (D2A_READ_DATABASE_URL: a read replica of `url`, kept by PostgreSQL's
    streaming replication), read-only sessions go to the replica and writes to the primary.
    Reads that must see the latest commit — a token's check, so that a revoked token stops at
    once and a new one works at once — ask for `primary=True`; `engine` (the figure tallies'
    recount, migrations, the CLI) is always the primary.

    On PostgreSQL, a write may be followed by analysing the tables it left stale
    (store.statistics): the replica receives those statistics by replication."""

    def __init__(self, url: str, read_url: str | None = None) -> None:
        self.url = url
        self.read_url = read_url or None
        path = sqlite_file(url)
        self.checkpointer = WalCheckpointer(path) if path else None
        self.engine = make_engine(url, own_checkpoints=self.checkpointer is not None)
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        self.read_engine = make_engine(self.read_url) if self.read_url else self.engine
        self._replica = (
            sessionmaker(self.read_engine, expire_on_commit=False)
            if self.read_url
            else self._reader
        )
        self.write_engine = self.engine.execution_options(**{WRITE_OPTION: True})
        self._writer = sessionmaker(self.write_engine, expire_on_commit=False)
        postgresql = not url.startswith("sqlite")
        self.statistics = StatisticsKeeper(self.engine) if postgresql else None

    @contextmanager
    def session(self, *, write: bool = False, primary: bool = False) -> Iterator[Session]:
        """One transaction: committed if the block ends normally, rolled back otherwise. A
        read-only one (not `write`) runs on the read replica when there is one, unless
        `primary`."""
        factory = self._writer if write else self._reader if primary else self._replica
        if write and self.checkpointer is not None:
            self.checkpointer.gate()
        with factory() as session, session.begin():
            yield session
        if write and self.checkpointer is not None:
            self.checkpointer.poke()
        if write and self.statistics is not None:
            self.statistics.poke()

    def write(self, work: Callable[[Session], T], attempts: int = 5) -> Written[T]:
        """Runs `work` in a write transaction, again from the start (up to `attempts` times)
        when it fails on a conflict with a concurrent writer that a fresh attempt can get past
        (store.dialect.worth_retrying): a deadlock, a serialization failure, a unique key taken
        first. Any other error, or the last attempt's, is raised."""
        for attempt in range(1, attempts + 1):
            try:
                with self.session(write=True) as session:
                    return Written(work(session), attempt - 1)
            except DBAPIError as error:
                if attempt == attempts or not worth_retrying(error):
                    raise
                time.sleep(random.uniform(0, 0.02 * attempt))  # let the other writer finish
        raise AssertionError("unreachable")

    def dispose(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.close()
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()


def tune_for_bulk_load(database: Database) -> None:
    """This loader's own SQLite connections: a larger page cache, so index inserts stay in
    memory, and no fsync at commit. A power cut during a seed can lose or damage what was being
    loaded; generated data can always be loaded again, so a bulk load does not pay for it.
    PostgreSQL is left as it is."""
    if database.checkpointer is None and not database.url.startswith("sqlite"):
        return

    @event.listens_for(database.engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()
