"""Bulk writes for the ingest path: COPY on PostgreSQL, executemany elsewhere."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Table, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.types import String

CHUNK = 900  # stays under SQLite's parameter limit


def _sqlite_datetime(value: datetime) -> str:
    """The text SQLAlchemy stores for a DateTime on SQLite (comparisons are on this text)."""
    return value.isoformat(" ", "microseconds")  # e.g. 2025-03-03 14:00:00.000000


def _sqlite_date(value: date) -> str:
    return value.isoformat()


# The driver turns datetimes and dates into the text SQLAlchemy itself would store, in C as it
# binds each row, so the bulk path below can pass rows through untouched. (SQLAlchemy's own
# statements bind text it has formatted already, so these adapters never see them.)
sqlite3.register_adapter(datetime, _sqlite_datetime)
sqlite3.register_adapter(date, _sqlite_date)


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
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    if connection.dialect.name == "postgresql":
        with cursor.copy(f"COPY {table.name} ({quoted}) FROM STDIN") as copy:
            for row in values:
                copy.write_row(row)
        return
    marks = ", ".join("?" for _ in names)
    cursor.executemany(f"INSERT INTO {table.name} ({quoted}) VALUES ({marks})", values)


def select_where_in(session: Session, table: Table, column: str, values: list[str]) -> list[Any]:
    """The rows whose `column` is one of `values` (one query on PostgreSQL, chunks on SQLite)."""
    if not values:
        return []
    connection = session.connection()
    col = table.c[column]
    if connection.dialect.name == "postgresql":
        statement = table.select().where(col == bindparam("values", type_=ARRAY(String)).any_())
        return list(connection.execute(statement, {"values": values}))
    rows: list[Any] = []
    for start in range(0, len(values), CHUNK):
        rows += connection.execute(table.select().where(col.in_(values[start : start + CHUNK])))
    return rows


def delete_where_in(session: Session, table: Table, column: str, values: list[str]) -> None:
    """Deletes the rows whose `column` is one of `values`."""
    if not values:
        return
    connection = session.connection()
    col = table.c[column]
    if connection.dialect.name == "postgresql":
        statement = table.delete().where(col == bindparam("values", type_=ARRAY(String)).any_())
        connection.execute(statement, {"values": values})
        return
    for start in range(0, len(values), CHUNK):
        connection.execute(table.delete().where(col.in_(values[start : start + CHUNK])))
