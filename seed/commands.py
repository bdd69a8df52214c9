"""What `d2a seed` and `d2a demo` do, kept out of the CLI so they can be called and tested.

`seed_database` migrates, writes the systems' reference data, bulk loads the run with a
progress bar, then prints the national calibration figures for the generated system.
`load_demo` loads a demonstration system of the last 15 complete months and the current month
so far (`demo_start`: enough for a monthly SPC chart of 15 points) once: if the database already
holds events it adds nothing, so running the demo again never duplicates data. Its acute
trusts' PAS feeds are registered, and the smallest trust's last 14 days arrive through them as HL7
v2 ADT messages and morning readiness lists (seed.trust_feed, seed.trust_send).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from sqlalchemy import func, select

from access import audit
from access.tokens import create_token
from ledger.ingest import BatchRejected
from models import Event
from models.clock import local_date, to_utc_naive, utc_now
from seed import calibration, system, trust_send
from seed.clock import minute_of, utc_naive
from seed.feed import Batch
from seed.generate import Divert, RunSpec, plans
from seed.load import LoadResult, batches_for, load_batches
from seed.trust_feed import TrustFeed
from seed.trust_send import FeedLoad
from store import migrate
from store.database import Database, tune_for_bulk_load
from store.dialect.locks import refresh_statistics
from store.settings import get_settings

DEMO_MONTHS = 15  # complete months of history: a monthly SPC chart of at least 15 points


class SeedFailed(Exception):
    """A batch was refused: the database holds other data under the same ids, most likely."""


@dataclass
class SeedReport:
    spec: RunSpec
    load: LoadResult
    figures: calibration.Figures | None
    events_before: int = 0
    feed: FeedLoad | None = None


def demo_start(today: date, months: int = DEMO_MONTHS) -> date:
    """The demo's first day: the first of the month `months` before today's, so the demo holds
    that many complete months and the current month so far (456 to 487 days for 15). Every
    organisation's data starts there: the warm-up before it sends only the people in a bed."""
    index = today.year * 12 + today.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def default_start(days: int, now: datetime) -> date:
    """A run of `days` ending yesterday (local dates)."""
    return local_date(to_utc_naive(now)) - timedelta(days=days)


def seed_database(
    url: str,
    spec: RunSpec,
    *,
    console: Console | None = None,
    parallel: bool | None = None,
    feeds: bool = False,
) -> SeedReport:
    """Migrates, loads the run through ingest(), and computes the calibration figures. With
    `feeds`, the acute trusts' feeds are registered first and the smallest trust's last days
    are sent through its feeds (seed.trust_feed) after the rest is loaded."""
    migrate.upgrade(url)
    database = Database(url)
    tune_for_bulk_load(database)
    now_limit = utc_now()
    try:
        with database.session(write=True) as session:
            for plan in plans(spec):
                system.install(session, plan, data_from=spec.start)
            key = get_settings().pseudonym_key
            trust = trust_send.register(session, spec, key, now_limit) if feeds else None
        before = count_events(database)
        try:
            divert = trust.divert if trust is not None else None
            result = _load(database, spec, console, parallel, now_limit, divert)
        except BatchRejected as exc:
            raise SeedFailed(_refusal(exc)) from exc
        fed = None if trust is None else _send(database, trust, console, now_limit)
        refresh_statistics(database.engine, vacuum=True)
        figures = _figures(database, spec)
    finally:
        database.dispose()
    return SeedReport(spec, result, figures, before, fed)


def _send(
    database: Database, trust: TrustFeed, console: Console | None, now_limit: datetime
) -> FeedLoad:
    """The trust's stream through its feeds, with a progress bar on a console."""
    stream = trust.stream()
    key = get_settings().pseudonym_key
    if console is None:
        return trust_send.send(database, trust, stream, now_limit=now_limit, configured_key=key)
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=console) as progress:
        task = progress.add_task(f"feed {trust.feed}", total=len(stream.items))

        def advance(done: int, _total: int) -> None:
            progress.update(task, completed=done)

        return trust_send.send(
            database, trust, stream, now_limit=now_limit, configured_key=key, progress=advance
        )


def _refusal(exc: BatchRejected) -> str:
    first = "; ".join(f"{e['event_id']}: {e['field']} {e['message']}" for e in exc.errors[:3])
    hint = " (another run's events are stored under the same ids: use a new database)"
    clash = any(e["field"] == "event_id" for e in exc.errors)
    return f"a batch was refused ({exc.status}, {len(exc.errors)} errors): {first}" + (
        hint if clash else ""
    )


