"""Today: the position at an instant, the worklist and what the daily call records, each
checked against the token.

Reading: the snapshot (a site's, when one is chosen), each pathway's queue against its free
places with its status, what changed in the 24 hours before, the long waiters with their open
actions, and the actions as they stood at the instant. Writing (only at the present, never at
a replayed moment): readiness with its DRD, planned pathway, delay reason and withdrawal, each
an ordinary event through ledger.ingest (dashboard.data.record_events); actions made, escalated
and closed through ledger.actions. Every read of patients and every write is audited.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from urllib.parse import urlencode

import plotly.graph_objects as go
from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update
from pydantic import ValidationError

from access.principal import Principal
from access.roles import holds
from access.scope import ScopeMissing
from dashboard import data, figures
from dashboard.access import allowed, client_address, principal_for
from dashboard.components import headline, message, silent_feeds, uk_time
from dashboard.data import Backend, OutOfScope
from dashboard.ids import Id
from ledger.actions import ActionChange, ActionIn, ActionRefused
from ledger.ingest import BatchRejected
from models.clock import LONDON, day_out_of_range, local_date, to_utc_naive, utc_now

# 08:30, 8:30, 8.30, 0830, 830, 8 (hours only): the ways people type a time on the call.
TIME = re.compile(r"^\s*([01]?\d|2[0-3])(?:[:.]?([0-5]\d))?\s*$")
SIGN_IN_FIRST = "Sign in with a token to see the figures."
REPLAY_NO_RECORD = (
    "You are looking at a replayed moment: press Now to return to the present before recording."
)
KIND_WORDS = {
    "became_ready": "Newly ready",
    "left": "No longer waiting",
    "pathway_changed": "Pathway changed",
    "reason_changed": "Reason changed",
    "los_crossed": "Length of stay crossed",
}
TO_WORDS = {"discharged": "discharged", "readiness_withdrawn": "readiness withdrawn"}


@dataclass(frozen=True)
class Position:
    """Everything the Today page shows from the snapshot."""

    status: Any
    replay: Any
    headlines: Any
    capacity: Any
    pathway: go.Figure
    site: go.Figure
    local_authority: go.Figure
    bands: go.Figure
    reasons: go.Figure
    services: go.Figure

    def outputs(self) -> tuple[Any, ...]:
        return tuple(self.__dict__.values())


@dataclass(frozen=True)
class Filters:
    """The page's site and local authority (None: all)."""

    site: str | None = None
    local_authority: str | None = None

    def keeps(self, row: Mapping[Any, Any]) -> bool:
        """Whether a row of a person (codes organisation_code and local_authority) is in."""
        return (self.site is None or row.get("organisation_code") == self.site) and (
            self.local_authority is None or row.get("local_authority") == self.local_authority
        )


def clock_time(text: str | None) -> time | None:
    """The time typed (08:30, 8:30, 8.30, 0830, 830, 8), None when blank.
    Raises ValueError, its text a sentence for the page, for anything else."""
    if text is None or not text.strip():
        return None
    match = TIME.match(text)
    if not match:
        raise ValueError(f"{text.strip()!r} is not a time: write it as HH:MM, for example 08:30.")
    return time(int(match[1]), int(match[2] or 0))


def as_of(day: str | None, clock: str | None, now: datetime) -> datetime:
    """The instant asked for (a UK local date and HH:MM) as naive UTC; now when neither is
    given. A date without a time is the end of that day (23:59), or now for today; a time
    without a date is today's.

    Raises ValueError, its text a sentence for the page, for a date that is not one, lies
    outside the record's calendar, or is in the future, and for a time that is not one or has
    not come yet."""
    at = clock_time(clock)
    if not day:
        if at is None:
            return now
        day = local_date(now).isoformat()  # a time alone is today's
    try:
        asked = date.fromisoformat(day[:10])
    except ValueError as error:
        raise ValueError(f"{day!r} is not a date: choose one from the calendar.") from error
    problem = day_out_of_range(asked)
    if problem:
        raise ValueError(f"Cannot replay {asked.isoformat()}: it {problem}.")
    today = local_date(now)
    if asked > today:
        raise ValueError(
            f"Cannot replay {asked:%d %b %Y}: it is in the future. Choose today or an earlier date."
        )
    if at is None:
        if asked == today:
            return now
        at = time(23, 59)
    instant = to_utc_naive(datetime.combine(asked, at, tzinfo=LONDON))
    if instant > now:
        raise ValueError(f"Cannot replay {at:%H:%M} today: that time has not come yet.")
    return instant


def replayed(day: str | None, clock: str | None) -> bool:
    """Whether the page shows a moment other than now (a date or a time is given)."""
    return bool(day) or bool(clock and clock.strip())


def _asked(day: str | None, clock: str | None, now: datetime) -> tuple[datetime | None, str]:
    try:
        return as_of(day, clock, now), ""
    except ValueError as error:
        return None, str(error)


def position_asked(
    backend: Backend,
    token: str | None,
    day: str | None,
    clock: str | None,
    now: datetime,
    filters: Filters | None = None,
) -> Position:
    """The position at the moment the page's date and time ask for, or why there is none."""
    instant, problem = _asked(day, clock, now)
    if instant is None:
        return _blank(message(problem, "error"))
    return position(backend, token, instant, now, filters or Filters())


