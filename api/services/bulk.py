"""Bulk writes for the ingest path: COPY on PostgreSQL, executemany elsewhere."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.types import String

CHUNK = 900  # stays under SQLite's parameter limit


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Appends rows; on PostgreSQL through COPY, an order of magnitude faster than INSERTs."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(table.insert(), rows)
        return
    columns = [c.name for c in table.columns if c.name in rows[0]]
    names = ", ".join(f'"{c}"' for c in columns)
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])


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
