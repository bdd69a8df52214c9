"""What changed between two instants (SPEC §1: "what changed since yesterday"): the people in
acute beds who, between `since` and `as_of`,

- `became_ready`: a readiness period began (from not_ready to ready);
- `left`: a readiness period ended, by discharge or withdrawal (from ready to discharged or
  readiness_withdrawn);
- `pathway_changed` / `reason_changed`: while ready, the planned pathway or the delay reason
  changed (from the old value to the new; either may be null);
- `los_crossed`: the acute spell's length of stay reached 7, 14 or 21 days (from n − 1 to n)
  while the person was in an acute bed.

Each change is listed when the position at `as_of` shows it and the position at `since` does not
(SPEC §2's rule at an instant: a row is in at t when start_at < t ≤ end_at, or still open), so
the lists agree with the snapshot's two instants: a piece of readiness that starts or ends at
t is in the position at every instant after t, so its changes count for since ≤ t < as_of; LOS
at t is (local date of t) − admission date, so it reaches n at M = the local midnight that
begins day admission date + n (the census instant of the day before), and a crossing counts
for since < M ≤ as_of, when the person's stay is in at M. Times are those the events give
(occurred_at), with voided events gone, as every figure reads them.

Cheap: only rows that can matter are read. Readiness changes come from the ready spans (pieces
of readiness with one unit, pathway and reason: a change is a boundary between two) that start
or end between the instants, found through their length class like the snapshot's
(`metrics.instants`); crossings from the acute stays in at some instant of the window whose
spell began on one of the few admission dates that reach 7, 14 or 21 days inside it.

A partner sees only the changes of its scope, as the ready list does: stays in its
organisation's units or of its organisation's spells, or of residents of its local authority.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, or_, select
from sqlalchemy.orm import Session

from access import audit
from access.principal import Principal
from access.scope import patient_scope, scope_target
from metrics.instants import DAY, Window
from metrics.snapshot_answer import iso
from models import ReadinessPeriod, ReadySpan, Spell, Stay
from models.clock import census_instant, local_date
from models.reference import ACUTE_SETTINGS, Scope, scope_sql
from store.dialect.locks import for_point_reads

LOS_THRESHOLDS = (7, 14, 21)
MAX_SPAN = timedelta(days=31)
KINDS = ("became_ready", "left", "pathway_changed", "reason_changed", "los_crossed")


class ChangesError(ValueError):
    """A question the list cannot answer; `field` names the parameter (API: 422)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


@dataclass(frozen=True)
class ChangesQuestion:
    """The changes between `since` (default 24 hours before) and `as_of`, naive UTC."""

    as_of: datetime
    since: datetime | None = None

    @property
    def start(self) -> datetime:
        since = self.as_of - DAY if self.since is None else self.since
        if since >= self.as_of:
            raise ChangesError("since", "must be before as_of")
        if self.as_of - since > MAX_SPAN:
            raise ChangesError("since", f"may be at most {MAX_SPAN.days} days before as_of")
        return since


def read_changes(
    session: Session,
    principal: Principal,
    question: ChangesQuestion,
    *,
    now: datetime,
    via: str | None = None,
    client: str | None = None,
) -> dict[str, Any]:
    """The changes the principal may see (a partner: its scope's), written to the audit log at
    `now` with the patient ids returned. Raises ChangesError for a bad question and
    access.scope.ScopeMissing for a partner token without a scope."""
    since = question.start
    scope = patient_scope(principal)
    rows = changes_between(session.connection(), since=since, as_of=question.as_of, scope=scope)
    detail: dict[str, Any] = {
        "since": since.isoformat(),
        "as_of": question.as_of.isoformat(),
        "scope": scope_target(principal, scope),
        "count": len(rows),
        "patient_ids": sorted({r["patient_id"] for r in rows}),
    }
    if via is not None:
        detail["via"] = via
    audit.record(
        session,
        principal,
        "patients.changes",
        now=now,
        client=client,
        target=scope_target(principal, scope),
        detail=detail,
    )
    return answer(since, question.as_of, rows)


