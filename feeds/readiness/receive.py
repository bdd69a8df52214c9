"""Receiving a hub's readiness list (SPEC §9): read, check every row, compare with the
organisation's position at `as_of`, and store the events through the ledger, or, on a dry run,
have the ledger check them and store nothing.

The work per list is a fixed number of queries, whatever its length: the delay reason codes,
the open stays and the ready spans at `as_of`, the stays and readiness periods of the people
newly ready, then the ledger's own (known ids, the patients' events, the derived rows). The
local ids are turned into pseudonyms at once and kept nowhere; feed_message keeps the list's
counts, never an id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from feeds.config import FeedConfig
from feeds.pseudonym import pseudonym
from feeds.readiness.plan import KINDS, Plan, plan_changes
from feeds.readiness.position import read_pasts, read_position
from feeds.readiness.rows import ID, PATHWAY, READY_DATE, REASON, Listed, check_list, problem
from feeds.readiness.sheet import Unreadable, read_sheet
from ledger.changes import FigureChanges
from ledger.ingest import MAX_BATCH, BatchRejected, ingest
from ledger.sender import Sender
from models import Base, DelayReason
from models.clock import local_date
from store.dialect.bulk import insert_rows
from store.dialect.locks import lock_keys

MESSAGES = Base.metadata.tables["feed_message"]
# Where a ledger refusal points on the list.
LEDGER_COLUMN = {"pathway": PATHWAY, "reason_code": REASON, "patient_id": ID}


@dataclass
class ListOutcome:
    """What a list came to: `status` 200 with the plan, or the HTTP status of its refusal with
    every problem (`errors`)."""

    as_of: datetime
    dry_run: bool
    status: int = 200
    listed: int = 0
    plan: Plan = field(default_factory=Plan)
    errors: list[dict[str, Any]] = field(default_factory=list)
    stored: list[str] = field(default_factory=list)  # the ids of the events stored

    def refusal(self) -> list[dict[str, Any]]:
        """The errors as the answer gives them: row, column, message."""
        return [{k: error[k] for k in ("row", "column", "message")} for error in self.errors]

    def answer(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat() + "+00:00",
            "dry_run": self.dry_run,
            "listed": self.listed,
            "counts": self.plan.counts,
            "changes": self.plan.changes,
            "warnings": self.plan.warnings,
        }


def receive_list(
    session: Session,
    feed: FeedConfig,
    key: bytes,
    body: bytes,
    media_type: str,
    *,
    as_of: datetime,
    now: datetime,
    dry_run: bool,
    changes: FigureChanges,
    sender: Sender,
) -> ListOutcome:
    """The list `body` of `feed` as at `as_of` (naive UTC), checked, compared and (unless a dry
    run) stored in the caller's transaction. A refusal stores no event; the caller may still
    commit: what is written then is the list's feed_message row (a real run's only)."""
    outcome = ListOutcome(as_of, dry_run)
    # Two lists of one feed at once would each compare with the position before the other.
    lock_keys(session, [f"readiness-list:{feed.code}"])
    try:
        sheet = read_sheet(body, media_type)
    except Unreadable as unreadable:
        outcome.status, outcome.errors = (
            unreadable.status,
            [problem(None, None, unreadable.message)],
        )
        return _recorded(session, feed, outcome, now)
    reasons = frozenset(session.scalars(select(DelayReason.code)))
    listed, errors = check_list(sheet, as_of_day=local_date(as_of), reasons=reasons)
    outcome.listed = len(sheet.rows)
    if not errors:
        outcome.plan = _plan(session, feed, key, listed, as_of)
        errors = outcome.plan.errors
    if not errors and outcome.plan.events:
        errors = _through_ledger(session, outcome, now=now, changes=changes, sender=sender)
    if errors:
        outcome.status, outcome.errors, outcome.plan = 422, errors, Plan()
    return _recorded(session, feed, outcome, now)


def _plan(
    session: Session, feed: FeedConfig, key: bytes, listed: list[Listed], as_of: datetime
) -> Plan:
    organisation = feed.organisation_code
    patient_ids = [pseudonym(key, feed.code, person.local_id) for person in listed]
    position = read_position(session, organisation, as_of)
    newly = [position[p].spell_id for p in patient_ids if p in position and not position[p].ready]
    pasts = read_pasts(session, organisation, as_of, newly)
    return plan_changes(
        listed,
        patient_ids,
        position,
        pasts,
        feed_code=feed.code,
        organisation=organisation,
        as_of=as_of,
    )


def _through_ledger(
    session: Session,
    outcome: ListOutcome,
    *,
    now: datetime,
    changes: FigureChanges,
    sender: Sender,
) -> list[dict[str, Any]]:
    """The plan's events through the ledger's checks in a savepoint, kept unless this is a dry
    run or the ledger refuses any; the ledger's errors as the list's. Batches of at most
    MAX_BATCH events, one patient's events never split (the ledger sees the earlier batches'
    events: they are in the transaction). Any other error leaves the savepoint to the caller's
    transaction, which it rolls back whole."""
    plan = outcome.plan
    savepoint = session.begin_nested()
    try:
        for start, end in _batches(plan.events):
            ingest(session, plan.events[start:end], now=now, changes=changes, sender=sender)
    except BatchRejected as rejected:
        savepoint.rollback()
        return [_ledger_error(plan, start, error) for error in rejected.errors]
    if outcome.dry_run:
        savepoint.rollback()
    else:
        savepoint.commit()
        outcome.stored = [event["event_id"] for event in plan.events]
    return []


def _batches(events: list[dict[str, Any]]) -> list[tuple[int, int]]:
    """[start, end) ranges of at most MAX_BATCH events; a patient's events are adjacent in a
    plan (but withdrawals, one per patient), so a cut is made only between patients."""
    ranges, start = [], 0
    while len(events) - start > MAX_BATCH:
        end = start + MAX_BATCH
        while events[end]["patient_id"] == events[end - 1]["patient_id"]:
            end -= 1
        ranges.append((start, end))
        start = end
    ranges.append((start, len(events)))
    return ranges


def _ledger_error(plan: Plan, offset: int, error: dict[str, Any]) -> dict[str, Any]:
    """A ledger error as a problem of the list row its event came from; a withdrawal's, or an
    error of no event, has no row (a withdrawal's names the patient id: it is on no row)."""
    index = error["index"]
    if index is None:
        return problem(None, None, error["message"])
    event = plan.events[offset + index]
    row = plan.rows[offset + index]
    message = error["message"]
    if error["field"] == "event_id":  # a conflict: the same list's event, with other content
        message = (
            f"a list sent earlier for this as_of recorded another {event['type']} for this "
            "person; send the corrected list with a later as_of"
        )
    if row is None:  # flagged, so that feed_message does not keep the patient's id
        refused = problem(None, None, f"{event['type']} of {event['patient_id']}: {message}")
        return refused | {"patient": True}
    column = LEDGER_COLUMN.get(error["field"] or "")
    if column is None and event["type"] == "discharge_ready":
        column = READY_DATE
    return problem(row, column, message)


def _recorded(
    session: Session, feed: FeedConfig, outcome: ListOutcome, now: datetime
) -> ListOutcome:
    """A real run's list in feed_message: its outcome and counts, no id (a dry run stores
    nothing)."""
    if outcome.dry_run:
        return outcome
    if outcome.status == 200:
        counts = ", ".join(f"{kind} {outcome.plan.counts[kind]}" for kind in KINDS)
        warned = len(outcome.plan.warnings)
        reason = f"{outcome.listed} listed; {counts}; {warned} warnings"
    else:
        count = len(outcome.errors)
        reason = f"{count} problem{'s' if count > 1 else ''}; first, {_where(outcome.errors[0])}"
    row = {
        "feed_code": feed.code,
        "received_at": now,
        "kind": "readiness",
        "message_id": None,
        "trigger": None,
        "outcome": "accepted" if outcome.status == 200 else "refused",
        "field": None,
        "reason": reason[:300],
        "event_id": None,
    }
    insert_rows(session, MESSAGES, [row])
    return outcome


def _where(error: dict[str, Any]) -> str:
    """A problem as feed_message keeps it: a row's with its message (which holds no id), one of
    no row with its message unless it is about an unlisted patient, whom it names."""
    if error["row"] is None:
        return "the list" if error.get("patient") else f"the list: {error['message']}"
    column = f" {error['column']}" if error["column"] else ""
    return f"row {error['row']}{column}: {error['message']}"
