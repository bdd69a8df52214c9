"""Bulk writes for the ingest path: COPY on PostgreSQL, executemany elsewhere."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date, datetime
from functools import lru_cache
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Integer,
    SmallInteger,
    Table,
    any_,
    bindparam,
    cast,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import String

from store.dialect import is_postgresql


@lru_cache(maxsize=1 << 15)
def _sqlite_datetime(value: datetime) -> str:
    """The text SQLAlchemy stores for a DateTime on SQLite (comparisons are on this text).

    Cached: `isoformat` costs about 10,000 instructions (it formats through printf), and a
    batch binds each instant several times (an admission's time starts its spell and its stay;
    every event of a batch shares one received_at).
    """
    return value.isoformat(" ", "microseconds")  # e.g. 2025-03-03 14:00:00.000000


def _sqlite_date(value: date) -> str:
    return value.isoformat()


# The driver turns datetimes and dates into the text SQLAlchemy itself would store as it binds
# each row, so the bulk path below can pass rows through untouched. (SQLAlchemy's own
# statements bind text it has formatted already, so these adapters never see them.)
sqlite3.register_adapter(datetime, _sqlite_datetime)
sqlite3.register_adapter(date, _sqlite_date)
# Any value that is not exactly an int, float or str goes through the driver's adapter lookup,
# which for a type with no adapter fails two attribute lookups, formatting an error message
# each time: binding a None cost more than inserting the row (measured with callgrind, a
# 15-column event row with 8 NULLs). A registered adapter ends the lookup at once: `{}.get`
# is a C function that returns None for None, which the driver binds as NULL; `int` turns a
# bool into the 0 or 1 SQLAlchemy stores.
sqlite3.register_adapter(type(None), {}.get)  # type: ignore[arg-type]
sqlite3.register_adapter(bool, int)


def _row_getter(names: list[str]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    if len(names) == 1:
        name = names[0]
        return lambda row: (row[name],)
    return itemgetter(*names)


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Appends rows straight through the driver: COPY on PostgreSQL, executemany on SQLite.

    SQLAlchemy's per-row parameter processing cost more than the database's own work here.
    """
    if not rows:
        return
    connection = session.connection()
    names = [c.name for c in table.columns if c.name in rows[0]]
    quoted = ", ".join(f'"{name}"' for name in names)
    values = map(_row_getter(names), rows)
    cursor = _driver_cursor(session)
    if is_postgresql(connection):
        # Binary COPY: the server reads numbers and times as they are instead of parsing text.
        with cursor.copy(f"COPY {table.name} ({quoted}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types([_pg_type(table.c[name].type) for name in names])
            for row in values:
                copy.write_row(row)
        return
    marks = ", ".join("?" for _ in names)
    cursor.executemany(f"INSERT INTO {table.name} ({quoted}) VALUES ({marks})", values)


def _pg_type(column_type: Any) -> str:
    """The PostgreSQL type binary COPY sends a column as."""
    for kind, name in _PG_TYPES:
        if isinstance(column_type, kind):
            return name
    raise TypeError(f"no binary COPY type for {column_type!r}")


_PG_TYPES: tuple[tuple[type[Any], str], ...] = (
    (BigInteger, "int8"),
    (SmallInteger, "int2"),
    (Integer, "int4"),
    (DateTime, "timestamp"),
    (Date, "date"),
    (Boolean, "bool"),
    (String, "varchar"),
)


def text_array(values: list[str]) -> str:
    """A PostgreSQL text[] literal of `values` (each quoted, its backslashes and quotes escaped),
    to be sent as one string and cast: psycopg dumps a list an element at a time (10,000 ids:
    40–50 ms to send, against 11 ms as one literal)."""
    quoted = (v.replace("\\", "\\\\").replace('"', '\\"') for v in values)
    return "{" + ",".join(f'"{v}"' for v in quoted) + "}"


def _text_array(name: str) -> ColumnElement[Any]:
    """A parameter holding a `text_array` literal, cast to text[]."""
    return cast(bindparam(name, type_=String), ARRAY(String))


def select_where_in(
    session: Session, table: Table, column: str, values: list[str]
) -> list[dict[str, Any]]:
    """The rows whose `column` is one of `values`, as dicts, in one query on both databases."""
    names = [c.name for c in table.columns]
    return [
        dict(zip(names, row, strict=True))
        for row in select_tuples_where_in(session, table, column, values)
    ]


def select_tuples_where_in(
    session: Session, table: Table, column: str, values: list[str]
) -> list[tuple[Any, ...]]:
    """The rows whose `column` is one of `values`, as tuples in the order of the table's
    columns, with times and dates as datetime and date, in one query on both databases.

    Straight through the driver: SQLAlchemy's processing of each row cost more than the query
    (PostgreSQL's driver itself gives times as datetime). On PostgreSQL the values go as one
    text[] literal; on SQLite as one JSON array (SQLAlchemy would compile a fresh IN list of up
    to 999 parameters per chunk)."""
    if not values:
        return []
    names = ", ".join(f'"{c.name}"' for c in table.columns)
    cursor = _driver_cursor(session)
    if is_postgresql(session.connection()):
        cursor.execute(
            f'SELECT {names} FROM {table.name} WHERE "{column}" = ANY(%s::text[])',
            (text_array(values),),
        )
        return cursor.fetchall()
    cursor.execute(
        f'SELECT {names} FROM {table.name} WHERE "{column}" IN {_JSON_VALUES}',
        (_json_list(values),),
    )
    timed = [
        (i, parse)
        for i, c in enumerate(table.columns)
        for kind, parse in _SQLITE_PARSERS.items()
        if isinstance(c.type, kind)
    ]
    if not timed:
        return cursor.fetchall()
    rows = []
    for found in cursor:
        row = list(found)
        for i, parse in timed:
            if row[i] is not None:
                row[i] = parse(row[i])
        rows.append(tuple(row))
    return rows


def delete_where_in(
    session: Session, table: Table, column: str, values: list[str], returning: str | None = None
) -> set[Any]:
    """Deletes the rows whose `column` is one of `values`; with `returning`, the distinct
    values that column held in the rows deleted (RETURNING: no second read)."""
    if not values:
        return set()
    connection = session.connection()
    if is_postgresql(connection):
        col = table.c[column]
        statement = table.delete().where(col == any_(_text_array("values")))
        literal = {"values": text_array(values)}
        if returning is None:
            connection.execute(statement, literal)
            return set()
        result = connection.execute(statement.returning(table.c[returning]), literal)
        return set(result.scalars())
    cursor = _driver_cursor(session)
    tail = "" if returning is None else f" RETURNING {returning}"
    cursor.execute(
        f"DELETE FROM {table.name} WHERE {column} IN {_JSON_VALUES}{tail}", (_json_list(values),)
    )
    return set() if returning is None else {row[0] for row in cursor.fetchall()}


def delete_pairs(
    session: Session, table: Table, columns: tuple[str, str], pairs: list[tuple[str, int]]
) -> None:
    """Deletes the rows whose two-column key (text, integer: a derived row's spell_id and
    seq) is one of `pairs`, in one statement on both databases, probing the key's index."""
    if not pairs:
        return
    first, second = columns
    connection = session.connection()
    if is_postgresql(connection):
        texts = text_array([p[0] for p in pairs])
        numbers = "{" + ",".join(str(int(p[1])) for p in pairs) + "}"
        connection.execute(
            text(
                f"DELETE FROM {table.name} AS t USING unnest(CAST(:a AS text[]), "
                f'CAST(:b AS integer[])) AS k(a, b) WHERE t."{first}" = k.a AND t."{second}" = k.b'
            ),
            {"a": texts, "b": numbers},
        )
        return
    cursor = _driver_cursor(session)
    cursor.execute(
        f'DELETE FROM {table.name} WHERE ("{first}", "{second}") IN '
        "(SELECT value ->> 0, value ->> 1 FROM json_each(?))",
        (orjson.dumps([[p[0], int(p[1])] for p in pairs]).decode(),),
    )


_JSON_VALUES = "(SELECT value FROM json_each(?))"
_SQLITE_PARSERS: dict[type[Any], Callable[[str], Any]] = {
    DateTime: datetime.fromisoformat,
    Date: date.fromisoformat,
}


def _json_list(values: list[str]) -> str:
    return orjson.dumps(values).decode()


def _driver_cursor(session: Session) -> Any:
    return session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
