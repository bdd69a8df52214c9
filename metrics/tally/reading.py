"""Reading tallied days: a source's rows for a period, tallied days before its cut and derived
rows after it (the package's text says why that never changes a figure)."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import orjson
import pandas as pd
from sqlalchemy import (
    BigInteger,
    Connection,
    Date,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from metrics.grid import BAND_FLOORS
from metrics.sources import TIMES
from models import Base
from store.dialect.locks import grouped_by_hash
from store.dialect.sql import packed, packed_days, packs_series

# Part of every source key: a change to what a source reads or stores starts it afresh (2: a
# flow's whole weeks are kept summed beside its days; 3: a census's too, without origins; 4: the
# weeks of a flow a weekend ratio reads in two halves too, weekdays and weekend).
VERSION = "4"
ORIGIN_HORIZON = max(BAND_FLOORS)  # after it, a census row's origin changes no band
# A source with an organisation column keeps it beside the key, so that one organisation's
# figure reads only its own rows.
PART = "organisation"
# A write touching more organisations than this is recorded as touching any: recounting them
# all costs no more than recounting each.
MANY_ORGANISATIONS = 64
WEEK = "/week"  # the name of a source's week rows: its own + this
HALVES = "/halves"  # and of its half-week rows (Tallied.halves)
F, S, C = (Base.metadata.tables[t] for t in ("figure_tally", "tally_source", "tally_change"))

Part = str | tuple[str, ...] | None  # one organisation, several (a system's), or all
LiveRead = Callable[[Connection, date, date, Part], pd.DataFrame]


@dataclass(frozen=True)
class Tallied:
    """One grouped read of a figure's inputs, counted per local day.

    `live(connection, start, end, part)` is the read as metrics make it (of organisation
    `part` only, unless None); `days(connection, start, end, part)` the rows counted on each
    day from start to end, of every organisation or of those of `part` (for a census,
    arrivals and departures on their own days; otherwise the same read). Both give a `day`
    column (named by `day`), the key columns, and the `values` counted.
    """

    key: str
    day: str
    values: tuple[str, ...]
    live: LiveRead
    days: LiveRead
    census: bool = False
    origins: tuple[str, ...] = ()  # census origin dates, exact for ORIGIN_HORIZON days
    lookahead: int = 0  # days before a change that a later event can still alter
    # A finer source whose days, summed over the columns `summed_out`, are this one's: a
    # refresh that counts both takes this one from it instead of reading the tables again.
    within: Tallied | None = None
    summed_out: tuple[str, ...] = ()
    weekends: bool = False  # a flow a weekend ratio reads: its weeks are kept in halves too

    @property
    def name(self) -> str:
        return f"v{VERSION}:{self.key}"

    @property
    def weeks(self) -> str | None:
        """Where the days are kept summed per whole week (Monday to Sunday, on the Monday): the
        same table, under this name; a census with origins (by band, read day by day) keeps
        none."""
        return None if self.origins else week_rows(self.name)

    @property
    def halves(self) -> str | None:
        """Where the whole weeks of a flow that a weekend ratio reads (`weekends`) are also
        kept in two halves, per part and key: its weekdays (Monday to Friday) summed on the
        Monday, its weekend (Saturday and Sunday) on the Saturday; the same table, under this
        name, written with the week rows. A weekend ratio's spans are each of one kind of day
        (metrics.calendar.spans), so a week of it is two such rows per key, not seven days
        summed. Other flows keep none: on the national year, halves for every flow added a
        sixth to the tally's rows and 3 s to a late stay's recount."""
        if not self.weekends or self.census or self.weeks is None:
            return None
        return half_rows(self.name)


def week_rows(name: str) -> str:
    return f"{name}{WEEK}"


def half_rows(name: str) -> str:
    return f"{name}{HALVES}"


def read(
    connection: Connection,
    source: Tallied,
    start: date,
    end: date,
    part: Part = None,
    spans: Sequence[date] | None = None,
) -> pd.DataFrame:
    """The source's rows for start..end: tallied days before its cut, derived ones after.
    With `part`, only the rows of that organisation, or of those organisations (a tuple), from
    a source with an organisation column. With `spans` (first days, the first `start`), a
    flow's tallied days are summed per span and per key by the database, each on its span's
    first day: for a figure that only sums its days' whole-number weights per period
    (metrics.calendar.spans), the same figures from a row per span instead of per day."""
    state = _state(connection, source)
    if state is None or state[0] <= start:
        return source.live(connection, start, end, part)
    cut, columns = state
    last = min(end, cut - timedelta(days=1))
    tallied = _tallied(connection, source, columns, start, last, part, spans)
    if source.census:
        tallied = _on_start(source, columns, tallied, start)
    if cut > end:
        return tallied
    live = source.live(connection, cut, end, part)
    parts = [tallied, live]
    if source.census and len(tallied):
        parts.insert(1, _closing(source, columns, tallied, cut))
    return pd.concat([p for p in parts if len(p)] or [tallied], ignore_index=True)


def _state(connection: Connection, source: Tallied) -> tuple[date, list[str]] | None:
    """The source's cut (the first day not read from the tally) and key columns, if tallied."""
    row = connection.execute(select(S.c.upto, S.c.columns).where(S.c.source == source.name)).first()
    if row is None:
        return None
    upto, columns = as_date(row[0]), json.loads(row[1])
    changed = connection.execute(select(func.min(C.c.day))).scalar()
    if changed is not None:
        upto = min(upto, reach(source, as_date(changed)))
    return upto, columns


