"""Coordinator views on a year of a large system, beside one hand-written SQL query.

Usage: python benchmarks/bench_snapshot.py [--db sqlite|postgresql] [--source seed|synthetic]
       [--days 365] [--patients 250000] [--repeat 15] [--url URL] [--keep]

The data: by default `seed` (seed.commands.seed_database: a year of the "large" system, about
250,000 acute stays and over a million events, loaded through ingest like a live feed); or
`synthetic`, a quicker generator kept here (events written straight into the log, spells, stays
and readiness derived with `d2a db rebuild`'s replay). `--url` reuses a database loaded before
(`--keep` keeps the one made here and prints its URL).

At two instants — the end of the data, as the coordinator sees it, and a morning half-way
through — it times `metrics.snapshot.snapshot` (issue 3: ≤ 100 ms), `ready_patients`, and the
two endpoints, each beside one hand-written SQL query counting acute inpatients and people ready
to leave at the instant, as a ratio; and the snapshot's parts (the figures, and counting the
events reflected: the per-hour tally and one hour of the log). Times are medians of --repeat
runs after a warm-up; wall and, for the in-process calls, CPU time (SQLite runs in-process, so
its CPU time is the work done whatever else the machine is doing).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from fastapi.testclient import TestClient
from sqlalchemy import text

from access.tokens import create_token
from d2a.server import create_app
from ledger import reference
from ledger.rebuild import rebuild_derived
from metrics.ready_list import ready_patients
from metrics.reflected import events_reflected
from metrics.snapshot import snapshot
from metrics.tally import changed_from
from models import Event
from models.clock import utc_now
from store import migrate
from store.database import Database
from store.dialect.bulk import insert_rows
from store.scratch import scratch_database
from store.settings import Settings

YEAR_START = datetime(2025, 1, 1)
DATA_END = datetime(2025, 12, 31, 10, 0)  # "now" for the data: later events are not yet sent
SITES = ("RA1", "RA2", "RA3", "RA4")
WARDS = [f"{site}-W{n:02d}" for site in SITES for n in range(12)]
AUTHORITIES = ("LA1", "LA2", "LA3")
# D2A units: code → (setting, pathway, capacity, mean length of stay in days)
D2A = {
    "HS1": ("home_service", 1, 650, 14),
    "HS2": ("home_service", 1, 650, 14),
    "HS3": ("home_service", 1, 550, 14),
    "CB1": ("community_bed", 2, 200, 21),
    "CB2": ("community_bed", 2, 200, 21),
    "CB3": ("community_bed", 2, 180, 21),
    "CH1": ("care_home_bed", 3, 50, 28),
    "CH2": ("care_home_bed", 3, 50, 28),
    "CH3": ("care_home_bed", 3, 50, 28),
    "CH4": ("care_home_bed", 3, 50, 28),
}
UNITS_OF_PATHWAY = {p: [c for c, u in D2A.items() if u[1] == p] for p in (1, 2, 3)}
REASONS = ("H1", "H3", "H5", "T2", "I1", "I2", "I5", "C2", "C5", "C11", "W4")
DESTINATION = {0: "usual_residence", 1: "usual_residence", 2: "community_bed", 3: "care_home_new"}

# One query, written by hand: acute inpatients and people ready to leave at :t.
HAND_SQL = (
    "SELECT (SELECT count(*) FROM stay WHERE setting = 'acute' AND start_at < :t"
    " AND (end_at IS NULL OR end_at >= :t)),"
    " (SELECT count(*) FROM ready_span WHERE setting = 'acute' AND start_at < :t"
    " AND (end_at IS NULL OR end_at >= :t))"
)


def build_reference(db: Database) -> None:
    with db.session(write=True) as session:
        for site in SITES:
            reference.upsert_organisation(session, site, f"Hospital {site}", "acute")
        reference.upsert_organisation(session, "CP1", "Community Partnership", "community")
        reference.upsert_organisation(session, "CHG", "Care Homes Group", "care_home")
        for la in AUTHORITIES:
            reference.upsert_organisation(session, la, f"Council {la}", "local_authority")
        for ward in WARDS:
            fields: dict[str, Any] = {"name": f"Ward {ward}", "organisation_code": ward[:3]}
            fields["setting"] = "acute"
            reference.upsert_unit(session, ward, fields | {"pathway": None}, changed_from)
        for code, (setting, pathway, capacity, _los) in D2A.items():
            org = "CHG" if setting == "care_home_bed" else "CP1"
            fields = {"name": code, "organisation_code": org, "setting": setting}
            fields |= {"pathway": pathway, "capacity": capacity, "capacity_from": date(2024, 1, 1)}
            reference.upsert_unit(session, code, fields, changed_from)
            fields["capacity"], fields["capacity_from"] = capacity + 10, date(2025, 10, 1)
            reference.upsert_unit(session, code, fields, changed_from)


class Events:
    """Event rows in the log's stored form (naive UTC), each patient's in time order."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def add(self, pid: str, n: int, type_: str, at: datetime, **payload: Any) -> None:
        if at > DATA_END:
            return
        row = dict.fromkeys(("unit_code", "pathway", "reason_code", "destination", "age"))
        row |= dict.fromkeys(("local_authority", "admission_method", "source"))
        row |= {"voids_event_id": None, "note": None}
        row |= {"event_id": f"{pid}-{n}", "type": type_, "patient_id": pid}
        row |= {"occurred_at": at, "received_at": at + timedelta(minutes=7), **payload}
        self.rows.append(row)


