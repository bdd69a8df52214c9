"""SQL that differs between the two databases: upserts, maxima, date arithmetic, how instants
are read fastest, and the planner hints some queries need."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    Integer,
    LargeBinary,
    Table,
    cast,
    extract,
    func,
    literal_column,
    type_coerce,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement

from store.dialect import Bind, is_postgresql


def upsert(
    bind: Bind,
    table: Table,
    index_elements: list[str],
    set_: dict[str, Any] | Callable[[Any], dict[str, Any]],
) -> Any:
    """An INSERT into `table` that, on a clash of `index_elements`, updates `set_` (a function
    of the statement's `excluded` row when callable)."""
    insert = postgresql.insert(table) if is_postgresql(bind) else sqlite.insert(table)
    values = set_(insert.excluded) if callable(set_) else set_
    return insert.on_conflict_do_update(index_elements=index_elements, set_=values)


def insert_or_ignore(bind: Bind, table: Table, index_elements: list[str]) -> Any:
    """An INSERT into `table` that does nothing on a clash of `index_elements`."""
    insert = postgresql.insert(table) if is_postgresql(bind) else sqlite.insert(table)
    return insert.on_conflict_do_nothing(index_elements=index_elements)


def greatest(bind: Bind, a: Any, b: Any) -> ColumnElement[Any]:
    """The larger of two values (PostgreSQL's greatest, SQLite's two-argument max), of the
    type of the first."""
    kind = getattr(a, "type", None)
    return func.greatest(a, b, type_=kind) if is_postgresql(bind) else func.max(a, b, type_=kind)


def plus_days(bind: Bind, day: Any, days: int) -> ColumnElement[Any]:
    """A date column `days` later, comparable with other date columns."""
    if is_postgresql(bind):
        return day + days
    return func.date(day, f"+{days} days")


def days_between(bind: Bind, later: Any, earlier: Any) -> ColumnElement[Any]:
    """Whole days from date column `earlier` to date column `later`, an integer."""
    if is_postgresql(bind):
        return later - earlier
    return cast(func.round(func.julianday(later) - func.julianday(earlier)), Integer)


def times_as_text(bind: Bind) -> bool:
    """Whether instants and dates come back as ISO text (SQLite), rather than as
    microseconds since 1970 (`micros`, PostgreSQL)."""
    return not is_postgresql(bind)


def micros(bind: Bind, column: Any, name: str) -> Any:
    """A DateTime or Date column labelled `name`, in the form metrics.sources.frame reads
    fastest: the stored ISO text on SQLite, microseconds since 1970 on PostgreSQL."""
    if not is_postgresql(bind):
        return column.label(name)
    if isinstance(column.type, Date) and not isinstance(column.type, DateTime):
        # Whole days since 1970 in integer arithmetic: extract() would compute in numeric, which
        # cost about as much as the rest of a census query's scan when grouping by the day.
        return pg_day_micros(column).label(name)
    micro: Any = literal_column("1000000")  # a literal, so PostgreSQL can match it in GROUP BY
    return cast(extract("epoch", column) * micro, BigInteger).label(name)


def pg_day_micros(day: Any) -> Any:
    """A PostgreSQL date as microseconds since 1970, in integer arithmetic."""
    days = type_coerce(day - literal_column("DATE '1970-01-01'"), BigInteger)
    return days * literal_column("86400000000", BigInteger)


def hidden_from_planner(bind: Bind, column: Any) -> Any:
    """`column` where SQLite's planner cannot pick an index on it (coalesce(x, x) is x); as it
    is on PostgreSQL, whose statistics choose well. SQLite has none, and would otherwise walk an
    index on that column when a better one is at hand."""
    return column if is_postgresql(bind) else func.coalesce(column, column)


def ranges_as_union(bind: Bind) -> bool:
    """Whether rows found by several index ranges read best as one query per range joined by
    UNION ALL (PostgreSQL: OR-ed ranges make it visit every row's table page) rather than the
    OR-ed ranges (SQLite reads those from the index alone already)."""
    return is_postgresql(bind)


def packs_series(bind: Bind) -> bool:
    """Whether a read of many rows per group comes back fastest as one row per group with each
    value column `packed` (PostgreSQL: the driver makes a Python object of every value it
    sends, about 1 µs each; a packed column is one bytes object, which numpy reads as it is)
    rather than row by row (SQLite, in the same process, has no such cost to save)."""
    return is_postgresql(bind)


def packed(column: Any, bits: int) -> ColumnElement[bytes]:
    """An aggregate of integer `column` over a group: its values as one string of big-endian
    `bits`-bit integers (numpy dtype `>i4` or `>i8`), in the order the group's rows reached the
    aggregate. Every aggregate of one query level is fed the same rows in the same order, so
    the packed columns of a group line up value by value. A NULL is skipped (string_agg
    skips it): pack only columns that hold none, and check the lengths agree."""
    send = {32: func.int4send, 64: func.int8send}[bits]
    empty = literal_column("''::bytea", LargeBinary)
    return func.string_agg(send(column), empty, type_=LargeBinary)


def packed_days(day: Any) -> ColumnElement[bytes]:
    """`packed` of a date column, as whole days since 1970 (32 bits, numpy `>i4`)."""
    return packed(type_coerce(day - literal_column("DATE '1970-01-01'"), Integer), 32)


def semi_joins_as_sets(bind: Bind) -> bool:
    """Whether "rows with a matching row elsewhere" runs best as a join against the set of
    matches (PostgreSQL hashes it) rather than a correlated EXISTS per row (SQLite, which
    probes an index for each row)."""
    return is_postgresql(bind)
