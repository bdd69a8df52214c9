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
from sqlalchemy import Connection, Engine, func, literal, literal_column, select
from sqlalchemy.orm import Session

from metrics.sources import TIMES
from metrics.tally.reading import (
    ORIGIN_HORIZON,
    PART,
    C,
    F,
    S,
    Tallied,
    as_date,
    half_rows,
    named_parts,
    parts_in,
    reach,
    span_of,
    week_rows,
)
from models import EventTally
from models.clock import FIRST_DAY, local_date, utc_now
from store.dialect.bulk import insert_rows
from store.dialect.locks import exclusive, one_snapshot, refresh_statistics
from store.dialect.sql import days_between, upsert
from store.statistics import outgrown

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

    When every change names its organisations (a late event: ledger.ingest records the
    organisations of its patients' derived rows) and every source is counted up to today, only
    those organisations' rows are recounted: a tally keyed by organisation reads theirs alone,
    a system-wide tally summed from it is shifted by their difference, and the others are
    recounted from the change as before.

    Reads on `engine`, writes on `writer` (default the same; an SQLite writer should take its
    lock as it begins).
    """
    began = time.perf_counter()
    with exclusive(engine, LOCK_KEY):
        with one_snapshot(engine) as connection:
            plan = _plan(connection, sources)
            counted = _count_all(connection, plan)
        rows = _store(writer or engine, counted, plan.seen, plan.upto, sources)
        # A refresh that changed a tenth of the tally (a first count) gathers its planner
        # statistics at once: with those of a near-empty table, PostgreSQL sorted a census's
        # 430,000 rows to group them (1.0 s, not 0.65 s by hash) until autovacuum came round.
        # A recount of a few weeks does not: on the national year, analysing the tally's 61
        # million rows after a late stay's 111,000 took 2 s of a 12 s recount.
        if outgrown(writer or engine, F.name, rows):
            refresh_statistics(writer or engine, F.name)
    first = min((frm for _, frm in plan.sources), default=None)
    return Refreshed(len(plan.sources), rows, first, time.perf_counter() - began)


@dataclass(frozen=True)
class _Plan:
    sources: list[tuple[Tallied, date]]  # which to recount, from which day
    seen: list[int]  # the changes taken in
    upto: date  # the day tallies run up to (exclusive)
    # The organisations whose rows alone change (None: any): every change named its own and
    # every source is counted up to `upto`.
    touched: tuple[str, ...] | None
    columns: dict[str, list[str]]  # each tallied source's key columns


@dataclass(frozen=True)
class _Counted:
    source: Tallied
    frm: date
    rows: pd.DataFrame  # day, part, key and the values, ready to store
    columns: list[str]
    parts: tuple[str, ...] | None = None  # the organisations recounted (None: all)


def _plan(connection: Connection, sources: Sequence[Tallied]) -> _Plan:
    """Which sources to recount from which day; the changes seen; the day tallies run up to."""
    changes = connection.execute(select(C.c.id, C.c.day, C.c.organisation)).all()
    seen = [row[0] for row in changes]
    changed = min((as_date(row[1]) for row in changes), default=None)
    states = {
        row[0]: (as_date(row[1]), json.loads(row[2]))
        for row in connection.execute(select(S.c.source, S.c.upto, S.c.columns))
    }
    floor = _first_day(connection)
    upto = local_date(utc_now()) + timedelta(days=1)
    plan = []
    for source in sources:
        frm = states[source.name][0] if source.name in states else floor
        if changed is not None:
            frm = min(frm, reach(source, changed))
        frm = max(frm, floor)
        if frm < upto or source.name not in states:
            plan.append((source, frm))
    named = changes and all(row[2] is not None for row in changes)
    current = all(states.get(s.name, (None,))[0] == upto for s in sources)
    touched = tuple(sorted({row[2] for row in changes})) if named and current else None
    columns = {name: state[1] for name, state in states.items()}
    return _Plan(plan, seen, upto, touched, columns)


def _first_day(connection: Connection) -> date:
    """The first local day with an event (no derived row starts before it), but never before
    2000-01-01: no figure is asked for earlier (SPEC §3), and a database holding an event of
    year 1 from before times were checked would otherwise have the refresh count from there
    (and overflow at its first date arithmetic)."""
    first = connection.execute(select(func.min(EventTally.__table__.c.day))).scalar()
    return max(as_date(first), FIRST_DAY) if first is not None else local_date(utc_now())


def _count_all(connection: Connection, plan: _Plan) -> list[_Counted]:
    """Each planned source's rows ready to store, finer sources first: a source `within` one
    counted in the same refresh from no later a day is summed from its rows, not read again
    (with `plan.touched`, only a source of the same organisations: see `refresh`)."""
    planned = {source.name for source, _ in plan.sources}
    wanted = {s.within.name for s, _ in plan.sources if s.within is not None} & planned
    found: dict[str, tuple[date, pd.DataFrame]] = {}  # the days() rows of each finer source
    stored: dict[str, _Counted] = {}  # the rows to store of each finer source
    counted = []
    touched, upto = plan.touched, plan.upto
    for source, frm in sorted(plan.sources, key=lambda p: _depth(p[0])):
        first, last = min(frm, upto - timedelta(days=1)), upto - timedelta(days=1)
        finer = found.get(source.within.name) if source.within is not None else None
        if finer is not None and finer[0] > first:
            finer = None
        parts = touched if touched is not None and PART in plan.columns[source.name] else None
        if touched is not None and parts is None and source.within is not None:
            fine = stored.get(source.within.name)
            if finer is not None and fine is not None and source.summed_out == (PART,):
                columns = plan.columns[source.name]
                rows = _shifted(connection, source, columns, fine, first, touched)
                counted.append(_Counted(source, frm, rows, columns))
                continue
            finer = None  # the finer rows are only the touched organisations'
        if finer is not None:
            rows = _summed(source, finer[1], first)
        else:
            rows = source.days(connection, first, last, parts)
        if source.name in wanted:
            found[source.name] = (first, rows.copy())
        done = _Counted(source, frm, *_counted(source, rows), parts=parts)
        stored[source.name] = done
        counted.append(done)
    return counted


def _shifted(
    connection: Connection,
    source: Tallied,
    columns: list[str],
    fine: _Counted,
    first: date,
    touched: tuple[str, ...],
) -> pd.DataFrame:
    """A system-wide source's stored days from `first` on, shifted by the difference the
    recount of the `touched` organisations made to the finer source it sums (keyed by
    organisation: its key without the organisation is this one's key, so the two share key
    text). A day's key keeps its row where any organisation still has one (a census's
    arrivals and departures can cancel to 0 and the row stays, as a full count keeps it)."""
    values = list(source.values)
    parts = list(touched)
    old = _stored(connection, source, columns, first, None)
    old_fine = _stored(connection, fine.source, fine.columns, first, parts)
    days = _day_numbers(fine.rows[fine.source.day])
    recounted = fine.rows[days >= _day_number(first)]
    fresh = pd.DataFrame({"day": _day_numbers(recounted[fine.source.day]), "key": recounted["key"]})
    for i, v in enumerate(values):
        fresh[f"v{i}"] = recounted[v].to_numpy(dtype=np.int64)
    old_fine = old_fine.assign(**{f"v{i}": -old_fine[f"v{i}"] for i in range(len(values))})
    both = pd.concat([old, fresh, old_fine], ignore_index=True)
    sums = [f"v{i}" for i in range(len(values))]
    shifted = both.groupby(["day", "key"], sort=False)[sums].sum().reset_index()
    if source.census:
        empty = shifted[shifted["v0"] == 0]
        kept = set(zip(fresh["day"], fresh["key"], strict=True))
        kept |= _keys_elsewhere(connection, fine.source, first, parts, empty)
        pairs = zip(shifted["day"], shifted["key"], shifted["v0"], strict=True)
        has_row = np.array([v != 0 or (d, k) in kept for d, k, v in pairs], dtype=bool)
    else:  # a count of discharges or starts: a group has a row while it counts one
        has_row = shifted["v0"].to_numpy() != 0
    shifted = shifted[has_row]
    rows = pd.DataFrame({source.day: shifted["day"].to_numpy().astype("datetime64[D]")})
    rows["part"] = ""
    rows["key"] = shifted["key"].to_numpy()
    for i, v in enumerate(values):
        rows[v] = shifted[f"v{i}"].to_numpy()
    return rows.reset_index(drop=True)


def _stored(
    connection: Connection,
    source: Tallied,
    columns: Sequence[str],
    first: date,
    parts: list[str] | None,
) -> pd.DataFrame:
    """The stored rows of `source` (with key `columns`) from `first` on (of `parts` only),
    summed per day and key: day (a day number), key, v0 (n) and v1 (m)."""
    t = F.c
    parted = named_parts(connection, [source.name], columns, parts)
    which = [t.source == source.name, *parted, t.day >= first]
    query = select(t.day, t.key, func.sum(t.n), func.sum(func.coalesce(t.m, 0)))
    rows = connection.execute(query.where(*which).group_by(t.day, t.key)).all()
    days, keys, n, m = (list(c) for c in zip(*rows, strict=True)) if rows else ([], [], [], [])
    frame = pd.DataFrame({"day": np.array(days, dtype="datetime64[D]").astype(np.int64)})
    frame["key"] = pd.Series(keys, dtype=object)
    frame["v0"] = np.asarray(n, dtype=np.int64)
    if len(source.values) > 1:
        frame["v1"] = np.asarray(m, dtype=np.int64)
    return frame


def _keys_elsewhere(
    connection: Connection,
    source: Tallied,
    first: date,
    parts: list[str],
    wanted: pd.DataFrame,
) -> set[tuple[Any, str]]:
    """Which of the (day number, key) pairs `wanted` have a stored row of `source` in an
    organisation not among `parts`."""
    if not len(wanted):
        return set()
    t = F.c
    pairs = set(zip(wanted["day"], wanted["key"], strict=True))
    keys = sorted({k for _, k in pairs})
    # The other organisations by name: each one's days from `first` are a range of the key,
    # where `part NOT IN` would look at every row of the source.
    others = sorted(set(parts_in(connection, source.name)) - set(parts))
    found: set[tuple[Any, str]] = set()
    for chunk in range(0, len(keys) if others else 0, 500):
        query = (
            select(t.day, t.key)
            .distinct()
            .where(t.source == source.name, t.part.in_(others), t.day >= first)
            .where(t.key.in_(keys[chunk : chunk + 500]))
        )
        for day, key in connection.execute(query):
            pair = (_day_number(as_date(day)), key)
            if pair in pairs:
                found.add(pair)
    return found


def _day_number(day: date) -> int:
    """Days since 1970-01-01."""
    return int(np.datetime64(day, "D").astype(np.int64))


def _day_numbers(days: pd.Series) -> np.ndarray:
    return days.to_numpy(dtype="datetime64[D]").astype(np.int64)


def _depth(source: Tallied) -> int:
    """How many sources this one is summed from, one within another."""
    return 0 if source.within is None else 1 + _depth(source.within)


def _summed(source: Tallied, finer: pd.DataFrame, first: date) -> pd.DataFrame:
    """The finer source's rows from `first` on, summed over the columns `source` lacks: the
    rows `source.days` would give (sums of counts are exact; a missing value stays None)."""
    rows = finer[finer[source.day].to_numpy() >= np.datetime64(first, "us")]
    kept = [c for c in rows.columns if c not in source.summed_out]
    keys = [c for c in kept if c not in source.values]
    values = [c for c in kept if c in source.values]
    if not len(rows):
        return rows[kept].reset_index(drop=True)
    # Grouped by codes, and each group's key taken from its first row: pandas would turn an
    # object column of numbers and None into floats (1 into 1.0) when grouping on it.
    codes = np.stack([pd.factorize(rows[c], use_na_sentinel=False)[0] for c in keys], axis=1)
    _, leading, group = np.unique(codes, axis=0, return_index=True, return_inverse=True)
    summed = rows.iloc[leading][keys].reset_index(drop=True)
    for value in values:
        weights = rows[value].to_numpy(dtype=np.float64)  # counts: exact below 2**53
        summed[value] = np.bincount(group.ravel(), weights=weights, minlength=len(leading))
    return summed[kept]


def _counted(source: Tallied, rows: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The source's rows per day (from `source.days`), ready to store, and the columns of
    their keys."""
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
    counted: list[_Counted],
    seen: list[int],
    upto: date,
    sources: Sequence[Tallied],
) -> int:
    """Replaces the recounted days (of the organisations recounted) and takes in the changes
    seen, in one transaction."""
    written = 0
    now = utc_now()
    with engine.begin() as connection:
        for done in counted:
            source, rows = done.source, done.rows
            parted = named_parts(connection, [source.name], done.columns, done.parts)
            which = [F.c.source == source.name, *parted]
            which.append(F.c.day >= done.frm)
            connection.execute(F.delete().where(*which))
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
                with Session(bind=connection) as session:  # in the connection's transaction
                    insert_rows(session, F, payload)  # COPY on PostgreSQL
                written += len(payload)
            written += _store_weeks(connection, done, upto)
            columns = json.dumps(done.columns)
            state = {"upto": upto, "columns": columns, "built_at": now}
            statement = upsert(connection, S, ["source"], state)
            connection.execute(statement.values(source=source.name, **state))
        for chunk in range(0, len(seen), 1000):
            connection.execute(C.delete().where(C.c.id.in_(seen[chunk : chunk + 1000])))
        # The sources no longer declared, by name: a figure_tally row has its source's
        # tally_source row (both written here, both dropped by `forget`), and `source NOT IN`
        # would read every tally row of every source.
        known = {source.name for source in sources}
        kept = connection.execute(select(S.c.source)).scalars()
        stale = sorted(set(kept) - known)
        if stale:
            names = [*stale, *map(week_rows, stale), *map(half_rows, stale)]
            connection.execute(F.delete().where(F.c.source.in_(names)))
            connection.execute(S.delete().where(S.c.source.in_(stale)))
    return written