def patients(count: int, seed: int = 7) -> Any:
    """Yields chunks of event rows for `count` acute admissions spread over 2025."""
    rng = np.random.default_rng(seed)
    minute = timedelta(minutes=1)
    for first in range(0, count, 10_000):
        n = min(10_000, count - first)
        admitted = rng.integers(0, 365 * 24 * 60, n)
        los = (rng.gamma(1.1, 4.5 * 24 * 60, n) + 240).astype(np.int64)  # minutes
        ready_share = rng.uniform(0.45, 0.95, n)
        pathway = rng.choice(4, n, p=[0.5, 0.45, 0.04, 0.01])
        draws = rng.random((n, 6))
        wards = rng.integers(0, 12, (n, 2))
        site = rng.integers(0, len(SITES), n)
        authority = rng.integers(0, len(AUTHORITIES), n)
        events = Events()
        for i in range(n):
            pid = f"P{first + i:07d}"
            start = YEAR_START + int(admitted[i]) * minute
            end = start + int(los[i]) * minute
            ward = WARDS[site[i] * 12 + wards[i, 0]]
            p = int(pathway[i])
            events.add(
                pid,
                0,
                "admitted",
                start,
                unit_code=ward,
                local_authority=AUTHORITIES[authority[i]],
                admission_method="emergency" if draws[i, 0] < 0.8 else "elective",
                age=int(40 + draws[i, 1] * 55),
            )
            ready = start + int(los[i] * ready_share[i]) * minute
            if draws[i, 2] < 0.3:  # a ward move before readiness
                other = WARDS[site[i] * 12 + (wards[i, 0] + 1 + wards[i, 1] % 11) % 12]
                events.add(pid, 1, "transferred", start + (ready - start) / 2, unit_code=other)
            if draws[i, 3] < 0.7:  # declared ready before leaving
                if draws[i, 4] < 0.05:  # ready, withdrawn, ready again
                    early = start + (ready - start) / 3
                    events.add(pid, 2, "discharge_ready", early, pathway=p)
                    events.add(pid, 3, "readiness_withdrawn", early + (ready - early) / 2)
                events.add(
                    pid, 4, "discharge_ready", ready, pathway=p if draws[i, 5] > 0.1 else None
                )
                if draws[i, 5] < 0.75:
                    code = REASONS[int(draws[i, 5] * 1000) % len(REASONS)]
                    events.add(pid, 5, "delay_reason", ready + (end - ready) / 4, reason_code=code)
                if draws[i, 5] > 0.1 and p and draws[i, 1] < 0.1:
                    events.add(
                        pid, 6, "pathway_changed", ready + (end - ready) / 2, pathway=max(1, p - 1)
                    )
            died = draws[i, 1] > 0.985
            destination = "died" if died else DESTINATION[p]
            events.add(
                pid, 7, "discharged", end, destination=destination, pathway=None if died else p
            )
            if died or p == 0 or (p == 1 and draws[i, 3] > 0.4):  # 40% of P1: reablement
                continue
            unit = UNITS_OF_PATHWAY[p][int(draws[i, 4] * 100) % len(UNITS_OF_PATHWAY[p])]
            d2a_start = end + 60 * minute
            d2a_end = d2a_start + int(rng.gamma(2.0, D2A[unit][3] / 2 * 24 * 60)) * minute
            events.add(pid, 8, "admitted", d2a_start, unit_code=unit)
            events.add(pid, 9, "discharged", d2a_end, destination="usual_residence")
        yield events.rows


def load_synthetic(db: Database, count: int) -> None:
    """Writes the events and derives spells, stays and readiness from them."""
    build_reference(db)
    with db.session(write=True) as session:
        for chunk in patients(count):
            insert_rows(session, Event.__table__, chunk)  # type: ignore[arg-type]
    with db.session(write=True) as session:
        rebuild_derived(session, changed_from)


def load_seed(url: str, days: int) -> None:
    """A year (or `days`) of seed's large system, through ingest."""
    from seed.commands import seed_database
    from seed.generate import RunSpec

    seed_database(url, RunSpec.of("large", days, 1, YEAR_START.date()))


