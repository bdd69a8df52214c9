"""Appends a batch of events atomically, after checking each against its patient's timeline.

Cost depends on the patients in the batch: one query for known event ids, one for the
patients' stored events, then the derived rows of just those patients are rebuilt.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Table
from sqlalchemy.orm import Session

from ledger.changes import FigureChanges
from ledger.event_tally import add_to_tally, tally_at
from ledger.events import PAYLOAD, EventIn, type_field_errors
from ledger.nhs_number import identifier_is_nhs_number
from ledger.reference import ReferenceCodes, load_reference_codes
from ledger.sender import CLI, Sender, out_of_scope
from ledger.timeline import TimelineEvent, replay_patient
from models import Base, ReadinessPeriod, ReadySpan, Spell, Stay
from models.clock import to_utc_naive
from store.dialect.bulk import (
    delete_pairs,
    delete_where_in,
    insert_rows,
    select_tuples_where_in,
    select_where_in,
)
from store.dialect.locks import lock_patients

MAX_BATCH = 10_000
DERIVED_KEYS = ("spells", "stays", "readiness", "ready_spans")
BATCH = TypeAdapter(list[EventIn])
EVENTS = Base.metadata.tables["event"]
FUTURE_TOLERANCE = timedelta(minutes=5)
COMPARED = ("type", "patient_id", "occurred_at", *PAYLOAD)
PYDANTIC_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "is not a field of an event (never send names or NHS numbers)",
    "timezone_aware": "must be an ISO 8601 time with an offset, e.g. 2025-01-06T14:00:00+00:00",
}


@dataclass
class BatchRejected(Exception):
    """The batch stored nothing; `errors` lists every problem found."""

    status: int
    errors: list[dict[str, Any]]


@dataclass
class IngestResult:
    accepted: int
    duplicates: int
    event_ids: list[str] = field(default_factory=list)  # those stored (for the audit log)


@dataclass(slots=True)
class _Incoming:
    index: int
    event_id: str
    row: dict[str, Any]  # the event as it would be stored


def _error(
    index: int | None, event_id: str | None, field_: str | None, message: str
) -> dict[str, Any]:
    return {"index": index, "event_id": event_id, "field": field_, "message": message}


def _validate_one(index: int, raw: Any) -> tuple[EventIn | None, list[dict[str, Any]]]:
    """One event through the schema: the event, or every schema error, each naming its field."""
    if not isinstance(raw, dict):
        return None, [_error(index, None, None, "each event must be a JSON object")]
    try:
        return EventIn.model_validate(raw), []
    except ValidationError as exc:
        event_id = raw.get("event_id")
        shown = isinstance(event_id, str) and not identifier_is_nhs_number(event_id)
        event_id = event_id if shown else None  # an answer never repeats an NHS number
        return None, [
            _error(
                index,
                event_id,
                ".".join(str(p) for p in err["loc"]) or None,
                PYDANTIC_MESSAGES.get(err["type"], err["msg"]),
            )
            for err in exc.errors()
        ]


def _validated(raw_events: list[Any]) -> tuple[list[EventIn | None], list[dict[str, Any]]]:
    """The batch through the schema in one call; event by event only when something fails,
    to list each event's errors."""
    try:
        return list(BATCH.validate_python(raw_events)), []
    except ValidationError:
        pass
    events: list[EventIn | None] = []
    errors: list[dict[str, Any]] = []
    for index, raw in enumerate(raw_events):
        event, problems = _validate_one(index, raw)
        events.append(event)
        errors += problems
    return events, errors


def _parse(
    raw_events: list[Any], refs: ReferenceCodes, now: datetime, sender: Sender
) -> tuple[list[_Incoming], list[dict[str, Any]]]:
    """Field checks for every event: types, required fields, codes, times."""
    events, errors = _validated(raw_events)
    # Compared aware, before any conversion: 9999-12-31T23:59:59-14:00 is refused here, where
    # its conversion to UTC would overflow.
    latest = (now + FUTURE_TOLERANCE).replace(tzinfo=UTC)
    incoming: list[_Incoming] = []
    for index, event in enumerate(events):
        if event is None:
            continue
        payload = event.payload()
        problems = type_field_errors(event, payload) + refs.code_errors(event)
        if event.occurred_at > latest:
            problems.append(("occurred_at", "is more than 5 minutes in the future"))
        if problems:
            errors += [_error(index, event.event_id, f, m) for f, m in problems]
            continue
        row = {
            "event_id": event.event_id,
            "type": event.type,
            "patient_id": event.patient_id,
            "occurred_at": to_utc_naive(event.occurred_at),
            "received_at": now,
            "sent_by": sender.token_id,
            **payload,
        }
        incoming.append(_Incoming(index, event.event_id, row))
    return incoming, errors