def _store_weeks(connection: Connection, done: _Counted, upto: date) -> int:
    """A source's whole weeks summed from its stored days (of the organisations recounted),
    from the week holding the first day recounted to the last week ending before `upto`:
    each (part, key) of a week in one row on its Monday. A flow's n and m are summed; a
    census's moves n, and as m its moves weighted by their day in the week (n × days after the
    Monday: metrics.tally.census_sums). A flow's same weeks are also kept in halves, its
    weekdays on the Monday and its weekend on the Saturday (Tallied.halves), and its weeks are
    summed from those. Returns the rows written."""
    name = done.source.weeks
    if name is None:
        return 0
    t = F.c
    first = done.frm - timedelta(days=done.frm.weekday())
    halves = done.source.halves
    kept = [name] if halves is None else [name, halves]
    # The days' parts (just written) and the weeks' (about to be replaced), named once.
    parts = named_parts(connection, [done.source.name, *kept], done.columns, done.parts)
    connection.execute(F.delete().where(t.source.in_(kept), *parts, t.day >= first))
    mondays = []
    monday = first
    while monday + timedelta(days=6) < upto:
        mondays.append(monday)
        monday += timedelta(days=7)
    if not mondays:
        return 0
    saturdays = [m + timedelta(days=5) for m in mondays]
    # A flow's halves summed from its days, then its weeks from its halves (two rows a week
    # per key, not up to seven); a census's weeks from its days.
    steps = [(done.source.name, halves, sorted([*mondays, *saturdays])), (halves, name, mondays)]
    if halves is None:
        steps = [(done.source.name, name, mondays)]
    for from_name, into_name, firsts in steps:
        span = span_of(t.day, firsts)
        m = t.n * days_between(connection, t.day, span) if done.source.census else t.m
        summed = (
            select(literal(into_name), t.part, span, t.key, func.sum(t.n), func.sum(m))
            .where(t.source == from_name, *parts, t.day >= first, t.day < monday)
            .group_by(t.part, literal_column("3"), t.key)  # the span by position (see reading)
        )
        into = F.insert().from_select(["source", "part", "day", "key", "n", "m"], summed)
        connection.execute(into)
    # Counted, not taken from the statement's rowcount: psycopg's is -1 here.
    written = select(func.count()).where(t.source.in_(kept), *parts, t.day >= first)
    return int(connection.execute(written).scalar() or 0)


