"""Feed throughput (SPEC §9): HL7 v2 ADT messages per second over HTTP (bodies of 100 messages)
and over one MLLP connection, on a new database of either kind.

Usage: python benchmarks/bench_feeds.py [--db sqlite|postgresql] [--messages N] [--window N]
       [--list-rows N]

A large trust sends about 50,000 ADT messages a day; the target is 1,000 messages/s on each
path. The stream is a PAS's: for each patient an A01 to a ward, an A08 (ignored: demographics),
often an A02 to another ward, and an A03 home; patients overlap in time, and the messages go in
time order. Both paths run through a real server process (`d2a serve`'s application under
uvicorn, and `d2a feed mllp`), each on its own new database. MLLP is timed twice: waiting for
each ACK before sending the next (`--window 1`, as most integration engines do) and with up to
--window messages unanswered, which the listener stores a read at a time.

Then the readiness list: a trust with --list-rows + 500 people in acute beds, of whom a list
of --list-rows (target: 2,000 rows in 2 s) is posted over HTTP, as a dry run, then stored, then
a second day's list that changes a fifth of the pathways and reasons and leaves a tenth off.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import httpx2 as httpx

from access.tokens import create_token
from d2a.serving import free_port, serving
from feeds.mllp import send_mllp
from feeds.registry import put_feed
from ledger import reference
from metrics.tally import changed_from
from models.clock import utc_now
from store import migrate
from store.database import Database
from store.scratch import scratch_database

WARDS = [f"WARD{i}" for i in range(20)]


def message(trigger: str, control: str, mrn: str, at: datetime, pv1: dict[int, str]) -> str:
    fields = {1: "1", 2: "I", 3: f"{pv1.pop(3)}^B1^01^RXX01", 4: "21"} | pv1
    pv1_text = "|".join(["PV1", *(fields.get(i, "") for i in range(1, max(fields) + 1))])
    stamp = at.strftime("%Y%m%d%H%M")
    return "\r".join(
        [
            f"MSH|^~\\&|PAS|RXX01|D2AFLOW|ICB|{stamp}||ADT^{trigger}^ADT_A01|{control}|P|2.5",
            f"EVN|{trigger}|{stamp}",
            f"PID|1||{mrn}^^^RXX^MR~9434765919^^^NHS^NH||DOE^JANE||19400101|F",
            pv1_text,
        ]
    )


def stream(count: int, seed: int = 3) -> list[str]:
    """About `count` messages of patients admitted over 60 days from 1 March 2025, time order."""
    rng = random.Random(seed)
    timed = []
    for n in range(count // 3):
        mrn = f"RX{n:07d}"
        admitted = datetime(2025, 3, 1) + timedelta(minutes=rng.randrange(60 * 24 * 60))
        ward = rng.choice(WARDS)
        events = [("A01", admitted, {3: ward}), ("A08", admitted + timedelta(hours=1), {3: ward})]
        left = admitted + timedelta(hours=rng.randrange(6, 24 * 12))
        if rng.random() < 0.3:
            events.append(("A02", admitted + timedelta(hours=3), {3: rng.choice(WARDS)}))
        events.append(("A03", left, {3: ward, 37: "19"}))
        timed += [
            (at, f"{mrn}-{i}", trigger, mrn, pv1) for i, (trigger, at, pv1) in enumerate(events)
        ]
    timed.sort(key=lambda t: t[0])
    return [message(trigger, control, mrn, at, pv1) for at, control, trigger, mrn, pv1 in timed]


@contextmanager
def trust(kind: str) -> Iterator[tuple[Database, str]]:
    """A new database with trust RXX, its wards and its feed LTH; and a feed token."""
    url, drop = scratch_database(kind, tempfile.mkdtemp(), prefix="d2a_bench_feeds")
    migrate.upgrade(url)
    database = Database(url)
    try:
        with database.session(write=True) as session:
            reference.upsert_organisation(session, "RXX", "Bench Teaching", "acute")
            for ward in WARDS:
                fields = {"name": ward, "organisation_code": "RXX", "setting": "acute"}
                reference.upsert_unit(
                    session, f"RXX-{ward}", fields | {"pathway": None}, changed_from
                )
            feed = {"name": "PAS", "organisation_code": "RXX", "patient_id_authority": "RXX"}
            feed["locations"] = {ward: f"RXX-{ward}" for ward in WARDS}  # type: ignore[assignment]
            assert not put_feed(session, "LTH", feed, utc_now()).problems
            _row, token = create_token(session, role="feed", scope="RXX", now=utc_now())
        yield database, token
    finally:
        database.dispose()
        drop()


def over_http(kind: str, messages: list[str], per_body: int = 100) -> tuple[float, int]:
    with trust(kind) as (database, token), serving(database.url) as base:
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/hl7-v2"}
        bodies = ["\r".join(messages[i : i + per_body]) for i in range(0, len(messages), per_body)]
        refused = 0
        with httpx.Client(base_url=base, headers=headers, timeout=300) as client:
            began = time.perf_counter()
            for body in bodies:
                answer = client.post("/api/v1/feeds/LTH/hl7v2", content=body)
                assert answer.status_code == 200, answer.text[:300]
                refused += answer.text.count("MSA|AE")
            took = time.perf_counter() - began
    return len(messages) / took, refused


def over_mllp(kind: str, messages: list[str], window: int) -> tuple[float, int]:
    with trust(kind) as (database, _token), listening(database.url) as port:
        began = time.perf_counter()
        acks = send_mllp("127.0.0.1", port, messages, window=window, timeout=300)
        took = time.perf_counter() - began
    return len(messages) / took, sum("MSA|AE" in a for a in acks)


@contextmanager
def listening(url: str) -> Iterator[int]:
    port = free_port()
    command = [sys.executable, "-m", "d2a.cli", "feed", "mllp", "--feed", "LTH"]
    process = subprocess.Popen(
        [*command, "--port", str(port)],
        env=os.environ | {"D2A_DATABASE_URL": url},
        stdout=subprocess.DEVNULL,
    )
    try:
        _wait(lambda: socket.create_connection(("127.0.0.1", port), timeout=1).close())
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait(probe: Callable[[], None]) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            probe()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def over_lists(kind: str, rows: int) -> list[tuple[str, float, dict[str, int]]]:
    """The readiness list's times: dry run, stored, and the next day's changes."""
    with trust(kind) as (database, token):
        _admit(database, rows + 500)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/csv"}
        first = _list(rows, changed=0)
        second = _list(int(rows * 0.9), changed=rows // 5)
        runs = [
            ("dry run", first, "2025-03-20T08:30:00+00:00", True),
            ("stored", first, "2025-03-20T08:30:00+00:00", False),
            ("next day", second, "2025-03-21T08:30:00+00:00", False),
        ]
        timed = []
        with serving(database.url) as base, httpx.Client(base_url=base, timeout=300) as client:
            for label, body, as_of, dry_run in runs:
                began = time.perf_counter()
                answer = client.post(
                    "/api/v1/feeds/LTH/readiness",
                    content=body,
                    headers=headers,
                    params={"as_of": as_of, "dry_run": str(dry_run).lower()},
                )
                took = time.perf_counter() - began
                assert answer.status_code == 200, answer.text[:500]
                timed.append((label, took, answer.json()["counts"]))
    return timed


def _admit(database: Database, patients: int) -> None:
    """`patients` people admitted to RXX's wards in the week before 20 March 2025, each under
    the pseudonym of its MRN (as an ADT feed would have stored them)."""
    from feeds.pseudonym import pseudonym, pseudonym_key
    from ledger.ingest import ingest
    from ledger.sender import Sender

    with database.session(write=True) as session:
        key = pseudonym_key(session, "")
        events = [
            {
                "event_id": f"adm-{n}",
                "type": "admitted",
                "patient_id": pseudonym(key, "LTH", f"RX{n:07d}"),
                "occurred_at": f"2025-03-{13 + n % 6:02d}T{8 + n % 10:02d}:00:00+00:00",
                "unit_code": f"RXX-{WARDS[n % len(WARDS)]}",
            }
            for n in range(patients)
        ]
        for i in range(0, len(events), 5_000):
            batch = events[i : i + 5_000]
            ingest(session, batch, now=utc_now(), changes=changed_from, sender=Sender())


def _list(rows: int, changed: int) -> bytes:
    """A list of `rows` people (MRNs RX0000000…), the first `changed` of them with another
    pathway and reason than the others."""
    lines = ["local_patient_id,ready_date,pathway,reason_code"]
    for n in range(rows):
        pathway, reason = (2, "C1") if n < changed else (1, "H1")
        lines.append(f"RX{n:07d},2025-03-19,{pathway},{reason}")
    return ("\n".join(lines) + "\n").encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--window", type=int, default=100, help="MLLP messages unanswered")
    parser.add_argument("--list-rows", type=int, default=2_000, help="readiness list rows")
    args = parser.parse_args()
    messages = stream(args.messages)
    print(f"database          {args.db}")
    patients = args.messages // 3
    print(f"messages          {len(messages):,} (A01, A08, A02, A03 of {patients:,} patients)")
    rate, refused = over_http(args.db, messages)
    print(f"HTTP, bodies of 100   {rate:8,.0f} messages/s  ({refused} refused)")
    rate, refused = over_mllp(args.db, messages, 1)
    print(f"MLLP, one at a time   {rate:8,.0f} messages/s  ({refused} refused)")
    rate, refused = over_mllp(args.db, messages, args.window)
    print(f"MLLP, window of {args.window:<5} {rate:8,.0f} messages/s  ({refused} refused)")
    for label, took, counts in over_lists(args.db, args.list_rows):
        changes = ", ".join(f"{k} {v:,}" for k, v in counts.items() if v)
        print(f"readiness list of {args.list_rows:,} rows, {label:<8} {took:6.2f} s  ({changes})")


if __name__ == "__main__":
    main()