def _same_content(stored: dict[str, Any], row: dict[str, Any]) -> bool:
    return all(stored[name] == row[name] for name in COMPARED)


def _split_known(
    session: Session, incoming: list[_Incoming]
) -> tuple[list[_Incoming], int, list[dict[str, Any]], list[dict[str, Any]]]:
    """New events, the duplicate count, conflicts (409) and in-batch clashes (422)."""
    stored = {
        r["event_id"]: r
        for r in select_where_in(session, EVENTS, "event_id", [i.event_id for i in incoming])
    }
    seen: dict[str, _Incoming] = {}
    new: list[_Incoming] = []
    duplicates = 0
    conflicts: list[dict[str, Any]] = []
    clashes: list[dict[str, Any]] = []
    for item in incoming:
        known = stored.get(item.event_id)
        earlier = seen.get(item.event_id)
        if known is not None and _same_content(known, item.row):
            duplicates += 1
        elif known is not None:
            conflicts.append(
                _error(
                    item.index, item.event_id, "event_id", "is already stored with other content"
                )
            )
        elif earlier is not None and _same_content(earlier.row, item.row):
            duplicates += 1
        elif earlier is not None:
            message = f"is used twice in this batch with different content (index {earlier.index})"
            clashes.append(_error(item.index, item.event_id, "event_id", message))
        else:
            seen[item.event_id] = item
            new.append(item)
    return new, duplicates, conflicts, clashes


def _void_errors(
    voids: list[_Incoming], by_id: dict[str, dict[str, Any]], voided: set[str]
) -> list[dict[str, Any]]:
    """A void must name an event of the same patient that is not a void and not yet voided."""
    errors = []
    counted: set[str] = set()
    for item in voids:
        target_id = item.row["voids_event_id"]
        target = by_id.get(target_id)
        if target is None:
            message = "names no event of this patient (stored or in this batch)"
        elif target["type"] == "void":
            message = "names a void; a void cannot be voided: send the event again with a new id"
        elif target_id in voided or target_id in counted:
            message = "names an event that is already voided"
        else:
            counted.add(target_id)
            continue
        errors.append(_error(item.index, item.event_id, "voids_event_id", message))
    return errors


def timeline_events(rows: list[dict[str, Any]], indexes: dict[str, int]) -> list[TimelineEvent]:
    """The replay's view of stored or incoming event rows (the row itself serves as payload:
    it holds every payload field)."""
    return [
        TimelineEvent(
            r["event_id"],
            r["type"],
            r["patient_id"],
            r["occurred_at"],
            r,
            indexes.get(r["event_id"]),
        )
        for r in rows
    ]


