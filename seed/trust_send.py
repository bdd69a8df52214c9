"""Sends the demonstration trust's stream (seed.trust_feed) through the feeds' own code: ADT
messages in bodies of about BODY through `feeds.receive.receive_for`, each morning's list
through `feeds.readiness.receive.receive_list`, and its patients' other events (their D2A
stays) as JSON through the ledger, each in its own transaction, received at the time it was
sent (never after `now_limit`).

The order keeps every patient's story in time order across the three: messages wait in the
open body and events in the open JSON batch, and the batch is only ever sent after the body
(so a D2A admission follows the discharge before it); a message of a patient with an event
waiting is sent after it (a readmission after a D2A stay) by sending both first. Both are sent
before each list, so a list is compared with everything that happened up to its `as_of`. The
last body is received at `now_limit`, as a feed catching up would be. Now and then a body
starts with the previous body's last admission or discharge sent again (an engine resending
after a lost ACK: a duplicate). Refusals are counted, never fatal: a refused message's later
events may be refused by the ledger in turn, and are dropped and counted too.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from feeds.config import FeedConfig
from feeds.pseudonym import pseudonym_key
from feeds.readiness.receive import receive_list
from feeds.receive import receive_for
from feeds.registry import load_config, put_feed
from ledger.ingest import BatchRejected, ingest
from ledger.sender import CLI, Sender
from metrics.tally import changed_from
from models import Destination
from seed.adt_messages import Movement
from seed.clock import utc_naive
from seed.generate import RunSpec, plans
from seed.trust_feed import (
    Item,
    Stream,
    TrustFeed,
    feed_code,
    feed_fields,
    list_csv,
    nhs_codes,
)
from store.database import Database

BODY = 100
JSON_BATCH = 1000
RESEND_EVERY = 7  # every 7th body starts with a message of the body before, sent again
CSV = "text/csv"


@dataclass
class FeedLoad:
    """What went through the feed: messages by outcome, lists by outcome and the events they
    made, warnings, and the JSON events of the same patients."""

    feed: str
    messages: Counter[str] = field(default_factory=Counter)
    bodies: int = 0
    lists: Counter[str] = field(default_factory=Counter)
    list_events: Counter[str] = field(default_factory=Counter)
    list_warnings: int = 0
    replaced: int = 0  # the simulation's readiness events the lists stood for
    json_accepted: int = 0
    json_refused: int = 0
    seconds: float = 0.0

    def summary(self) -> list[str]:
        messages = ", ".join(f"{n:,} {kind}" for kind, n in sorted(self.messages.items()))
        made = ", ".join(f"{n:,} {kind}" for kind, n in sorted(self.list_events.items()))
        lists = ", ".join(f"{n:,} {kind}" for kind, n in sorted(self.lists.items()))
        refused = f", {self.json_refused:,} refused" if self.json_refused else ""
        return [
            f"feed {self.feed}: {sum(self.messages.values()):,} HL7 v2 ADT messages in "
            f"{self.bodies:,} bodies ({messages})",
            f"  {sum(self.lists.values()):,} readiness lists ({lists}) made {made} "
            f"(for {self.replaced:,} readiness events simulated); {self.list_warnings:,} warnings",
            f"  {self.json_accepted:,} JSON events of its patients' D2A stays{refused}; "
            f"{self.seconds:,.1f} s",
        ]

    def detail(self) -> dict[str, Any]:
        return {
            "feed": self.feed,
            "messages": dict(self.messages),
            "lists": dict(self.lists),
            "list_events": dict(self.list_events),
        }


Progress = Callable[[int, int], None]


def register(session: Session, spec: RunSpec, configured_key: str, now: datetime) -> TrustFeed:
    """Registers a PAS feed for each acute trust of the run's (first) system, and makes the
    TrustFeed of the trust that goes live on it."""
    plan = plans(spec)[0]
    for site in plan.sites:
        change = put_feed(session, feed_code(site.code), feed_fields(plan, site.code), now)
        if change.problems:
            raise ValueError(f"feed of {site.code}: {change.problems}")
    key = pseudonym_key(session, configured_key)
    rows = session.execute(select(Destination.code, Destination.nhs_discharge_destination_codes))
    codes = nhs_codes([(row[0], row[1]) for row in rows])
    return TrustFeed(plan, spec, key, codes)


def send(
    database: Database,
    trust: TrustFeed,
    stream: Stream,
    *,
    now_limit: datetime,
    configured_key: str,
    progress: Progress | None = None,
) -> FeedLoad:
    """Sends `stream` in order; `now_limit` naive UTC."""
    started = time.perf_counter()
    with database.session(write=True) as session:
        config = load_config(session, trust.feed)
        key = pseudonym_key(session, configured_key)
    if config is None:
        raise LookupError(f"feed {trust.feed} is not registered")
    sending = _Sending(database, trust, stream, config, key, now_limit, configured_key)
    for done, item in enumerate(stream.items, start=1):
        sending.take(item)
        if progress is not None and done % 200 == 0:
            progress(done, len(stream.items))
    sending.flush_adt(last=True)
    sending.flush_json()
    if progress is not None:
        progress(len(stream.items), len(stream.items))
    sending.load.replaced = stream.replaced
    sending.load.seconds = time.perf_counter() - started
    return sending.load


@dataclass
class _Sending:
    database: Database
    trust: TrustFeed
    stream: Stream
    config: FeedConfig
    key: bytes
    now_limit: datetime
    configured_key: str
    messages: list[str] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    in_batch: set[str] = field(default_factory=set)
    body_minute: int = 0
    batch_minute: int = 0
    again: str | None = None  # the last admission or discharge sent, to send again

    def __post_init__(self) -> None:
        self.load = FeedLoad(self.trust.feed)
        self.sender = Sender(organisation=self.trust.organisation)

    def take(self, item: Item) -> None:
        if item.kind == "list":
            self.flush_adt()
            self.flush_json()
            self._list(item.what, item.minute)
        elif item.kind == "adt":
            if item.patient in self.in_batch:  # e.g. readmitted after a D2A stay
                self.flush_adt()
                self.flush_json()
            self._message(item.what)
            self.body_minute = max(self.body_minute, item.minute)
            if len(self.messages) >= BODY:
                self.flush_adt()
        else:
            self.events.append(item.what)
            self.in_batch.add(item.patient)
            self.batch_minute = max(self.batch_minute, item.minute)
            if len(self.events) >= JSON_BATCH:
                self.flush_adt()
                self.flush_json()

    def _message(self, move: Movement) -> None:
        text = self.trust.writer.write(move)
        if not self.messages and self.again and (self.load.bodies + 1) % RESEND_EVERY == 0:
            self.messages.append(self.again)
        self.messages.append(text)
        if move.trigger in ("A01", "A03"):
            self.again = text

    def flush_adt(self, *, last: bool = False) -> None:
        if not self.messages:
            return
        now = self.now_limit if last else min(utc_naive(self.body_minute), self.now_limit)
        with self.database.session(write=True) as session:
            answered = receive_for(
                session,
                self.trust.feed,
                "\r".join(self.messages),
                now=now,
                changes=changed_from,
                sender=self.sender,
                configured_key=self.configured_key,
            )
        self.load.messages.update(answered.counted())
        self.load.bodies += 1
        self.messages = []

    def flush_json(self) -> None:
        if not self.events:
            return
        now = min(utc_naive(self.batch_minute), self.now_limit)
        pending = self.events
        with self.database.session(write=True) as session:
            while pending:
                try:
                    answer = ingest(session, pending, now=now, changes=changed_from, sender=CLI)
                except BatchRejected as rejected:
                    refused = {e["index"] for e in rejected.errors}
                    if None in refused:
                        refused = set(range(len(pending)))
                    self.load.json_refused += len(refused)
                    pending = [e for i, e in enumerate(pending) if i not in refused]
                    continue
                self.load.json_accepted += answer.accepted
                break
        self.events, self.in_batch = [], set()

    def _list(self, index: int, minute: int) -> None:
        as_of = utc_naive(minute)
        with self.database.session(write=True) as session:
            outcome = receive_list(
                session,
                self.config,
                self.key,
                list_csv(self.stream.lists[index]),
                CSV,
                as_of=as_of,
                now=as_of,
                dry_run=False,
                changes=changed_from,
                sender=self.sender,
            )
        self.load.lists["accepted" if outcome.status == 200 else "refused"] += 1
        self.load.list_events.update({k: n for k, n in outcome.plan.counts.items() if n})
        self.load.list_warnings += len(outcome.plan.warnings)