def answer(since: datetime, as_of: datetime, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The changes as the API gives them, with a count of each kind."""
    return {
        "since": iso(since),
        "as_of": iso(as_of),
        "count": len(rows),
        "counts": {kind: sum(r["kind"] == kind for r in rows) for kind in KINDS},
        "changes": [r | {"at": iso(r["at"])} for r in rows],
    }


def changes_between(
    connection: Connection, *, since: datetime, as_of: datetime, scope: Scope = None
) -> list[dict[str, Any]]:
    """Every change between the instants (the module's text), by time, then patient, then kind:
    each {patient_id, unit_code, organisation_code, local_authority, kind, from, to, pathway,
    at}; `pathway` is the planned pathway after a readiness change (None for a crossing)."""
    for_point_reads(connection)
    window = Window(as_of, since)
    rows = _readiness_changes(connection, window, scope) + _crossings(connection, window, scope)
    return sorted(rows, key=lambda r: (r["at"], r["patient_id"], KINDS.index(r["kind"])))


def _in_scope(stay: Any, spell: Any, scope: Scope) -> list[Any]:
    if scope is None:
        return []
    return [
        or_(
            scope_sql(stay.organisation_code, scope),
            scope_sql(spell.organisation_code, scope),
            scope_sql(spell.local_authority, scope),
        )
    ]


def _readiness_changes(connection: Connection, w: Window, scope: Scope) -> list[dict[str, Any]]:
    joined, r, where = w.rows(ReadySpan, ACUTE_SETTINGS)
    s, p = Spell.__table__.c, ReadinessPeriod.__table__.c
    since, as_of = w.before_at, w.now_at
    starts = r.start_at >= since  # (and before as_of: Window.rows)
    ends = and_(r.end_at >= since, r.end_at < as_of)
    query = (
        select(
            r.spell_id,
            r.patient_id,
            r.unit_code,
            r.organisation_code,
            s.local_authority,
            r.start_at,
            r.end_at,
            r.ready_since,
            r.planned_pathway,
            r.reason_code,
            p.end_at.label("period_end_at"),
            p.ended_by,
        )
        .select_from(
            joined.join(
                ReadinessPeriod, and_(p.spell_id == r.spell_id, p.start_at == r.ready_since)
            )
        )
        .where(*where, or_(starts, ends), *_in_scope(r, s, scope))
    )
    spans = [dict(row) for row in connection.execute(query).mappings()]
    ended = {(x["spell_id"], x["end_at"]): x for x in spans if x["end_at"] is not None}
    out = []
    for x in spans:
        if since <= x["start_at"] < as_of:
            if x["start_at"] == x["ready_since"]:
                out.append(_row(x, "became_ready", "not_ready", "ready", x["start_at"]))
            else:
                before = ended.get((x["spell_id"], x["start_at"]))
                if before is not None:
                    out += _differences(before, x)
        end = x["end_at"]
        if end is not None and since <= end < as_of and x["period_end_at"] == end:
            out.append(_row(x, "left", "ready", x["ended_by"], end))
    return out


def _differences(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """The pathway and reason changes at the boundary between two pieces of one readiness."""
    out = []
    for column, kind in (("planned_pathway", "pathway_changed"), ("reason_code", "reason_changed")):
        if before[column] != after[column]:
            out.append(_row(after, kind, before[column], after[column], after["start_at"]))
    return out


def _row(x: dict[str, Any], kind: str, old: Any, new: Any, at: datetime) -> dict[str, Any]:
    return {
        "patient_id": x["patient_id"],
        "unit_code": x["unit_code"],
        "organisation_code": x["organisation_code"],
        "local_authority": x["local_authority"],
        "kind": kind,
        "from": old,
        "to": new,
        "pathway": x.get("planned_pathway"),
        "at": at,
    }


def _crossings(connection: Connection, w: Window, scope: Scope) -> list[dict[str, Any]]:
    since, as_of = w.before_at, w.now_at
    # The local days D whose ending midnight M = census_instant(D) lies in (since, as_of]:
    # a spell admitted on D + 1 − n reaches LOS n at M.
    midnights = {d: census_instant(d) for d in _days(local_date(since), local_date(as_of))}
    admitted: dict[date, list[tuple[int, datetime]]] = {}
    for day, midnight in midnights.items():
        if since < midnight <= as_of:
            for n in LOS_THRESHOLDS:
                admitted.setdefault(day - timedelta(days=n - 1), []).append((n, midnight))
    if not admitted:
        return []
    joined, t, where = w.rows(Stay, ACUTE_SETTINGS)
    s = Spell.__table__.c
    query = (
        select(
            t.patient_id,
            t.unit_code,
            t.organisation_code,
            s.local_authority,
            t.start_at,
            t.end_at,
            t.spell_admitted_date,
        )
        .select_from(joined)
        .where(*where, t.spell_admitted_date.in_(sorted(admitted)), *_in_scope(t, s, scope))
    )
    out = []
    for x in connection.execute(query).mappings():
        for n, at in admitted[x["spell_admitted_date"]]:
            if x["start_at"] < at and (x["end_at"] is None or x["end_at"] >= at):
                out.append(_row(dict(x), "los_crossed", n - 1, n, at))
    return out


_ONE = timedelta(days=1)


def _days(first: date, last: date) -> Iterable[date]:
    day = first
    while day <= last:
        yield day
        day += _ONE
