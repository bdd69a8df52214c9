"""The planner's statistics on PostgreSQL, kept up with tables that grow faster than
autovacuum looks at them, or on a server where it is off.

Every write of the product reads and deletes rows by lists of ids (`= ANY(...)`: a batch's
patients, their spells). Planned for a table PostgreSQL has no statistics of, that is a scan of
the whole table comparing each row with every id of the list. On this machine, where
autovacuum is off, loading the small demonstration data (91,221 events) took 235.0 s and with
this 23.2 s; 80,000 events in batches of 500, 87.0 s and 13.7 s. So after a write the database
analyses, at most once every few seconds, any table changed by more than a tenth of its rows
and a thousand since it was last analysed. Autovacuum's default rule is a tenth and fifty
rows, so where it is on and keeping up this seldom finds anything left to do.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from store.dialect import is_postgresql

log = logging.getLogger(__name__)

CHANGED_ROWS = 1_000  # a table this much changed, plus
CHANGED_SHARE = 0.1  # this share of the rows it had when last analysed, is analysed again

_STALE = text(
    "SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid"
    " WHERE s.schemaname = current_schema()"
    " AND s.n_mod_since_analyze > :rows + :share * greatest(c.reltuples, 0)"
    " ORDER BY s.relname"
)


def stale_tables(connection: Connection) -> list[str]:
    """The tables changed by more than CHANGED_ROWS plus CHANGED_SHARE of their rows since last
    analysed (never analysed: since made). PostgreSQL's counts of changes may lag a write by
    a second or so."""
    found = connection.execute(_STALE, {"rows": CHANGED_ROWS, "share": CHANGED_SHARE})
    return list(found.scalars())


def outgrown(engine: Engine, table: str, changed: int) -> bool:
    """Whether `changed` rows just written to `table` leave it stale by the rule above (more
    than CHANGED_ROWS plus CHANGED_SHARE of the rows it had when last analysed; never analysed:
    any more than CHANGED_ROWS), read from the catalogue at once where PostgreSQL's counts of
    changes may lag. Always False on SQLite."""
    if not is_postgresql(engine):
        return False
    with engine.connect() as connection:
        had = connection.execute(
            text("SELECT greatest(reltuples, 0) FROM pg_class WHERE oid = to_regclass(:t)"),
            {"t": table},
        ).scalar()
    return changed > CHANGED_ROWS + CHANGED_SHARE * float(had or 0)


def analyse_stale(connection: Connection) -> list[str]:
    """Analyses the stale tables (PostgreSQL only; none on SQLite, whose queries are steered
    without statistics) and returns them. A table another session is analysing is skipped."""
    if not is_postgresql(connection):
        return []
    tables = stale_tables(connection)
    if tables:
        names = ", ".join(f'"{table}"' for table in tables)
        connection.exec_driver_sql(f"ANALYZE (SKIP_LOCKED) {names}")
    return tables


class StatisticsKeeper:
    """Analyses stale tables after write transactions, at most once every `every` seconds,
    on a connection of its own outside any transaction. A failure is logged, never raised:
    the write it follows is already committed."""

    def __init__(self, engine: Engine, every: float = 5.0) -> None:
        self._engine = engine
        self._every = every
        self._next = 0.0
        self._busy = threading.Lock()

    def poke(self) -> None:
        now = time.monotonic()
        if now < self._next or not self._busy.acquire(blocking=False):
            return
        try:
            self._next = now + self._every
            with self._engine.connect() as connection:
                analyse_stale(connection.execution_options(isolation_level="AUTOCOMMIT"))
        except DBAPIError as error:
            log.warning("could not refresh the planner's statistics: %s", error.orig)
        finally:
            self._busy.release()