def forget(engine: Engine) -> None:
    """Drops every tally, so that figures read the derived tables until the next refresh."""
    with engine.begin() as connection:
        connection.execute(F.delete())
        connection.execute(S.delete())


class Refresher:
    """Refreshes the tallies every `seconds` on a daemon thread (d2a serve), once writes have
    settled: a round that finds changes written since the round before waits for the next,
    unless changes have waited `settle` seconds. A stream of batches is thus not slowed by a
    recount after each minute of it (figures stay right meanwhile: they read the days from the
    earliest change on from the derived tables), and is recounted at least every `settle`."""

    def __init__(
        self,
        engine: Engine,
        writer: Engine,
        seconds: float,
        declared: Declared,
        settle: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine, self.writer, self.seconds, self.declared = engine, writer, seconds, declared
        self.settle, self.clock = settle, clock
        self._sources: Sequence[Tallied] | None = None
        self._seen: tuple[int, int | None] | None = None  # the changes at the last look
        self._waiting_since: float | None = None  # when changes were first seen waiting
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="d2a-tally", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def round(self) -> Refreshed | None:
        """One round: the refresh made, or None when writes have not settled."""
        changes = self._changes()
        now = self.clock()
        if not changes[0]:
            self._waiting_since = None
        elif self._waiting_since is None:
            self._waiting_since = now
        written = self._seen is not None and changes != self._seen and changes[0] > 0
        self._seen = changes
        if written and self._waiting_since is not None and now - self._waiting_since < self.settle:
            return None
        if self._sources is None:
            self._sources = self.declared()
        done = refresh(self.engine, self._sources, self.writer)
        self._seen = self._changes()  # those written during the refresh wait for the next
        self._waiting_since = now if self._seen[0] else None
        return done

    def _changes(self) -> tuple[int, int | None]:
        """How many changes wait, and the last one's id: a write since changes either."""
        with self.engine.connect() as connection:
            count, last = connection.execute(select(func.count(), func.max(C.c.id))).one()
        return int(count), last

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                done = self.round()
                if done is not None and done.sources:
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
