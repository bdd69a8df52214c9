"""Bulk writes for the ingest path: COPY on PostgreSQL, executemany elsewhere."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Column, Date, DateTime, Table, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.types import String

CHUNK = 900  # stays under SQLite's parameter limit


def _sqlite_datetime(value: datetime | None) -> str | None:
    """The text SQLAlchemy stores for a DateTime on SQLite (comparisons are on this text)."""
    if value is None:
        return None
    return value.isoformat(" ", "microseconds")  # e.g. 2025-03-03 14:00:00.000000


def _sqlite_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _sqlite_converter(column: Column[Any]) -> Callable[[Any], Any]:
    if isinstance(column.type, DateTime):
        return _sqlite_datetime
    if isinstance(column.type, Date):
        return _sqlite_date
    if isinstance(column.type, Boolean):
        return lambda v: None if v is None else int(v)
    return lambda v: v


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Appends rows straight through the driver: COPY on PostgreSQL, executemany on SQLite.

    SQLAlchemy's per-row parameter processing cost more than the database's own work here.
    """
    if not rows:
        return
    connection = session.connection()
    columns = [c for c in table.columns if c.name in rows[0]]
    names = ", ".join(f'"{c.name}"' for c in columns)
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    if connection.dialect.name == "postgresql":
        with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c.name] for c in columns])
        return
    pairs = [(c.name, _sqlite_converter(c)) for c in columns]
    marks = ", ".join("?" for _ in columns)
    values = ([convert(row[name]) for name, convert in pairs] for row in rows)
    cursor.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", values)


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