def count_events(database: Database) -> int:
    with database.session() as session:
        return int(session.scalar(select(func.count()).select_from(Event)) or 0)


def _load(
    database: Database,
    spec: RunSpec,
    console: Console | None,
    parallel: bool | None,
    now_limit: datetime,
    divert: Divert | None,
) -> LoadResult:
    batches = batches_for(spec, parallel, divert)
    if console is None:
        return load_batches(database, batches, now_limit=now_limit)
    total_days = spec.params.warmup_days + spec.days
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("days · {task.fields[events]:,} events · {task.fields[rate]:,.0f}/s"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("loading", total=total_days * spec.size.systems, events=0, rate=0)

        def advance(batch: Batch, result: LoadResult) -> None:
            done = batch.system * total_days + batch.day + 1
            progress.update(
                task, completed=done, events=result.accepted, rate=result.events_per_second
            )

        result = load_batches(database, batches, now_limit=now_limit, progress=advance)
        progress.update(task, completed=total_days * spec.size.systems)
    return result


def _figures(database: Database, spec: RunSpec) -> calibration.Figures | None:
    """The four figures over the run's whole local days that have ended."""
    end = spec.start + timedelta(days=spec.days - 1)
    if spec.end_limit is not None:
        end = min(end, local_date(utc_naive(spec.end_limit)) - timedelta(days=1))
    if end < spec.start:
        return None
    with database.engine.connect() as connection:
        return calibration.measure(connection, spec.start, end)


def print_report(console: Console, report: SeedReport) -> None:
    """The load's size and speed, then the generated figures beside NHS England's."""
    load = report.load
    console.print(
        f"loaded {load.accepted:,} events in {load.batches:,} batches, {load.seconds:,.1f} s "
        f"({load.events_per_second:,.0f} events/s); {load.duplicates:,} duplicates"
    )
    for line in report.feed.summary() if report.feed is not None else ():
        console.print(line)
    if report.figures is None:
        console.print("no whole day has ended yet: no figures")
        return
    table = Table(title="Calibration: generated system vs NHS England DRD publication")
    for heading in ("figure", "generated", "national (Apr 2024 – Jul 2025)"):
        table.add_column(heading, justify="left" if heading == "figure" else "right")
    for label, value, target in report.figures.rows():
        table.add_row(label, _fmt(value), _fmt(target))
    console.print(table)


def _fmt(value: float) -> str:
    return f"{value:.1%}" if value < 1 else f"{value:.2f}"


@dataclass
class DemoResult:
    loaded: bool
    events: int
    coordinator_token: str  # the dashboard's figures and patients, and sending events
    admin_token: str  # reference data, feeds, tokens and the audit log; no figures


def load_demo(
    url: str, *, size: str = "medium", seed: int = 1, console: Console | None = None
) -> DemoResult:
    """The demonstration database: migrated, loaded once, and two new tokens to use it: a
    coordinator's (the dashboard) and an admin's (tokens, reference data, the audit log). The
    run and the tokens are written to the audit log (actor cli)."""
    migrate.upgrade(url)
    now = datetime.now().astimezone()
    database = Database(url)
    try:
        already = count_events(database)
    finally:
        database.dispose()
    fed = None
    if already == 0:
        today = local_date(to_utc_naive(now))
        start = demo_start(today)
        days = (today - start).days + 1
        spec = RunSpec.of(size, days, seed, start, end_limit=minute_of(now))
        report = seed_database(url, spec, console=console, feeds=True)
        fed = report.feed.detail() if report.feed is not None else None
        if console is not None:
            print_report(console, report)
    elif console is not None:
        console.print(f"the database already holds {already:,} events: nothing loaded")
    database = Database(url)
    try:
        events = count_events(database)
        with database.session(write=True) as session:
            now = utc_now()
            tokens = {}
            for role in ("coordinator", "admin"):
                row, tokens[role] = create_token(session, role=role, name=f"demo {role}", now=now)
                detail = {"role": role, "scope": None, "expires_at": row.expires_at}
                audit.record_cli(
                    session, "token.create", now=now, target=str(row.id), detail=detail
                )
            loaded = {"loaded": already == 0, "size": size, "seed": seed, "events": events}
            loaded |= {"feed": fed} if fed is not None else {}
            audit.record_cli(session, "demo", now=now, detail=loaded)
        return DemoResult(already == 0, events, tokens["coordinator"], tokens["admin"])
    finally:
        database.dispose()
