"""Receiving HL7 v2 ADT messages (SPEC §9): one or more messages in, one ACK per message out.

Each message is mapped by feeds.adt with the patient's stored events (and those of earlier
messages of the same body) as its history; the local id becomes the pseudonym before anything
is kept. The mapped events of the whole body then go through the ledger's ingest as one
batch; when the ledger refuses some (a timeline conflict), those messages are answered AE with
the ledger's reason and the rest are sent again, so one bad message never costs the others.
A message whose event is already stored is a resend: AA, nothing stored twice. Every
message's outcome (never its content) is kept in feed_message for the feed's health.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from feeds.adt import Ignored, Mapped, map_adt
from feeds.config import FeedConfig
from feeds.hl7v2 import fields
from feeds.hl7v2.ack import build_ack
from feeds.hl7v2.er7 import Message
from feeds.hl7v2.messages import Received, split_messages
from feeds.hl7v2.problems import FieldProblem, where
from feeds.identity import event_id, local_id
from feeds.pseudonym import pseudonym, pseudonym_key
from feeds.registry import load_config
from ledger.changes import FigureChanges
from ledger.events import PAYLOAD
from ledger.ingest import EVENTS, BatchRejected, ingest
from ledger.sender import Sender
from models import Base
from models.clock import to_utc_naive
from store.dialect.bulk import insert_rows, select_where_in

MESSAGES = Base.metadata.tables["feed_message"]
FACILITY = "D2A"
# Where a ledger refusal points in the message, for the ACK's ERR-2.
LEDGER_FIELD = {
    "unit_code": where("PV1", 3),
    "occurred_at": where("EVN", 2),
    "destination": where("PV1", 37),
    "pathway": where("PV1", 37),
    "source": where("PV1", 14),
    "admission_method": where("PV1", 4),
    "patient_id": where("PID", 3),
    "voids_event_id": where("MSH", 9),
    "event_id": where("MSH", 10),
    "type": where("MSH", 9),
}


@dataclass
class MessageResult:
    """One message's outcome: accepted, duplicate, ignored or refused (with field, reason)."""

    received: Received
    outcome: str = "refused"
    field: str | None = None
    reason: str | None = None
    event: dict[str, Any] | None = None

    @property
    def refusal(self) -> FieldProblem | None:
        if self.outcome != "refused":
            return None
        return FieldProblem(self.field or "", self.reason or "refused")

    def refuse(self, problem: FieldProblem) -> None:
        self.outcome, self.event = "refused", None
        self.field, self.reason = problem.field, problem.reason


