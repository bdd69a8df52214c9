"""From fit to leave: the route out of hospital, the arrangements it needs, and what happens
to people while they wait (delay reasons, deterioration, death, a change of plan).
"""

from __future__ import annotations

import random

from seed.course import Course
from seed.draw import Weighted
from seed.patient import (
    BED2,
    BED3,
    CLINICAL,
    HOME,
    HOSPICE,
    PACKAGE,
    QUEUED,
    REABLEMENT,
    READY,
    Patient,
    process_reason,
)
from seed.system import P3_HOSPICE_SHARE
from seed.world import World

# Days from readiness until arrangements are complete, as (share, low, high) mixtures.
ARRANGEMENT_DAYS = {
    HOME: ((0.97, 0.02, 0.15), (0.025, 0.6, 1.6), (0.005, 1.5, 3.5)),
    PACKAGE: ((0.93, 0.02, 0.2), (0.07, 0.8, 3.0)),
    REABLEMENT: ((0.93, 0.02, 0.2), (0.07, 0.8, 3.0)),
    BED2: ((0.4, 0.05, 0.4), (0.6, 0.8, 3.5)),
    BED3: ((0.2, 0.05, 0.4), (0.8, 1.5, 7.0)),
    HOSPICE: ((1.0, 0.5, 3.0),),
}
ARRANGEMENT_DRAW = {
    route: Weighted([(low, high) for _share, low, high in parts], [p[0] for p in parts])
    for route, parts in ARRANGEMENT_DAYS.items()
}
PLAN_REVIEW = {PACKAGE: (HOME, 0.03), REABLEMENT: (HOME, 0.03), BED2: (REABLEMENT, 0.06)}
PLAN_REVIEW[BED3] = (BED2, 0.05)
SPOT_DESTINATION = {BED2: "community_bed", BED3: "care_home_new"}
RESTART_PROCESS = ("H5", "T2", "I11")
WITHDRAW_AT_ONCE = 0.08  # readiness withdrawn within hours of being declared (if still here)
WITHDRAW_PER_DAY = {0: 0.004, 1: 0.006, 2: 0.012, 3: 0.012}
DIE_PER_DAY = {0: 0.0002, 1: 0.0005, 2: 0.001, 3: 0.004}
REASON_RECORDED = 0.93  # feeds sometimes miss a day's reason


def choose_route(sim: World, course: Course, patient: Patient) -> str:
    """The service the patient will need when fit, for the pathway the course gave them; care
    at home pauses (and must restart) only for a stay of a night or more."""
    rng, params, pathway = sim.rng, sim.params, course.pathway
    if pathway == 0:
        restart = not course.same_day and rng.random() < params.p0_restart_share
        patient.restart = restart
        return PACKAGE if patient.restart else HOME
    if pathway == 1:
        return REABLEMENT if rng.random() < params.p1_reablement_share else PACKAGE
    if pathway == 2:
        return BED2
    return HOSPICE if rng.random() < P3_HOSPICE_SHARE else BED3


def start_arrangements(sim: World, patient: Patient, at: int) -> None:
    """Schedules the end of the arrangements (then the queue), and maybe an early setback."""
    rng = sim.rng
    if patient.restart:
        patient.process_reason = rng.choice(RESTART_PROCESS)
    else:
        patient.process_reason = process_reason(rng, patient.route)
    low, high = ARRANGEMENT_DRAW[patient.route].draw(rng)
    sim.schedule(at + int(1440 * rng.uniform(low, high)), "eligible", patient)
    if patient.setting == "acute" and rng.random() < WITHDRAW_AT_ONCE:
        sim.schedule(at + rng.randint(2 * 60, 20 * 60), "withdraw", patient)


def withdraw(sim: World, patient: Patient, minute: int) -> None:
    """The patient deteriorates: readiness ends, and is declared again some days later."""
    at = patient.add(minute, "readiness_withdrawn")
    patient.move(CLINICAL)
    patient.ready_since, patient.reason = None, None
    sim.ready.pop(patient.pid, None)
    again = at + int(1440 * sim.rng.uniform(1, 6))
    sim.schedule(sim.wards.ward_round(sim.rng, again, at), "ready", patient)


