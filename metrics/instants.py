"""The two instants of a coordinator view (the one asked for and 24 hours earlier), and how
the database finds the rows (stays, pieces of readiness) in at them.

SPEC §2's census rule at an instant t: a row is *in* at t when start_at < t ≤ end_at, or it is
still open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, union_all
from sqlalchemy.sql.elements import ColumnElement

from models import ReadySpan, Spell, Stay
from models.clock import local_date
from models.derived import UNBOUNDED

DAY = timedelta(hours=24)


@dataclass(frozen=True)
class Window:
    """The instant asked for and the one 24 hours earlier, with their local dates, and how to
    find the rows in at them.

    A row can be in at an instant of [since, now] only if it started before `now` and, being of
    length class k < UNBOUNDED (models.derived: it lasted at most 2**k hours), at or after
    since − 2**k hours. One range of the (length_class, start_at) index per class: the rows
    read are about those in, plus a day of starts, at any instant of the history, instead of
    every row that started before it.
    """

    now_at: datetime
    before_at: datetime

    @classmethod
    def around(cls, as_of: datetime) -> Window:
        return cls(as_of, as_of - DAY)

    @property
    def now_day(self) -> date:
        return local_date(self.now_at)

    @property
    def before_day(self) -> date:
        return local_date(self.before_at)

    def rows(
        self,
        model: type[Stay] | type[ReadySpan],
        settings: tuple[str, ...],
        instants: int = 2,
        with_spell: bool = True,
    ) -> tuple[Any, Any, list[ColumnElement[bool]]]:
        """Rows of `model` (stay or ready_span) of units of `settings` that can be in at either
        instant (`instants` 1: at now_at only), joined to their spell unless `with_spell` is
        False: (the FROM clause to select from, the row columns to read, the WHERE
        conditions)."""
        s, table = Spell.__table__, model.__table__
        since = self.before_at if instants == 2 else self.now_at
        length, start, end = table.c.length_class, table.c.start_at, table.c.end_at
        before_now = start < self.now_at
        ranges = [
            and_(length == k, start >= since - timedelta(hours=2**k), before_now)
            for k in range(UNBOUNDED)
        ]
        ranges.append(and_(length == UNBOUNDED, before_now))
        # The setting is read from the row, not searched: searching the (setting, start_at,
        # end_at) index for it, as SQLite would, walks every row that started before `now`.
        setting = func.coalesce(table.c.setting, table.c.setting)  # no index serves coalesce
        where = [or_(*ranges), or_(end.is_(None), end >= since), setting.in_(settings)]
        if not with_spell:
            return table, table.c, where
        return s.join(table, table.c.spell_id == s.c.spell_id), table.c, where

    def ranges(
        self, model: type[Stay] | type[ReadySpan], settings: tuple[str, ...], columns: list[str]
    ) -> Any:
        """The rows `rows` finds (at either instant, without their spell), as one range of the
        (length_class, start_at) index per length class glued by UNION ALL: a subquery of
        `columns`, named as the table. PostgreSQL reads each range from an index that holds
        every column asked for alone (ix_stay_length_start) and counts the rows by hashing:
        with the ranges OR-ed, it visited the table's pages for every row (some 200,000 at a
        national census) and sorted them on disk to group them, twice as long."""
        table = model.__table__
        length, start, end = table.c.length_class, table.c.start_at, table.c.end_at
        common = [start < self.now_at, or_(end.is_(None), end >= self.before_at)]
        # The setting plainly (not through coalesce, as in `rows`): each range is found in the
        # length-class index first, and PostgreSQL's estimate of the rows, and so of the groups
        # (it counts them by hashing when it expects many), needs the setting's statistics.
        common.append(table.c.setting.in_(settings))
        parts = []
        for k in range(UNBOUNDED + 1):
            bounded = [start >= self.before_at - timedelta(hours=2**k)] if k < UNBOUNDED else []
            part = select(*(table.c[name] for name in columns))
            parts.append(part.where(length == k, *bounded, *common))
        return union_all(*parts).subquery(model.__tablename__)

    def in_now(self, table: Any) -> ColumnElement[bool]:
        return _in(table, self.now_at)

    def in_before(self, table: Any) -> ColumnElement[bool]:
        return _in(table, self.before_at)


def _in(table: Any, at: datetime) -> ColumnElement[bool]:
    """The census rule at an instant: start_at < at ≤ end_at, or still open."""
    return and_(table.start_at < at, or_(table.end_at.is_(None), table.end_at >= at))
