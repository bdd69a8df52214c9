"""Downstream capacity, simulated day by day: the queues of people ready to leave an acute (or
community) bed, and the finite places that take them.

D2A services have beds or slots (capacity with history); packages of care have a number of
starts a day; going home with no new support needs only a decision, which is slower at
weekends. Each day the free places are filled first come, first served, so when P2 beds are
full the people ready for them wait: their delay comes from the queue.
"""

from __future__ import annotations

import math
import random
from datetime import date

from seed.clock import Calendar
from seed.patient import BED2, BED3, HOME, HOSPICE, PACKAGE, REABLEMENT, Patient
from seed.system import D2A_LOS, SystemPlan

# Share of the usual decisions or admissions made on Saturday and Sunday.
HOME_GATE = (0.99, 0.99, 0.99, 0.99, 0.99, 0.96, 0.94)
WEEKEND_STARTS = {
    PACKAGE: (0.8, 0.7),
    REABLEMENT: (0.8, 0.7),
    BED2: (0.5, 0.3),
    BED3: (0.3, 0.15),
}
CARE_MARKET = (0.9, 1.1)  # weekly package starts vary between these shares of the usual
# Bed-based pathways: days waited before a spot purchase is sought, and the daily chance of one.
SPOT_PURCHASE = {2: (8, 0.13), 3: (12, 0.1)}
ROUTES = (HOME, HOSPICE, PACKAGE, REABLEMENT, BED2, BED3)
BED_PATHWAY = {REABLEMENT: 1, BED2: 2, BED3: 3}

QueueKey = tuple[str, str | None]


def probabilistic_round(rng: random.Random, value: float) -> int:
    """An integer whose expected value is `value`."""
    whole = math.floor(value)
    return whole + (1 if rng.random() < value - whole else 0)