def _on_start(
    source: Tallied, columns: list[str], tallied: pd.DataFrame, start: date
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
    source: Tallied,
    columns: list[str],
    start: date,
    last: date,
    part: Part,
    spans: Sequence[date] | None = None,
) -> pd.DataFrame:
    """Tallied rows of start..last (of one organisation, `part`); a census's earlier days
    count on start (beside its own row there: `_on_start` sums them); with `spans`, a flow's
    days summed per span and key, on the span's first day (a census's are read day by day)."""
    t = F.c
    which = [t.day <= last, *parts_of(connection, source, columns, part)]
    query: Any = select(t.day, t.part, t.key, t.n, t.m).where(
        t.source == source.name, *which, t.day >= start
    )
    summed = bool(spans) and not source.census
    if summed:
        firsts = [d for d in spans or () if d <= last]
        query = _summed_per_span(source, query, which, start, last, firsts)
    if source.census:
        # The days before start summed per key, on start; the period's days as they are (a
        # key has one row a day), so only the earlier days are grouped.
        before = (
            select(
                literal(start).label("day"),
                t.part,
                t.key,
                cast(func.sum(t.n), BigInteger),
                cast(func.sum(t.m), BigInteger),
            )
            .where(t.source == source.name, *which, t.day < start)
            .group_by(t.part, t.key)
        )
        query = union_all(before, query)
    if packs_series(connection):
        return _read_packed(connection, source, columns, query)
    # Summed per span by hashing: by unit, a national year's days are some 1.4 million rows
    # in 420,000 groups, which PostgreSQL sorted to group (over a second of a 2.5 s read).
    with grouped_by_hash(connection) if summed else nullcontext():
        result = connection.execute(query)
        rows = result.cursor.fetchall() if result.cursor is not None else []
        result.close()
    return _decode(source, columns, rows)


def _read_packed(
    connection: Connection, source: Tallied, columns: list[str], query: Any
) -> pd.DataFrame:
    """The tally rows of `query` (day, part, key, n, m) as `_decode` gives them, fetched
    packed (`fetch_packed`)."""
    return _frame(source, columns, fetch_packed(connection, query, len(source.values)))


@dataclass(frozen=True)
class TallyColumns:
    """Rows (day, part, key, counts…) taken apart into columns: each row's day
    (datetime64[us]) and part, its index `at` into the distinct `keys` (JSON lists of the key's
    columns but the part), and each count column (n, then m, …)."""

    day: np.ndarray
    parts: np.ndarray
    at: np.ndarray
    keys: list[str]
    counts: list[np.ndarray]


