"""SQLite's write-ahead log is copied into the database file by the checkpoint thread, not by
the request that commits (store.database.WalCheckpointer)."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from contextlib import closing
from pathlib import Path

from sqlalchemy import Engine, text

from store.database import Database, WalCheckpointer, make_engine


def _write_rows(database: Database, n: int) -> None:
    with database.session(write=True) as session:
        session.execute(text("CREATE TABLE IF NOT EXISTS filler (x TEXT)"))
        session.execute(
            text("INSERT INTO filler (x) VALUES (:x)"), [{"x": "x" * 200} for _ in range(n)]
        )


def _filled_log(path: Path, rows: int) -> Engine:
    """An engine on a new file with automatic checkpoints off and `rows` rows of 200 bytes
    written in one transaction, so they all sit in the log."""
    engine = make_engine(f"sqlite:///{path}", own_checkpoints=True)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE filler (x TEXT)")
        if rows:
            filler = [{"x": "x" * 200} for _ in range(rows)]
            connection.execute(text("INSERT INTO filler (x) VALUES (:x)"), filler)
    return engine


def _wait_for(condition: object, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def test_commits_leave_the_log_and_the_thread_copies_it(tmp_path: Path) -> None:
    path = tmp_path / "ckpt.sqlite3"
    database = Database(f"sqlite:///{path}")
    try:
        with database.engine.connect() as connection:
            # The request's own connections never checkpoint...
            assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
        _write_rows(database, 5_000)  # about 1 MB: well past a page or two
        # ...so the rows reach the main file only through the thread.
        assert _wait_for(lambda: os.path.getsize(path) > 500_000)
    finally:
        database.dispose()
    assert database.checkpointer is not None and database.checkpointer._thread is None


def test_without_the_thread_the_rows_stay_in_the_log(tmp_path: Path) -> None:
    # The control for the test above: the same write with automatic checkpoints off and no
    # thread leaves the main file small, so the growth above is the thread's work.
    path = tmp_path / "control.sqlite3"
    engine = _filled_log(path, 5_000)
    try:
        time.sleep(0.5)
        assert os.path.getsize(path) < 100_000
        assert os.path.getsize(f"{path}-wal") > 500_000
    finally:
        engine.dispose()


def test_postgresql_and_memory_databases_have_no_checkpoint_thread() -> None:
    assert Database("sqlite://").checkpointer is None
    assert Database("postgresql://root@127.0.0.1:5432/test").checkpointer is None


def test_a_log_past_the_limit_is_emptied(tmp_path: Path) -> None:
    # Writes pile up 5 MB of log with no checkpoint (as when writes never pause); one
    # checkpoint step of the thread, with a 256-page limit, leaves the log file empty and the
    # rows in the main file. A passive checkpoint alone copies the rows but keeps the file.
    path = tmp_path / "limit.sqlite3"
    engine = _filled_log(path, 20_000)
    checkpointer = WalCheckpointer(str(path))
    checkpointer.LOG_LIMIT_PAGES = 256
    try:
        assert os.path.getsize(f"{path}-wal") > 4_000_000
        with closing(sqlite3.connect(path)) as own:
            checkpointer.checkpoint(own)
        assert os.path.getsize(f"{path}-wal") == 0
        assert checkpointer._open.is_set()  # writers may go on
        assert os.path.getsize(path) > 4_000_000
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM filler").scalar() == 20_000
    finally:
        engine.dispose()


def test_a_log_under_the_limit_is_copied_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "under.sqlite3"
    engine = _filled_log(path, 5_000)
    try:
        log = os.path.getsize(f"{path}-wal")
        with closing(sqlite3.connect(path)) as own:
            WalCheckpointer(str(path)).checkpoint(own)
        assert os.path.getsize(f"{path}-wal") == log  # the default limit is far above 1 MB
        assert os.path.getsize(path) > 500_000
    finally:
        engine.dispose()


def test_postgresql_sessions_run_without_jit() -> None:
    engine = make_engine("postgresql://root@127.0.0.1:5432/test")
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("SHOW jit").scalar() == "off"
    finally:
        engine.dispose()


def test_writers_wait_while_the_log_is_emptied(tmp_path: Path) -> None:
    # While a truncating checkpoint runs, this process's writers wait at the gate: a write
    # begun then is not stored until the gate opens, and it is stored after.
    path = tmp_path / "gate.sqlite3"
    database = Database(f"sqlite:///{path}")
    checkpointer = database.checkpointer
    assert checkpointer is not None
    try:
        _write_rows(database, 1)
        checkpointer._open.clear()  # as checkpoint() does around the TRUNCATE
        writer = threading.Thread(target=_write_rows, args=(database, 1))
        writer.start()
        time.sleep(0.5)
        with database.engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM filler").scalar() == 1
        checkpointer._open.set()
        writer.join(5)
        with database.engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM filler").scalar() == 2
    finally:
        checkpointer._open.set()
        database.dispose()


def test_a_reader_on_an_old_snapshot_delays_writers_once_then_not_again(tmp_path: Path) -> None:
    # A reader holding an old snapshot stops the log from being emptied: the attempt gives up
    # after GATE_SECONDS, the gate opens again, and no new attempt is made for RETRY_SECONDS.
    path = tmp_path / "reader.sqlite3"
    engine = _filled_log(path, 0)
    checkpointer = WalCheckpointer(str(path))
    checkpointer.LOG_LIMIT_PAGES, checkpointer.GATE_SECONDS = 16, 0.2
    try:
        with closing(sqlite3.connect(path, isolation_level=None)) as reader:
            reader.execute("BEGIN")
            reader.execute("SELECT count(*) FROM filler").fetchall()  # holds its snapshot
            with engine.begin() as connection:
                rows = [{"x": "x" * 200} for _ in range(2_000)]
                connection.execute(text("INSERT INTO filler (x) VALUES (:x)"), rows)
            with closing(sqlite3.connect(path)) as own:
                began = time.monotonic()
                checkpointer.checkpoint(own)  # tries, waits for the reader, gives up
                tried = time.monotonic() - began
                began = time.monotonic()
                checkpointer.checkpoint(own)  # does not try again yet
                again = time.monotonic() - began
            reader.execute("COMMIT")
        assert 0.15 < tried < 5
        assert again < 0.1
        assert checkpointer._open.is_set()
        assert os.path.getsize(f"{path}-wal") > 0
    finally:
        engine.dispose()
