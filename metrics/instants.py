"""The two instants of a coordinator view (the one asked for and 24 hours earlier), and how
the database finds the rows (stays, pieces of readiness) in at them.

SPEC §2's census rule at an instant t: a row is *in* at t when start_at < t ≤ end_at, or it is
still open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from metrics.calendar import local_date
from models import ReadySpan, Spell, Stay

DAY = timedelta(hours=24)


@dataclass(frozen=True)
class Window:
    """The instant asked for and the one 24 hours earlier, with their local dates, and how to
    find the rows in at them.

    Stays and ready spans are found with their spell, by one of two paths. Near the end of the
    history (`recent`: "now", the coordinator's usual question), few spells were discharged
    since the earlier instant, so they are found through the spell's (setting, discharged_at)
    index, plus the open ones, and their rows by primary key: the cost follows the census, not
    the history. Otherwise the rows themselves are found through their (setting, start_at,
    end_at) index, and the spells of those in by primary key.

    The planners need help to take the first path. SQLite has no statistics: the columns of
    the other path are wrapped in a no-op coalesce(), which no index serves. PostgreSQL prefers
    to hash a scan of the whole stay table against the spells: the rows are read in a LATERAL
    subquery (OFFSET 0 keeps it from being flattened), a primary-key probe per spell.
    """

    now_at: datetime
    before_at: datetime
    recent: bool
    dialect: str

    @classmethod
    def around(cls, connection: Connection, as_of: datetime, recent_share: float) -> Window:
        recent = near_the_end(connection, as_of, recent_share)
        return cls(as_of, as_of - DAY, recent, connection.dialect.name)

    @property
    def now_day(self) -> date:
        return local_date(self.now_at)

    @property
    def before_day(self) -> date:
        return local_date(self.before_at)

    def rows(
        self, model: type[Stay] | type[ReadySpan], settings: tuple[str, ...], instants: int = 2
    ) -> tuple[Any, Any, list[ColumnElement[bool]]]:
        """Rows of `model` (stay or ready_span) of units of `settings` that can be in at either
        instant (`instants` 1: at now_at only), with their spell: (the FROM clause to select
        from, the row columns to read, the WHERE conditions)."""
        s, table = Spell.__table__, model.__table__
        since = self.before_at if instants == 2 else self.now_at
        spell_setting, admitted, discharged = _plain(
            s.c.setting, s.c.admitted_at, s.c.discharged_at
        )
        setting, start = _plain(table.c.setting, table.c.start_at)
        steer = self.dialect == "sqlite"
        if steer and self.recent:
            admitted, setting, start = _hidden(admitted, setting, start)
        elif steer:
            spell_setting, admitted, discharged = _hidden(spell_setting, admitted, discharged)
        # The setting in each branch, so SQLite can serve each from the discharge index.
        of_settings = spell_setting.in_(settings)
        spell_where = [
            or_(and_(of_settings, discharged.is_(None)), and_(of_settings, discharged >= since)),
            admitted < self.now_at,
        ]
        row_where = [
            setting.in_(settings),
            start < self.now_at,
            or_(table.c.end_at.is_(None), table.c.end_at >= since),
        ]
        if self.recent and self.dialect == "postgresql":
            rows = (
                select(table)
                .where(table.c.spell_id == s.c.spell_id, *row_where)
                .offset(0)
                .lateral(f"{model.__tablename__}_in")
            )
            return s.join(rows, true()), rows.c, spell_where
        return s.join(table, table.c.spell_id == s.c.spell_id), table.c, spell_where + row_where

    def in_now(self, table: Any) -> ColumnElement[bool]:
        return _in(table, self.now_at)

    def in_before(self, table: Any) -> ColumnElement[bool]:
        return _in(table, self.before_at)


def _in(table: Any, at: datetime) -> ColumnElement[bool]:
    """The census rule at an instant: start_at < at ≤ end_at, or still open."""
    return and_(table.start_at < at, or_(table.end_at.is_(None), table.end_at >= at))


def _plain(*columns: Any) -> list[ColumnElement[Any]]:
    return list(columns)


def _hidden(*columns: Any) -> list[ColumnElement[Any]]:
    """The same values, out of the planner's sight: coalesce(x, x) is x, and no index serves it."""
    return [func.coalesce(c, c) for c in columns]


def near_the_end(connection: Connection, at: datetime, share: float) -> bool:
    """Whether `at` lies in the last `share` (metrics.snapshot.RECENT_SHARE: 5%) of the time the
    acute admissions span (two probes of the admission index). There, the spells discharged
    since are few against the rows started before; a probe and row lookup per spell costs some
    twenty times a step along an index, so earlier instants are better served from the rows'
    own index."""
    s = Spell.__table__.c
    base = select(s.admitted_at).where(s.setting == "acute").limit(1)
    first = connection.execute(base.order_by(s.admitted_at)).scalar()
    last = connection.execute(base.order_by(s.admitted_at.desc())).scalar()
    if first is None or last is None or last <= first:
        return True
    return bool((last - at) < (last - first) * share)
