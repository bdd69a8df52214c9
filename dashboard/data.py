"""What the dashboard reads, all of it through metrics/: snapshots, figures, SPC, exports;
and the feeds' health and readiness uploads through feeds/, as the API's feed routes do.

Nothing here computes a figure: it asks metrics/ and reshapes the answer into the frames the
figure functions draw. Every function takes the instant or period it is about explicitly.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar, cast

import pandas as pd
from sqlalchemy import Connection, func, select

from access import audit
from access.principal import Principal
from access.scope import OutsideScope, ScopeMissing, figure_scope, patient_scope, scope_target
from access.throttle import AuthFailures
from feeds.health import SilentFeed, feed_health
from feeds.health import silent_feeds as find_silent_feeds
from feeds.readiness.receive import ListOutcome
from feeds.readiness.upload import ListRequest, receive_upload
from feeds.registry import as_dict, feed_rows
from ledger import actions as action_log
from ledger import chart_notes as notes
from ledger.actions import ActionChange, ActionIn, ActionRefused
from ledger.chart_notes import AnnotationIn
from ledger.ingest import IngestResult, ingest
from ledger.patients import patient_timeline, patients_in_scope
from ledger.sender import Sender
from metrics import CATALOGUE, MetricResult, board, compute
from metrics.callsheet import callsheet_xlsx, read_callsheet
from metrics.callsheet import filename as callsheet_filename
from metrics.changes import ChangesQuestion, read_changes
from metrics.ready_list import ReadyQuestion, read_ready_list
from metrics.returns import DrdReturn, drd_return, month_end
from metrics.snapshot import snapshot as position
from metrics.tally import changed_from
from models import CareSystem, Event, Organisation, OrganisationSystem
from models.clock import local_date, utc_now
from models.reference import is_system, members_on
from store.database import Database
from store.settings import Settings

CACHE_SECONDS = 120.0
CACHE_SIZE = 256
T = TypeVar("T")


class AnswerCache:
    """Answers kept for a short while, and dropped at once when a new event is stored (the
    event log's high-water mark is part of every key). The time limit covers what is not an
    event: reference data such as capacity, and the passing of days."""

    def __init__(self, seconds: float = CACHE_SECONDS, size: int = CACHE_SIZE) -> None:
        self.seconds, self.size = seconds, size
        self._answers: OrderedDict[tuple[Any, ...], tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> Any | None:
        with self._lock:
            found = self._answers.get(key)
            if found is None or time.monotonic() - found[0] > self.seconds:
                self._answers.pop(key, None)
                return None
            self._answers.move_to_end(key)
            return found[1]

    def put(self, key: tuple[Any, ...], answer: Any) -> None:
        with self._lock:
            self._answers[key] = (time.monotonic(), answer)
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._answers.clear()

    def remember(self, connection: Connection, key: tuple[Any, ...], answer: Callable[[], T]) -> T:
        """The answer for `key` as of the latest event, computed only when not already kept."""
        mark = connection.execute(select(func.max(Event.seq))).scalar()
        full = (*key, mark, local_date(utc_now()))
        found = self.get(full)
        if found is None:
            found = answer()
            self.put(full, found)
        return cast(T, found)


@dataclass(frozen=True)
class Backend:
    """The app's database (looked up when needed: it is opened at start-up), its settings,
    the answers already computed, and the failed authentications of each address (shared
    with the API when mounted beside it)."""

    get_database: Callable[[], Database]
    settings: Settings
    cache: AnswerCache = field(default_factory=AnswerCache, compare=False)
    failures: AuthFailures = field(default_factory=AuthFailures, compare=False)

    @property
    def database(self) -> Database:
        return self.get_database()


# The holder of the token the running callback was checked with (dashboard.access sets it at
# every check; dashboard.app clears it as each request begins). A system-scoped token's figures
# are its system's, whatever a callback asks (access.scope.figure_scope).
VIEWER: ContextVar[Principal | None] = ContextVar("d2a_dashboard_viewer", default=None)


def scoped(organisation: str | None) -> str | None:
    """The organisation filter of the viewer's figures: as asked, or for a system-scoped
    viewer its system unless it asked for its system or one of its organisations (the filters
    offer no other; a crafted request for another gets the viewer's own system, never
    another's figures)."""
    viewer = VIEWER.get()
    try:
        return figure_scope(viewer, organisation)
    except OutsideScope:
        return None if viewer is None else viewer.system


def viewer_system() -> tuple[str, ...] | None:
    """A system-scoped viewer's organisations; None for any other."""
    viewer = VIEWER.get()
    return None if viewer is None or viewer.system is None else viewer.members


def snapshot(
    backend: Backend,
    as_of: datetime,
    organisation: str | None = None,
    local_authority: str | None = None,
) -> dict[str, Any]:
    """The coordinator's position at `as_of` (naive UTC, taken to the minute) and 24 hours
    before (of one site, and of one council's residents, when asked: metrics.snapshot);
    screens open at the same minute share one answer until an event arrives."""
    minute = as_of.replace(second=0, microsecond=0)
    organisation = scoped(organisation)
    with backend.database.session() as session:
        connection = session.connection()
        system = organisation if organisation and is_system(connection, organisation) else None
        orgs = members_on(connection, system, local_date(minute)) if system else organisation
        return backend.cache.remember(
            connection,
            ("snapshot", minute, organisation, local_authority),
            lambda: position(
                connection,
                as_of=minute,
                organisation=orgs,
                local_authority=local_authority,
                system=system,
            ),
        )


def ready_patients(
    backend: Backend,
    principal: Principal,
    as_of: datetime,
    now: datetime,
    client: str | None = None,
) -> pd.DataFrame:
    """The people ready to leave at `as_of`, as GET /api/v1/patients/ready gives them (a
    partner: its own), audited at `now` as read through the dashboard by `client`."""
    try:
        with backend.database.session(write=True) as session:
            rows = read_ready_list(
                session, principal, ReadyQuestion(as_of), now=now, via="dashboard", client=client
            )
    except ScopeMissing:
        return pd.DataFrame(columns=PATIENT_COLUMNS)  # the API refuses these too (403)
    return pd.DataFrame(rows, columns=PATIENT_COLUMNS)


PATIENT_COLUMNS = (
    "patient_id",
    "unit_name",
    "organisation_code",
    "local_authority",
    "pathway",
    "discharge_ready_date",
    "days_waiting",
    "reason_label",
    "los_days",
)


def comparison(
    items: list[dict[str, Any]], label: str = "group", names: dict[str, str] | None = None
) -> pd.DataFrame:
    """Snapshot items ({label, now, before}) as a frame with columns group, now, before;
    codes are shown by their `names` where given."""
    frame = pd.DataFrame(items, columns=[label, "now", "before"])
    frame = frame.rename(columns={label: "group"})
    names = names or {}
    frame["group"] = [names.get(str(g), str(g)) for g in frame["group"]]
    return frame


def services(snap: dict[str, Any]) -> pd.DataFrame:
    """D2A services with their capacity, occupied and free places, by pathway then name."""
    columns = ["unit_code", "name", "pathway", "capacity", "occupied", "free", "occupied_before"]
    frame = pd.DataFrame(snap.get("d2a_services", []))
    frame = frame.reindex(columns=columns)
    return frame.sort_values(["pathway", "name"], kind="stable").reset_index(drop=True)


def metric(
    backend: Backend,
    name: str,
    start: date,
    end: date,
    interval: str = "day",
    group_by: str | None = None,
    organisation: str | None = None,
    baseline: tuple[date, date] | None = None,
) -> MetricResult:
    """A metric's figures, exactly as GET /api/v1/metrics/{name} computes them (a cached
    answer while no event has been stored since); `baseline` for a metric that takes one."""
    b_start, b_end = baseline or (None, None)
    organisation = scoped(organisation)
    with backend.database.session() as session:
        connection = session.connection()
        key = ("metric", name, start, end, interval, group_by, organisation, baseline)
        return backend.cache.remember(
            connection,
            key,
            lambda: compute(
                connection,
                name,
                start=start,
                end=end,
                interval=interval,
                group_by=group_by,
                organisation=organisation,
                baseline_start=b_start,
                baseline_end=b_end,
                cost_per_bed_day=backend.settings.cost_per_bed_day,
            ),
        )


def export(result: MetricResult, fmt: str) -> tuple[bytes, str]:
    """The same file the API's ?format=csv or ?format=xlsx returns, and its name."""
    if fmt == "xlsx":
        return result.xlsx(), result.filename("xlsx")
    return result.csv(), result.filename("csv")


def organisations(backend: Backend) -> list[dict[str, str]]:
    """Partner organisations, for the filters: code, name and kind (a system-scoped viewer's:
    its system's only)."""
    members = viewer_system()
    with backend.database.session() as session:
        rows = session.execute(
            select(Organisation.code, Organisation.name, Organisation.kind).order_by(
                Organisation.name
            )
        )
        return [
            {"code": r.code, "name": r.name, "kind": r.kind}
            for r in rows
            if members is None or r.code in members
        ]


def systems(backend: Backend) -> list[dict[str, str]]:
    """The systems (ICBs) that hold an organisation, for the filters: code and name (a
    system-scoped viewer's: its own only)."""
    viewer = VIEWER.get()
    own = None if viewer is None else viewer.system
    with backend.database.session() as session:
        held = select(OrganisationSystem.system_code).distinct()
        rows = session.execute(
            select(CareSystem.code, CareSystem.name)
            .where(CareSystem.code.in_(held))
            .order_by(CareSystem.name)
        )
        return [{"code": r.code, "name": r.name} for r in rows if own is None or r.code == own]


def place_options(backend: Backend) -> list[dict[str, str]]:
    """A figure filter's choices: each system, then each organisation."""
    found = [{"label": f"System: {s['name']}", "value": s["code"]} for s in systems(backend)]
    return found + [{"label": o["name"], "value": o["code"]} for o in organisations(backend)]


def data_start(backend: Backend, organisation: str | None = None) -> date | None:
    """The first day with figures, system-wide or of one organisation (metrics.data_start: the
    organisations' data_from, else their first events): charts start there, not in a warm-up."""
    organisation = scoped(organisation)
    with backend.database.session() as session:
        connection = session.connection()
        return backend.cache.remember(
            connection,
            ("data_start", organisation),
            lambda: board.first_day(connection, organisation),
        )


def feeds(backend: Backend, now: datetime, code: str | None = None) -> list[dict[str, Any]]:
    """Every feed (or feed `code`) as GET /api/v1/feeds gives it (its health at `now`: last
    message, today's counts, the last refusals, silence), with its organisation's name."""
    with backend.database.session() as session:
        names = {
            r.code: r.name for r in session.execute(select(Organisation.code, Organisation.name))
        }
        default = backend.settings.feed_silent_after_minutes
        return [
            as_dict(feed)
            | {
                "organisation_name": names.get(feed.organisation_code, feed.organisation_code),
                "health": feed_health(session, feed, now=now, default_minutes=default),
            }
            for feed in feed_rows(session, code)
        ]


def silent_feeds(backend: Backend, now: datetime) -> list[SilentFeed]:
    """The feeds silent at `now`, by name (one small query: every refresh of Today and the
    wall asks)."""
    with backend.database.session() as session:
        default = backend.settings.feed_silent_after_minutes
        return find_silent_feeds(session, now=now, default_minutes=default)


def readiness_upload(
    backend: Backend, principal: Principal, asked: ListRequest, now: datetime
) -> ListOutcome:
    """A readiness list through POST /api/v1/feeds/{code}/readiness's own path
    (feeds.readiness.upload): the same checks, the same events, the same audit (with `via`).
    Raises feeds.receive.UnknownFeed and NotYourFeed as that path does."""
    written = backend.database.write(
        lambda session: receive_upload(session, asked, principal, now=now, changes=changed_from)
    )
    return written.value


def headline(
    backend: Backend,
    name: str,
    span: tuple[date, date],
    interval: str,
    organisation: str | None = None,
    baseline: tuple[date, date] | None = None,
    now: datetime | None = None,
) -> board.Headline:
    """A headline metric charted with its stored notes and rebase dates (metrics.board), from
    the cached figures; the notes are read afresh."""
    takes = CATALOGUE[name].takes_baseline
    result = metric(
        backend,
        name,
        *span,
        interval,
        organisation=organisation,
        baseline=baseline if takes else None,
    )
    with backend.database.session() as session:
        return board.charted(session.connection(), result, now or utc_now())


def chart_notes(backend: Backend, name: str, now: datetime) -> list[dict[str, Any]]:
    """The notes and rebase dates stored for a metric's chart."""
    with backend.database.session() as session:
        return notes.in_force(session.connection(), name, now)


def add_chart_note(
    backend: Backend, principal: Principal, name: str, body: AnnotationIn, now: datetime
) -> bool:
    """Store a note (or rebase) on a metric's chart as the API's PUT does, audited the same."""
    with backend.database.session(write=True) as session:
        created = notes.put_annotation(session, name, body, now, principal.token_id)
        audit.record(
            session,
            principal,
            "annotation.put",
            now=now,
            client="dashboard",
            target=f"{name}:{body.day.isoformat()}",
            detail=body.model_dump(mode="json") | {"created": created},
        )
    return created


def drd(backend: Backend, month: date, now: datetime) -> DrdReturn:
    """The month's DRD return, exactly as GET /api/v1/returns/drd computes it."""
    with backend.database.session() as session:
        return drd_return(session.connection(), month, now, viewer_system())


def board_headlines(
    backend: Backend, month: date, now: datetime
) -> tuple[tuple[date, date] | None, list[board.Headline]]:
    """The board pack's headlines, exactly as GET /api/v1/boardpack computes them."""
    organisation = scoped(None)
    with backend.database.session() as session:
        connection = session.connection()
        span = board.window("month", month_end(month), board.first_day(connection, organisation))
        if span is None:
            return None, []
        found = board.headlines(
            connection, interval="month", span=span, now=now, organisation=organisation
        )
        return span, found


VIA = "dashboard"


class OutOfScope(PermissionError):
    """A partner asked to record about a patient none of whose stays is its scope's."""


def record_events(
    backend: Backend,
    principal: Principal,
    events: list[dict[str, Any]],
    now: datetime,
    client: str | None = None,
) -> IngestResult:
    """Events recorded from the Today worklist, through the API's own path (ledger.ingest:
    the same schema, NHS-number and timeline checks) and audited as POST /api/v1/events is
    (`events.ingest`, with the event ids and `via`). A partner writes as a feed of its
    organisation does: only about its own units, and only about patients of its scope.
    Raises ledger.ingest.BatchRejected (nothing stored), OutOfScope and ScopeMissing."""
    scope = patient_scope(principal)

    def store(session: Any) -> IngestResult:
        if scope is not None:
            asked = {str(e.get("patient_id")) for e in events}
            if patients_in_scope(session.connection(), asked, scope) != asked:
                raise OutOfScope(f"no such patient in the stays of {scope}")
        sender = Sender(principal.token_id, scope)
        result = ingest(session, events, now=now, changes=changed_from, sender=sender)
        detail = {
            "accepted": result.accepted,
            "duplicates": result.duplicates,
            "event_ids": result.event_ids,
            "via": VIA,
        }
        audit.record(session, principal, "events.ingest", now=now, client=client, detail=detail)
        return result

    return backend.database.write(store).value


def actions(
    backend: Backend,
    principal: Principal,
    as_of: datetime,
    now: datetime,
    client: str | None = None,
) -> list[dict[str, Any]]:
    """Every action as it stood at `as_of`, as GET /api/v1/actions gives them to the principal
    (a partner: patient ids of its scope only), audited as that read is (`actions.read`)."""
    scope = patient_scope(principal)
    with backend.database.session(write=True) as session:
        connection = session.connection()
        shown = action_log.for_reader(connection, action_log.actions_at(connection, as_of), scope)
        detail = {
            "as_of": as_of.isoformat(),
            "scope": scope_target(principal, scope),
            "count": len(shown),
            "action_ids": [a["id"] for a in shown],
            "patient_ids": sorted({a["patient_id"] for a in shown if a["patient_id"]}),
            "via": VIA,
        }
        audit.record(
            session,
            principal,
            "actions.read",
            now=now,
            client=client,
            target=scope_target(principal, scope),
            detail=detail,
        )
    return shown


def create_action(
    backend: Backend, principal: Principal, body: ActionIn, now: datetime, client: str | None
) -> dict[str, Any]:
    """POST /api/v1/actions's own path: made, audited (`action.create`); a refusal raises
    ActionRefused after it is audited (`action.create.refused`)."""
    scope = patient_scope(principal)
    return _action_write(
        backend,
        principal,
        "action.create",
        body.patient_id,
        lambda session: action_log.create_action(
            session, body, now=now, by=principal.token_id, owner=scope
        ),
        now,
        client,
    )


def change_action(
    backend: Backend,
    principal: Principal,
    action_id: int,
    change: ActionChange,
    now: datetime,
    client: str | None,
) -> dict[str, Any]:
    """PATCH /api/v1/actions/{id}'s own path: a new version, audited (`action.change`)."""
    scope = patient_scope(principal)
    return _action_write(
        backend,
        principal,
        "action.change",
        str(action_id),
        lambda session: action_log.change_action(
            session, action_id, change, now=now, by=principal.token_id, owner=scope
        ),
        now,
        client,
    )


def _action_write(
    backend: Backend,
    principal: Principal,
    name: str,
    target: str | None,
    write: Callable[[Any], action_log.Written],
    now: datetime,
    client: str | None,
) -> dict[str, Any]:
    scope = patient_scope(principal)
    try:
        with backend.database.session(write=True) as session:
            written = write(session)
            (shown,) = action_log.for_reader(session.connection(), [written.action], scope)
            action = written.action
            detail = {
                "action_id": action["id"],
                "version": action["version"],
                "changed": written.changed,
                "status": action["status"],
                "organisation_code": action["organisation_code"],
                "due": action["due"].isoformat(),
                "patient_ids": [action["patient_id"]] if action["patient_id"] else [],
                "via": VIA,
            }
            audit.record(
                session,
                principal,
                name,
                now=now,
                client=client,
                target=str(action["id"]),
                detail=detail,
            )
    except ActionRefused as refusal:
        with backend.database.session(write=True) as session:
            audit.record(
                session,
                principal,
                f"{name}.refused",
                now=now,
                client=client,
                target=target,
                detail={
                    "status": refusal.status,
                    "reason": f"{refusal.field}: {refusal.message}",
                    "via": VIA,
                },
            )
        raise
    return cast(dict[str, Any], shown)


def changes(
    backend: Backend,
    principal: Principal,
    as_of: datetime,
    now: datetime,
    client: str | None = None,
) -> dict[str, Any]:
    """What changed in the 24 hours before `as_of`, as GET /api/v1/patients/changes gives it
    (a partner: its scope's), audited as that read is (`patients.changes`, with `via`)."""
    with backend.database.session(write=True) as session:
        return read_changes(
            session, principal, ChangesQuestion(as_of), now=now, via=VIA, client=client
        )


def callsheet(
    backend: Backend,
    principal: Principal,
    as_of: datetime,
    now: datetime,
    client: str | None = None,
    fmt: str = "json",
) -> tuple[dict[str, Any], bytes | None, str]:
    """The call sheet at `as_of` as GET /api/v1/callsheet makes it (metrics.callsheet), audited
    as that read is; with its XLSX bytes when `fmt` is xlsx, and its file name."""
    with backend.database.session(write=True) as session:
        sheet = read_callsheet(
            session, principal, as_of, now=now, format=fmt, via=VIA, client=client
        )
    content = callsheet_xlsx(sheet) if fmt == "xlsx" else None
    return sheet, content, callsheet_filename(sheet)


def timeline(
    backend: Backend, principal: Principal, patient_id: str, now: datetime, client: str | None
) -> dict[str, Any] | None:
    """A person's events and spells as GET /api/v1/patients/{id}/timeline gives them (a
    partner: only its scope's spells), audited as that read is (`patient.timeline`, or its
    refusal when there is none to show). None: no such patient (in the scope)."""
    scope = patient_scope(principal)
    with backend.database.session(write=True) as session:
        found = patient_timeline(session, patient_id, scope)
        if found is None:
            audit.record(
                session,
                principal,
                "patient.timeline.refused",
                now=now,
                client=client,
                target=patient_id,
                detail={"status": 404, "reason": "no such patient", "via": VIA},
            )
            return None
        detail = {
            "patient_ids": [patient_id],
            "scope": scope_target(principal, scope),
            "spells": [s["spell_id"] for s in found["spells"]],
            "via": VIA,
        }
        audit.record(
            session,
            principal,
            "patient.timeline",
            now=now,
            client=client,
            target=patient_id,
            detail=detail,
        )
    return found