class Services:
    """Capacity, occupancy and the queues of one system."""

    def __init__(self, plan: SystemPlan, calendar: Calendar) -> None:
        self.calendar = calendar
        self.authorities = plan.authorities
        self.package_starts = plan.package_starts
        self.capacity = {s.code: self._schedule(s.capacity) for s in plan.services}
        self.authority_of = {s.code: s.authority for s in plan.services}
        self.pathway_of = {s.code: s.pathway for s in plan.services}
        self.units_by_pathway: dict[int, list[str]] = {1: [], 2: [], 3: []}
        for service in plan.services:
            self.units_by_pathway[service.pathway].append(service.code)
        self.occupied = dict.fromkeys(self.capacity, 0)
        self.prefilled: dict[int, list[str]] = {}  # day → units someone admitted earlier leaves
        self.queues: dict[QueueKey, list[tuple[Patient, int]]] = {}
        self.market: dict[str, tuple[int, float]] = {}

    def prefill(self, rng: random.Random, within: int) -> None:
        """Starts every D2A service full of people admitted before the simulation (never sent),
        who leave within `within` days: queues are then realistic from the first day of the
        run instead of building up from empty services."""
        for unit, pathway in self.pathway_of.items():
            median = D2A_LOS[pathway][0]
            for _ in range(self.capacity_on(unit, 0)):
                leave = min(within - 1, int(rng.random() * 1.5 * median))
                self.prefilled.setdefault(leave, []).append(unit)
                self.occupied[unit] += 1

    def start_day(self, day: int) -> None:
        for unit in self.prefilled.pop(day, []):
            self.occupied[unit] -= 1

    def _schedule(self, history: list[tuple[date, int]]) -> list[tuple[int, int]]:
        return [((when - self.calendar.first).days, beds) for when, beds in history]

    def capacity_on(self, unit: str, day: int) -> int:
        beds = self.capacity[unit][0][1]
        for start, value in self.capacity[unit]:
            if start <= day:
                beds = value
        return beds

    def key(self, patient: Patient) -> QueueKey:
        local = patient.route in (PACKAGE, REABLEMENT)
        return (patient.route, patient.authority if local else None)

    def enqueue(self, patient: Patient) -> None:
        self.queues.setdefault(self.key(patient), []).append((patient, patient.token))

    def release(self, unit: str) -> None:
        self.occupied[unit] -= 1

    def place(
        self, day: int, cutoffs: tuple[int, int], rng: random.Random
    ) -> list[tuple[Patient, str | None]]:
        """Today's placements, queue by queue; a patient eligible after the cutoff waits (the
        second, later cutoff is for going home with no new support)."""
        placed: list[tuple[Patient, str | None]] = []
        for route in ROUTES:
            for authority in (None, *self.authorities):
                entries = self.queues.get((route, authority))
                if entries:
                    live = [(p, t) for p, t in entries if p.token == t]
                    cutoff = cutoffs[1] if route == HOME else cutoffs[0]
                    ready = [p for p, _t in live if p.eligible_at <= cutoff]
                    chosen = self._fill(route, authority, ready, day, rng)
                    taken = {id(p) for p, _unit in chosen}
                    self.queues[(route, authority)] = [e for e in live if id(e[0]) not in taken]
                    placed += chosen
        return placed

    def _fill(
        self, route: str, authority: str | None, ready: list[Patient], day: int, rng: random.Random
    ) -> list[tuple[Patient, str | None]]:
        weekday = self.calendar.weekday(day)
        if route in (HOME, HOSPICE):  # same-day emergency care does not wait for a senior review
            gate = HOME_GATE[weekday]
            return [(p, None) for p in ready if p.admitted_day == day or rng.random() < gate]
        factor = WEEKEND_STARTS[route][weekday - 5] if weekday >= 5 else 1.0
        if route == PACKAGE:
            assert authority is not None
            factor *= self._care_market(authority, day, rng)
            starts = probabilistic_round(rng, self.package_starts[authority] * factor)
            return [(p, None) for p in ready[:starts]]
        return self._fill_beds(BED_PATHWAY[route], authority, ready, day, factor, rng)

    def _care_market(self, authority: str, day: int, rng: random.Random) -> float:
        """This week's share of the usual package starts: care providers' staffing varies."""
        week = (day + self.calendar.weekday(0)) // 7
        if self.market.get(authority, (None, 1.0))[0] != week:
            self.market[authority] = (week, rng.uniform(*CARE_MARKET))
        return self.market[authority][1]

    def _fill_beds(
        self,
        pathway: int,
        authority: str | None,
        ready: list[Patient],
        day: int,
        factor: float,
        rng: random.Random,
    ) -> list[tuple[Patient, str | None]]:
        units = [
            u
            for u in self.units_by_pathway[pathway]
            if authority is None or self.authority_of[u] == authority
        ]
        free = {u: self.capacity_on(u, day) - self.occupied[u] for u in units}
        allowed = {u: probabilistic_round(rng, max(0, n) * factor) for u, n in free.items()}
        chosen: list[tuple[Patient, str | None]] = []
        for patient in ready:
            open_units = [u for u in units if allowed[u] > 0]
            if not open_units:
                break
            local = [u for u in open_units if self.authority_of[u] == patient.authority]
            unit = (local or sorted(open_units, key=lambda u: -allowed[u]))[0]
            allowed[unit] -= 1
            self.occupied[unit] += 1
            chosen.append((patient, unit))
        return chosen + self._spot(pathway, ready[len(chosen) :], day, rng)

    def _spot(
        self, pathway: int, left: list[Patient], day: int, rng: random.Random
    ) -> list[tuple[Patient, str | None]]:
        """Long waiters for a bed are found one outside the D2A services (spot purchase)."""
        if pathway not in SPOT_PURCHASE:
            return []
        after, chance = SPOT_PURCHASE[pathway]
        return [(p, None) for p in left if day - p.queued_day >= after and rng.random() < chance]

    def waiting(self) -> list[Patient]:
        """Everyone in a queue now (live entries), in queue order."""
        return [p for entries in self.queues.values() for p, t in entries if p.token == t]
