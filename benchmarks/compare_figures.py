"""Every figure by every breakdown, written to a file, and two such files compared: the proof
that a change which should not change behaviour (a refactor, a speed-up, the figure tallies)
changed no figure.

    python benchmarks/compare_figures.py dump --url URL --out before.json [--tallies ...]
    python benchmarks/compare_figures.py compare before.json after.json

`dump` computes, over the last full year of the database's data, every metric of the catalogue
by every breakdown it offers (and none), by week, by month and in total, system-wide and for two
organisations (the first acute trust and the first community provider), through
`metrics.compute`: the same answer the API serves. A figure against a baseline takes the year's
first 12 weeks as its baseline (the default, the weeks before the year, holds no data).
`--tallies fresh` recounts the figure tallies first (as `d2a serve` would), `none` drops them
so every figure reads the derived tables, `as-is` uses what is stored; `--change-at DATE` then
records a change on that day, so that reads switch from tallied to derived days mid-period.
It runs with this checkout's code, or with an older one's: `PYTHONPATH=/path/to/old/checkout
python ...` (it finds the refresh function of either layout).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from datetime import date, timedelta
from typing import Any

from sqlalchemy import text

INTERVALS = ("week", "month", "total")


def _database(url: str) -> Any:
    try:
        from store.database import Database
    except ImportError:  # an older layout
        from api.database import Database  # type: ignore[no-redef]
    return Database(url)


def _refresh(db: Any) -> None:
    try:
        from metrics.catalogue import tallied_reads
        from metrics.tally import refresh

        refresh(db.engine, tallied_reads(), db.write_engine)
    except ImportError:  # an older layout
        from metrics.engine import refresh_tallies

        refresh_tallies(db.engine, db.write_engine)


def _period(db: Any) -> tuple[date, date]:
    with db.engine.connect() as connection:
        last = connection.execute(text("SELECT max(day) FROM event_tally")).scalar()
    end = date.fromisoformat(str(last)[:10]) - timedelta(days=1)
    return end - timedelta(days=364), end


def _organisations(db: Any) -> list[str]:
    with db.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT kind, min(o.code) FROM organisation o JOIN unit u"
                " ON u.organisation_code = o.code GROUP BY kind ORDER BY kind"
            )
        ).all()
    kinds = dict(rows)
    return [kinds[k] for k in ("acute", "community") if k in kinds]


def dump(url: str, tallies: str, change_at: date | None) -> dict[str, Any]:
    from metrics import CATALOGUE, compute

    db = _database(url)
    if tallies == "fresh":
        _refresh(db)
    elif tallies == "none":
        with db.engine.begin() as connection:
            connection.execute(text("DELETE FROM figure_tally"))
            connection.execute(text("DELETE FROM tally_source"))
    if change_at is not None:
        with db.engine.begin() as connection:
            connection.execute(text("INSERT INTO tally_change (day) VALUES (:d)"), {"d": change_at})
    start, end = _period(db)
    scopes: list[str | None] = [None, *_organisations(db)]
    answers: dict[str, Any] = {}
    now = _fixed_now(end)
    with db.engine.connect() as connection:
        for metric in CATALOGUE.values():
            baseline = _baseline(metric, start)
            breakdowns: list[str | None] = (
                [metric.fixed_group_by] if metric.fixed_group_by else [None]
            )
            breakdowns += [g for g in metric.group_bys if g != metric.fixed_group_by]
            for group_by in breakdowns:
                for organisation in scopes:
                    for interval in INTERVALS:
                        if interval not in metric.intervals:
                            continue
                        result = compute(
                            connection,
                            metric.name,
                            start=start,
                            end=end,
                            interval=interval,
                            group_by=group_by,
                            organisation=organisation,
                            now=now,
                            baseline_start=baseline[0],
                            baseline_end=baseline[1],
                        )
                        key = f"{metric.name}|{group_by}|{organisation}|{interval}"
                        answers[key] = result.answer()
    if change_at is not None:
        with db.engine.begin() as connection:
            connection.execute(text("DELETE FROM tally_change WHERE day = :d"), {"d": change_at})
    db.dispose()
    return {"url": url, "start": start.isoformat(), "end": end.isoformat(), "answers": answers}


def _baseline(metric: Any, start: date) -> tuple[date | None, date | None]:
    """A figure against a baseline (bed days saved) is compared with the first 12 weeks of the
    year as its baseline: the default, the 12 weeks before the year, holds no data, so every
    answer would be null and no figure compared."""
    if not getattr(metric, "takes_baseline", False):
        return None, None
    return start, start + timedelta(weeks=12, days=-1)


def _fixed_now(end: date) -> Any:
    """The readmission follow-up is dated by `now`: the same instant for both runs."""
    from datetime import datetime

    return datetime(end.year, end.month, end.day, 12) + timedelta(days=60)


def compare(before: dict[str, Any], after: dict[str, Any]) -> int:
    """Prints how many answers were compared and which differ; returns the number differing."""
    keys = sorted(set(before["answers"]) | set(after["answers"]))
    differing = []
    rows = 0
    for key in keys:
        a, b = before["answers"].get(key), after["answers"].get(key)
        if a is None or b is None or not _same(a, b):
            differing.append(key)
        else:
            rows += len(a["rows"])
    print(f"answers compared: {len(keys)} ({rows:,} rows), differing: {len(differing)}")
    for key in differing[:20]:
        print(f"  differs: {key}")
    return len(differing)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    numbers = (int, float)
    if isinstance(a, numbers) and isinstance(b, numbers) and float in (type(a), type(b)):
        # The same sum taken in another order (tallied days, then derived rows) may differ in
        # the last bits: -85 and -84.99999999999999 are the same figure.
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9)
    return bool(a == b)


def main() -> None:
    parser = argparse.ArgumentParser()
    verbs = parser.add_subparsers(dest="verb", required=True)
    d = verbs.add_parser("dump")
    d.add_argument("--url", required=True)
    d.add_argument("--out", required=True)
    d.add_argument("--tallies", choices=("fresh", "none", "as-is"), default="fresh")
    d.add_argument("--change-at", type=date.fromisoformat, default=None)
    c = verbs.add_parser("compare")
    c.add_argument("before")
    c.add_argument("after")
    args = parser.parse_args()
    if args.verb == "dump":
        found = dump(args.url, args.tallies, args.change_at)
        with open(args.out, "w", encoding="utf-8") as out:
            json.dump(found, out, sort_keys=True)
        print(f"{len(found['answers'])} answers, {found['start']} to {found['end']}: {args.out}")
        return
    with open(args.before, encoding="utf-8") as a, open(args.after, encoding="utf-8") as b:
        sys.exit(1 if compare(json.load(a), json.load(b)) else 0)


if __name__ == "__main__":
    main()