def _blank(status: Any) -> Position:
    empty = figures.empty("")
    return Position(status, None, [], [], empty, empty, empty, empty, empty, empty)


def replay_banner(instant: datetime, now: datetime) -> Any:
    """A plain banner while the page shows a past moment."""
    if instant == now:
        return None
    return html.P(
        [
            html.Strong("Replay: "),
            f"you are looking at the position at {uk_time(instant)}, not now. "
            "Press Now to return to the present.",
        ],
        className="replay-banner",
    )


def position(
    backend: Backend,
    token: str | None,
    instant: datetime,
    now: datetime,
    filters: Filters | None = None,
) -> Position:
    """The coordinator's figures at `instant` (of the chosen site), or why they cannot be shown."""
    filters = filters or Filters()
    if allowed(backend, token, now, "aggregates:read") is None:
        return _blank(message(SIGN_IN_FIRST))
    snap = data.snapshot(backend, instant, filters.site, filters.local_authority)
    whole = filters.site is None and filters.local_authority is None
    system = snap if whole else data.snapshot(backend, instant)
    names = {o["code"]: o["name"] for o in data.organisations(backend)}
    ready = snap["ready_to_leave"]
    pathways = data.comparison(ready["by_pathway"])
    pathways["group"] = [f"Pathway {g}" if g.isdigit() else g for g in pathways["group"]]
    status = [_status(snap, instant, now), *_filter_notes(filters, names), *_silent(backend, now)]
    capacity = system["capacity_status"] or {"level": "unknown", "pathways": []}
    return Position(
        status=status,
        replay=replay_banner(instant, now),
        headlines=_headlines(snap, capacity),
        capacity=[
            html.Div(capacity_cards(capacity), className="capacity-cards"),
            services_table(data.services(system), names),
        ],
        pathway=figures.comparison_bars(pathways, title="Ready to leave by planned pathway"),
        site=figures.comparison_bars(
            data.comparison(ready["by_site"], names=names), title="Ready to leave by site"
        ),
        local_authority=figures.comparison_bars(
            data.comparison(ready["by_local_authority"], names=names),
            title="Ready to leave by local authority",
            horizontal=True,
        ),
        bands=figures.comparison_bars(
            data.comparison(snap["waits_by_band"], label="band"),
            title="Ready to leave by days waiting",
        ),
        reasons=figures.comparison_bars(
            data.comparison(snap["top_reasons"][:10], label="label"),
            title="Top delay reasons",
            horizontal=True,
        ),
        services=figures.queue_against_capacity(capacity["pathways"]),
    )


def _filter_notes(filters: Filters, names: dict[str, str]) -> list[Any]:
    notes = []
    if filters.site:
        notes.append(
            message(
                f"Figures, lists and actions of {names.get(filters.site, filters.site)} only; "
                "demand against capacity is the whole system's."
            )
        )
    if filters.local_authority:
        la = names.get(filters.local_authority, filters.local_authority)
        notes.append(
            message(
                f"People ready to leave, the lists, changes and actions are {la}'s residents; "
                "acute inpatients and stranded patients are every resident's (a bed is "
                "counted where it is), and demand against capacity is the whole system's."
            )
        )
    return notes


def capacity_cards(capacity: dict[str, Any]) -> list[Any]:
    """The system's level, then each pathway's queue beside its free places, in words and
    coloured by status (the words say it; the colour only underlines it)."""
    level = capacity.get("level", "unknown")
    cards = [
        html.Div(
            [
                html.P("System level", className="capacity-label"),
                html.P(level.upper(), className="capacity-value"),
            ],
            className=f"capacity-card status-{level}",
        )
    ]
    for p in capacity.get("pathways", []):
        free = "–" if p["free"] is None else f"{p['free']:,} free of {p['capacity']:,}"
        cards.append(
            html.Div(
                [
                    html.P(f"Pathway {p['pathway']}: {p['status']}", className="capacity-label"),
                    html.P(f"{p['waiting']:,} waiting", className="capacity-value"),
                    html.P(free, className="capacity-free"),
                ],
                className=f"capacity-card status-{p['status']}",
            )
        )
    return cards


def services_table(frame: Any, names: dict[str, str]) -> Any:
    """Each D2A service's places (the pathways' figures are their sums), one click away."""
    rows = [
        html.Tr(
            [
                html.Th(str(r["name"]), scope="row"),
                html.Td(f"Pathway {int(r['pathway'])}"),
                *[
                    html.Td(
                        "–" if r[k] is None or r[k] != r[k] else f"{int(r[k]):,}",
                        className="number",
                    )
                    for k in ("capacity", "occupied", "free")
                ],
            ]
        )
        for r in frame.to_dict("records")
    ]
    head = html.Thead(
        html.Tr(
            [
                html.Th(h, scope="col")
                for h in ("Service", "Pathway", "Capacity", "Occupied", "Free")
            ]
        )
    )
    return html.Details(
        [
            html.Summary("Each D2A service's places"),
            html.Table([head, html.Tbody(rows)], className="table"),
        ],
        className="definition",
    )


