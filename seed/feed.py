"""Turns finished patient records into the batches a feed would send.

A patient's events travel together (each patient is in one batch, so loading rebuilds each
patient's derived rows about once), except for the realistic untidiness of real feeds: a few
patients' ward moves or delay reasons arrive a batch or three late, some patients' events come
out of time order within their batch, and a few wrong delay reasons are voided later and sent
again corrected.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from seed.clock import iso
from seed.params import Params
from seed.patient import Patient

LATE_TYPES = ("transferred", "delay_reason")
WRONG_REASON = "W1"  # what a tired clerk picks: "issues with discharge destination readiness"


@dataclass
class Batch:
    """Events to send together; `now` is the minute they are sent (no event is later)."""

    events: list[dict[str, Any]]
    now: int
    day: int  # the simulated day reached when the batch was cut, for progress
    system: int


@dataclass
class Batcher:
    """Collects patients' events into batches of about `size`, holding late events back."""

    size: int
    params: Params
    rng: random.Random
    end: int  # no event after this minute is sent (the run ends, or it is now)
    start: int  # patients whose record ends before this minute are not sent (warm-up only)
    current: list[dict[str, Any]] = field(default_factory=list)
    now: int = 0
    held: dict[int, list[tuple[int, dict[str, Any]]]] = field(default_factory=dict)
    sent: int = 0

    def add(self, patient: Patient, day: int, system: int) -> Iterator[Batch]:
        """Adds one finished patient; yields a batch when one is full."""
        kept = [e for e in patient.events if e[0] <= self.end]
        if not kept or (kept[-1][0] < self.start and not patient.in_a_bed):
            return  # all over before the run starts
        events = [event_row(patient.pid, k, e) for k, e in enumerate(kept)]
        minutes = [e[0] for e in kept]
        self._disturb(patient.pid, events, minutes)
        if self.current and len(self.current) + len(events) > self.size:
            yield self._cut(day, system)  # a patient's events stay together
        self.current += events
        self.now = max(self.now, minutes[-1])

    def _disturb(self, pid: str, events: list[dict[str, Any]], minutes: list[int]) -> None:
        roll = self.rng.random()
        p = self.params
        late = [i for i, e in enumerate(events) if e["type"] in LATE_TYPES]
        reasons = [i for i, e in enumerate(events) if e["type"] == "delay_reason"]
        if roll < p.void_share and reasons:
            self._void(pid, events, minutes, self.rng.choice(reasons))
        elif roll < p.void_share + p.late_share and late:
            index = self.rng.choice(late)
            later = self.sent + 1 + self.rng.randint(1, 3)
            self.held.setdefault(later, []).append((minutes[index], events.pop(index)))
        elif roll < p.void_share + p.late_share + p.shuffle_share:
            self.rng.shuffle(events)

    def _void(self, pid: str, events: list[dict[str, Any]], minutes: list[int], i: int) -> None:
        """Sends a wrong reason now; its void and the right one follow in a later batch."""
        right = dict(events[i])
        events[i]["reason_code"] = WRONG_REASON if right["reason_code"] != WRONG_REASON else "W4"
        fixed_at = min(self.end, minutes[i] + self.rng.randint(60, 2 * 1440))
        void = {
            "event_id": f"{pid}-v1",
            "type": "void",
            "patient_id": pid,
            "occurred_at": iso(fixed_at),
            "voids_event_id": right["event_id"],
            "note": "wrong delay reason recorded; corrected",
        }
        right["event_id"] = f"{pid}-c1"
        later = self.sent + 1 + self.rng.randint(1, 3)
        self.held.setdefault(later, []).extend([(fixed_at, void), (minutes[i], right)])

    def _cut(self, day: int, system: int) -> Batch:
        self.sent += 1
        for minute, event in self.held.pop(self.sent, []):
            self.current.append(event)
            self.now = max(self.now, minute)
        batch = Batch(self.current, self.now, day, system)
        self.current = []
        return batch

    def close(self, day: int, system: int) -> Iterator[Batch]:
        """The last batch, and any late events still held back."""
        while self.current or self.held:
            batch = self._cut(day, system)
            if batch.events:
                yield batch


def event_row(pid: str, k: int, event: tuple[int, str, dict[str, Any]]) -> dict[str, Any]:
    """The JSON event of a patient's `k`-th record entry, with the id `<pid>-<k>`."""
    minute, type_, payload = event
    row = {"event_id": f"{pid}-{k:02d}", "type": type_, "patient_id": pid}
    row["occurred_at"] = iso(minute)
    row.update(payload)
    return row
