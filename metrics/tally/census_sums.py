"""A census summed over spans: each span's census-days per key, from a row per span and key.

A census figure by week, month or in total adds up, over the period's days, each day's census
(its mean is that sum over the days; delayed bed days are the sum itself). For a key with
arrivals and departures (moves) w on days d, the census of day D is Σ w over d ≤ D, so over a
span a..b:

    Σ census(D), D = a..b  =  opening × (b − a + 1)  +  W × (b − start + 1)  −  Q

where opening is Σ w of the moves before a, and W = Σ w, Q = Σ w × (d − start) of the moves
inside the span. The database sums W and Q per span and key from the tallied days (a year by
unit and week: a row per unit and week, where the days were a row per unit and day); the days
after the tally's cut, read from the derived tables as before, are added in the same form.
Every term is a whole number, so the sum is the very number the days' censuses add up to.

As with the daily read (metrics.tally.reading), a key shows (its group is seen) when it has
someone in at the start's census, or any move after the start; the days before the start count
on the start.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    BigInteger,
    Connection,
    Date,
    case,
    cast,
    func,
    literal,
    literal_column,
    select,
    union_all,
)

from metrics.calendar import as_days
from metrics.tally import reading
from metrics.tally.reading import (
    F,
    Part,
    Tallied,
    _gaps,
    _in,
    _merged,
    parts_of,
    span_of,
    whole_weeks,
)
from store.dialect.sql import days_between, packs_series

W, Q, SEEN = "w", "q", "seen"


def read_sums(
    connection: Connection,
    source: Tallied,
    start: date,
    end: date,
    part: Part,
    firsts: Sequence[date],
) -> pd.DataFrame:
    """The census of `source` (no origins) summed over each span from start to end (`firsts`,
    metrics.calendar.spans, the first `start`), per key: the span's first day (`day`), the key
    columns and the sum (the source's value), a row per span for every key seen."""
    if source.origins or not source.census:
        raise ValueError("a census without origins is summed per span")
    value = source.values[0]
    state = reading._state(connection, source)  # by the module: tests switch it
    if state is None or state[0] <= start:
        live = source.live(connection, start, end, part)
        keys = [c for c in live.columns if c not in (source.day, value)]
        return _totals([_moves(live, source, start)], keys, start, end, firsts, value)
    cut, columns = state
    last = min(end, cut - timedelta(days=1))
    tallied = _tallied(connection, source, columns, start, last, part, firsts)
    frames = [tallied]
    if cut <= end:
        frames.append(_closing(tallied, columns, cut, start))
        frames.append(_moves(source.live(connection, cut, end, part), source, start))
    return _totals(frames, columns, start, end, firsts, value)


def _tallied(
    connection: Connection,
    source: Tallied,
    columns: list[str],
    start: date,
    last: date,
    part: Part,
    firsts: Sequence[date],
) -> pd.DataFrame:
    """W and Q per span and key of the tallied days start..last (earlier days on start), and
    whether the key is seen: someone in at the start's census, or a move after the start.
    Whole weeks inside a span and after the start come from the source's week rows (n: the
    moves, m: the moves × days after the Monday), the other days one by one."""
    t = F.c
    which = [t.day <= last, *parts_of(connection, source, columns, part)]
    firsts = [d for d in firsts if d <= last]
    ends = [*(d - timedelta(days=1) for d in firsts[1:]), last]
    day_after = start + timedelta(days=1)  # the start's own moves are read as days
    inside = [whole_weeks(max(a, day_after), b) for a, b in zip(firsts, ends, strict=True)]
    weeks = _merged(w for w in inside if w is not None) if source.weeks else []
    zero: Any = literal_column("0")
    first = literal(start, Date)
    days = select(t.day, t.part, t.key, t.n, zero.label("m")).where(t.source == source.name)
    parts = [
        select(first.label("day"), t.part, t.key, t.n, zero.label("m")).where(
            t.source == source.name, *which, t.day < start
        ),
        days.where(*which, _in(t.day, _gaps(start, last, weeks))),
    ]
    if weeks:
        mondays = [(a, b - timedelta(days=6)) for a, b in weeks]
        parts.append(
            select(t.day, t.part, t.key, t.n, t.m).where(
                t.source == source.weeks, *which, _in(t.day, mondays)
            )
        )
    rows = union_all(*parts).subquery()
    c = rows.c
    weighted = c.n * days_between(connection, c.day, literal(start, Date)) + c.m
    on_start = case((c.day == literal(start, Date), c.n), else_=0)
    later = case((c.day > literal(start, Date), 1), else_=0)
    query = select(
        span_of(c.day, firsts).label("day"),
        c.part,
        c.key,
        *(cast(func.sum(x), BigInteger) for x in (c.n, weighted, on_start, later)),
    ).group_by(literal_column("1"), c.part, c.key)
    sums = replace(source, values=(W, Q))
    if packs_series(connection):
        got = reading.fetch_packed(connection, query, 4)
        frame = reading._frame(sums, columns, got)
        opening, moved_after = got.counts[2], got.counts[3]
    else:
        result = connection.execute(query)
        fetched = result.cursor.fetchall() if result.cursor is not None else []
        result.close()
        frame = reading._decode(sums, columns, [r[:5] for r in fetched])
        opening = np.asarray([r[5] for r in fetched], dtype=np.float64)
        moved_after = np.asarray([r[6] for r in fetched], dtype=np.int64)
    frame[SEEN] = (opening != 0) | (moved_after > 0)
    return frame


def _moves(rows: pd.DataFrame, source: Tallied, start: date) -> pd.DataFrame:
    """Day rows (a live read: moves on their days, earlier ones on start) as W and Q, seen."""
    weight = rows[source.values[0]].to_numpy(dtype=np.float64)
    after = (as_days(rows[source.day]) - np.datetime64(start, "D")).astype(np.int64)
    out = rows.drop(columns=[source.values[0]])
    out[W], out[Q], out[SEEN] = weight, weight * after, True
    return out


def _closing(tallied: pd.DataFrame, columns: list[str], cut: date, start: date) -> pd.DataFrame:
    """The tallied census taken back out on the cut (the live read carries everyone in at the
    cut on its own), per key."""
    if columns:
        totals = tallied.groupby(columns, dropna=False, sort=False)[W].sum().reset_index()
    else:
        totals = pd.DataFrame({W: [tallied[W].sum()]})
    totals[W] = -totals[W]
    totals[Q] = totals[W] * float((cut - start).days)
    totals[SEEN] = False
    totals["day"] = pd.Series(np.full(len(totals), np.datetime64(cut, "us")))
    return totals


def _totals(
    frames: list[pd.DataFrame],
    keys: list[str],
    start: date,
    end: date,
    firsts: Sequence[date],
    value: str,
) -> pd.DataFrame:
    """Each seen key's census summed over each span (module text)."""
    rows = pd.concat([f for f in frames if len(f)] or frames[:1], ignore_index=True)
    spans = np.asarray(firsts, dtype="datetime64[D]")
    count = len(spans)
    if keys and len(rows):
        codes = rows.groupby(keys, dropna=False, sort=False).ngroup().to_numpy(dtype=np.int64)
    else:
        codes = np.zeros(len(rows), dtype=np.int64)
    n_keys = int(codes.max()) + 1 if len(rows) else 0
    at = np.searchsorted(spans, as_days(rows["day"]), side="right") - 1
    flat = codes * count + at
    size = n_keys * count

    def summed(column: str) -> np.ndarray:
        weights = rows[column].to_numpy(dtype=np.float64)
        return np.bincount(flat, weights=weights, minlength=size).reshape(n_keys, count)

    w, q = summed(W), summed(Q)
    lasts = np.r_[spans[1:] - np.timedelta64(1, "D"), np.datetime64(end, "D")]
    length = (lasts - spans).astype(np.int64) + 1
    after = (lasts - np.datetime64(start, "D")).astype(np.int64) + 1
    opening = np.cumsum(w, axis=1) - w
    total = opening * length + w * after - q
    seen = np.bincount(codes, weights=rows[SEEN].to_numpy(dtype=np.float64), minlength=n_keys) > 0
    kept = np.flatnonzero(seen)
    _, first_row = np.unique(codes, return_index=True)
    out = rows.iloc[first_row[kept]][keys].reset_index(drop=True)
    out = out.loc[out.index.repeat(count)].reset_index(drop=True)
    out.insert(0, "day", pd.Series(np.tile(spans.astype("datetime64[us]"), len(kept))))
    out[value] = total[kept].ravel()
    return out