def fetch_packed(connection: Connection, query: Any, counts: int) -> TallyColumns:
    """The rows of `query` (day, part, key, then at least `counts` integer columns, none NULL),
    fetched as one row per part and key with its days and the first `counts` counts packed
    (store.dialect.sql.packed).

    A national year by unit is some 725,000 tally rows in 17,500 keys: row by row, the driver
    made 3.6 million Python objects and numpy an array of them, over half of a 2.5 s read."""
    rows = query.subquery()
    day, part, key, *values = rows.c  # by position: summed counts are unnamed
    packs = [packed(c, 64) for c in values[:counts]]
    grouped = select(part, key, packed_days(day), *packs).group_by(part, key)
    # By hashing, both the keys here and whatever `query` groups itself (a summed read's
    # spans): PostgreSQL would sort the rows to group them (grouped_by_hash's reason).
    with grouped_by_hash(connection):
        groups = connection.execute(grouped).all()
    lengths = np.fromiter((len(g[2]) // 4 for g in groups), dtype=np.intp, count=len(groups))
    days = np.frombuffer(b"".join(g[2] for g in groups), dtype=">i4").astype(np.int64)
    unpacked = []
    for i in range(counts):
        value = np.frombuffer(b"".join(g[3 + i] for g in groups), dtype=">i8")
        if len(value) != len(days):  # a NULL count, which string_agg skips
            raise RuntimeError("a packed count does not line up with its days (a NULL count)")
        unpacked.append(value)
    return TallyColumns(
        day=days.astype("datetime64[D]").astype("datetime64[us]"),
        parts=np.repeat(np.array([g[0] for g in groups], dtype=object), lengths),
        at=np.repeat(np.arange(len(groups), dtype=np.intp), lengths),
        keys=[g[1] for g in groups],
        counts=unpacked,
    )


def _summed_per_span(
    source: Tallied, days: Any, which: list[Any], start: date, last: date, firsts: list[date]
) -> Any:
    """The `days` query (a flow's tallied days from `start` to `last`) summed per span and key,
    on each span's first day (`firsts`). A whole week inside a span is read from the source's
    week rows instead of its seven days (the same sums: a refresh writes both together); a
    span that is one whole week takes its week rows as they are, ungrouped, and a span that is
    one half of a whole week (Monday to Friday, or Saturday and Sunday, of a week ending by
    `last`) its half-week rows."""
    ends = [*(d - timedelta(days=1) for d in firsts[1:]), last]
    spans = list(zip(firsts, ends, strict=True))
    inside = [whole_weeks(f, e) if source.weeks else None for f, e in spans]
    halves = [(f, e) for f, e in spans if source.halves and is_half(f, e, last)]
    exact = [w for w, span in zip(inside, spans, strict=True) if w == span]
    longer = [w for w in inside if w is not None and w not in exact]
    if not (exact or longer or halves):
        return _grouped(days, firsts)
    t = F.c
    parts: list[Any] = []
    gaps = _gaps(start, last, _merged([*exact, *longer, *halves]))
    if gaps:
        parts.append(days.where(_in(t.day, gaps)))
    if longer:
        parts.append(_kept_rows(source.weeks, which, _mondays(longer)))
    grouped = [_grouped(union_all(*parts) if len(parts) > 1 else parts[0], firsts)] if parts else []
    for name, ranges in ((source.weeks, _mondays(exact)), (source.halves, _merged(halves))):
        if ranges:
            as_they_are = _kept_rows(name, which, ranges).subquery()
            c = as_they_are.c
            grouped.append(select(c.day, c.part, c.key, *_whole(c.n, c.m)))
    return union_all(*grouped) if len(grouped) > 1 else grouped[0]


def is_half(first: date, end: date, last: date) -> bool:
    """Whether first..end is a whole half of a week that ends by `last`: Monday to Friday, or
    Saturday and Sunday (the days of one half-week row)."""
    weekdays = first.weekday() == 0 and end == first + timedelta(days=4)
    weekend = first.weekday() == 5 and end == first + timedelta(days=1)
    return (weekdays and first + timedelta(days=6) <= last) or weekend


def _mondays(weeks: list[tuple[date, date]]) -> list[tuple[date, date]]:
    """The ranges of the Mondays of whole weeks (first Monday, last Sunday)."""
    return [(a, b - timedelta(days=6)) for a, b in _merged(weeks)]


def _grouped(rows: Any, firsts: list[date]) -> Any:
    """`rows` (day, part, key, n, m) summed per span and key, on the span's first day."""
    rows = rows.subquery()
    # Grouped by position: the span expression is not repeated (its dates are parameters).
    day = span_of(rows.c.day, firsts).label("day")
    query = select(day, rows.c.part, rows.c.key, *_whole(func.sum(rows.c.n), func.sum(rows.c.m)))
    return query.group_by(literal_column("1"), rows.c.part, rows.c.key)


def _whole(n: Any, m: Any) -> tuple[Any, Any]:
    return cast(n, BigInteger), cast(m, BigInteger)


def _kept_rows(name: str | None, which: list[Any], ranges: list[tuple[date, date]]) -> Any:
    """The rows of `name` (a source's week or half-week rows) on the days in `ranges` (of
    `which`'s parts)."""
    t = F.c
    kept = select(t.day, t.part, t.key, t.n, t.m)
    return kept.where(t.source == name, *which, _in(t.day, ranges))


def _in(day: Any, ranges: list[tuple[date, date]]) -> Any:
    """`day` in one of the (first, last) ranges: each a range of the table's key."""
    return or_(*(and_(day >= a, day <= b) for a, b in ranges))


def _merged(ranges: Any) -> list[tuple[date, date]]:
    """Day ranges (first, last), sorted, with ranges that touch made one."""
    out: list[tuple[date, date]] = []
    for a, b in sorted(ranges):
        if out and a <= out[-1][1] + timedelta(days=1):
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _gaps(start: date, last: date, covered: list[tuple[date, date]]) -> list[tuple[date, date]]:
    """The days of start..last outside the sorted, separate ranges `covered`, as ranges."""
    gaps, day = [], start
    for a, b in covered:
        if day < a:
            gaps.append((day, a - timedelta(days=1)))
        day = max(day, b + timedelta(days=1))
    if day <= last:
        gaps.append((day, last))
    return gaps


def whole_weeks(first: date, end: date) -> tuple[date, date] | None:
    """The whole weeks (Monday to Sunday) inside first..end: the first Monday and the last
    Sunday, or None."""
    monday = first + timedelta(days=-first.weekday() % 7)
    sunday = end - timedelta(days=(end.weekday() + 1) % 7)
    return (monday, sunday) if monday + timedelta(days=6) <= sunday else None


def span_of(day: Any, firsts: Sequence[date]) -> Any:
    """The first day of the span holding `day` (on or after firsts[0]): a binary search of
    CASE expressions, a handful of comparisons a row on any database."""
    if len(firsts) == 1:
        return literal(firsts[0], Date)
    middle = len(firsts) // 2
    return case(
        (day < literal(firsts[middle], Date), span_of(day, firsts[:middle])),
        else_=span_of(day, firsts[middle:]),
    )


def parts_of(
    connection: Connection, source: Tallied, columns: Sequence[str], part: Part
) -> list[Any]:
    """Which tally rows of a source with key `columns` a read of `part` takes (None: every
    organisation's, named: `named_parts`)."""
    if part is None:
        return named_parts(connection, [source.name], columns, None)
    return [F.c.part.in_(part) if isinstance(part, tuple) else F.c.part == part]


def named_parts(
    connection: Connection,
    names: Sequence[str],
    columns: Sequence[str],
    parts: Sequence[str] | None,
) -> list[Any]:
    """`of_parts`, with every part of the sources `names` named when `parts` is None and the
    key has an organisation: each part is then a range of the (source, part, day, key) key, so
    a read or a delete of some days looks those days up per part. Unnamed, the key has no way
    from a source to its days: every day of every part of the source is looked at (on a
    national year, a by-unit read scanned its source's whole index, twice)."""
    if parts is None and PART in columns:
        parts = sorted({p for name in names for p in parts_in(connection, name)})
    return of_parts(columns, parts)


def parts_in(connection: Connection, name: str) -> list[str]:
    """The distinct parts of source `name`'s rows, found by stepping the table's key from one
    part to the next (a look-up per part, not a scan of the source's rows)."""
    t = F.c
    first = select(func.min(t.part).label("part")).where(t.source == name).cte(recursive=True)
    following = (
        select(func.min(t.part)).where(t.source == name, t.part > first.c.part).scalar_subquery()
    )
    steps = first.union_all(select(following).where(first.c.part.is_not(None)))
    query = select(steps.c.part).where(steps.c.part.is_not(None))
    return [row[0] for row in connection.execute(query)]


def of_parts(columns: Sequence[str], parts: Sequence[str] | None) -> list[Any]:
    """Which tally rows of a source with key `columns` are of `parts` (None: of any): a
    source without an organisation has only part '', said so that its rows from a day on are
    one range of the (source, part, day, key) key, not every row of the source looked at."""
    if PART not in columns:
        return [F.c.part == ""]
    return [] if parts is None else [F.c.part.in_(parts)]


def _decode(source: Tallied, columns: list[str], rows: Sequence[Any]) -> pd.DataFrame:
    """Tally rows (day, part, key, n, m) as the frame the source's live read gives.

    Days and keys repeat (a year holds a few hundred days; a key recurs on each of them), so
    each distinct one is converted once and the rows take theirs by index."""
    # Columns by numpy (a tenth of the time of zip(*rows) on half a million rows).
    days, parts, keys, n, m = np.array(rows, dtype=object).reshape(len(rows), 5).T
    # Dates (PostgreSQL) or ISO text (SQLite), which numpy reads as days either way.
    at, distinct_days = _distinct(days)
    day = np.array(distinct_days, dtype="datetime64[D]").astype("datetime64[us]")[at]
    at, distinct_keys = _distinct(keys)
    return _frame(source, columns, TallyColumns(day, parts, at, distinct_keys, [n, m]))


def _frame(source: Tallied, columns: list[str], rows: TallyColumns) -> pd.DataFrame:
    """The source's frame from its tally rows taken apart (the source's values are the first
    of their counts)."""
    at = rows.at
    data: dict[str, Any] = {source.day: pd.Series(rows.day)}
    keyed = [c for c in columns if c != PART]
    values = orjson.loads("[" + ",".join(rows.keys) + "]")  # one parse for all the keys
    for i, column in enumerate(keyed):
        picked = np.empty(len(values), dtype=object)
        picked[:] = [v[i] for v in values]
        if column in TIMES:
            data[column] = pd.Series(np.array(picked, dtype="datetime64[us]")[at])
        else:
            data[column] = pd.Series(picked[at], dtype=object)
    if PART in columns:
        data[PART] = pd.Series(rows.parts, dtype=object)
    data = {c: data[c] for c in [source.day, *columns]}  # the columns in the source's order
    for name, count in zip(source.values, rows.counts, strict=False):
        data[name] = np.asarray(count, dtype=np.float64 if source.census else np.int64)
    return pd.DataFrame(data)


def _distinct(values: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """Each value's index among the distinct values, and those values in first-seen order."""
    if not len(values):
        return np.zeros(0, dtype=np.intp), []
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    return codes, list(distinct)


def _closing(source: Tallied, columns: list[str], tallied: pd.DataFrame, cut: date) -> pd.DataFrame:
    """The tallied census taken back out on the cut, per key."""
    value = source.values[0]
    if columns:
        totals = tallied.groupby(columns, dropna=False, sort=False)[value].sum().reset_index()
    else:
        totals = pd.DataFrame({value: [tallied[value].sum()]})
    totals[value] = -totals[value]
    totals.insert(0, source.day, pd.Series(np.full(len(totals), np.datetime64(cut, "us"))))
    return totals[tallied.columns]


def reach(source: Tallied, changed: date) -> date:
    """The first of the source's days that a change on `changed` can alter."""
    return max(date.min + timedelta(days=source.lookahead), changed) - timedelta(
        days=source.lookahead
    )


def as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def changed_from(
    session: Session | Connection, day: date, organisations: Collection[str] | None = None
) -> None:
    """Figures from local day `day` on may differ from their tallies: the write side's one call
    into the figure cache (ledger.changes.FigureChanges), in the writer's own transaction.

    With `organisations`, only their figures may differ (a row for each; none when the write
    touched no organisation's rows); a refresh then recounts only their days. More than
    MANY_ORGANISATIONS, or None, is kept as any organisation: the refresh recounts them all."""
    if organisations is not None and len(organisations) <= MANY_ORGANISATIONS:
        rows = [{"day": day, "organisation": o} for o in sorted(organisations)]
        if rows:
            session.execute(C.insert(), rows)
        return
    session.execute(C.insert().values(day=day, organisation=None))
