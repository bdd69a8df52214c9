"""The day-by-day simulation of one system: admissions, readiness, queues for downstream
capacity, discharges, D2A stays, readmissions and deaths.

Each day: new admissions arrive; the day's scheduled happenings run in time order (people
become fit, arrangements complete, D2A stays end and free places); free places are filled
from the queues; whoever is still waiting gets the day's delay reason and may deteriorate,
die or change pathway. Patients whose journey has ended are handed out as they finish, so a
run of any length holds only the people currently in the system.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable, Iterator

from seed import waiting
from seed.acute import Wards
from seed.clock import Calendar
from seed.course import PathwayModel
from seed.d2a import D2AStays
from seed.params import Params
from seed.patient import AWAY, CLINICAL, DONE, QUEUED, READY, Patient
from seed.services import Services
from seed.system import SystemPlan

READMISSION_RISK = (0.05, 0.07, 0.10, 0.12, 0.14)  # by age band, after going home


class Simulation:
    """Runs one system over `calendar`; `run()` yields each patient once their record is final."""

    def __init__(
        self, plan: SystemPlan, params: Params, calendar: Calendar, rng: random.Random
    ) -> None:
        self.plan = plan
        self.params = params
        self.calendar = calendar
        self.rng = rng
        self.wards = Wards(
            plan.sites, calendar, PathwayModel(params.pathway_mix, params.elective_share)
        )
        self.services = Services(plan, calendar)
        self.services.prefill(rng, max(1, params.warmup_days))
        self.d2a = D2AStays(self)
        self.agenda: dict[int, list[tuple[int, int, str, Patient, int]]] = {}
        self.live: dict[str, Patient] = {}
        self.finished: list[Patient] = []
        self.counter = 0
        self.patients_made = 0
        self.ready: dict[str, Patient] = {}  # people ready to leave their bed, in order
        self.day = 0

    # -- scheduling ---------------------------------------------------------------------------

    def schedule(self, minute: int, action: str, patient: Patient) -> None:
        """Runs `action` for `patient` at `minute`, unless the patient's state changes first."""
        self.counter += 1
        day = max(self.day, self.calendar.day_of(minute))
        item = (minute, self.counter, action, patient, patient.token)
        heapq.heappush(self.agenda.setdefault(day, []), item)

    def run(self) -> Iterator[Patient]:
        for day in range(self.calendar.days):
            self.day = day
            self.services.start_day(day)
            self._admit_arrivals(day)
            self._run_agenda(day)
            self._discharge_placed(day)
            waiting.end_of_day(self, day)
            yield from self.finished
            self.finished = []
        yield from self.live.values()

    def _run_agenda(self, day: int) -> None:
        heap = self.agenda.setdefault(day, [])
        handlers: dict[str, Callable[[Patient, int], None]] = {
            "ready": self.declare_ready,
            "eligible": self._on_eligible,
            "die": self._on_death,
            "withdraw": lambda p, m: waiting.withdraw(self, p, m),
            "d2a_end": self.d2a.end,
            "arrive": self._on_readmission,
        }
        while heap:
            minute, _n, action, patient, token = heapq.heappop(heap)
            if patient.token == token:
                handlers[action](patient, minute)
        self.agenda.pop(day, None)

    # -- acute admissions -----------------------------------------------------------------------

    def _admit_arrivals(self, day: int) -> None:
        for site, method, minute in self.wards.arrivals(self.rng, day):
            self.patients_made += 1
            pid = f"{self.plan.prefix}P{self.patients_made:07d}"
            patient = self.wards.new_patient(self.rng, pid, site, self.plan.authorities)
            self.live[pid] = patient
            self.admit(patient, minute, method)

    def admit(self, patient: Patient, minute: int, method: str) -> None:
        """An acute admission: the course decides when the patient is fit, or dies."""
        admission = self.wards.admit(self.rng, patient, minute, method, self.day)
        patient.setting, patient.restart, patient.reason = "acute", False, None
        patient.admitted_day = self.calendar.day_of(admission.admitted_at)
        patient.move(CLINICAL)
        course, fit_at = admission.course, admission.fit_at
        patient.route = waiting.choose_route(self, course, patient)
        if admission.dies_at is not None:
            self.schedule(admission.dies_at, "die", patient)
            return
        if course.same_day and patient.route == "home" and self.rng.random() < 0.15:
            patient.eligible_at = fit_at  # discharged from assessment, readiness never recorded
            patient.move(QUEUED)
            self.services.enqueue(patient)
            return
        self.schedule(fit_at, "ready", patient)

    def declare_ready(self, patient: Patient, minute: int) -> None:
        """The patient no longer needs their bed: readiness starts and arrangements begin."""
        at = patient.add(minute, "discharge_ready", pathway=patient.pathway)
        patient.ready_since = at
        patient.move(READY)
        self.ready[patient.pid] = patient
        waiting.start_arrangements(self, patient, at)

    def _on_eligible(self, patient: Patient, minute: int) -> None:
        if patient.setting == "acute":
            minute = waiting.review_plan(self, patient, minute)
        patient.eligible_at = minute
        patient.queued_day = self.day
        patient.move(QUEUED)
        self.services.enqueue(patient)

    def _on_death(self, patient: Patient, minute: int) -> None:
        patient.add(minute, "discharged", destination="died")
        if patient.setting != "acute":
            self.services.release(patient.unit)
        self.finish(patient)

    def _on_readmission(self, patient: Patient, minute: int) -> None:
        self.admit(patient, minute, "emergency")

    # -- leaving ----------------------------------------------------------------------------------

    def _discharge_placed(self, day: int) -> None:
        cutoffs = (self.calendar.at(day, 21 * 60), self.calendar.at(day, 23 * 60 + 30))
        for patient, unit in self.services.place(day, cutoffs, self.rng):
            at = self.discharge_time(day, patient.eligible_at)
            if patient.setting != "acute":
                self.d2a.leave_for_next(patient, at, unit)
            elif unit is None:
                self.leave_acute(patient, at)
            else:
                self.d2a.admit_from_acute(patient, at, unit)

    def discharge_time(self, day: int, not_before: int) -> int:
        """Most discharges in the afternoon; never before arrangements are complete."""
        hour = self.rng.gauss(10.5, 1.0) if self.rng.random() < 0.4 else self.rng.gauss(15.2, 2.2)
        local = min(22.5, max(8.5, hour))
        at = max(self.calendar.at(day, local * 60), not_before + self.rng.randint(20, 90))
        return min(at, self.calendar.at(day, 1439))

    def leave_acute(self, patient: Patient, at: int) -> None:
        """A discharge from an acute bed with no D2A service to go to."""
        destination = waiting.acute_destination(self, patient)
        patient.add(at, "discharged", destination=destination, pathway=patient.pathway)
        self.after_discharge(patient, at, destination)

    def after_discharge(self, patient: Patient, at: int, destination: str) -> None:
        """Home (perhaps to be readmitted later), or gone from the system."""
        if destination in ("died", "other_hospital", "hospice", "other"):
            self.finish(patient)
            return
        patient.setting = "home"
        patient.move(AWAY)
        risk = READMISSION_RISK[min(4, max(0, (patient.age - 35) // 15))]
        if self.rng.random() >= risk:
            self.finish(patient)
            return
        gap = (
            1 + min(28.0, self.rng.expovariate(1 / 8))
            if self.rng.random() < 0.75
            else 30 + 45 * self.rng.random()
        )
        self.schedule(at + int(gap * 1440), "arrive", patient)

    def finish(self, patient: Patient) -> None:
        patient.move(DONE)
        self.live.pop(patient.pid, None)
        self.finished.append(patient)