def _status(snap: dict[str, Any], instant: datetime, now: datetime) -> Any:
    when = "now" if instant == now else "replayed"
    shown = uk_time(instant)
    latest = snap.get("latest_event_at")
    latest_text = uk_time(datetime.fromisoformat(latest.rstrip("Z"))) if latest else "none"
    return message(
        f"Position at {shown} ({when}), compared with 24 hours earlier. "
        f"Reflects {snap['events_reflected']:,} events; the latest received {latest_text}."
    )


def _silent(backend: Backend, now: datetime) -> list[Any]:
    """A warning naming each feed silent now for longer than its limit (whatever moment the
    page replays: it is about what is arriving)."""
    silent = data.silent_feeds(backend, now)
    said = silent_feeds([(f.name, f.last_message_at) for f in silent], now)
    if said is None:
        return []
    plural = "s" if len(silent) > 1 else ""
    return [
        message(
            f"Warning: feed{plural} silent for longer than {'their' if plural else 'its'} limit: "
            f"{said}. What {'they' if plural else 'it'} should have sent is missing from these "
            "figures.",
            "warning",
        )
    ]


def _headlines(snap: dict[str, Any], capacity: dict[str, Any]) -> list[Any]:
    ready, acute = snap["ready_to_leave"], snap["acute_inpatients"]
    waiting = sum(p["waiting"] for p in capacity.get("pathways", []))
    waiting_before = sum(p["waiting_before"] for p in capacity.get("pathways", []))
    return [
        headline("Ready to leave", ready["now"], ready["before"]),
        headline("Acute inpatients", acute["now"], acute["before"], better="neutral"),
        headline("Stranded (7+ days)", snap["stranded_7"]["now"], snap["stranded_7"]["before"]),
        headline(
            "Super-stranded (21+ days)", snap["stranded_21"]["now"], snap["stranded_21"]["before"]
        ),
        headline("Waiting for D2A (P1–P3)", waiting, waiting_before),
    ]


# ---- the worklist ------------------------------------------------------------------------


def long_waiters_asked(
    backend: Backend,
    token: str | None,
    day: str | None,
    clock: str | None,
    now: datetime,
    filters: Filters | None = None,
) -> tuple[list[dict[str, Any]], str]:
    """The long waiters at the moment the page asks for, or why there are none."""
    instant, problem = _asked(day, clock, now)
    if instant is None:
        return [], problem
    return long_waiters(backend, token, instant, now, filters)


def long_waiters(
    backend: Backend,
    token: str | None,
    instant: datetime,
    now: datetime,
    filters: Filters | None = None,
) -> tuple[list[dict[str, Any]], str]:
    """The patient-level list for holders of patients:read only (a partner: its own), with
    each person's open actions at the instant."""
    filters = filters or Filters()
    principal = principal_for(backend, token, now)
    if principal is None or not holds(principal, "patients:read"):
        reason = SIGN_IN_FIRST if principal is None else "Your role does not see patient lists."
        return [], f"{reason} Patient-level lists need a coordinator or partner token."
    rows = data.ready_patients(backend, principal, instant, now, client_address())
    records = [r for r in rows.to_dict("records") if filters.keeps(r)]
    open_by_patient = _open_actions(backend, principal, instant, now)
    names = {o["code"]: o["name"] for o in data.organisations(backend)}
    for r in records:
        r["open_actions"] = "; ".join(open_by_patient.get(str(r["patient_id"]), []))
        for column in ("organisation_code", "local_authority"):
            r[column] = names.get(r[column], r[column])
    scope = f" for {principal.scope}" if principal.role == "partner" else ""
    note = f"{len(records):,} people ready to leave{scope} at {uk_time(instant)}, longest first."
    return [{str(k): v for k, v in r.items()} for r in records], note


def _open_actions(
    backend: Backend, principal: Principal, instant: datetime, now: datetime
) -> dict[str, list[str]]:
    if not holds(principal, "actions:read"):
        return {}
    found: dict[str, list[str]] = defaultdict(list)
    for a in data.actions(backend, principal, instant, now, client_address()):
        if a["patient_id"] and a["status"] != "done":
            found[a["patient_id"]].append(f"{a['title']} ({a['status']}, due {a['due']:%d %b})")
    return found


# ---- what changed ------------------------------------------------------------------------


def changes_asked(
    backend: Backend,
    token: str | None,
    day: str | None,
    clock: str | None,
    now: datetime,
    filters: Filters | None = None,
) -> Any:
    """The changes of the 24 hours before the instant asked for, as a list, or why none."""
    instant, problem = _asked(day, clock, now)
    if instant is None:
        return message(problem, "error")
    return changes_view(backend, token, instant, now, filters)


