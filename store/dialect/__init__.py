"""Every difference between SQLite and PostgreSQL, in one place: the rest of the code asks for
an operation (bulk I/O, an upsert, a local date in SQL, a lock, a planner setting) and never
looks at which database it is talking to.

- `bulk`: appending, selecting and deleting many rows at once (binary COPY, arrays, JSON lists).
- `local_day`: the Europe/London date and hour of a stored instant, computed by the database.
- `sql`: upserts, the two-argument maximum, date arithmetic, how instants are read fastest, and
  the few hints each planner needs.
- `locks`: serialising writers per patient, one background job at a time, a stable snapshot
  for a long read, and the planner settings of the coordinator views.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

Bind = Connection | Engine | Session


def is_postgresql(bind: Bind) -> bool:
    """Whether `bind` talks to PostgreSQL (otherwise SQLite). For store.dialect only."""
    return _dialect(bind) == "postgresql"


def _dialect(bind: Any) -> str:
    if isinstance(bind, Session):
        return str(bind.get_bind().dialect.name)
    return str(bind.dialect.name)


# PostgreSQL's serialization failure and deadlock, and a unique key taken by a concurrent
# transaction first: a fresh attempt of the same transaction can succeed.
RETRYABLE_STATES = frozenset({"40001", "40P01", "23505"})


def worth_retrying(error: BaseException) -> bool:
    """Whether a failed write transaction may succeed when run again from the start: a
    deadlock or serialization failure (PostgreSQL), a unique key a concurrent writer took first,
    or a database file locked past its timeout (SQLite)."""
    cause = getattr(error, "orig", None) or error
    state = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if state in RETRYABLE_STATES:
        return True
    return "database is locked" in str(cause) or "UNIQUE constraint failed" in str(cause)
