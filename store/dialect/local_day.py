"""The Europe/London date of a stored naive-UTC instant, computed by the database.

So a figure can be counted per local day in SQL (a few hundred rows reach Python, not one per
stay) with no schema change. It equals `metrics.calendar.local_date` for every instant.

Both use British Summer Time, which runs from 01:00 UTC on the last Sunday of March to 01:00
UTC on the last Sunday of October (the rule since 1996): London is UTC+1 then and UTC
otherwise. For instants in the years a query asks about, the intervals are written into the
query as literals. SQLite has no time-zone database, so the local date is the UTC date (the
stored text's first ten characters) except for an instant of 23:00–24:00 UTC in summer; only
instants of that hour are checked against the intervals, or, outside those years, against the
same rule computed per row with SQLite's date functions. PostgreSQL adds an hour to an instant
in the intervals and takes the date; outside those years it converts with its time-zone
database (`AT TIME ZONE`), which costs about twice as much per row.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Date,
    DateTime,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    or_,
)
from sqlalchemy.sql.elements import ColumnElement

from store.dialect import is_postgresql

BST_STARTS = (3, 25)  # the last Sunday of March is the first Sunday from 25 March
BST_ENDS = (10, 25)  # and of October, the first from 25 October
CHANGE_HOUR = 1  # both changes happen at 01:00 UTC


def bst_interval(year: int) -> tuple[datetime, datetime]:
    """British Summer Time of `year` as naive UTC instants [start, end)."""
    return _last_sunday(year, *BST_STARTS), _last_sunday(year, *BST_ENDS)


def _last_sunday(year: int, month: int, day: int) -> datetime:
    first = date(year, month, day)
    sunday = first + timedelta(days=(6 - first.weekday()) % 7)
    return datetime(sunday.year, sunday.month, sunday.day, CHANGE_HOUR)


def local_day(connection: Connection, instant: Any, years: range) -> ColumnElement[Any]:
    """The local date of `instant` (a naive UTC DateTime column or expression): a date on
    PostgreSQL, 'YYYY-MM-DD' text on SQLite. `years` only makes SQLite faster: instants in
    those years take the literal intervals."""
    if is_postgresql(connection):
        return _postgres_local_day(instant, years)
    return _sqlite_local_day(instant, years)


def _postgres_local_day(instant: Any, years: range) -> ColumnElement[Any]:
    utc = instant.op("AT TIME ZONE")(literal_column("'UTC'"))
    by_zone = cast(utc.op("AT TIME ZONE")(literal_column("'Europe/London'")), Date)
    if not years:
        return by_zone
    low, high = datetime(years.start, 1, 1), datetime(years.stop, 1, 1)
    summer = or_(*(_between(instant, *bst_interval(y), _at) for y in years))
    hour = case((summer, literal_column("interval '1 hour'")), else_=literal_column("interval '0'"))
    in_years = and_(instant >= _at(low), instant < _at(high))
    return case((in_years, cast(instant + hour, Date)), else_=by_zone)


def _sqlite_local_day(instant: Any, years: range) -> ColumnElement[Any]:
    """The UTC date, or the next day for an instant in BST's 23:00–24:00 UTC hour: only rows
    of that hour are checked against the intervals."""
    utc_date = func.substr(instant, 1, 10)
    next_day = func.date(utc_date, literal_column("'+1 day'"))
    summer = _summer(instant, years, postgres=False)
    late = func.substr(instant, 12, 2) == literal("23", String)
    return case((and_(late, summer), next_day), else_=utc_date)


def local_hour_before(
    connection: Connection, instant: Any, hour: int, years: range
) -> ColumnElement[int]:
    """1 when the Europe/London clock hour of `instant` (naive UTC) is before `hour` (1–23),
    else 0.

    London is UTC or UTC+1, so the UTC hour decides except at two hours: `hour` − 1 (before in
    winter, not in summer) and 23 (the next local day's midnight hour in summer, so before);
    `years` as for `local_day`.
    """
    postgres = is_postgresql(connection)
    if postgres:
        utc_hour: Any = func.date_part(literal_column("'hour'"), instant)
        hours: list[Any] = [hour - 1, 23]
    else:
        utc_hour = func.substr(instant, 12, 2)
        hours = [literal(f"{h:02d}", String) for h in (hour - 1, 23)]
    summer = _summer(instant, years, postgres=postgres)
    return case(
        (utc_hour < hours[0], 1),
        (utc_hour == hours[0], case((summer, 0), else_=1)),
        (utc_hour == hours[1], case((summer, 1), else_=0)),
        else_=0,
    )


def _summer(instant: Any, years: range, *, postgres: bool) -> ColumnElement[bool]:
    """Whether `instant` falls in British Summer Time: the literal intervals of `years`, the
    rule computed per row (SQLite) or the time-zone database (PostgreSQL) outside them."""
    if postgres:
        utc = instant.op("AT TIME ZONE")(literal_column("'UTC'"))
        local = utc.op("AT TIME ZONE")(literal_column("'Europe/London'"))
        by_rule: ColumnElement[bool] = local != instant
    else:
        by_rule = _sqlite_in_bst(instant)
    if not years:
        return by_rule
    low, high = datetime(years.start, 1, 1), datetime(years.stop, 1, 1)
    form = _at if postgres else _text
    outside = or_(instant < form(low), instant >= form(high))
    return or_(and_(outside, by_rule), *(_between(instant, *bst_interval(y), form) for y in years))


def _between(instant: Any, start: datetime, end: datetime, form: Any = None) -> ColumnElement[bool]:
    as_literal = form or _text
    return and_(instant >= as_literal(start), instant < as_literal(end))


def _at(at: datetime) -> ColumnElement[Any]:
    """An instant as a PostgreSQL timestamp literal."""
    return literal(at, DateTime())


def _sqlite_in_bst(instant: Any) -> ColumnElement[bool]:
    """The BST rule evaluated per row, for any year (SQLite's 'weekday 0' moves a date forward
    to the next Sunday, or keeps it when it is one)."""
    year = func.substr(instant, 1, 4)
    bounds = []
    for month, day in (BST_STARTS, BST_ENDS):
        first = year.op("||")(literal(f"-{month:02d}-{day:02d}", String))
        sunday = func.date(first, literal_column("'weekday 0'"))
        bounds.append(sunday.op("||")(literal(f" {CHANGE_HOUR:02d}:00:00.000000", String)))
    return and_(instant >= bounds[0], instant < bounds[1])


def _text(at: datetime) -> ColumnElement[str]:
    """An instant as SQLite stores a DateTime ('YYYY-MM-DD HH:MM:SS.ffffff'), as a literal so
    the comparison is between texts."""
    return literal(at.strftime("%Y-%m-%d %H:%M:%S.%f"), String)


def years_around(start: date, end: date) -> range:
    """The years whose instants a query over the local dates start..end can meet (the census
    before start is taken at the end of the previous day, in UTC possibly the year before)."""
    return range(start.year - 1, end.year + 2)
