"""The coordinator's position at an instant (SPEC §1, issue 3): `snapshot` and `ready_patients`.

SPEC §2's census rule applied to an instant t: a stay, or a piece of readiness, is *in* at t when
start_at < t ≤ end_at, or it is still open. At a census instant (the local midnight ending day D)
the snapshot therefore gives exactly that day's census figures of `metrics.census`.

Day counts are midnights passed, as at a census, with L the Europe/London date of t:
- length of stay = L − the spell's admission date (across ward transfers);
- days waiting = L − the discharge ready date (the local date the current readiness began): the
  delay the person would have if they left at t.
At the census of day D, L = D + 1, so these are the catalogue's D + 1 − admission date (stranded)
and D + 1 − DRD (band). Bands are the catalogue's 0, 1, 2-3, 4-6, 7-13, 14-20, 21+.

Speed: only rows that can be in at one of the two instants are read — for "now", the open
spells and those discharged since yesterday, through the spell's (setting, discharged_at)
index, so the cost follows the census rather than the history (see `_Window`). The database
does the counting (sums of CASE flags, grouped by every breakdown at once), so what reaches
Python is a few hundred group rows, never one per patient. `events_reflected` is the exception:
no index leads by the event's occurred_at or received_at, so it reads the whole log.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    Connection,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.sql.elements import ColumnElement

from metrics.breakdown import ALL_PATHWAYS
from metrics.calendar import as_days, census_instant, local_date
from metrics.grid import BAND_FLOORS, BANDS, UNKNOWN, delay_bands
from models import DelayReason, Event, ReadinessPeriod, ReadySpan, Spell, Stay, Unit, UnitCapacity
from models.reference import D2A_SETTINGS, SETTING_PATHWAY

DAY = timedelta(hours=24)
ACUTE = ("acute",)
NO_REASON = "none recorded"
D2A_PATHWAYS = (1, 2, 3)
STRANDED = (7, 14, 21)
SORT_FIELDS = ("days_waiting", "discharge_ready_date", "unit_code", "pathway", "los_days")
DESCENDING_BY_DEFAULT = ("days_waiting", "los_days")


def snapshot(
    connection: Connection, *, as_of: datetime, organisation: str | None = None
) -> dict[str, Any]:
    """The coordinator's figures at `as_of` (naive UTC) and 24 hours earlier; no patient ids.

    `organisation` limits acute figures to that site and D2A services to that provider, as the
    metrics' `organisation` filter does.
    """
    w = _Window.around(connection, as_of)
    units = _units(connection, organisation)
    sites = tuple(dict.fromkeys(u.organisation_code for u in units if u.setting == "acute"))
    stays = _stay_counts(connection, w, organisation)
    acute, d2a = stays.where(stays["setting"] == "acute"), stays.where(stays["setting"] != "acute")
    ready = _ready_counts(connection, w, organisation)
    by_pathway = ready.groups("pathway", ALL_PATHWAYS)
    waiting = {int(g["group"]): g for g in by_pathway if g["group"] in ("1", "2", "3")}
    services = _services(connection, w, units, d2a, waiting, organisation)
    count, latest = events_reflected(connection, as_of)
    return {
        "as_of": _iso(as_of),
        "compared_with": _iso(w.before_at),
        "local_date": w.now_day.isoformat(),
        "compared_with_local_date": w.before_day.isoformat(),
        "organisation": organisation,
        "acute_inpatients": acute.total() | {"by_site": acute.groups("organisation", sites)},
        "ready_to_leave": ready.total()
        | {
            "by_pathway": by_pathway,
            "by_site": ready.groups("organisation", sites),
            "by_local_authority": ready.groups("local_authority"),
        },
        "waits_by_band": ready.bands(),
        "top_reasons": _reasons(connection, ready),
        **{f"stranded_{n}": acute.total(f"los{n}_now", f"los{n}_before") for n in STRANDED},
        "d2a_services": services,
        "d2a_pathways": _pathway_totals(services, waiting),
        "events_reflected": count,
        "latest_event_at": _iso(latest),
    }


def ready_patients(
    connection: Connection, *, as_of: datetime, scope: str | None = None
) -> list[dict[str, Any]]:
    """People ready to leave acute beds at `as_of` (naive UTC), longest waiting first.

    `scope` (a partner's organisation or local authority code) keeps the people whose site at
    `as_of`, whose spell's organisation (its latest unit's) or whose local authority is `scope`.
    """
    w = _Window.around(connection, as_of)
    joined, r, where = w.rows(ReadySpan, ACUTE, instants=1)
    s, u, p = (t.__table__.c for t in (Spell, Unit, ReadinessPeriod))
    d = DelayReason.__table__.c
    query = (
        select(
            r.patient_id,
            r.unit_code,
            u.name.label("unit_name"),
            r.organisation_code,
            s.local_authority,
            r.planned_pathway.label("pathway"),
            p.start_date.label("discharge_ready_date"),
            r.reason_code,
            d.label.label("reason_label"),
            d.group.label("reason_group"),
            r.ready_since,
            s.admitted_date,
        )
        .select_from(
            joined.join(
                ReadinessPeriod, and_(p.spell_id == r.spell_id, p.start_at == r.ready_since)
            )
            .join(Unit, u.code == r.unit_code)
            .outerjoin(DelayReason, d.code == r.reason_code)
        )
        .where(*where, w.in_now(r))
    )
    if scope is not None:
        query = query.where(
            or_(
                r.organisation_code == scope,
                s.organisation_code == scope,
                s.local_authority == scope,
            )
        )
    rows = _fetch(connection, query)
    today = np.datetime64(w.now_day, "D")
    waited = pd.Series((today - as_days(rows["discharge_ready_date"])).astype(np.int64))
    rows["days_waiting"] = waited
    rows["band"] = delay_bands(waited)
    rows["reason_label"] = rows["reason_label"].where(rows["reason_code"].notna(), NO_REASON)
    rows["los_days"] = (today - as_days(rows["admitted_date"])).astype(np.int64)
    rows["pathway"] = rows["pathway"].astype("Int64")
    order = ["patient_id", "unit_code", "unit_name", "organisation_code", "local_authority"]
    order += ["pathway", "discharge_ready_date", "days_waiting", "band", "reason_code"]
    order += ["reason_label", "reason_group", "ready_since", "admitted_date", "los_days"]
    rows = rows[order].sort_values(
        ["days_waiting", "patient_id"], ascending=[False, True], kind="stable"
    )
    return [_plain_row(row) for row in rows.to_dict("records")]


def sort_patients(
    patients: list[dict[str, Any]], field: str, descending: bool
) -> list[dict[str, Any]]:
    """The list ordered by `field` (one of SORT_FIELDS); unknown values last; ties by patient."""
    if field not in SORT_FIELDS:
        raise ValueError(f"sort must be one of {', '.join(SORT_FIELDS)}")
    by_patient = sorted(patients, key=lambda p: p["patient_id"])
    known = [p for p in by_patient if p[field] is not None]
    unknown = [p for p in by_patient if p[field] is None]
    return sorted(known, key=lambda p: p[field], reverse=descending) + unknown


def events_reflected(connection: Connection, at: datetime) -> tuple[int, datetime | None]:
    """Events that occurred before `at`, with the voids of those events, whenever they arrived;
    and the latest time one of them was received (sources.events_reflected, at an instant).

    Two queries: the events before `at` (a scan of the log: no index leads by occurred_at), and
    the voids after `at` of events before it, found through the voids_event_id index (a void
    names an event id of 1–64 characters, so `> ''` is every void).
    """
    e = Event.__table__.c
    before = connection.execute(
        select(func.count(), func.max(e.received_at)).where(e.occurred_at < at)
    ).one()
    target = Event.__table__.alias("target")
    voids = connection.execute(
        select(func.count(), func.max(e.received_at))
        .select_from(Event)
        .join(target, target.c.event_id == e.voids_event_id)
        .where(e.voids_event_id > "", e.occurred_at >= at, target.c.occurred_at < at)
    ).one()
    latest = [t for t in (before[1], voids[1]) if t is not None]
    return int(before[0]) + int(voids[0]), max(latest) if latest else None


# -- the two instants ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Window:
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
    def around(cls, connection: Connection, as_of: datetime) -> _Window:
        recent = _near_the_end(connection, as_of)
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


RECENT_SHARE = 0.05


def _near_the_end(connection: Connection, at: datetime) -> bool:
    """Whether `at` lies in the last 5% of the time the acute admissions span (two probes of
    the admission index). There, the spells discharged since are few against the rows started
    before; a probe and row lookup per spell costs some twenty times a step along an index, so
    earlier instants are better served from the rows' own index."""
    s = Spell.__table__.c
    base = select(s.admitted_at).where(s.setting == "acute").limit(1)
    first = connection.execute(base.order_by(s.admitted_at)).scalar()
    last = connection.execute(base.order_by(s.admitted_at.desc())).scalar()
    if first is None or last is None or last <= first:
        return True
    return bool((last - at) < (last - first) * RECENT_SHARE)


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))