def live_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The events that shape the timeline: neither a void nor voided."""
    voided = {r["voids_event_id"] for r in rows if r["type"] == "void"}
    return [r for r in rows if r["type"] != "void" and r["event_id"] not in voided]


def _check_voids(
    rows: list[dict[str, Any]],
    mine: list[_Incoming],
    indexes: dict[str, int],
    void_targets: dict[str, datetime | None],
) -> list[dict[str, Any]]:
    """A patient's new voids checked against their events; notes each void's target time."""
    stored_voided = {
        r["voids_event_id"] for r in rows if r["type"] == "void" and r["event_id"] not in indexes
    }
    new_voids = [i for i in mine if i.row["type"] == "void"]
    by_id = {r["event_id"]: r for r in rows}
    for void in new_voids:  # a void is tallied with its target's day (services.tally)
        target = by_id.get(void.row["voids_event_id"])
        void_targets[void.event_id] = target["occurred_at"] if target else None
    return _void_errors(new_voids, by_id, stored_voided)


def _check_and_derive(
    session: Session, new: list[_Incoming], refs: ReferenceCodes, sender: Sender
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Replays each touched patient with the new events in place: derived rows and errors
    (a scoped sender's events about other organisations' units among them)."""
    new_by_patient: dict[str, list[_Incoming]] = defaultdict(list)
    for item in new:
        new_by_patient[item.row["patient_id"]].append(item)
    patients = sorted(new_by_patient)
    by_patient: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for stored in select_where_in(session, EVENTS, "patient_id", patients):
        by_patient[stored["patient_id"]].append(stored)
    indexes = {i.event_id: i.index for i in new}
    errors: list[dict[str, Any]] = []
    derived: dict[str, Any] = {"patients": patients, "stored_spells": stored_spells(by_patient)}
    derived |= {key: [] for key in DERIVED_KEYS} | {"void_targets": {}}
    spells, stays, readiness, spans = (derived[k] for k in DERIVED_KEYS)
    event_units: dict[str, str] = {}
    for patient in patients:
        mine = new_by_patient[patient]
        rows = by_patient[patient] + [i.row for i in mine]
        if any(r["type"] == "void" for r in rows):
            errors += _check_voids(rows, mine, indexes, derived["void_targets"])
            if sender.organisation is not None:
                event_units |= _units_before_voids(rows, indexes, refs)
            rows = live_rows(rows)
        [blame] = timeline_events([mine[0].row], indexes)
        result, problems = replay_patient(timeline_events(rows, indexes), refs.units, blame)
        if problems:
            errors += [
                _error(p.event.index, p.event.event_id, p.field, p.message) for p in problems
            ]
        spells += result.spells
        stays += result.stays
        readiness += result.readiness
        spans += result.ready_spans
        event_units |= result.event_units
    for row, field_, message in out_of_scope(sender, [i.row for i in new], event_units, refs.units):
        errors.append(_error(indexes[row["event_id"]], row["event_id"], field_, message))
    return derived, errors


def _units_before_voids(
    rows: list[dict[str, Any]], indexes: dict[str, int], refs: ReferenceCodes
) -> dict[str, str]:
    """The unit each event is about in the timeline without the batch's voids: where a void's
    target stood, so a scoped sender's void is checked against it."""
    kept = [r for r in rows if not (r["type"] == "void" and r["event_id"] in indexes)]
    result, _problems = replay_patient(timeline_events(live_rows(kept), {}), refs.units)
    return result.event_units


def _table(model: type[Base]) -> Table:
    return Base.metadata.tables[model.__tablename__]


DERIVED_CHILDREN = ((ReadySpan, "ready_spans"), (ReadinessPeriod, "readiness"), (Stay, "stays"))
ORGANISED = (ReadySpan, Stay, Spell)  # derived rows that figures count by organisation


