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
