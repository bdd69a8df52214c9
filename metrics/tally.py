"""Figure tallies: what a figure reads, counted per local day ahead of the question.

A *source* is one grouped read a metric makes of the derived tables, such as "acute ready
spans arriving and leaving per day, by pathway" or "acute discharges per day, by pathway and
delay". Its rows are each counted on one local day, so the answer for a period is the rows of
its days. A refresh (`refresh`, run by `d2a serve` in the background and by `d2a tally`) stores
those rows per day in figure_tally; a year's figure then reads a few thousand tallied rows
instead of every stay, and costs the same whatever the number of stays.

The tally never decides a figure on its own: each read takes tallied days only up to the
source's *cut*, the first day a write since the last refresh may have changed. Every ingest
records the earliest local day its batch touches (a void: the earlier of its own and its
target's day; SPEC §4: a past figure changes only when events for its date arrive or are
voided), so days before the cut equal what the derived tables give now, and days from the cut
on are read from the derived tables as before. A source whose day can be changed by a later
event (a readmission within 29 days) takes its cut that many days earlier. Which reads are
tallied is the caller's choice: system-wide figures, and one organisation's with no breakdown
(from a source with an organisation column, kept in `part` so those rows are read alone);
breakdowns by unit, where a tally would be about as long as the rows, read the derived tables.

Census sources are arrivals (+n) and departures (−n) per day; a census over a period sums them
from the start, so tallied days before the start count on the start, and where the read
changes from tallied to derived days, the tallied sum is taken back out (the derived read
carries everyone in at the cut on its own). A census row's origin (the admission or readiness
date that length of stay or days ready count from) is kept exactly for 21 days: after that
every band and stranded threshold is passed, so an older origin is stored as day − 21 and
the tally stays a few rows per day.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    BigInteger,
    Connection,
    Engine,
    case,
    cast,
    func,
    literal,
    literal_column,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite

from metrics.grid import BAND_FLOORS
from metrics.sources import TIMES
from models import Base
from models.clock import local_date, utc_now

LOG = logging.getLogger("d2a.tally")
VERSION = "1"  # part of every source key: a change to what a source reads starts it afresh
STRANDED_MOST = 21  # the longest length of stay a stranded figure counts from
ORIGIN_HORIZON = max(STRANDED_MOST, *BAND_FLOORS)
# A source with an organisation column keeps it beside the key, so that one organisation's
# figure reads only its own rows.
PART = "organisation"
LOCK_KEY = 0x0D2A7A11  # PostgreSQL advisory lock: one refresh at a time
F, S, C = (Base.metadata.tables[t] for t in ("figure_tally", "tally_source", "tally_change"))

Read = Callable[[Connection, date, date], pd.DataFrame]


@dataclass(frozen=True)
class Source:
    """One grouped read of a figure's inputs, counted per local day.

    `live(connection, start, end)` is the read as metrics make it; `days(connection, start,
    end)` the rows counted on each day from start to end (for a census, arrivals and
    departures on their own days; otherwise the same read). Both give a `day` column (named
    by `day`), the key columns, and the `values` counted.
    """

    key: str
    day: str
    values: tuple[str, ...]
    live: Read
    days: Read
    census: bool = False
    origins: tuple[str, ...] = ()  # census origin dates, exact for ORIGIN_HORIZON days
    lookahead: int = 0  # days before a change that a later event can still alter

    @property
    def name(self) -> str:
        return f"v{VERSION}:{self.key}"


REGISTRY: dict[str, Source] = {}
_registry_lock = threading.Lock()


def read(
    connection: Connection, source: Source, start: date, end: date, part: str | None = None
) -> pd.DataFrame:
    """The source's rows for start..end: tallied days before its cut, derived ones after.
    With `part`, only the rows of that organisation (a source with an organisation column)."""
    with _registry_lock:
        REGISTRY.setdefault(source.name, source)
    state = _state(connection, source)
    if state is None or state[0] <= start:
        return _of_part(source.live(connection, start, end), part)
    cut, columns = state
    last = min(end, cut - timedelta(days=1))
    tallied = _tallied(connection, source, columns, start, last, part)
    if source.census:
        tallied = _on_start(source, columns, tallied, start)
    if cut > end:
        return tallied
    live = _of_part(source.live(connection, cut, end), part)
    parts = [tallied, live]
    if source.census and len(tallied):
        parts.insert(1, _closing(source, columns, tallied, cut))
    return pd.concat([p for p in parts if len(p)] or [tallied], ignore_index=True)


def _of_part(rows: pd.DataFrame, part: str | None) -> pd.DataFrame:
    """The rows of organisation `part` (all of them for None)."""
    return rows if part is None else rows[rows[PART] == part].reset_index(drop=True)


def _state(connection: Connection, source: Source) -> tuple[date, list[str]] | None:
    """The source's cut (the first day not read from the tally) and key columns, if tallied."""
    row = connection.execute(select(S.c.upto, S.c.columns).where(S.c.source == source.name)).first()
    if row is None:
        return None
    upto, columns = _as_date(row[0]), json.loads(row[1])
    changed = connection.execute(select(func.min(C.c.day))).scalar()
    if changed is not None:
        upto = min(upto, _reach(source, _as_date(changed)))
    return upto, columns


