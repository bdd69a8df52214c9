"""The coordinator views' answers at several instants, written to a file, and two such files
compared: the proof that a speed-up of GET /api/v1/snapshot and /api/v1/patients/ready changed
no answer.

    python benchmarks/compare_views.py dump --url URL --end DAY --out before.json [--repeat 3]
    python benchmarks/compare_views.py compare before.json after.json

`dump` asks the API (in process, a coordinator token) for the snapshot and the ready list at
instants over the last weeks of the data (--end: its last day; a morning, a census midnight,
an instant with microseconds, an hour's first instant), for the whole deployment, for the first
acute organisation, the first local authority and the first system, and the ready list filtered
by pathway and sorted each way; it prints each call's median time. The answers are written with the
times left out.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text

from access.tokens import create_token
from d2a.server import create_app
from models.clock import census_instant, utc_now
from store.database import Database
from store.settings import Settings


def instants(end: date) -> list[str]:
    """The end of `end` (the last day of the data), and instants before it: a morning, a
    census midnight (BST or GMT), one with microseconds, an afternoon weeks earlier."""
    last = datetime.combine(end, datetime.min.time()) + timedelta(hours=22, minutes=59)
    at = [
        last,
        last - timedelta(days=3, hours=15),
        census_instant(end - timedelta(days=10)),
        last - timedelta(days=20, hours=7, minutes=13, seconds=12, microseconds=345678),
        last - timedelta(days=45, hours=8),
        last - timedelta(days=6, hours=10, minutes=59),  # 12:00 UTC: on an hour's first instant
    ]
    return [t.replace(tzinfo=UTC).isoformat() for t in at]


def dump(url: str, out: str, end: date, repeat: int) -> None:
    db = Database(url)
    with db.session(write=True) as session:
        _row, token = create_token(session, role="coordinator", now=utc_now())
    with db.engine.connect() as connection:
        organisation = connection.execute(
            text("SELECT min(code) FROM organisation WHERE kind = 'acute'")
        ).scalar()
        authority = connection.execute(
            text("SELECT min(code) FROM organisation WHERE kind = 'local_authority'")
        ).scalar()
        system = connection.execute(text("SELECT min(code) FROM care_system")).scalar()
    headers = {"Authorization": f"Bearer {token}"}
    asked: list[tuple[str, dict[str, Any]]] = []
    for as_of in instants(end):
        at = {"as_of": as_of}
        asked += [
            ("/api/v1/snapshot", at),
            ("/api/v1/snapshot", at | {"organisation": organisation}),
            ("/api/v1/patients/ready", at),
            ("/api/v1/patients/ready", at | {"organisation": organisation}),
            ("/api/v1/patients/ready", at | {"local_authority": authority}),
            ("/api/v1/patients/ready", at | {"pathway": "2", "sort": "los_days"}),
            ("/api/v1/patients/ready", at | {"pathway": "unknown", "order": "asc"}),
            ("/api/v1/patients/ready", at | {"sort": "unit_code", "order": "desc"}),
        ]
        if system is not None:  # a system's views (issue 18): organisation=<system code>
            asked += [
                ("/api/v1/snapshot", at | {"organisation": system}),
                ("/api/v1/patients/ready", at | {"organisation": system}),
            ]
    answers = []
    with TestClient(create_app(Settings(database_url=db.url), database=db)) as client:
        for path, params in asked:
            times = []
            for _ in range(repeat):
                began = time.perf_counter()
                response = client.get(path, params=params, headers=headers)
                times.append(time.perf_counter() - began)
            assert response.status_code == 200, response.text[:300]
            body = response.json()
            size = f"{body['count']:6d} patients" if "count" in body else ""
            ms = statistics.median(times) * 1000
            print(f"{ms:7.0f} ms  {path} {params} {size}", flush=True)
            answers.append({"path": path, "params": params, "answer": body})
    db.dispose()
    with open(out, "w") as f:
        json.dump(answers, f)


def compare(before: str, after: str) -> int:
    with open(before) as f, open(after) as g:
        old, new = json.load(f), json.load(g)
    differ = 0
    for a, b in zip(old, new, strict=True):
        assert (a["path"], a["params"]) == (b["path"], b["params"])
        if canonical(a["answer"]) != canonical(b["answer"]):  # 1 and 1.0 differ here
            differ += 1
            print(f"DIFFERENT: {a['path']} {a['params']}")
            show_difference(a["answer"], b["answer"])
    print(f"{len(old) - differ} of {len(old)} answers identical")
    return 1 if differ else 0


def canonical(answer: Any) -> str:
    return json.dumps(answer, sort_keys=True)


def show_difference(a: Any, b: Any, where: str = "") -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                show_difference(a.get(key), b.get(key), f"{where}.{key}")
                return
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                show_difference(x, y, f"{where}[{i}]")
                return
    print(f"  {where}: {str(a)[:200]} != {str(b)[:200]}")


def main() -> None:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    dumping = commands.add_parser("dump")
    dumping.add_argument("--url", required=True)
    dumping.add_argument("--out", required=True)
    dumping.add_argument("--end", type=date.fromisoformat, required=True, help="last day of data")
    dumping.add_argument("--repeat", type=int, default=3)
    comparing = commands.add_parser("compare")
    comparing.add_argument("before")
    comparing.add_argument("after")
    args = parser.parse_args()
    if args.command == "dump":
        dump(args.url, args.out, args.end, args.repeat)
    else:
        sys.exit(compare(args.before, args.after))


if __name__ == "__main__":
    main()