@dataclass
class Answered:
    """What a body came to: each message's result, and its ACK."""

    results: list[MessageResult] = field(default_factory=list)
    acks: list[str] = field(default_factory=list)

    def counted(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for result in self.results:
            counts[result.outcome] += 1
        return dict(counts)

    def stored_event_ids(self) -> list[str]:
        return [r.event["event_id"] for r in self.results if r.outcome == "accepted" and r.event]


class UnknownFeed(LookupError):
    """No feed is registered under the code."""


class NotYourFeed(PermissionError):
    """A feed's sender may send only for a feed of its own organisation."""


def receive_for(
    session: Session,
    feed_code: str,
    body: bytes | str,
    *,
    now: datetime,
    changes: FigureChanges,
    sender: Sender,
    configured_key: str,
) -> Answered:
    """`receive_hl7` for the registered feed `feed_code`, checked against the sender (a feed
    sender of another organisation is refused with NotYourFeed; UnknownFeed for no feed)."""
    feed = load_config(session, feed_code)
    if feed is None:
        raise UnknownFeed(f"no feed {feed_code!r}")
    if sender.organisation not in (None, feed.organisation_code):
        raise NotYourFeed(f"a feed of {sender.organisation} may not send for {feed_code}")
    key = pseudonym_key(session, configured_key)
    return receive_hl7(session, feed, key, body, now=now, changes=changes, sender=sender)


def receive_hl7(
    session: Session,
    feed: FeedConfig,
    key: bytes,
    body: bytes | str,
    *,
    now: datetime,
    changes: FigureChanges,
    sender: Sender,
) -> Answered:
    """Maps, stores and acknowledges every message of `body` for `feed` at `now` (naive UTC),
    in the caller's transaction."""
    results = [MessageResult(received) for received in split_messages(body)]
    aware_now = now.replace(tzinfo=UTC)
    _map_all(session, feed, key, results, aware_now)
    _store(session, [r for r in results if r.outcome == "accepted"], now, changes, sender)
    answer = Answered(results)
    answer.acks = [
        build_ack(r.received, r.refusal, now=aware_now, facility=FACILITY) for r in results
    ]
    _record(session, feed.code, results, now)
    return answer


def _map_all(
    session: Session, feed: FeedConfig, key: bytes, results: list[MessageResult], now: datetime
) -> None:
    """Each message mapped in order, later ones seeing the events of earlier ones."""
    pids = {i: _pseudonym_of(r.received, feed, key) for i, r in enumerate(results)}
    histories = _histories(session, {p for p in pids.values() if p is not None})
    stored = _stored_ids(session, results, feed)
    seen: set[str] = set()
    for i, result in enumerate(results):
        outcome = map_adt(result.received, feed, histories[pids[i] or ""], now=now)
        if isinstance(outcome, Ignored):
            result.outcome, result.reason = "ignored", outcome.reason
        elif isinstance(outcome, FieldProblem):
            result.refuse(outcome)
        elif isinstance(outcome, Mapped) and pids[i] is not None:
            event = outcome.event | {"patient_id": pids[i]}
            duplicate = event["event_id"] in stored or event["event_id"] in seen
            result.outcome, result.event = ("duplicate" if duplicate else "accepted"), event
            seen.add(event["event_id"])
            if not duplicate:
                histories[pids[i] or ""].append(_as_stored(event))


def _pseudonym_of(received: Received, feed: FeedConfig, key: bytes) -> str | None:
    if received.message is None:
        return None
    found = local_id(received.message, feed)
    return None if isinstance(found, FieldProblem) else pseudonym(key, feed.code, found)


def _histories(session: Session, patients: set[str]) -> defaultdict[str, list[dict[str, Any]]]:
    """The stored events of each patient, in time order (feeds.adt drops the voided ones)."""
    histories: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in select_where_in(session, EVENTS, "patient_id", sorted(patients)):
        histories[row["patient_id"]].append(row)
    for rows in histories.values():
        rows.sort(key=lambda r: (r["occurred_at"], r["event_id"]))
    return histories


def _stored_ids(session: Session, results: list[MessageResult], feed: FeedConfig) -> set[str]:
    """The event ids of the body's messages that are stored already (resends)."""
    ids = []
    for result in results:
        if result.received.message is not None:
            control = fields.control_id(result.received.message)
            if isinstance(control, str):
                ids.append(event_id(feed.code, control))
    return {r["event_id"] for r in select_where_in(session, EVENTS, "event_id", ids)}


def _as_stored(event: dict[str, Any]) -> dict[str, Any]:
    """A mapped event as a history row (naive UTC time, every payload field)."""
    row = {name: event.get(name) for name in PAYLOAD}
    row |= {k: event[k] for k in ("event_id", "type", "patient_id")}
    row["occurred_at"] = to_utc_naive(datetime.fromisoformat(event["occurred_at"]))
    return row


def _store(
    session: Session,
    accepted: list[MessageResult],
    now: datetime,
    changes: FigureChanges,
    sender: Sender,
) -> None:
    """The accepted messages' events through the ledger; those it refuses are refused, with
    its reason, and the others sent again."""
    pending = list(accepted)
    while pending:
        try:
            ingest(session, [r.event for r in pending], now=now, changes=changes, sender=sender)
            return
        except BatchRejected as rejected:
            refused = _refusals(rejected, len(pending))
            for index, problem in refused.items():
                pending[index].refuse(problem)
            pending = [r for i, r in enumerate(pending) if i not in refused]


def _refusals(rejected: BatchRejected, size: int) -> dict[int, FieldProblem]:
    """The ledger's first error per event, as a problem of the message; an error of no event
    (which should not happen for a batch this small) refuses them all."""
    found: dict[int, FieldProblem] = {}
    for error in rejected.errors:
        index = error["index"]
        problem = FieldProblem(LEDGER_FIELD.get(error["field"] or "", ""), error["message"])
        if index is None:
            return dict.fromkeys(range(size), problem)
        found.setdefault(index, problem)
    return found


def _record(session: Session, feed_code: str, results: list[MessageResult], now: datetime) -> None:
    """Each message's outcome in feed_message: ids, trigger, outcome and reason, no content."""
    rows = []
    for result in results:
        message = result.received.message
        rows.append(
            {
                "feed_code": feed_code,
                "received_at": now,
                "kind": "hl7v2",
                "message_id": _short(_of(message, fields.control_id)),
                "trigger": _short(_of(message, fields.trigger), 16),
                "outcome": result.outcome,
                "field": _short(result.field, 40),
                "reason": _short(result.reason, 300),
                "event_id": result.event["event_id"] if result.event else None,
            }
        )
    insert_rows(session, MESSAGES, rows)


def _of(message: Message | None, read: Any) -> str | None:
    if message is None:
        return None
    found = read(message)
    return found if isinstance(found, str) else None


def _short(text: str | None, length: int = 64) -> str | None:
    return None if text is None else text[:length]
