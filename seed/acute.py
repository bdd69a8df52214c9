"""Arrivals at the acute sites and each admission's path through the wards.

Emergencies come through an acute medical unit and most move to a specialty ward; planned
(elective) patients go straight to a surgical ward. Arrivals follow a weekly rhythm (Monday
busiest, electives on weekdays) and winter pressure (more emergencies, fewer electives).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from seed.clock import Calendar
from seed.course import Course, PathwayModel, sample_course
from seed.draw import Weighted
from seed.patient import Patient
from seed.system import Site

EMERGENCY_WEEKDAY = (1.10, 1.03, 1.0, 0.99, 1.0, 0.92, 0.96)
ELECTIVE_WEEKDAY = (1.35, 1.35, 1.35, 1.35, 1.35, 0.0, 0.0)
# Emergency arrivals by local hour (relative): quiet at night, busiest late morning to evening.
EMERGENCY_HOURS = (2, 2, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 8, 8, 8, 7, 7, 7, 6, 6, 5, 4, 3, 2)
LAST_SAME_DAY_HOUR = 20  # people fit later than this stay the night
WEEKEND_DEFERRAL = 0.2  # share of weekend fitness only declared on Monday's ward round
SOURCES = Weighted(("usual_residence", "care_home_return", "temporary_residence"), (91, 7, 2))
HOURS = Weighted(range(24), EMERGENCY_HOURS)


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson count (normal approximation above 30, exact below)."""
    if mean >= 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


@dataclass
class Admission:
    """What the flow needs to schedule after an admission: the course and when fit or dead."""

    course: Course
    admitted_at: int
    fit_at: int  # when declared fit: for overnight stays, at a ward round
    dies_at: int | None


class Wards:
    """Places admissions on wards and writes their admitted and transferred events."""

    def __init__(self, sites: list[Site], calendar: Calendar, model: PathwayModel) -> None:
        self.sites = sites
        self.calendar = calendar
        self.model = model

    def arrivals(self, rng: random.Random, day: int) -> list[tuple[int, str, int]]:
        """Today's new admissions as (site index, method, minute), in time order."""
        weekday, season = self.calendar.weekday(day), self.calendar.season(day)
        arrivals = []
        for index, site in enumerate(self.sites):
            emergency = site.emergency_per_day * EMERGENCY_WEEKDAY[weekday] * (1 + 0.06 * season)
            elective = site.elective_per_day * ELECTIVE_WEEKDAY[weekday] * (1 - 0.05 * season)
            for _ in range(poisson(rng, emergency)):
                minute = self.calendar.at(day, HOURS.draw(rng) * 60 + int(rng.random() * 60))
                arrivals.append((index, "emergency", minute))
            for _ in range(poisson(rng, elective)):
                minute = self.calendar.at(day, rng.randint(7 * 60, 11 * 60))
                arrivals.append((index, "elective", minute))
        arrivals.sort(key=lambda a: a[2])
        return arrivals

    def new_patient(
        self, rng: random.Random, pid: str, site_index: int, authorities: list[str]
    ) -> Patient:
        site = self.sites[site_index]
        authority = Weighted(authorities, site.authority_weights).draw(rng)
        return Patient(pid, 0, authority, site_index, SOURCES.draw(rng))

    def admit(
        self, rng: random.Random, patient: Patient, minute: int, method: str, day: int
    ) -> Admission:
        """Writes the admission and its ward moves; returns the course to schedule."""
        course = sample_course(
            rng, self.model, method, self.calendar.season(day), patient.age or None
        )
        patient.age = course.age
        site = self.sites[patient.site]
        first = rng.choice(site.assessment_units if method == "emergency" else site.surgical_units)
        at = patient.add(
            minute,
            "admitted",
            unit_code=first,
            age=patient.age,
            local_authority=patient.authority,
            admission_method=method,
            source=patient.source,
        )
        fit_at = at + int(1440 * course.fit_after)
        evening = self.calendar.at(self.calendar.day_of(fit_at), LAST_SAME_DAY_HOUR * 60)
        if not course.same_day or fit_at > evening:  # fit late at night: declared next morning
            fit_at = self.ward_round(rng, fit_at + (720 if course.same_day else 0), at)
        dies_at = None if course.dies_after is None else at + int(1440 * course.dies_after)
        self._transfers(rng, patient, site, method, at, min(fit_at, dies_at or fit_at) - 60)
        return Admission(course, at, fit_at, dies_at)

    def ward_round(self, rng: random.Random, fit_at: int, not_before: int) -> int:
        """Readiness is declared on a ward round: mostly mornings, some afternoons; fewer
        rounds at weekends put some declarations off to Monday."""
        day = self.calendar.day_of(fit_at)
        weekday = self.calendar.weekday(day)
        if weekday >= 5 and rng.random() < WEEKEND_DEFERRAL:
            day += 7 - weekday
        hour = rng.uniform(8, 11.5) if rng.random() < 0.75 else rng.uniform(12, 17)
        return max(self.calendar.at(day, hour * 60), not_before + 120)

    def _transfers(
        self, rng: random.Random, patient: Patient, site: Site, method: str, at: int, until: int
    ) -> None:
        """Ward moves while the patient is not yet fit: AMU → specialty ward, sometimes again."""
        moves = []
        if method == "emergency":
            moves.append(at + rng.randint(4 * 60, 30 * 60))
        elif rng.random() < 0.05:
            moves.append(at + rng.randint(12 * 60, 48 * 60))
        if until - at > 8 * 1440 and rng.random() < 0.15:
            moves.append(at + int((until - at) * rng.uniform(0.4, 0.7)))
        unit = patient.events[-1][2]["unit_code"]
        for move in sorted(moves):
            if move >= until:
                break
            wards = site.medical_units if rng.random() < 0.8 else site.surgical_units
            choices = [w for w in wards if w != unit] or [
                w for w in site.medical_units if w != unit
            ]
            unit = rng.choice(choices)
            patient.add(move, "transferred", unit_code=unit)
