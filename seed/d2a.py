"""D2A stays: admission to a home service, community bed or care-home bed, and how they end.

Most end at home. Some P2 stays are followed by reablement at home, and the person may have
to wait in the community bed for it (readiness declared in the D2A stay, reason C5), which
keeps that bed from the next person waiting in hospital.
"""

from __future__ import annotations

import math

from seed.draw import Weighted
from seed.patient import IN_D2A, REABLEMENT, READY, Patient
from seed.system import D2A_LOS
from seed.waiting import start_arrangements
from seed.world import World

SETTING = {1: "home_service", 2: "community_bed", 3: "care_home_bed"}
ACUTE_DESTINATION = {1: "usual_residence", 2: "community_bed", 3: "care_home_new"}
# How D2A stays end, by pathway (P2 follow-on reablement is a parameter, added separately).
OUTCOMES: dict[int, tuple[tuple[str, float], ...]] = {
    1: (
        ("usual_residence", 0.86),
        ("temporary_residence", 0.02),
        ("care_home_new", 0.03),
        ("died", 0.03),
        ("other_hospital", 0.06),
    ),
    2: (
        ("usual_residence", 0.72),
        ("care_home_return", 0.04),
        ("care_home_new", 0.10),
        ("died", 0.05),
        ("other_hospital", 0.09),
    ),
    3: (
        ("care_home_new", 0.38),
        ("usual_residence", 0.28),
        ("care_home_return", 0.08),
        ("died", 0.17),
        ("other_hospital", 0.09),
    ),
}
OUTCOME_DRAW = {
    pathway: Weighted([name for name, _ in rows], [share for _, share in rows])
    for pathway, rows in OUTCOMES.items()
}
FOLLOW_ON = "follow_on"


class D2AStays:
    """Admissions to, and endings of, D2A stays for one simulation."""

    def __init__(self, sim: World) -> None:
        self.sim = sim
        self.pathway_of = {s.code: s.pathway for s in sim.plan.services}

    def admit_from_acute(self, patient: Patient, at: int, unit: str) -> None:
        """Acute discharge to the D2A service, then admission to it a few hours later."""
        pathway = self.pathway_of[unit]
        patient.add(at, "discharged", destination=ACUTE_DESTINATION[pathway], pathway=pathway)
        self._admit(patient, at, unit)

    def leave_for_next(self, patient: Patient, at: int, unit: str | None) -> None:
        """A P2 patient leaves the community bed for reablement at home."""
        assert unit is not None
        patient.add(at, "discharged", destination="usual_residence", pathway=1)
        self.sim.services.release(patient.unit)
        self._admit(patient, at, unit)

    def _admit(self, patient: Patient, at: int, unit: str) -> None:
        sim = self.sim
        sim.ready.pop(patient.pid, None)
        pathway = self.pathway_of[unit]
        start = patient.add(
            at + sim.rng.randint(30, 180),
            "admitted",
            unit_code=unit,
            age=patient.age,
            local_authority=patient.authority,
            admission_method="other",
        )
        patient.setting, patient.unit, patient.reason = SETTING[pathway], unit, None
        patient.move(IN_D2A)
        median, sigma, longest = D2A_LOS[pathway]
        days = min(longest, sim.rng.lognormvariate(math.log(median), sigma))
        end_day = sim.calendar.day_of(start + int(1440 * max(0.5, days)))
        end = max(sim.calendar.at(end_day, sim.rng.uniform(10, 15) * 60), start + 600)
        patient.d2a_outcome = self._outcome(pathway)
        sim.schedule(end, "d2a_end", patient)

    def _outcome(self, pathway: int) -> str:
        rng = self.sim.rng
        if pathway == 2 and rng.random() < self.sim.params.p2_follow_on_share:
            return FOLLOW_ON
        return OUTCOME_DRAW[pathway].draw(rng)

    def end(self, patient: Patient, minute: int) -> None:
        """The D2A stay's planned end: home, a care home, hospital, death, or on to reablement."""
        sim = self.sim
        outcome = patient.d2a_outcome
        if outcome == FOLLOW_ON:
            patient.route, patient.restart = REABLEMENT, False
            at = patient.add(minute, "discharge_ready", pathway=1)
            patient.ready_since = at
            patient.move(READY)
            sim.ready[patient.pid] = patient
            start_arrangements(sim, patient, at)
            return
        patient.add(minute, "discharged", destination=outcome)
        sim.services.release(patient.unit)
        if outcome == "other_hospital":  # readmitted as an emergency the same day
            sim.admit(patient, minute + sim.rng.randint(30, 120), "emergency")
            return
        sim.after_discharge(patient, minute, outcome)