def _label(column: Any) -> ColumnElement[str]:
    """A breakdown label in SQL: the value as text, 'unknown' when missing."""
    return func.coalesce(cast(column, String), literal(UNKNOWN))


def _org(column: Any, organisation: str | None) -> list[ColumnElement[bool]]:
    return [] if organisation is None else [column == organisation]


# -- counting, in the database ---------------------------------------------------------------------


def _fetch(connection: Connection, query: Any) -> pd.DataFrame:
    """The rows of a query as a DataFrame (built from plain tuples: from Row objects it costs
    pandas an attribute probe per row)."""
    result = connection.execute(query)
    return pd.DataFrame(list(map(tuple, result)), columns=list(result.keys()))


def _stay_counts(connection: Connection, w: _Window, organisation: str | None) -> _Counts:
    """Stays (acute and D2A) in at each instant per unit, and the acute ones with LOS ≥ 7, 14,
    21 days: LOS at instant t ≥ n ⟺ admission date ≤ L − n (L the local date of t)."""
    joined, t, where = w.rows(Stay, (*ACUTE, *D2A_SETTINGS))
    s = Spell.__table__.c
    now, before = w.in_now(t), w.in_before(t)
    columns = [t.setting, t.unit_code.label("unit"), t.organisation_code.label("organisation")]
    columns += [_flag(now).label("now"), _flag(before).label("before")]
    for n in STRANDED:
        old_now = s.admitted_date <= w.now_day - timedelta(days=n)
        old_before = s.admitted_date <= w.before_day - timedelta(days=n)
        columns.append(_flag(and_(now, old_now)).label(f"los{n}_now"))
        columns.append(_flag(and_(before, old_before)).label(f"los{n}_before"))
    query = (
        select(*columns)
        .select_from(joined)
        .where(*where, *_org(t.organisation_code, organisation))
        .group_by(t.unit_code, t.organisation_code, t.setting)  # not in the index's order
    )
    return _Counts(_fetch(connection, query))