def changes_view(
    backend: Backend,
    token: str | None,
    instant: datetime,
    now: datetime,
    filters: Filters | None = None,
) -> Any:
    filters = filters or Filters()
    principal = allowed(backend, token, now, "patients:read")
    if principal is None:
        return message("Who changed is patient-level: it needs a coordinator or partner token.")
    try:
        answer = data.changes(backend, principal, instant, now, client_address())
    except ScopeMissing as missing:
        return message(str(missing), "error")
    rows = [r for r in answer["changes"] if filters.keeps(r)]
    if not rows:
        return message(f"No changes in the 24 hours before {uk_time(instant)}.")
    counts: dict[str, int] = defaultdict(int)
    for r in rows:
        counts[r["kind"]] += 1
    summary = ", ".join(f"{KIND_WORDS[k]}: {counts[k]}" for k in KIND_WORDS if counts[k])
    body = [
        html.Tr(
            [
                html.Td(_timeline_link(r["patient_id"])),
                html.Td(KIND_WORDS.get(r["kind"], r["kind"])),
                html.Td(_change_words(r)),
                html.Td(uk_time(datetime.fromisoformat(r["at"].rstrip("Z")))),
            ]
        )
        for r in rows
    ]
    head = html.Thead(
        html.Tr([html.Th(h, scope="col") for h in ("Patient id (local)", "Change", "What", "When")])
    )
    return html.Div(
        [
            html.P(f"{len(rows):,} changes in the 24 hours before {uk_time(instant)}: {summary}."),
            html.Div(
                html.Table([head, html.Tbody(body)], className="table"), className="table-scroll"
            ),
        ]
    )


def _timeline_link(patient_id: str) -> Any:
    """A button that opens the person's timeline below the list (the same read as
    GET /api/v1/patients/{id}/timeline, with the page's token, audited)."""
    return html.Button(
        patient_id,
        id={"type": Id.TIMELINE_OPEN, "index": patient_id},
        type="button",
        className="link-button",
        title=f"Show the timeline of {patient_id}",
    )


EVENT_WORDS = {
    "admitted": "Admitted",
    "transferred": "Transferred",
    "discharge_ready": "Ready to leave",
    "readiness_withdrawn": "Readiness withdrawn",
    "delay_reason": "Delay reason",
    "pathway_changed": "Pathway changed",
    "discharged": "Discharged",
    "void": "Void",
}


def timeline_view(backend: Backend, token: str | None, patient_id: str, now: datetime) -> Any:
    """A person's events, oldest first, in words; voided ones marked."""
    principal = allowed(backend, token, now, "patients:read")
    if principal is None:
        return message("A timeline needs a coordinator or partner token.", "error")
    try:
        found = data.timeline(backend, principal, patient_id, now, client_address())
    except ScopeMissing as missing:
        return message(str(missing), "error")
    if found is None:
        return message(f"No such patient: {patient_id}.", "error")
    rows = []
    for e in found["events"]:
        what = ", ".join(
            f"{k.replace('_', ' ')} {e[k]}"
            for k in ("unit_code", "pathway", "reason_code", "destination", "local_authority")
            if e.get(k) is not None
        )
        rows.append(
            html.Tr(
                [
                    html.Td(uk_time(e["occurred_at"])),
                    html.Td(EVENT_WORDS.get(e["type"], e["type"])),
                    html.Td(what),
                    html.Td("voided" if e.get("voided_by") else ""),
                ],
                className="voided" if e.get("voided_by") else "",
            )
        )
    head = html.Thead(html.Tr([html.Th(h, scope="col") for h in ("When", "Event", "Details", "")]))
    return html.Div(
        [
            html.H3(f"Timeline of {patient_id}"),
            html.Table(
                [
                    html.Caption(f"{len(rows)} events, oldest first"),
                    head,
                    html.Tbody(rows),
                ],
                className="table",
            ),
        ]
    )


def _change_words(row: dict[str, Any]) -> str:
    old, new = row.get("from"), row.get("to")
    if row["kind"] == "los_crossed":
        return f"{new} days in hospital"
    if row["kind"] == "became_ready":
        return f"ready, planned pathway {row.get('pathway', '–')}"
    if row["kind"] == "left":
        return TO_WORDS.get(str(new), str(new))
    return f"{'–' if old is None else old} → {'–' if new is None else new}"


# ---- recording from the worklist ----------------------------------------------------------


@dataclass(frozen=True)
class Recording:
    """What the record form asks to store."""

    kind: str | None
    patient_id: str | None
    day: str | None = None
    clock: str | None = None
    pathway: int | None = None
    reason: str | None = None


def record(
    backend: Backend, token: str | None, asked: Recording, replaying: bool, now: datetime
) -> tuple[Any, bool]:
    """Stores one event for the person, as POST /api/v1/events would; the message to show
    and whether anything was stored (a refusal stores nothing and says why)."""
    principal = allowed(backend, token, now, "worklist:record")
    if principal is None:
        return message(
            "Recording needs a coordinator token (or a partner's, for its own stays).", "error"
        ), False
    if replaying:
        return message(REPLAY_NO_RECORD, "error"), False
    try:
        event = _event(asked, now)
    except ValueError as problem:
        return message(str(problem), "error"), False
    try:
        data.record_events(backend, principal, [event], now, client_address())
    except BatchRejected as rejected:
        said = "; ".join(
            f"{e['field']}: {e['message']}" if e.get("field") else str(e["message"])
            for e in rejected.errors
        )
        return message(f"Not recorded: {said}", "error"), False
    except (OutOfScope, ScopeMissing) as refused:
        return message(f"Not recorded: {refused}", "error"), False
    words = dict(_KIND_DONE)[event["type"]]
    return (
        message(
            f"Recorded for {event['patient_id']}: {words} ({uk_time(_naive(event))}).", "success"
        ),
        True,
    )


