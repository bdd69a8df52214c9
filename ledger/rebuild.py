"""Rebuilds every derived table from the event log, the source of truth (SPEC §3)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.changes import FigureChanges
from ledger.event_tally import rebuild_tally
from ledger.ingest import EVENTS, live_rows, stored_spells, timeline_events, write_derived
from ledger.reference import load_reference_codes
from ledger.timeline import replay_patient
from models import Event
from store.dialect.bulk import select_where_in
from store.statistics import analyse_stale

CHUNK = 2_000


class InconsistentLog(RuntimeError):
    """A stored timeline no longer replays (the reference data changed under it)."""


def rebuild_derived(
    session: Session,
    changes: FigureChanges,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Replays every patient's live events, replaces the derived rows, recounts the per-day
    event tally and tells the figure cache that every day may have changed.

    Tables left stale are analysed first (store.statistics): the replay reads and deletes by
    lists of ids, and without statistics PostgreSQL scans whole tables for each list (on
    20,000 patients: 501 s, and 6 s analysed)."""
    analyse_stale(session.connection())
    refs = load_reference_codes(session)
    query = select(Event.patient_id).distinct().order_by(Event.patient_id)
    patients = list(session.scalars(query))
    for start in range(0, len(patients), CHUNK):
        chunk = patients[start : start + CHUNK]
        by_patient: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in select_where_in(session, EVENTS, "patient_id", chunk):
            by_patient[row["patient_id"]].append(row)
        derived: dict[str, Any] = {"patients": chunk, "stored_spells": stored_spells(by_patient)}
        derived |= {"spells": [], "stays": [], "readiness": [], "ready_spans": []}
        for patient in chunk:
            result, problems = replay_patient(
                timeline_events(live_rows(by_patient[patient]), {}), refs.units
            )
            if problems:
                raise InconsistentLog(f"patient {patient!r}: {problems[0].message}")
            for key in ("spells", "stays", "readiness", "ready_spans"):
                derived[key] += getattr(result, key)
        write_derived(session, derived)
        if progress:
            progress(min(start + CHUNK, len(patients)), len(patients))
    first_day = rebuild_tally(session)
    if first_day is not None:
        changes(session, first_day)
    return len(patients)