def _band(ready_since: Any, day: date) -> ColumnElement[str]:
    """The band of days waiting at local date `day`: waited ≥ n ⟺ DRD ≤ day − n ⟺ the
    readiness began before the census of day − n (the local midnight ending it)."""
    whens = [
        (ready_since < census_instant(day - timedelta(days=floor)), band)
        for floor, band in reversed(list(zip(BAND_FLOORS, BANDS, strict=True)))
        if floor > 0
    ]
    return case(*whens, else_=literal(BANDS[0]))


def _ready_counts(connection: Connection, w: _Window, organisation: str | None) -> _Counts:
    """People ready in acute beds at each instant, grouped by every breakdown at once."""
    joined, r, where = w.rows(ReadySpan, ACUTE)
    s = Spell.__table__.c
    keys = [
        _label(r.planned_pathway).label("pathway"),
        r.organisation_code.label("organisation"),
        _label(s.local_authority).label("local_authority"),
        _label(r.reason_code).label("reason"),
        _band(r.ready_since, w.now_day).label("band_now"),
        _band(r.ready_since, w.before_day).label("band_before"),
    ]
    query = (
        select(*keys, _flag(w.in_now(r)).label("now"), _flag(w.in_before(r)).label("before"))
        .select_from(joined)
        .where(*where, *_org(r.organisation_code, organisation))
        .group_by(*keys)
    )
    return _Counts(_fetch(connection, query))