_KIND_DONE = (
    ("discharge_ready", "ready to leave"),
    ("pathway_changed", "planned pathway changed"),
    ("delay_reason", "delay reason set"),
    ("readiness_withdrawn", "readiness withdrawn"),
)


def _naive(event: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(event["occurred_at"]).astimezone(UTC).replace(tzinfo=None)


def _event(asked: Recording, now: datetime) -> dict[str, Any]:
    """The event the form asks for. Raises ValueError (a sentence) when something is missing."""
    kinds = dict(_KIND_DONE)
    if asked.kind not in kinds:
        raise ValueError("Choose what to record.")
    patient = (asked.patient_id or "").strip()
    if not patient:
        raise ValueError("Choose a person in the list, or type their local patient id.")
    event: dict[str, Any] = {
        "event_id": f"dashboard-{uuid.uuid4()}",
        "type": asked.kind,
        "patient_id": patient,
        "occurred_at": _occurred_at(asked.day, asked.clock, now),
    }
    if asked.kind == "discharge_ready" and asked.pathway is not None:
        event["pathway"] = asked.pathway
    if asked.kind == "pathway_changed":
        if asked.pathway is None:
            raise ValueError("Choose the new planned pathway.")
        event["pathway"] = asked.pathway
    if asked.kind == "delay_reason":
        if not asked.reason:
            raise ValueError("Choose the delay reason.")
        event["reason_code"] = asked.reason
    return event


def _occurred_at(day: str | None, clock: str | None, now: datetime) -> str:
    """When it happened: the date (default today) and time (default now for today; a past
    date needs one), ISO 8601 with its UK offset."""
    at = clock_time(clock)
    today = local_date(now)
    asked = today if not day else date.fromisoformat(day[:10])
    if asked > today:
        raise ValueError(f"{asked:%d %b %Y} is in the future: record what has happened.")
    if at is None:
        if asked != today:
            raise ValueError("Give the time (HH:MM) as well when the date is not today.")
        # To the microsecond: two things recorded within one second keep the order they were
        # recorded in (to the second, they tied and replayed in the order of their types).
        local = now.replace(tzinfo=UTC).astimezone(LONDON)
    else:
        local = datetime.combine(asked, at, tzinfo=LONDON)
        if to_utc_naive(local) > now:
            raise ValueError(f"{at:%H:%M} today has not come yet: record what has happened.")
    return local.isoformat()


# ---- actions -----------------------------------------------------------------------------


def actions_asked(
    backend: Backend,
    token: str | None,
    day: str | None,
    clock: str | None,
    now: datetime,
    filters: Filters | None = None,
) -> tuple[list[dict[str, Any]], Any, str]:
    instant, problem = _asked(day, clock, now)
    if instant is None:
        return [], None, problem
    return actions_view(backend, token, instant, now, filters)


def actions_view(
    backend: Backend,
    token: str | None,
    instant: datetime,
    now: datetime,
    filters: Filters | None = None,
) -> tuple[list[dict[str, Any]], Any, str]:
    """The actions as they stood at the instant (grid rows), those due that day or overdue by
    owner organisation, and a note."""
    filters = filters or Filters()
    principal = allowed(backend, token, now, "actions:read")
    if principal is None:
        note = "Actions need a coordinator or partner token."
        return [], message(note), note
    try:
        found = data.actions(backend, principal, instant, now, client_address())
    except ScopeMissing as missing:
        return [], message(str(missing), "error"), str(missing)
    owners = {filters.site, filters.local_authority} - {None}
    if owners:
        found = [a for a in found if a["organisation_code"] in owners]
    names = {o["code"]: o["name"] for o in data.organisations(backend)}
    rows = [
        {
            "id": a["id"],
            "status": a["status"],
            "owner": names.get(a["organisation_code"], a["organisation_code"]),
            "title": a["title"],
            "due": a["due"].isoformat(),
            "patient_id": a["patient_id"] or ("(another's patient)" if a["about_patient"] else ""),
            "note": a["note"] or "",
        }
        for a in found
    ]
    day = local_date(instant)
    due = [a for a in found if a["status"] != "done" and a["due"] <= day]
    open_count = sum(a["status"] != "done" for a in found)
    note = f"{len(found):,} actions as they stood at {uk_time(instant)}; {open_count:,} not done."
    return rows, _due_panel(due, day, names), note


def _due_panel(due: list[dict[str, Any]], day: date, names: dict[str, str]) -> Any:
    if not due:
        return message(f"No actions due on {day:%d %b %Y} or overdue.")
    by_owner: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for a in due:
        by_owner[a["organisation_code"]].append(a)
    parts: list[Any] = []
    for owner in sorted(by_owner, key=lambda c: names.get(c, c)):
        items = [
            html.Li(
                [
                    html.Strong("OVERDUE " if a["due"] < day else "Due today "),
                    f"{a['title']} ({a['status']}, due {a['due']:%d %b})",
                    f" · {a['patient_id']}" if a["patient_id"] else "",
                ],
                className="overdue" if a["due"] < day else "",
            )
            for a in by_owner[owner]
        ]
        parts.append(html.H3(f"{names.get(owner, owner)} ({len(items)})"))
        parts.append(html.Ul(items))
    return html.Div(parts, className="actions-due")


@dataclass(frozen=True)
class NewAction:
    patient_id: str | None
    owner: str | None
    title: str | None
    due: str | None
    note: str | None


def create_action(
    backend: Backend, token: str | None, asked: NewAction, replaying: bool, now: datetime
) -> tuple[Any, bool]:
    """Makes the action as POST /api/v1/actions does; the message and whether one was made."""
    principal = allowed(backend, token, now, "actions:write")
    if principal is None:
        return message("Making actions needs a coordinator or partner token.", "error"), False
    if replaying:
        return message(REPLAY_NO_RECORD, "error"), False
    if not asked.owner:
        return message("Choose the organisation that owns the action.", "error"), False
    try:
        body = ActionIn.model_validate(
            {
                "patient_id": (asked.patient_id or "").strip() or None,
                "organisation_code": asked.owner,
                "title": (asked.title or "").strip(),
                "due": (asked.due or local_date(now).isoformat())[:10],
                "note": (asked.note or "").strip() or None,
            }
        )
    except ValidationError as invalid:
        return message(f"Not made: {_pydantic(invalid)}", "error"), False
    try:
        made = data.create_action(backend, principal, body, now, client_address())
    except ActionRefused as refusal:
        return message(f"Not made: {refusal.field}: {refusal.message}", "error"), False
    except ScopeMissing as missing:
        return message(f"Not made: {missing}", "error"), False
    return message(f"Action {made['id']} made: {made['title']}.", "success"), True


def change_action(
    backend: Backend,
    token: str | None,
    selected: list[dict[str, Any]] | None,
    status: str,
    replaying: bool,
    now: datetime,
) -> tuple[Any, bool]:
    """Escalates or closes the chosen action (a new version, as PATCH /api/v1/actions does)."""
    principal = allowed(backend, token, now, "actions:write")
    if principal is None:
        return message("Changing actions needs a coordinator or partner token.", "error"), False
    if replaying:
        return message(REPLAY_NO_RECORD, "error"), False
    if not selected or not isinstance(selected[0], dict) or "id" not in selected[0]:
        return message("Choose an action in the list first.", "error"), False
    try:
        action_id = int(selected[0]["id"])
        changed = data.change_action(
            backend,
            principal,
            action_id,
            ActionChange.model_validate({"status": status}),
            now,
            client_address(),
        )
    except (TypeError, ValueError, ValidationError):
        return message("That is not an action of the list: choose one again.", "error"), False
    except ActionRefused as refusal:
        return message(f"Not changed: {refusal.message}", "error"), False
    except ScopeMissing as missing:
        return message(f"Not changed: {missing}", "error"), False
    words = {"escalated": "escalated", "done": "closed (done)", "open": "reopened"}[status]
    return message(f"Action {changed['id']} {words}.", "success"), True


def _pydantic(invalid: ValidationError) -> str:
    said = []
    for error in invalid.errors():
        field = ".".join(str(p) for p in error["loc"]) or "action"
        said.append(f"{field}: {error['msg'].removeprefix('Value error, ')}")
    return "; ".join(said)


# ---- filters and the call sheet ------------------------------------------------------------


def filter_options(
    backend: Backend, token: str | None, now: datetime
) -> tuple[
    list[dict[str, str]], list[dict[str, str]], list[dict[str, str]], str | None, str | None
]:
    """The sites, local authorities and owner organisations to choose from; a partner lands on
    its own site or local authority."""
    principal = allowed(backend, token, now, "aggregates:read")
    if principal is None:
        return [], [], [], None, None
    organisations = data.organisations(backend)
    sites = [
        {"label": o["name"], "value": o["code"]} for o in organisations if o["kind"] == "acute"
    ]
    las = [
        {"label": o["name"], "value": o["code"]}
        for o in organisations
        if o["kind"] == "local_authority"
    ]
    owners = [{"label": o["name"], "value": o["code"]} for o in organisations]
    site = la = None
    if principal.role == "partner" and principal.scope:
        site = principal.scope if any(s["value"] == principal.scope for s in sites) else None
        la = principal.scope if any(s["value"] == principal.scope for s in las) else None
    return sites, las, owners, site, la


def sections_hidden(backend: Backend, token: str | None, now: datetime) -> tuple[bool, bool, bool]:
    """Whether to hide the patient grid, the record form and the actions (a role that does not
    see them gets the note instead of an empty grid)."""
    principal = principal_for(backend, token, now)
    return (
        not holds(principal, "patients:read"),
        not holds(principal, "worklist:record"),
        not holds(principal, "actions:read"),
    )


def callsheet_file(
    backend: Backend, token: str | None, day: str | None, clock: str | None, now: datetime
) -> tuple[Any, Any]:
    """The call sheet as XLSX at the page's instant, or a message saying why not."""
    principal = allowed(backend, token, now, "patients:read")
    if principal is None:
        return None, message("The call sheet needs a coordinator or partner token.", "error")
    instant, problem = _asked(day, clock, now)
    if instant is None:
        return None, message(problem, "error")
    try:
        _sheet, content, name = data.callsheet(
            backend, principal, instant, now, client_address(), fmt="xlsx"
        )
    except ScopeMissing as missing:
        return None, message(str(missing), "error")
    assert content is not None
    return dcc.send_bytes(content, name), message(f"Call sheet {name} downloaded.", "success")


def callsheet_href(day: str | None, clock: str | None) -> str:
    """The printable call sheet at the moment the page shows."""
    asked = {"date": (day or "")[:10], "time": (clock or "").strip()}
    query = urlencode({k: v for k, v in asked.items() if v})
    return "/callsheet" + (f"?{query}" if query else "")


def register(app: Dash, backend: Backend) -> None:
    when = [
        Input(Id.TODAY_DATE, "date"),
        Input(Id.TODAY_TIME, "value"),
        Input(Id.TODAY_REFRESH, "n_intervals"),
        Input(Id.TODAY_SITE_FILTER, "value"),
        Input(Id.TODAY_LA_FILTER, "value"),
        Input(Id.TODAY_RECORDED, "data"),
        State(Id.TOKEN, "data"),
    ]

    @app.callback(
        Output(Id.TODAY_STATUS, "children"),
        Output(Id.TODAY_REPLAY, "children"),
        Output(Id.TODAY_HEADLINES, "children"),
        Output(Id.TODAY_CAPACITY, "children"),
        Output(Id.TODAY_PATHWAY, "figure"),
        Output(Id.TODAY_SITE, "figure"),
        Output(Id.TODAY_LA, "figure"),
        Output(Id.TODAY_BANDS, "figure"),
        Output(Id.TODAY_REASONS, "figure"),
        Output(Id.TODAY_SERVICES, "figure"),
        *when,
    )
    def _position(
        day: str | None,
        clock: str | None,
        _n: Any,
        site: str | None,
        la: str | None,
        _recorded: Any,
        token: str | None,
    ) -> tuple[Any, ...]:
        filters = Filters(site or None, la or None)
        return position_asked(backend, token, day, clock, utc_now(), filters).outputs()

    @app.callback(
        Output(Id.TODAY_PATIENTS, "rowData"),
        Output(Id.TODAY_PATIENTS_NOTE, "children"),
        *when,
    )
    def _patients(
        day: str | None,
        clock: str | None,
        _n: Any,
        site: str | None,
        la: str | None,
        _recorded: Any,
        token: str | None,
    ) -> tuple[Any, str]:
        filters = Filters(site or None, la or None)
        return long_waiters_asked(backend, token, day, clock, utc_now(), filters)

    @app.callback(Output(Id.TODAY_CHANGES, "children"), *when)
    def _changes(
        day: str | None,
        clock: str | None,
        _n: Any,
        site: str | None,
        la: str | None,
        _recorded: Any,
        token: str | None,
    ) -> Any:
        filters = Filters(site or None, la or None)
        return changes_asked(backend, token, day, clock, utc_now(), filters)

    @app.callback(
        Output(Id.ACTIONS_GRID, "rowData"),
        Output(Id.ACTIONS_DUE, "children"),
        Output(Id.ACTIONS_NOTE, "children"),
        *when,
    )
    def _actions(
        day: str | None,
        clock: str | None,
        _n: Any,
        site: str | None,
        la: str | None,
        _recorded: Any,
        token: str | None,
    ) -> tuple[Any, ...]:
        filters = Filters(site or None, la or None)
        return actions_asked(backend, token, day, clock, utc_now(), filters)

    @app.callback(
        Output(Id.TODAY_PATIENTS_BOX, "hidden"),
        Output(Id.RECORD_SECTION, "hidden"),
        Output(Id.ACTIONS_BODY, "hidden"),
        Output(Id.CALLSHEET_XLSX, "hidden"),
        Output(Id.CALLSHEET_LINK, "hidden"),
        Input(Id.TOKEN, "data"),
    )
    def _sections(token: str | None) -> tuple[bool, ...]:
        patients, record_, actions = sections_hidden(backend, token, utc_now())
        return patients, record_, actions, patients, patients  # the call sheet is patient-level

    @app.callback(
        Output(Id.TIMELINE, "children"),
        Output(Id.RECORD_PATIENT, "value", allow_duplicate=True),
        Input({"type": Id.TIMELINE_OPEN, "index": ALL}, "n_clicks"),
        State(Id.TOKEN, "data"),
        prevent_initial_call=True,
    )
    def _timeline(clicks: list[Any], token: str | None) -> tuple[Any, Any]:
        chosen = ctx.triggered_id
        if not isinstance(chosen, dict) or not any(clicks or []):
            return no_update, no_update
        patient = str(chosen.get("index", ""))
        return timeline_view(backend, token, patient, utc_now()), patient

    @app.callback(
        Output(Id.TODAY_SITE_FILTER, "options"),
        Output(Id.TODAY_LA_FILTER, "options"),
        Output(Id.ACTION_OWNER, "options"),
        Output(Id.TODAY_SITE_FILTER, "value"),
        Output(Id.TODAY_LA_FILTER, "value"),
        Input(Id.TOKEN, "data"),
    )
    def _filters(token: str | None) -> tuple[Any, ...]:
        sites, las, owners, site, la = filter_options(backend, token, utc_now())
        # Only a partner's own is chosen for it: setting None again would ask every list anew.
        return sites, las, owners, site or no_update, la or no_update

    @app.callback(
        Output(Id.RECORD_PATIENT, "value"),
        Output(Id.ACTION_PATIENT, "value"),
        Input(Id.TODAY_PATIENTS, "selectedRows"),
        prevent_initial_call=True,
    )
    def _chosen(selected: list[dict[str, Any]] | None) -> tuple[Any, Any]:
        if not selected or not isinstance(selected[0], dict):
            return no_update, no_update
        chosen = selected[0].get("patient_id")
        return chosen, chosen

    @app.callback(
        Output(Id.RECORD_RESULT, "children"),
        Output(Id.TODAY_RECORDED, "data", allow_duplicate=True),
        Input(Id.RECORD_SUBMIT, "n_clicks"),
        State(Id.RECORD_KIND, "value"),
        State(Id.RECORD_PATIENT, "value"),
        State(Id.RECORD_DATE, "date"),
        State(Id.RECORD_TIME, "value"),
        State(Id.RECORD_PATHWAY, "value"),
        State(Id.RECORD_REASON, "value"),
        State(Id.TODAY_DATE, "date"),
        State(Id.TODAY_TIME, "value"),
        State(Id.TODAY_RECORDED, "data"),
        State(Id.TOKEN, "data"),
        prevent_initial_call=True,
    )
    def _record(
        _clicks: Any,
        kind: str | None,
        patient: str | None,
        day: str | None,
        clock: str | None,
        pathway: int | None,
        reason: str | None,
        replayed_day: str | None,
        replayed_time: str | None,
        recorded: int | None,
        token: str | None,
    ) -> tuple[Any, Any]:
        asked = Recording(kind, patient, day, clock, pathway, reason)
        replaying = replayed(replayed_day, replayed_time)
        said, stored = record(backend, token, asked, replaying, utc_now())
        return said, ((recorded or 0) + 1) if stored else no_update

    @app.callback(
        Output(Id.ACTION_RESULT, "children"),
        Output(Id.TODAY_RECORDED, "data", allow_duplicate=True),
        Input(Id.ACTION_CREATE, "n_clicks"),
        Input(Id.ACTION_ESCALATE, "n_clicks"),
        Input(Id.ACTION_CLOSE, "n_clicks"),
        State(Id.ACTION_PATIENT, "value"),
        State(Id.ACTION_OWNER, "value"),
        State(Id.ACTION_TITLE, "value"),
        State(Id.ACTION_DUE_DATE, "date"),
        State(Id.ACTION_NOTE, "value"),
        State(Id.ACTIONS_GRID, "selectedRows"),
        State(Id.TODAY_DATE, "date"),
        State(Id.TODAY_TIME, "value"),
        State(Id.TODAY_RECORDED, "data"),
        State(Id.TOKEN, "data"),
        prevent_initial_call=True,
    )
    def _action(
        _create: Any,
        _escalate: Any,
        _close: Any,
        patient: str | None,
        owner: str | None,
        title: str | None,
        due: str | None,
        note: str | None,
        selected: list[dict[str, Any]] | None,
        replayed_day: str | None,
        replayed_time: str | None,
        recorded: int | None,
        token: str | None,
    ) -> tuple[Any, Any]:
        now, replaying = utc_now(), replayed(replayed_day, replayed_time)
        if ctx.triggered_id == Id.ACTION_CREATE:
            asked = NewAction(patient, owner, title, due, note)
            said, stored = create_action(backend, token, asked, replaying, now)
        else:
            status = "escalated" if ctx.triggered_id == Id.ACTION_ESCALATE else "done"
            said, stored = change_action(backend, token, selected, status, replaying, now)
        return said, ((recorded or 0) + 1) if stored else no_update

    @app.callback(
        Output(Id.CALLSHEET_DOWNLOAD, "data"),
        Output(Id.ACTION_RESULT, "children", allow_duplicate=True),
        Input(Id.CALLSHEET_XLSX, "n_clicks"),
        State(Id.TODAY_DATE, "date"),
        State(Id.TODAY_TIME, "value"),
        State(Id.TOKEN, "data"),
        prevent_initial_call=True,
    )
    def _callsheet(_clicks: Any, day: str | None, clock: str | None, token: str | None) -> Any:
        return callsheet_file(backend, token, day, clock, utc_now())

    @app.callback(
        Output(Id.CALLSHEET_LINK, "href"),
        Input(Id.TODAY_DATE, "date"),
        Input(Id.TODAY_TIME, "value"),
    )
    def _callsheet_link(day: str | None, clock: str | None) -> str:
        return callsheet_href(day, clock)

    @app.callback(
        Output(Id.TODAY_DATE, "date"),
        Output(Id.TODAY_TIME, "value"),
        Input(Id.TODAY_NOW, "n_clicks"),
        prevent_initial_call=True,
    )
    def _now(_clicks: Any) -> tuple[None, str]:
        return None, ""
