"""A simulated patient: where they are in their journey, and the events their feed will send.

Delay reasons come from the national list and fit both the pathway (the reference list's
`pathways` column) and the cause: while discharge arrangements are being made the reason is a
process one (H, T, I codes); once the person waits only for a free place it is the capacity
reason of the service they wait for (C codes).
"""

from __future__ import annotations

import random
from typing import Any

from seed.draw import Weighted

# The routes out of an acute bed, each a queue in `seed.services`.
HOME, PACKAGE, REABLEMENT, BED2, BED3, HOSPICE = (
    "home",
    "package",
    "reablement",
    "bed2",
    "bed3",
    "hospice",
)
ROUTE_PATHWAY = {HOME: 0, PACKAGE: 1, REABLEMENT: 1, BED2: 2, BED3: 3, HOSPICE: 3}
PROCESS_REASONS: dict[str, Weighted[str]] = {
    HOME: Weighted(("H3", "H4", "H2", "H1"), (40, 20, 25, 15)),
    PACKAGE: Weighted(("H5", "T2", "I4", "I11"), (30, 30, 30, 10)),
    REABLEMENT: Weighted(("H6", "H5", "I2"), (35, 25, 40)),
    BED2: Weighted(("H6", "T2", "I1", "T3"), (25, 25, 40, 10)),
    BED3: Weighted(("T1", "I5", "I11", "W4", "I12"), (30, 35, 15, 10, 10)),
    HOSPICE: Weighted(("I6",), (1,)),
}
CAPACITY_REASONS: dict[str, Weighted[str]] = {
    HOME: Weighted(("H2", "H1"), (60, 40)),
    PACKAGE: Weighted(("C10", "C9", "C4"), (70, 15, 15)),
    REABLEMENT: Weighted(("C5",), (1,)),
    BED2: Weighted(("C2",), (1,)),
    BED3: Weighted(("C11",), (1,)),
    HOSPICE: Weighted(("C3",), (1,)),
}
RESTART_REASON = "C1"  # a P0 patient waiting for their existing care to restart

# Patient states.
CLINICAL, READY, QUEUED, IN_D2A, AWAY, DONE = range(6)


class Patient:
    """One person; `events` are (minute, type, payload) in time order, ids given at the end."""

    __slots__ = (
        "pid",
        "age",
        "authority",
        "site",
        "source",
        "events",
        "last",
        "state",
        "token",
        "route",
        "restart",
        "setting",
        "unit",
        "ready_since",
        "eligible_at",
        "queued_day",
        "admitted_day",
        "reason",
        "process_reason",
        "d2a_outcome",
    )

    def __init__(self, pid: str, age: int, authority: str, site: int, source: str) -> None:
        self.pid = pid
        self.age = age
        self.authority = authority
        self.site = site
        self.source = source
        self.events: list[tuple[int, str, dict[str, Any]]] = []
        self.last = -1
        self.state = CLINICAL
        self.token = 0  # bumped on every change of state, so stale agenda items are ignored
        self.route = HOME
        self.restart = False
        self.setting = "acute"
        self.unit = ""
        self.ready_since: int | None = None
        self.eligible_at = 0
        self.queued_day = 0
        self.admitted_day = 0
        self.reason: str | None = None
        self.process_reason = ""
        self.d2a_outcome = ""

    def add(self, minute: int, type_: str, **payload: Any) -> int:
        """Appends an event no earlier than a minute after the last; returns its minute."""
        minute = max(minute, self.last + 1)
        self.events.append((minute, type_, payload))
        self.last = minute
        return minute

    def move(self, state: int) -> None:
        self.state = state
        self.token += 1

    @property
    def in_a_bed(self) -> bool:
        """In a stay (acute or D2A) now, rather than at home or gone."""
        return self.state in (CLINICAL, READY, QUEUED, IN_D2A)

    @property
    def pathway(self) -> int:
        return 0 if self.restart else ROUTE_PATHWAY[self.route]

    @property
    def lives_in_care_home(self) -> bool:
        return self.source == "care_home_return"

    def capacity_reasons(self) -> list[str]:
        return [RESTART_REASON] if self.restart else CAPACITY_REASONS[self.route].items

    def capacity_reason(self, rng: random.Random) -> str:
        """The reason for waiting for a place on this patient's route."""
        return RESTART_REASON if self.restart else CAPACITY_REASONS[self.route].draw(rng)


def process_reason(rng: random.Random, route: str) -> str:
    return PROCESS_REASONS[route].draw(rng)
