"""How the write side tells the figure cache what it changed (ARCHITECTURE: data flows one way).

The ledger never touches the cache's tables: whoever calls a write (the API, the CLI, the seed
loader) hands it the cache's `changed_from` (metrics.tally.changed_from), and the write calls it
in its own transaction with the earliest local day whose figures it may have changed.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Protocol

from sqlalchemy.orm import Session


class FigureChanges(Protocol):
    def __call__(
        self, session: Session, day: date, organisations: Collection[str] | None = None, /
    ) -> None:
        """Figures from local day `day` on may differ from what the figure cache keeps: only
        those of `organisations` (the organisations of every derived row the write removed or
        added), or of any organisation when None."""