@dataclass(frozen=True)
class _UnitRow:
    code: str
    name: str
    organisation_code: str
    setting: str
    pathway: int | None


def _units(connection: Connection, organisation: str | None) -> list[_UnitRow]:
    """Every unit (of `organisation`): acute sites are listed in by_site even when empty, and
    every D2A unit in d2a_services."""
    u = Unit.__table__.c
    query = select(u.code, u.name, u.organisation_code, u.setting, u.pathway).where(
        *_org(u.organisation_code, organisation)
    )
    return [_UnitRow(*row) for row in connection.execute(query.order_by(u.code))]


# -- shaping the answer ----------------------------------------------------------------------------


class _Counts:
    """Grouped counts from the database: label columns, and `now` / `before` (and LOS) sums.

    The rows are groups, not people: every breakdown is a sum over them (numpy)."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame

    def __getitem__(self, column: str) -> np.ndarray:
        return self.frame[column].to_numpy()

    def where(self, mask: np.ndarray) -> _Counts:
        return _Counts(self.frame[mask])

    def total(self, now: str = "now", before: str = "before") -> dict[str, int]:
        return {"now": int(self[now].sum()), "before": int(self[before].sum())}

    def groups(self, key: str, universe: Sequence[str] = ()) -> list[dict[str, Any]]:
        """{group, now, before}: the universe (shown even when empty), then the other groups
        seen, sorted, then 'unknown' (the metrics' breakdown order). A group is seen when it
        counts at either instant."""
        now, before = self._by(key, "now"), self._by(key, "before")
        seen = {g for g in (*now, *before) if now.get(g, 0) or before.get(g, 0)}
        return [
            {"group": g, "now": now.get(g, 0), "before": before.get(g, 0)}
            for g in _order(seen, universe)
        ]

    def bands(self) -> list[dict[str, Any]]:
        """People ready at each instant by days waiting (local date of the instant − DRD)."""
        now, before = self._by("band_now", "now"), self._by("band_before", "before")
        return [{"band": b, "now": now.get(b, 0), "before": before.get(b, 0)} for b in BANDS]

    def _by(self, key: str, value: str) -> dict[str, int]:
        labels, inverse = np.unique(self[key].astype(str), return_inverse=True)
        sums = np.bincount(inverse, weights=self[value].astype(float), minlength=len(labels))
        return {str(g): int(n) for g, n in zip(labels, sums, strict=True)}


def _order(seen: Iterable[str], universe: Sequence[str]) -> list[str]:
    extra = set(seen) - set(universe)
    return [*universe, *sorted(extra - {UNKNOWN}), *([UNKNOWN] if UNKNOWN in extra else [])]


def _reasons(connection: Connection, ready: _Counts) -> list[dict[str, Any]]:
    """Reasons of the people ready at either instant, most (now, then before) first."""
    d = DelayReason.__table__.c
    reference = {
        code: (label, group)
        for code, label, group in connection.execute(select(d.code, d.label, d.group))
    }
    counts = ready.groups("reason")
    counts.sort(key=lambda c: (-c["now"], -c["before"], c["group"]))
    out = []
    for c in counts:
        code = None if c["group"] == UNKNOWN else c["group"]
        label, group = reference.get(code or "", (code or NO_REASON, None))
        out.append(
            {
                "reason_code": code,
                "label": label,
                "group": group,
                "now": c["now"],
                "before": c["before"],
            }
        )
    return out


def _services(
    connection: Connection,
    w: _Window,
    units: list[_UnitRow],
    d2a: _Counts,
    waiting: dict[int, dict[str, Any]],
    organisation: str | None,
) -> list[dict[str, Any]]:
    """Each D2A unit: capacity in force on each instant's local date, occupied, free, and the
    queue in acute beds for its pathway."""
    u, c = Unit.__table__.c, UnitCapacity.__table__.c
    history = connection.execute(
        select(c.unit_code, c.effective_from, c.capacity)
        .join(Unit, u.code == c.unit_code)
        .where(u.setting.in_(D2A_SETTINGS), c.effective_from <= w.now_day)
        .where(*_org(u.organisation_code, organisation))
        .order_by(c.unit_code, c.effective_from)
    ).all()
    capacity = [_in_force(history, day) for day in (w.now_day, w.before_day)]
    now, before = d2a._by("unit", "now"), d2a._by("unit", "before")
    out = []
    for unit in units:
        if unit.setting not in D2A_SETTINGS:
            continue
        pathway = unit.pathway if unit.pathway is not None else SETTING_PATHWAY[unit.setting]
        taken, taken_before = now.get(unit.code, 0), before.get(unit.code, 0)
        cap_now, cap_before = capacity[0].get(unit.code), capacity[1].get(unit.code)
        out.append(
            {
                "unit_code": unit.code,
                "name": unit.name,
                "organisation_code": unit.organisation_code,
                "setting": unit.setting,
                "pathway": pathway,
                "capacity": cap_now,
                "occupied": taken,
                "free": _free(cap_now, taken),
                "capacity_before": cap_before,
                "occupied_before": taken_before,
                "free_before": _free(cap_before, taken_before),
                "waiting": waiting[pathway]["now"],
                "waiting_before": waiting[pathway]["before"],
            }
        )
    return sorted(out, key=lambda s: (s["pathway"], s["unit_code"]))


def _in_force(history: Sequence[Any], day: date) -> dict[str, int]:
    """Each unit's capacity on `day`: its latest row effective on or before it (rows ordered)."""
    return {code: int(cap) for code, since, cap in history if since <= day}


def _free(capacity: int | None, occupied: int) -> int | None:
    """Places free: capacity − occupied, never below 0 (an over-full unit shows occupied >
    capacity); None when the unit has no capacity in force."""
    return None if capacity is None else max(capacity - occupied, 0)


def _pathway_totals(
    services: list[dict[str, Any]], waiting: dict[int, dict[str, Any]]
) -> list[dict[str, Any]]:
    """The D2A units summed per pathway, beside that pathway's queue in acute beds."""
    out = []
    for p in D2A_PATHWAYS:
        units = [s for s in services if s["pathway"] == p]
        row: dict[str, Any] = {"pathway": p, "units": len(units)}
        for key in ("capacity", "free", "capacity_before", "free_before"):
            known = [s[key] for s in units if s[key] is not None]
            row[key] = sum(known) if known else None
        for key in ("occupied", "occupied_before"):
            row[key] = sum(s[key] for s in units)
        row["waiting"], row["waiting_before"] = waiting[p]["now"], waiting[p]["before"]
        out.append(row)
    return out


# -- plain values ----------------------------------------------------------------------------------


def _iso(at: datetime | None) -> str | None:
    """A naive UTC instant as ISO 8601 with Z."""
    return None if at is None else at.isoformat() + "Z"


def _plain_row(row: dict[Any, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row.items():
        if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
            out[str(key)] = None
        elif isinstance(value, pd.Timestamp):
            out[str(key)] = _iso(value.to_pydatetime())
        elif isinstance(value, datetime):
            out[str(key)] = _iso(value)
        elif isinstance(value, date):
            out[str(key)] = value.isoformat()
        elif isinstance(value, np.integer | np.bool_):
            out[str(key)] = value.item()
        else:
            out[str(key)] = value
    return out


__all__ = [
    "DAY",
    "DESCENDING_BY_DEFAULT",
    "NO_REASON",
    "SORT_FIELDS",
    "events_reflected",
    "ready_patients",
    "snapshot",
    "sort_patients",
]
