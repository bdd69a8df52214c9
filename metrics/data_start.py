"""When each organisation's figures start (SPEC §3 `data_from`), and so each breakdown group's.

An organisation's data start is its `data_from` (reference data: the first local date its feeds
were complete), or, while that is null, the local date of its first event (its first stay: every
stored event belongs to a stay that an admission began). A figure of a day before the start that
applies to it is null, not 0: the days are left out of its period rows (metrics.grid.roll_up),
so a period wholly before the start has no figure and one that straddles it counts the days
from the start (`days` says how many).

Which start applies to a row:

- one organisation's figures (the `organisation` filter), whatever the breakdown: its start;
- a breakdown by organisation: each organisation's own start; by unit: the start of the unit's
  organisation;
- every other system-wide figure (no breakdown, or by pathway, local authority, reason,
  destination or band): the **latest** start of the organisations in scope, so a system-wide
  day has a figure only once every organisation in scope has complete data. In scope are the
  organisations that own a unit of the settings the figure counts (acute units for the acute
  figures, D2A units for the D2A ones) and have a start (a data_from, or an event); one that
  has sent nothing and has no data_from holds nobody back. A system-wide sum before then would
  mix complete organisations with one still filling (a climb that is not a change in the
  system); an organisation joining later therefore starts the system-wide series again at its
  start, while every organisation's own series keeps its history.

An organisation without a start (no data_from, no event) has no figures of its own: all null.
With no organisation in scope (an empty system) nothing is held back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection, exists, func, select

from metrics import calendar
from models import Organisation, Stay, Unit
from models.clock import local_date

if TYPE_CHECKING:
    from metrics.metric import Query

ALWAYS = date.min  # every day has figures
NEVER = date.max  # no day has figures
# The group of the organisations without a system, in a breakdown by system.
NO_SYSTEM = "no system"


def data_starts(
    connection: Connection, settings: Sequence[str] | None = None
) -> dict[str, date | None]:
    """Each organisation that owns a unit (of `settings`, when given) → its data start (None:
    no data_from, no event)."""
    o, u, s = Organisation.__table__.c, Unit.__table__.c, Stay.__table__.c
    first_stay = select(func.min(s.start_at)).where(s.organisation_code == o.code).scalar_subquery()
    owns = exists().where(u.organisation_code == o.code)
    if settings is not None:
        owns = owns.where(u.setting.in_(settings))
    query = select(o.code, o.data_from, first_stay).where(owns)
    return {
        code: _as_date(data_from) if data_from is not None else _first_day(first)
        for code, data_from, first in connection.execute(query)
    }


def _as_date(value: date | str) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _first_day(first: datetime | str | None) -> date | None:
    if first is None:
        return None
    at = datetime.fromisoformat(first) if isinstance(first, str) else first
    return local_date(at)


def system_start(starts: dict[str, date | None]) -> date:
    """The first day every organisation in scope has complete data (ALWAYS with none)."""
    known = [d for d in starts.values() if d is not None]
    return max(known) if known else ALWAYS


def group_starts(
    connection: Connection,
    groups: Sequence[str | None],
    group_by: str | None,
    organisation: str | tuple[str, ...] | None,
    settings: Sequence[str] | None = None,
    systems: Mapping[str, str] | None = None,
) -> tuple[date, ...]:
    """The first day with figures of each group of a question about the units of `settings`
    (None: all units) (module text). `organisation` is one organisation or a system's members
    (a system is the whole deployment in small: the latest start of its organisations in
    scope); `systems`, for a breakdown by system, maps each organisation to its system's code
    (each system's start: the latest of its organisations in scope)."""
    starts = data_starts(connection)
    if isinstance(organisation, str):
        return tuple(starts.get(organisation) or NEVER for _ in groups)
    scoped = starts if settings is None else data_starts(connection, settings)
    if organisation is not None:
        scoped = {o: d for o, d in scoped.items() if o in organisation}
    if systems is not None:
        by_system: dict[str, dict[str, date | None]] = {}
        for org, day in scoped.items():
            by_system.setdefault(systems.get(org, NO_SYSTEM), {})[org] = day
        return tuple(system_start(by_system.get(str(g), {})) for g in groups)
    if group_by == "organisation":
        return tuple(starts.get(str(g)) or NEVER for g in groups)
    system = system_start(scoped)
    if group_by == "unit":
        u = Unit.__table__.c
        owner = dict(connection.execute(select(u.code, u.organisation_code)).all())
        return tuple((starts.get(owner[g]) or NEVER) if g in owner else system for g in groups)
    return tuple(system for _ in groups)


def first_day_with_figures(
    connection: Connection, organisation: str | tuple[str, ...] | None
) -> date | None:
    """The first day any figure has a number, system-wide (the earliest start of the
    organisations with units), of a system (of its organisations, `organisation` a tuple) or of
    one organisation: where charts can begin (each figure's own rows start at its own start);
    None while no day has any."""
    starts = data_starts(connection)
    if isinstance(organisation, str):
        return starts.get(organisation)
    if organisation is not None:
        starts = {o: d for o, d in starts.items() if o in organisation}
    known = [d for d in starts.values() if d is not None]
    return min(known) if known else None


def summed_spans(connection: Connection, query: Query) -> tuple[date, ...] | None:
    """For a figure that sums whole numbers over its periods (Metric.summed_spans) by week,
    month or in total, the first days of the spans its tallied days may be summed into: its
    periods, split on every organisation's data start inside them (metrics.calendar.spans);
    otherwise None (each day read on its own). The weekend ratio sums whole numbers too, but
    apart on weekdays and weekend days: its spans are split where the kind of day changes."""
    weekends = query.metric.aggregation == "weekday_ratio"
    if not (query.metric.summed_spans or weekends) or query.interval == "day":
        return None
    cuts = [d for d in data_starts(connection).values() if d is not None]
    return calendar.spans(query.start, query.end, query.interval, cuts, weekends)