def stored_spells(events_by_patient: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Every spell the patients can have stored: a spell's id is its admission's event_id, so
    these are the ids of their stored admissions (voided ones too: deleting an absent id costs
    a probe)."""
    return sorted(
        row["event_id"]
        for rows in events_by_patient.values()
        for row in rows
        if row["type"] == "admitted"
    )


def write_derived(session: Session, derived: dict[str, Any]) -> frozenset[str]:
    """Brings the derived rows of a set of patients to those their replay gave: reads the rows
    stored under the spells `stored_spells` names, deletes those the replay no longer gives
    as they are, and inserts those it gives anew. Returns the organisations of the patients'
    rows, stored and replayed, changed or not: no other organisation's figures can change
    (metrics.tally recounts only theirs). A row left as it was can still count differently
    (a discharge becomes a readmission's when the patient is admitted again), so its
    organisation is named too.

    A row the replay gives exactly as stored is left alone. A batch rewrote each patient's
    every spell, though mostly only the open one changes: on the national year a fifth to two
    fifths of the stays and ready spans written were identical to the ones deleted, each
    insert costing an entry in five indexes. Reading by spell id probes each table's primary
    key, as the delete of them all did."""
    spell_ids = derived["stored_spells"]
    touched: set[str] = set()
    adding: dict[type[Base], list[dict[str, Any]]] = {}
    for model, key in (*DERIVED_CHILDREN, (Spell, "spells")):
        table = _table(model)
        stored = select_tuples_where_in(session, table, "spell_id", spell_ids)
        gone, new = _differences(table, stored, derived[key])
        if model in ORGANISED:
            where = list(table.columns.keys()).index("organisation_code")
            touched.update(row[where] for row in stored)
            touched.update(row["organisation_code"] for row in derived[key])
        if model is Spell:
            delete_where_in(session, table, "spell_id", [row[0] for row in gone])
        else:
            delete_pairs(session, table, ("spell_id", "seq"), [(row[0], row[1]) for row in gone])
        adding[model] = new
    insert_rows(session, _table(Spell), adding[Spell])
    for model, _key in reversed(DERIVED_CHILDREN):
        insert_rows(session, _table(model), adding[model])
    return frozenset(touched)


def _differences(
    table: Table, stored: list[tuple[Any, ...]], wanted: list[dict[str, Any]]
) -> tuple[list[tuple[Any, ...]], list[dict[str, Any]]]:
    """The stored rows (tuples in the table's column order, the key first) to delete and the
    wanted rows to insert: those whose key the other side lacks, or holds with any column
    different (a column a wanted row leaves out is NULL).

    A wanted row is made a whole tuple only when a stored row has its key: a batch's new
    patients, and the new spells of known ones, have none to compare with (building every
    row's tuple was a tenth of a batch's instructions)."""
    names = list(table.columns.keys())
    width = len(table.primary_key.columns)
    assert names[:width] == [c.name for c in table.primary_key.columns]  # noqa: S101
    keys = names[:width]
    have = {row[:width]: row for row in stored}
    kept: set[tuple[Any, ...]] = set()
    new = []
    for row in wanted:
        key = tuple(row.get(name) for name in keys)
        old = have.get(key)
        if old is not None and old == tuple(row.get(name) for name in names):
            kept.add(key)
        else:
            new.append(row)
    gone = [row for row in stored if row[:width] not in kept]
    return gone, new


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused for one batch.

    A batch makes some hundred thousand short-lived dicts and lists, freed by reference
    counting as it goes; they set off collections that trace every object of the process, a
    tenth of the batch's instructions, to find cycles the batch does not make.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def ingest(
    session: Session,
    raw_events: list[Any],
    *,
    now: datetime,
    changes: FigureChanges,
    sender: Sender = CLI,
) -> IngestResult:
    """Validates and appends a batch; raises BatchRejected, storing nothing, on any error."""
    with _collector_paused():
        return _ingest(session, raw_events, now=now, changes=changes, sender=sender)


def _ingest(
    session: Session,
    raw_events: list[Any],
    *,
    now: datetime,
    changes: FigureChanges,
    sender: Sender,
) -> IngestResult:
    if not raw_events:
        raise BatchRejected(
            422, [_error(None, None, None, "the batch is empty: send 1 to 10,000 events")]
        )
    if len(raw_events) > MAX_BATCH:
        message = f"the batch has {len(raw_events)} events; the most is {MAX_BATCH}"
        raise BatchRejected(413, [_error(None, None, None, message)])
    refs = load_reference_codes(session)
    incoming, errors = _parse(raw_events, refs, now, sender)
    lock_patients(session, [i.row["patient_id"] for i in incoming])
    new, duplicates, conflicts, clashes = _split_known(session, incoming)
    errors += clashes
    derived, timeline_errors = _check_and_derive(session, new, refs, sender) if new else ({}, [])
    errors += timeline_errors
    if errors or conflicts:
        all_errors = sorted(errors + conflicts, key=lambda e: (e["index"] is None, e["index"] or 0))
        raise BatchRejected(409 if conflicts and not errors else 422, all_errors)
    if new:
        insert_rows(session, EVENTS, [i.row for i in new])
        touched = write_derived(session, derived)
        targets = derived["void_targets"]
        first_day = add_to_tally(
            session,
            (
                (tally_at(i.row["occurred_at"], targets.get(i.event_id)), i.row["received_at"])
                for i in new
            ),
        )
        if first_day is not None:
            changes(session, first_day, touched)
    stored = [i.event_id for i in new]
    return IngestResult(accepted=len(new), duplicates=duplicates, event_ids=stored)
