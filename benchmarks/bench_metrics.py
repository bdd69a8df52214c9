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

from access.tokens import create_token
from d2a.server import create_app
from metrics import tally
from metrics.catalogue import METRICS, tallied_reads
from models import Spell
from models.clock import census_instant, local_date, utc_now
from store.database import Database
from store.settings import Settings

# One hand-written query per metric, computing the same figure's inputs on the same database by
# the plainest route: a discharge or readiness figure grouped by day and pathway; a census figure
# reads the rows in at some census of the period (what any census of them has to read). Days are
# the stored dates (UTC ones for instants): the plainest SQL, not the exact local-day rule. A
# {dialect: sql} entry differs by database only in its date arithmetic.
ACUTE_WINDOW = " WHERE setting = 'acute' AND discharged_at >= :since AND discharged_at < :until"
DISCHARGES = "SELECT discharged_date, discharge_pathway, {what} FROM spell" + ACUTE_WINDOW
BY_DAY_AND_PATHWAY = " GROUP BY discharged_date, discharge_pathway"
PATHWAYS_COUNTED = (
    " AND discharge_pathway IS NOT NULL AND destination NOT IN ('died', 'other_hospital')"
)
READY = (
    "SELECT planned_pathway, start_at, end_at FROM ready_span WHERE setting = 'acute'"
    " AND start_at < :until AND (end_at IS NULL OR end_at >= :since)"
)
ACUTE_STAYS = (
    "SELECT stay.start_at, stay.end_at, spell.admitted_date FROM stay"
    " JOIN spell ON spell.spell_id = stay.spell_id WHERE stay.setting = 'acute'"
    " AND stay.start_at < :until AND (stay.end_at IS NULL OR stay.end_at >= :since)"
)
D2A_ENDED = (
    "SELECT spell.discharged_date, unit.pathway, {what} FROM spell"
    " JOIN unit ON unit.code = spell.last_unit_code"
    " LEFT JOIN destination ON destination.code = spell.destination"
    " WHERE spell.setting IN ('home_service', 'community_bed', 'care_home_bed')"
    " AND spell.discharged_at >= :since AND spell.discharged_at < :until"
    " GROUP BY spell.discharged_date, unit.pathway"
)
READMITTED = (
    "SELECT d.discharged_date, d.discharge_pathway, count(*), sum(CASE WHEN EXISTS ("
    "SELECT 1 FROM spell a WHERE a.patient_id = d.patient_id AND {plain}a.setting = 'acute'"
    " AND a.admission_method = 'emergency' AND {plain}a.admitted_at >= d.discharged_at"
    " AND a.admitted_date <= {last_day}) THEN 1 ELSE 0 END) FROM spell d"
    " WHERE d.setting = 'acute' AND d.discharged_at >= :since AND d.discharged_at < :until"
    " AND d.destination NOT IN ('died', 'other_hospital')"
    " GROUP BY d.discharged_date, d.discharge_pathway"
)
HAND_SQL: dict[str, str | dict[str, str]] = {
    "acute_occupied": ACUTE_STAYS,
    "ready_to_leave": READY,
    "delayed_bed_days": READY,
    "stranded_7": ACUTE_STAYS,
    "stranded_14": ACUTE_STAYS,
    "stranded_21": ACUTE_STAYS,
    "ready_new": {
        dialect: (
            f"SELECT {day} AS day, planned_pathway, count(*) FROM ready_span"
            " WHERE setting = 'acute' AND start_at = ready_since AND start_at >= :since"
            " AND start_at < :until GROUP BY day, planned_pathway"
        )
        for dialect, day in (
            ("sqlite", "substr(start_at, 1, 10)"),
            ("postgresql", "start_at::date"),
        )
    },
    "acute_discharges": DISCHARGES.format(what="count(*)") + BY_DAY_AND_PATHWAY,
    "home_first_rate": DISCHARGES.format(what="count(*)") + PATHWAYS_COUNTED + BY_DAY_AND_PATHWAY,
    "pathway_mix": DISCHARGES.format(what="count(*)") + PATHWAYS_COUNTED + BY_DAY_AND_PATHWAY,
    "discharge_delay": DISCHARGES.format(what="avg(delay_days)") + BY_DAY_AND_PATHWAY,
    "bed_days_lost": DISCHARGES.format(what="sum(delay_days)") + BY_DAY_AND_PATHWAY,
    "delayed_discharge_rate": DISCHARGES.format(
        what="sum(CASE WHEN delay_days >= 1 THEN 1 ELSE 0 END),"
        " sum(CASE WHEN discharged_date > admitted_date THEN 1 ELSE 0 END)"
    )
    + BY_DAY_AND_PATHWAY,
    "mean_delay_delayed": DISCHARGES.format(
        what="sum(CASE WHEN delay_days >= 1 THEN delay_days ELSE 0 END),"
        " sum(CASE WHEN delay_days >= 1 THEN 1 ELSE 0 END)"
    )
    + BY_DAY_AND_PATHWAY,
    "delay_band": (
        "SELECT discharged_date, CASE WHEN delay_days >= 21 THEN '21+' WHEN delay_days >= 14"
        " THEN '14-20' WHEN delay_days >= 7 THEN '7-13' WHEN delay_days >= 4 THEN '4-6'"
        " WHEN delay_days >= 2 THEN '2-3' WHEN delay_days = 1 THEN '1' ELSE '0' END AS band,"
        " count(*) FROM spell" + ACUTE_WINDOW + " GROUP BY discharged_date, band"
    ),
    # The period's and the 12 weeks' before it discharges, by pathway.
    "bed_days_saved": (
        "SELECT discharged_date >= :start_day, discharge_pathway, count(*), sum(delay_days)"
        " FROM spell WHERE setting = 'acute' AND discharged_at >= :baseline_since"
        " AND discharged_at < :until AND discharge_pathway IS NOT NULL"
        " GROUP BY discharged_date >= :start_day, discharge_pathway"
    ),
    "readmission_30d_rate": {
        # SQLite's unary + keeps it on the patient index (SQLite has no statistics, and would
        # walk the (setting, admitted_at) index from each discharge to the end of the history).
        "sqlite": READMITTED.format(last_day="date(d.discharged_date, '+29 days')", plain="+"),
        "postgresql": READMITTED.format(last_day="d.discharged_date + 29", plain=""),
    },
    "discharged_before_noon_rate": {
        "sqlite": DISCHARGES.format(what="sum(substr(discharged_at, 12, 2) < '12'), count(*)")
        + BY_DAY_AND_PATHWAY,
        "postgresql": DISCHARGES.format(
            what="sum(CASE WHEN extract(hour FROM discharged_at) < 12 THEN 1 ELSE 0 END), count(*)"
        )
        + BY_DAY_AND_PATHWAY,
    },
    "weekend_discharge_ratio": DISCHARGES.format(what="count(*)") + BY_DAY_AND_PATHWAY,
    "d2a_occupancy": (
        "SELECT unit.pathway, stay.start_at, stay.end_at FROM stay"
        " JOIN unit ON unit.code = stay.unit_code"
        " WHERE stay.setting IN ('home_service', 'community_bed', 'care_home_bed')"
        " AND stay.start_at < :until AND (stay.end_at IS NULL OR stay.end_at >= :since)"
    ),
    "d2a_length_of_stay": {
        "sqlite": D2A_ENDED.format(
            what="avg(julianday(spell.discharged_date) - julianday(spell.admitted_date))"
        ),
        "postgresql": D2A_ENDED.format(what="avg(spell.discharged_date - spell.admitted_date)"),
    },
    "d2a_home_rate": D2A_ENDED.format(
        what="sum(CASE WHEN destination.usual_residence THEN 1 ELSE 0 END), count(*)"
    ),
    "d2a_waiting": READY + " AND planned_pathway IN (1, 2, 3)",
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
        tally.forget(db.engine)  # the figures then read the derived tables
    else:
        done = tally.refresh(db.engine, tallied_reads(), db.write_engine)
        print(f"tallies refreshed: {done.sources} sources from {done.first}, {done.rows:,} rows")
        print(f"  written in {done.seconds:.1f} s")
    start, end = last_year(db)
    with db.session(write=True) as session:
        _row, token = create_token(session, role="analyst", scope=None, now=utc_now())
    headers = {"Authorization": f"Bearer {token}"}
    since = census_instant(start - timedelta(days=1))
    baseline = census_instant(start - timedelta(weeks=12, days=1))
    window: dict[str, Any] = {"since": since, "until": census_instant(end)}
    window |= {"baseline_since": baseline, "start_day": start}
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
            hand_sql = HAND_SQL[metric.name]
            if isinstance(hand_sql, dict):
                hand_sql = hand_sql[db.engine.dialect.name]
            if hand_sql:
                sql = text(hand_sql)
                _, hand = timed(partial(_all, connection, sql, window), args.repeat)
                line += f"   hand SQL {hand:8.1f} ms   ratio {ms / hand:5.2f}"
            print(line, flush=True)


if __name__ == "__main__":
    main()
