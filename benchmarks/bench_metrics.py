"""Metric speed on a seeded year, beside hand-written SQL for the same figures.

Usage:
    d2a seed --size large --days 365          # D2A_DATABASE_URL, or ./d2a.sqlite3
    python -m benchmarks.bench_metrics --url sqlite:///d2a.sqlite3 [--repeat 5]

Times GET /api/v1/metrics/{name} for every metric over the last 364 days of data by week,
broken down by pathway where the metric allows, and, for a few figures, one hand-written
SQL query computing the same thing on the same database (median of --repeat runs, in ms; the
first call's time beside it).

First it refreshes the figure tallies (metrics.tally), as `d2a serve` does in the background,
and prints how long that took; with --live, the tallies are left out and every figure is read
from the derived tables.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from api.app import create_app
from api.database import Database
from api.services.tokens import create_token
from api.settings import Settings
from metrics import tally
from metrics.calendar import census_instant, local_date, utc_now
from metrics.catalogue import METRICS
from metrics.engine import refresh_tallies
from models import Spell

# The hand-written figure: acute discharges by local discharge date and pathway.
HAND_SQL = {
    "acute_discharges": (
        "SELECT discharged_date, discharge_pathway, count(*) FROM spell"
        " WHERE setting = 'acute' AND discharged_at >= :since AND discharged_at < :until"
        " GROUP BY discharged_date, discharge_pathway"
    ),
    "bed_days_lost": (
        "SELECT discharged_date, discharge_pathway, sum(delay_days) FROM spell"
        " WHERE setting = 'acute' AND discharged_at >= :since AND discharged_at < :until"
        " GROUP BY discharged_date, discharge_pathway"
    ),
    "delayed_bed_days": (
        "SELECT planned_pathway, start_at, end_at FROM ready_span"
        " WHERE setting = 'acute' AND start_at < :until AND (end_at IS NULL OR end_at >= :since)"
    ),
}


def timed(call: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """Milliseconds of the first call, and the median of `repeat` calls after it."""
    began = time.perf_counter()
    call()
    first = (time.perf_counter() - began) * 1000
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        call()
        times.append(time.perf_counter() - began)
    return first, statistics.median(times) * 1000


def _all(connection: Any, sql: Any, params: dict[str, Any]) -> list[Any]:
    return list(connection.execute(sql, params).all())


def last_year(db: Database) -> tuple[date, date]:
    with db.engine.connect() as connection:
        latest = connection.execute(select(func.max(Spell.admitted_at))).scalar_one()
    end = local_date(latest) - timedelta(days=1)
    return end - timedelta(days=363), end


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True, help="an SQLAlchemy URL of a seeded database")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--live", action="store_true", help="read no tallies")
    args = parser.parse_args()
    db = Database(args.url)
    if args.live:
        tally.REGISTRY.clear()
        with db.engine.begin() as connection:  # the figures then read the derived tables
            connection.execute(tally.S.delete())
    else:
        done = refresh_tallies(db.engine, db.write_engine)
        print(f"tallies refreshed: {done.sources} sources from {done.first}, {done.rows:,} rows")
        print(f"  written in {done.seconds:.1f} s")
    start, end = last_year(db)
    with db.session(write=True) as session:
        _row, token = create_token(session, role="analyst", scope=None, now=utc_now())
    headers = {"Authorization": f"Bearer {token}"}
    window = {"since": census_instant(start - timedelta(days=1)), "until": census_instant(end)}
    print(f"{db.engine.dialect.name}: {start} to {end} by week")
    app = create_app(Settings(database_url=db.url), database=db)
    with TestClient(app) as client, db.engine.connect() as connection:
        for metric in METRICS:
            params = {"start": start.isoformat(), "end": end.isoformat(), "interval": "week"}
            if "pathway" in metric.group_bys:
                params["group_by"] = "pathway"
            url = f"/api/v1/metrics/{metric.name}"
            first, ms = timed(partial(client.get, url, params=params, headers=headers), args.repeat)
            line = f"{metric.name:30s} {ms:8.1f} ms (first {first:6.1f})"
            if metric.name in HAND_SQL:
                sql = text(HAND_SQL[metric.name])
                _, hand = timed(partial(_all, connection, sql, window), args.repeat)
                line += f"   hand SQL {hand:8.1f} ms   ratio {ms / hand:5.2f}"
            print(line, flush=True)


if __name__ == "__main__":
    main()
