"""Throwaway databases for the tests and benchmarks: an SQLite file, or a new PostgreSQL
database on the local server that the returned function drops again."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable

import psycopg

PG_ADMIN = os.environ.get("D2A_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")


def scratch_database(
    kind: str, folder: str, prefix: str = "d2a_scratch", template: str | None = None
) -> tuple[str, Callable[[], None]]:
    """A new empty database of `kind` ("sqlite" or "postgresql"): its URL and its drop.
    `template` (PostgreSQL only): make it a copy of that database instead."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    if kind == "sqlite":
        return f"sqlite:///{folder}/{name}.sqlite3", lambda: None
    copy = f' TEMPLATE "{template}"' if template else ""
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"{copy}')

    def drop() -> None:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name, drop