def _on_start(
    source: Source, columns: list[str], tallied: pd.DataFrame, start: date
) -> pd.DataFrame:
    """A census's rows on its start sum every earlier day: per key, the count in at the
    start's census. Their origins are kept exactly for ORIGIN_HORIZON days before the start
    (as the tally keeps them before each day), and a key with none in is left out: like the
    derived read, a figure shows only the groups with a row in the period."""
    first = np.datetime64(start, "us")
    on_start = tallied[source.day].to_numpy() == first
    if not on_start.any():
        return tallied
    opening = tallied[on_start].copy()
    for origin in source.origins:
        floor = first - np.timedelta64(ORIGIN_HORIZON, "D")
        opening[origin] = np.maximum(opening[origin].to_numpy(dtype="datetime64[us]"), floor)
    value = source.values[0]
    if columns:
        opening = opening.groupby(columns, dropna=False, sort=False)[value].sum().reset_index()
        opening.insert(0, source.day, pd.Series(np.full(len(opening), first)))
    opening = opening[opening[value] != 0][tallied.columns]
    return pd.concat([opening, tallied[~on_start]], ignore_index=True)


def _tallied(
    connection: Connection,
    source: Source,
    columns: list[str],
    start: date,
    last: date,
    part: str | None,
) -> pd.DataFrame:
    """Tallied rows of start..last (of one organisation, `part`); a census's earlier days
    count on start."""
    t = F.c
    which = [t.source == source.name, t.day <= last]
    if part is not None:
        which.append(t.part == part)
    if source.census:
        day = case((t.day < start, literal(start)), else_=t.day)
        query = (
            select(
                day.label("day"),
                t.part,
                t.key,
                cast(func.sum(t.n), BigInteger),
                cast(func.sum(t.m), BigInteger),
            )
            .where(*which)
            .group_by(literal_column("1"), literal_column("2"), literal_column("3"))
        )
    else:
        query = select(t.day, t.part, t.key, t.n, t.m).where(*which, t.day >= start)
    result = connection.execute(query)
    rows = result.cursor.fetchall() if result.cursor is not None else []
    result.close()
    return _decode(source, columns, rows)


def _decode(source: Source, columns: list[str], rows: Sequence[Any]) -> pd.DataFrame:
    """Tally rows (day, part, key, n, m) as the frame the source's live read gives."""
    empty: tuple[list[Any], ...] = ([], [], [], [], [])
    days, parts, keys, n, m = (list(c) for c in zip(*rows, strict=True)) if rows else empty
    # Dates (PostgreSQL) or ISO text (SQLite), which numpy reads as days either way.
    day = np.array(days, dtype="datetime64[D]").astype("datetime64[us]")
    data: dict[str, Any] = {source.day: pd.Series(day)}
    keyed = [c for c in columns if c != PART]
    values = json.loads("[" + ",".join(keys) + "]")  # one parse for all the keys
    picked_columns = list(zip(*values, strict=True)) if values else [()] * len(keyed)
    picked_by = dict(zip(keyed, picked_columns, strict=True))
    if PART in columns:
        picked_by[PART] = tuple(parts)
    for column in columns:
        picked = picked_by[column]
        data[column] = _times(list(picked)) if column in TIMES else pd.Series(picked, dtype=object)
    for name, counts in zip(source.values, (n, m), strict=False):
        data[name] = np.asarray(counts, dtype=np.float64 if source.census else np.int64)
    return pd.DataFrame(data)


def _times(values: list[Any]) -> pd.Series:
    return pd.Series(np.array(values, dtype="datetime64[us]"))


def _closing(source: Source, columns: list[str], tallied: pd.DataFrame, cut: date) -> pd.DataFrame:
    """The tallied census taken back out on the cut, per key."""
    value = source.values[0]
    if columns:
        totals = tallied.groupby(columns, dropna=False, sort=False)[value].sum().reset_index()
    else:
        totals = pd.DataFrame({value: [tallied[value].sum()]})
    totals[value] = -totals[value]
    totals.insert(0, source.day, pd.Series(np.full(len(totals), np.datetime64(cut, "us"))))
    return totals[tallied.columns]


def _reach(source: Source, changed: date) -> date:
    """The first of the source's days that a change on `changed` can alter."""
    return max(date.min + timedelta(days=source.lookahead), changed) - timedelta(
        days=source.lookahead
    )


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


# Refresh -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Refreshed:
    sources: int  # sources recounted
    rows: int  # tally rows written
    first: date | None  # the earliest day recounted
    seconds: float


