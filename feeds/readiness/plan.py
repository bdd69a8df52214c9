"""A checked readiness list compared with the organisation's position at `as_of`, as the events
that make the record say what the list says, and the changes and warnings to show for them.

All at `as_of`, but the start of a readiness (see `ready_from`):
- `discharge_ready` (with the list's pathway) for a listed person who is not ready, and a
  `delay_reason` too when the list gives a reason;
- `pathway_changed` for a ready person whose planned pathway is not the list's;
- `delay_reason` for a ready person whose current reason is not the list's (when it gives one;
  a blank reason leaves the recorded one as it is: no event clears a reason);
- `readiness_withdrawn` for a ready person of the organisation who is not listed.
A ready person's discharge ready date is never moved by a list: moving it would rewrite a
readiness another sender may have recorded. When the list's date differs it is a warning.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from feeds.readiness.position import OpenStay, Past
from feeds.readiness.rows import READY_DATE, Listed, problem
from models.clock import census_instant, local_date

KINDS = ("discharge_ready", "pathway_changed", "delay_reason", "readiness_withdrawn")
SECOND = timedelta(seconds=1)
ONE_DAY = timedelta(days=1)
ID_PREFIX = "rl#"  # 3 + 60 hex characters: at most 64, and never an NHS number


@dataclass
class Plan:
    """The events (as a sender would post them) with the list row each comes from (None for a
    withdrawal), and what the answer shows."""

    events: list[dict[str, Any]] = field(default_factory=list)
    rows: list[int | None] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(event["type"] for event in self.events)
        return {kind: counted[kind] for kind in KINDS}

    def add(
        self,
        row: int | None,
        event: dict[str, Any],
        before: Any,
        after: Any,
    ) -> None:
        self.events.append(event)
        self.rows.append(row)
        change = {"row": row, "patient_id": event["patient_id"], "change": event["type"]}
        self.changes.append(change | {"from": before, "to": after})


def event_id(feed_code: str, as_of: datetime, patient_id: str, kind: str) -> str:
    """The same list at the same `as_of` (naive UTC) gives the same ids, so a resend is stored
    once. A hash of all four, so the id tells nothing of the patient."""
    key = f"{feed_code}\x00{as_of.isoformat()}\x00{patient_id}\x00{kind}"
    return ID_PREFIX + hashlib.sha256(key.encode()).hexdigest()[:60]


def ready_from(listed: Listed, past: Past, as_of: datetime) -> datetime | None:
    """When a listed person's new readiness begins (naive UTC), None when it cannot before
    `as_of`.

    The discharge ready date is a day; the readiness begins at its local midnight, the first
    instant of that day, so its local date is the DRD and it counts in that day's census. But:
    - never before the patient came into the organisation's units (their admission, or the
      transfer in): then one second after it, so it falls inside the stay the list is about,
      strictly after the admission, and its DRD is the admission's date (a readiness cannot
      precede the stay, and events at one instant are ordered by type, not by intent);
    - never at or before the end of an earlier readiness of the spell (a withdrawal): then
      one second after it, as a readiness declared again; begun earlier, it would fall inside
      or before the withdrawn readiness, and the withdrawal would still end it.
    It is never after `as_of` (the list says the person is ready then): an admission less than
    a second before `as_of` gives `as_of` itself, which sorts after the admission; a withdrawal
    at `as_of` itself leaves no instant (None: the row is refused; a later `as_of` works).
    """
    at = max(census_instant(listed.ready_date - ONE_DAY), past.entered_at + SECOND)
    ended = past.readiness_ended_at
    if ended is not None and at <= ended:
        at = ended + SECOND
        if at > as_of:
            return None
    return min(at, as_of)


def plan_changes(
    listed: list[Listed],
    patient_ids: list[str],
    position: dict[str, OpenStay],
    pasts: dict[str, Past],
    *,
    feed_code: str,
    organisation: str,
    as_of: datetime,
) -> Plan:
    """The events, changes and warnings of a list; `patient_ids[i]` is the pseudonym of
    `listed[i]`."""
    plan = Plan()
    at = _iso(as_of)

    def make(patient: str, kind: str, occurred_at: str, **payload: Any) -> dict[str, Any]:
        made = {"event_id": event_id(feed_code, as_of, patient, kind), "type": kind}
        return made | {"patient_id": patient, "occurred_at": occurred_at, **payload}

    for person, patient in zip(listed, patient_ids, strict=True):
        row, stay = person.row, position.get(patient)
        if stay is None:
            message = f"no open acute stay in {organisation}'s units at as_of: nothing recorded"
            plan.warnings.append({"row": row, "message": message})
            continue
        if not stay.ready:
            _newly_ready(plan, person, patient, pasts[stay.spell_id], as_of, make)
        else:
            if stay.pathway != person.pathway:
                event = make(patient, "pathway_changed", at, pathway=person.pathway)
                plan.add(row, event, stay.pathway, person.pathway)
            _warn_of_another_date(plan, person, stay)
        reason = person.reason_code
        if reason is not None and (not stay.ready or stay.reason_code != reason):
            event = make(patient, "delay_reason", at, reason_code=reason)
            plan.add(row, event, stay.reason_code, reason)
    on_list = set(patient_ids)
    for patient in sorted(position):
        stay = position[patient]
        if stay.ready and patient not in on_list:
            drd = stay.ready_date.isoformat() if stay.ready_date else None
            plan.add(None, make(patient, "readiness_withdrawn", at), drd, None)
    return plan


def _newly_ready(
    plan: Plan, person: Listed, patient: str, past: Past, as_of: datetime, make: Any
) -> None:
    begins = ready_from(person, past, as_of)
    if begins is None:
        message = "readiness was withdrawn at as_of itself; send the list again with a later as_of"
        plan.errors.append(problem(person.row, READY_DATE, message))
        return
    event = make(patient, "discharge_ready", _iso(begins), pathway=person.pathway)
    plan.add(person.row, event, None, local_date(begins).isoformat())
    if local_date(begins) != person.ready_date:
        message = (
            f"ready_date {person.ready_date.isoformat()} is before the patient could be ready "
            f"again (admitted, moved in or readiness withdrawn later): recorded as ready from "
            f"{local_date(begins).isoformat()}"
        )
        plan.warnings.append({"row": person.row, "message": message})


def _warn_of_another_date(plan: Plan, person: Listed, stay: OpenStay) -> None:
    if stay.ready_date is not None and stay.ready_date != person.ready_date:
        message = (
            f"ready_date {person.ready_date.isoformat()} is not the discharge ready date on "
            f"record ({stay.ready_date.isoformat()}), which a list does not change"
        )
        plan.warnings.append({"row": person.row, "message": message})


def _iso(at: datetime) -> str:
    return at.isoformat() + "+00:00"