def acute_destination(sim: World, patient: Patient) -> str:
    """Where a patient goes from an acute bed without a D2A service."""
    if patient.route == HOSPICE:
        return "hospice"
    if patient.route in SPOT_DESTINATION:  # a bed bought outside the D2A services
        return SPOT_DESTINATION[patient.route]
    if patient.lives_in_care_home:
        return "care_home_return"
    if patient.route == HOME:
        roll = sim.rng.random()
        if roll < 0.03:
            return "other_hospital"
        if roll < 0.04:
            return "temporary_residence"
        if roll < 0.043:
            return "other"
    return "usual_residence"


def end_of_day(sim: World, day: int) -> None:
    """Everyone still ready at the end of the day: setbacks, changes of plan, delay reasons."""
    rng = sim.rng
    for pid, patient in list(sim.ready.items()):
        if patient.state not in (READY, QUEUED):
            del sim.ready[pid]
            continue
        assert patient.ready_since is not None
        if sim.calendar.day_of(patient.ready_since) < day and _setback(sim, patient, day, rng):
            continue
        _record_reason(sim, patient, day, rng)


def _setback(sim: World, patient: Patient, day: int, rng: random.Random) -> bool:
    """Deterioration, death or a change of pathway; True when the patient is no longer waiting."""
    pathway = patient.pathway
    minute = sim.calendar.at(day, rng.uniform(9, 17) * 60)
    if patient.setting == "acute" and rng.random() < WITHDRAW_PER_DAY[pathway]:
        withdraw(sim, patient, minute)
        return True
    if rng.random() < DIE_PER_DAY[pathway]:
        sim.ready.pop(patient.pid, None)
        patient.add(minute, "discharged", destination="died")
        if patient.setting != "acute":
            sim.services.release(patient.unit)
        sim.finish(patient)
        return True
    if patient.state == QUEUED and patient.setting == "acute":
        _maybe_change_plan(sim, patient, day, minute, rng)
    return False


def review_plan(sim: World, patient: Patient, minute: int) -> int:
    """Assessment sometimes finds less support is needed (P1 → P0, P2 → P1, P3 → P2); returns
    the minute arrangements are complete."""
    change = PLAN_REVIEW.get(patient.route)
    if change is None or patient.restart or sim.rng.random() >= change[1]:
        return minute
    patient.route = change[0]
    return patient.add(minute, "pathway_changed", pathway=patient.pathway)


def _maybe_change_plan(
    sim: World, patient: Patient, day: int, minute: int, rng: random.Random
) -> None:
    """A long wait for a bed makes teams look for another way out (P2 → P1, P3 → P2)."""
    waited = day - patient.queued_day
    if patient.route == BED2 and waited >= 10 and rng.random() < 0.04:
        patient.route = REABLEMENT
    elif patient.route == BED3 and waited >= 14 and rng.random() < 0.02:
        patient.route = BED2
    else:
        return
    patient.eligible_at = patient.add(minute, "pathway_changed", pathway=patient.pathway)
    patient.queued_day = day
    patient.move(QUEUED)
    sim.services.enqueue(patient)


def _record_reason(sim: World, patient: Patient, day: int, rng: random.Random) -> None:
    """The reason of the day: arrangements underway, then the missing capacity; sent on change."""
    if patient.state != QUEUED:
        reason = patient.process_reason
    elif patient.reason is not None and patient.reason in patient.capacity_reasons():
        reason = patient.reason
    else:
        reason = patient.capacity_reason(rng)
    if reason != patient.reason and rng.random() < REASON_RECORDED:
        minute = sim.calendar.at(day, rng.uniform(17, 20) * 60)
        patient.add(minute, "delay_reason", reason_code=reason)
        patient.reason = reason