def refresh(
    engine: Engine,
    writer: Engine | None = None,
    *,
    warm: Callable[[Connection], None] | None = None,
) -> Refreshed:
    """Recounts every known source's days from the earliest change (all days of a new source)
    up to today, and takes in the changes it saw. One refresh at a time per database.

    Reads on `engine`, writes on `writer` (default the same; an SQLite writer should take its
    lock as it begins). `warm`, given, first makes every read the figures can make (so every
    source is known).
    """
    began = time.perf_counter()
    with _exclusive(engine):
        if warm is not None:
            with engine.connect() as connection:
                warm(connection)
        with _snapshot(engine) as connection:
            plan, seen, upto = _plan(connection)
            counted = [(s, frm, *_counted(connection, s, frm, upto)) for s, frm in plan]
        rows = _store(writer or engine, counted, seen, upto)
    first = min((frm for _, frm in plan), default=None)
    return Refreshed(len(plan), rows, first, time.perf_counter() - began)


def _plan(connection: Connection) -> tuple[list[tuple[Source, date]], list[int], date]:
    """Which sources to recount from which day; the changes seen; the day tallies run up to."""
    changes = connection.execute(select(C.c.id, C.c.day)).all()
    seen = [row[0] for row in changes]
    changed = min((_as_date(row[1]) for row in changes), default=None)
    states = {row[0]: _as_date(row[1]) for row in connection.execute(select(S.c.source, S.c.upto))}
    floor = _first_day(connection)
    upto = local_date(utc_now()) + timedelta(days=1)
    plan = []
    with _registry_lock:
        sources = list(REGISTRY.values())
    for source in sources:
        frm = states.get(source.name, floor)
        if changed is not None:
            frm = min(frm, _reach(source, changed))
        frm = max(frm, floor)
        if frm < upto or source.name not in states:
            plan.append((source, frm))
    return plan, seen, upto


def _first_day(connection: Connection) -> date:
    """The first local day with an event: no derived row starts before it."""
    from models import EventTally

    first = connection.execute(select(func.min(EventTally.__table__.c.day))).scalar()
    return _as_date(first) if first is not None else local_date(utc_now())


def _counted(
    connection: Connection, source: Source, frm: date, upto: date
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


def _key_columns(source: Source, rows: pd.DataFrame) -> list[str]:
    return [c for c in rows.columns if c not in (source.day, *source.values, "key", "part")]


def _encoded(column: pd.Series, times: bool) -> list[Any]:
    if times:
        stamps = column.to_numpy(dtype="datetime64[us]")
        return [None if np.isnat(s) else str(s) for s in stamps]
    return [v.item() if isinstance(v, np.generic) else v for v in column.tolist()]


def _store(
    engine: Engine,
    counted: list[tuple[Source, date, pd.DataFrame, list[str]]],
    seen: list[int],
    upto: date,
) -> int:
    """Replaces the recounted days and takes in the changes seen, in one transaction."""
    written = 0
    now = utc_now()
    insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
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
            upsert = insert(S).values(source=source.name, upto=upto, columns=columns, built_at=now)
            connection.execute(
                upsert.on_conflict_do_update(
                    index_elements=["source"],
                    set_={"upto": upto, "columns": columns, "built_at": now},
                )
            )
        for chunk in range(0, len(seen), 1000):
            connection.execute(C.delete().where(C.c.id.in_(seen[chunk : chunk + 1000])))
        known = [counted_source.name for counted_source, *_ in counted]
        with _registry_lock:
            known += list(REGISTRY)
        connection.execute(F.delete().where(F.c.source.not_in(known)))
        connection.execute(S.delete().where(S.c.source.not_in(known)))
    return written


@contextmanager
def _snapshot(engine: Engine) -> Iterator[Connection]:
    """A connection that sees one state of the database throughout."""
    options = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name == "postgresql" else {}
    with engine.connect().execution_options(**options) as connection, connection.begin():
        yield connection


@contextmanager
def _exclusive(engine: Engine) -> Iterator[None]:
    """One refresh at a time: a PostgreSQL advisory lock, or a lock file beside SQLite's."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": LOCK_KEY})
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
                connection.commit()
        return
    path = engine.url.database
    lock_path = f"{path}.tally-lock" if path and path != ":memory:" else None
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


class Refresher:
    """Refreshes the tallies every `seconds` on a daemon thread (d2a serve)."""

    def __init__(
        self,
        engine: Engine,
        writer: Engine,
        seconds: float,
        warm: Callable[[Connection], None] | None,
    ) -> None:
        self.engine, self.writer, self.seconds, self.warm = engine, writer, seconds, warm
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="d2a-tally", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        warm = self.warm
        while not self._stop.is_set():
            try:
                done = refresh(self.engine, self.writer, warm=warm)
                warm = None  # every source is known from the first round on
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
