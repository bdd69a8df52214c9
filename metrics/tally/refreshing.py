"""Recounting the declared tallied reads from the earliest change, in the background (d2a serve)
or at once (d2a tally)."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, func, select

from metrics.sources import TIMES
from metrics.tally.reading import ORIGIN_HORIZON, PART, C, F, S, Tallied, as_date, reach
from models import EventTally
from models.clock import FIRST_DAY, local_date, utc_now
from store.dialect.locks import exclusive, one_snapshot
from store.dialect.sql import upsert

LOG = logging.getLogger("d2a.tally")
LOCK_KEY = 0x0D2A7A11  # one refresh at a time per database
Declared = Callable[[], Sequence[Tallied]]


@dataclass(frozen=True)
class Refreshed:
    sources: int  # sources recounted
    rows: int  # tally rows written
    first: date | None  # the earliest day recounted
    seconds: float


def refresh(engine: Engine, sources: Sequence[Tallied], writer: Engine | None = None) -> Refreshed:
    """Recounts the `sources` (the declared tallied reads) from the earliest change (all days
    of a source not yet tallied) up to today, takes in the changes it saw, and drops the
    tallies of any source no longer declared. One refresh at a time per database.

    Reads on `engine`, writes on `writer` (default the same; an SQLite writer should take its
    lock as it begins).
    """
    began = time.perf_counter()
    with exclusive(engine, LOCK_KEY):
        with one_snapshot(engine) as connection:
            plan, seen, upto = _plan(connection, sources)
            counted = [(s, frm, *_counted(connection, s, frm, upto)) for s, frm in plan]
        rows = _store(writer or engine, counted, seen, upto, sources)
    first = min((frm for _, frm in plan), default=None)
    return Refreshed(len(plan), rows, first, time.perf_counter() - began)


def _plan(
    connection: Connection, sources: Sequence[Tallied]
) -> tuple[list[tuple[Tallied, date]], list[int], date]:
    """Which sources to recount from which day; the changes seen; the day tallies run up to."""
    changes = connection.execute(select(C.c.id, C.c.day)).all()
    seen = [row[0] for row in changes]
    changed = min((as_date(row[1]) for row in changes), default=None)
    states = {row[0]: as_date(row[1]) for row in connection.execute(select(S.c.source, S.c.upto))}
    floor = _first_day(connection)
    upto = local_date(utc_now()) + timedelta(days=1)
    plan = []
    for source in sources:
        frm = states.get(source.name, floor)
        if changed is not None:
            frm = min(frm, reach(source, changed))
        frm = max(frm, floor)
        if frm < upto or source.name not in states:
            plan.append((source, frm))
    return plan, seen, upto


def _first_day(connection: Connection) -> date:
    """The first local day with an event (no derived row starts before it), but never before
    2000-01-01: no figure is asked for earlier (SPEC §3), and a database holding an event of
    year 1 from before times were checked would otherwise have the refresh count from there
    (and overflow at its first date arithmetic)."""
    first = connection.execute(select(func.min(EventTally.__table__.c.day))).scalar()
    return max(as_date(first), FIRST_DAY) if first is not None else local_date(utc_now())


def _counted(
    connection: Connection, source: Tallied, frm: date, upto: date
) -> tuple[pd.DataFrame, list[str]]:
    """The source's rows per day from frm to the day before upto, ready to store, and the
    columns of their keys."""
    rows = source.days(connection, min(frm, upto - timedelta(days=1)), upto - timedelta(days=1))
    columns = _key_columns(source, rows)
    day = rows[source.day].to_numpy(dtype="datetime64[D]")
    for origin in source.origins:
        floor = day - np.timedelta64(ORIGIN_HORIZON, "D")
        rows[origin] = np.maximum(rows[origin].to_numpy(dtype="datetime64[D]"), floor)
    rows[source.day] = day
    encoded = [_encoded(rows[c], c in TIMES) for c in columns if c != PART]
    rows["key"] = [json.dumps(k) for k in zip(*encoded, strict=True)] if encoded else "[]"
    rows["part"] = rows[PART].astype(str) if PART in columns else ""
    # A day's arrivals and departures of one key may cancel; the row stays (with 0), since
    # a figure shows each group with a row in the period (metrics.breakdown).
    keys = [source.day, "part", "key"]
    grouped = rows.groupby(keys, sort=False)[list(source.values)].sum()
    return grouped.reset_index(), columns


def _key_columns(source: Tallied, rows: pd.DataFrame) -> list[str]:
    return [c for c in rows.columns if c not in (source.day, *source.values, "key", "part")]


def _encoded(column: pd.Series, times: bool) -> list[Any]:
    if times:
        stamps = column.to_numpy(dtype="datetime64[us]")
        return [None if np.isnat(s) else str(s) for s in stamps]
    return [v.item() if isinstance(v, np.generic) else v for v in column.tolist()]


def _store(
    engine: Engine,
    counted: list[tuple[Tallied, date, pd.DataFrame, list[str]]],
    seen: list[int],
    upto: date,
    sources: Sequence[Tallied],
) -> int:
    """Replaces the recounted days and takes in the changes seen, in one transaction."""
    written = 0
    now = utc_now()
    with engine.begin() as connection:
        for source, frm, rows, key_columns in counted:
            connection.execute(F.delete().where(F.c.source == source.name, F.c.day >= frm))
            if len(rows):
                values = list(source.values)
                payload = [
                    {
                        "source": source.name,
                        "day": day.astype("datetime64[D]").item(),
                        "part": part,
                        "key": key,
                        "n": int(n),
                        "m": int(rest[0]) if rest else None,
                    }
                    for day, part, key, n, *rest in zip(
                        rows[source.day].to_numpy(dtype="datetime64[D]"),
                        rows["part"],
                        rows["key"],
                        *(rows[v] for v in values),
                        strict=True,
                    )
                ]
                connection.execute(F.insert(), payload)
                written += len(payload)
            columns = json.dumps(key_columns)
            state = {"upto": upto, "columns": columns, "built_at": now}
            statement = upsert(connection, S, ["source"], state)
            connection.execute(statement.values(source=source.name, **state))
        for chunk in range(0, len(seen), 1000):
            connection.execute(C.delete().where(C.c.id.in_(seen[chunk : chunk + 1000])))
        known = [source.name for source in sources]
        connection.execute(F.delete().where(F.c.source.not_in(known)))
        connection.execute(S.delete().where(S.c.source.not_in(known)))
    return written


def forget(engine: Engine) -> None:
    """Drops every tally, so that figures read the derived tables until the next refresh."""
    with engine.begin() as connection:
        connection.execute(F.delete())
        connection.execute(S.delete())


class Refresher:
    """Refreshes the tallies every `seconds` on a daemon thread (d2a serve)."""

    def __init__(self, engine: Engine, writer: Engine, seconds: float, declared: Declared) -> None:
        self.engine, self.writer, self.seconds, self.declared = engine, writer, seconds, declared
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="d2a-tally", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        sources = self.declared()
        while not self._stop.is_set():
            try:
                done = refresh(self.engine, sources, self.writer)
                if done.sources:
                    LOG.info(
                        "tallies: %d sources from %s, %d rows, %.1f s",
                        done.sources,
                        done.first,
                        done.rows,
                        done.seconds,
                    )
            except Exception:  # a failed round is retried; the figures read the derived tables
                LOG.exception("tally refresh failed")
            self._stop.wait(self.seconds)