def instants(db: Database) -> dict[str, datetime]:
    """The end of the data (the last acute admission, to the minute) and 08:00 UTC half-way."""
    with db.engine.connect() as connection:
        first, last = connection.execute(
            text("SELECT min(admitted_at), max(admitted_at) FROM spell WHERE setting = 'acute'")
        ).one()
    first, last = (
        v if isinstance(v, datetime) else datetime.fromisoformat(v) for v in (first, last)
    )
    middle = (first + (last - first) / 2).replace(hour=8, minute=0, second=0, microsecond=0)
    return {"end of data": last.replace(second=0, microsecond=0), "half-way": middle}


def timed(call: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """Median wall and CPU milliseconds of `repeat` calls, after one warm-up call."""
    call()
    wall, cpu = [], []
    for _ in range(repeat):
        began, began_cpu = time.perf_counter(), time.process_time()
        call()
        wall.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
    return statistics.median(wall) * 1000, statistics.median(cpu) * 1000


def run(db: Database, repeat: int) -> None:
    with db.session(write=True) as session:
        _row, token = create_token(session, role="coordinator", now=utc_now())
    headers = {"Authorization": f"Bearer {token}"}
    with db.engine.connect() as connection:
        counts = connection.execute(
            text("SELECT setting, count(*) FROM spell GROUP BY setting ORDER BY setting")
        ).all()
        events = connection.execute(text("SELECT count(*) FROM event")).scalar_one()
    print(
        f"{db.engine.dialect.name}: {events:,} events; spells "
        + ", ".join(f"{s} {n:,}" for s, n in counts)
    )
    with TestClient(create_app(Settings(database_url=db.url), database=db)) as client:
        for name, at in instants(db).items():
            measure(db, client, headers, name, at, repeat)


def measure(
    db: Database, client: TestClient, headers: dict[str, str], name: str, at: datetime, repeat: int
) -> None:
    """Times each view at `at` beside the hand-written query, checking they agree."""
    as_of = at.replace(tzinfo=UTC).isoformat()
    with db.engine.connect() as connection:

        def hand_sql() -> Any:
            return connection.execute(text(HAND_SQL), {"t": at}).one()

        inpatients, ready = hand_sql()
        hand = timed(hand_sql, repeat)
        figures = snapshot(connection, as_of=at)
        assert figures["acute_inpatients"]["now"] == inpatients
        assert figures["ready_to_leave"]["now"] == ready
        assert len(ready_patients(connection, as_of=at)) == ready
        results = {
            "snapshot()": timed(lambda: snapshot(connection, as_of=at), repeat),
            "  its figures": timed(lambda: _figures_only(connection, at), repeat),
            "  its events_reflected": timed(lambda: events_reflected(connection, at), repeat),
            "ready_patients()": timed(lambda: ready_patients(connection, as_of=at), repeat),
        }
    for label, url in (
        ("GET /snapshot", "/api/v1/snapshot"),
        ("GET /patients/ready", "/api/v1/patients/ready"),
    ):

        def get(url: str = url) -> Any:
            response = client.get(url, params={"as_of": as_of}, headers=headers)
            assert response.status_code == 200, response.text
            return response

        results[label] = timed(get, repeat)
    print(
        f"\n{name}, {at:%Y-%m-%d %H:%M} UTC: {inpatients:,} acute inpatients, {ready:,} ready "
        f"to leave; hand-written SQL {hand[0]:.1f} ms (CPU {hand[1]:.1f} ms)"
    )
    for label, (ms, cpu) in results.items():
        print(f"  {label:24s} {ms:7.1f} ms  ratio {ms / hand[0]:5.2f}   CPU {cpu:7.1f} ms")


def _figures_only(connection: Any, at: datetime) -> dict[str, Any]:
    """The snapshot without counting the events reflected (to show what that costs)."""
    import metrics.snapshot as module

    real = module.events_reflected
    module.events_reflected = lambda _c, _at: (0, None)  # type: ignore[assignment]
    try:
        return snapshot(connection, as_of=at)
    finally:
        module.events_reflected = real


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--source", choices=("seed", "synthetic"), default="seed")
    parser.add_argument("--days", type=int, default=365, help="seed: days of data")
    parser.add_argument("--patients", type=int, default=250_000, help="synthetic: admissions")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--url", help="a database loaded before: measure only")
    parser.add_argument("--keep", action="store_true", help="keep the database made here")
    args = parser.parse_args()
    if args.url:
        url, drop = args.url, None
    else:
        url, drop = scratch_database(args.db, tempfile.mkdtemp(), prefix="d2a_bench")
    try:
        if not args.url:
            began = time.perf_counter()
            migrate.upgrade(url)
            if args.source == "seed":
                load_seed(url, args.days)
            else:
                load_synthetic(Database(url), args.patients)
            print(f"loaded in {time.perf_counter() - began:.0f} s: {url}")
        db = Database(url)
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as connection:  # as autovacuum would, after a bulk load
                connection.execute(text("ANALYZE"))
                connection.commit()
        run(db, args.repeat)
        db.dispose()
    finally:
        if drop is not None and not args.keep:
            drop()


if __name__ == "__main__":
    main()
