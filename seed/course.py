"""The clinical side of an acute stay: who arrives, which pathway they will need, how long
until they are medically fit to leave, and who dies. Capacity plays no part here; waiting for
it is simulated day by day in `seed.flow`.

Older people stay longer and more often need support after discharge; the pathway model is
fitted so that, over the admission mix, discharges match the requested pathway proportions.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from seed.draw import Weighted

AGE_BANDS = ((16, 44), (45, 64), (65, 74), (75, 84), (85, 99))
AGE_WEIGHTS = {"emergency": (24, 24, 16, 21, 15), "elective": (25, 35, 22, 15, 3)}
# Relative need of pathways 0–3 by age band (P0 is the reference).
PATHWAY_RISK = (
    (1.0, 1.0, 1.0, 1.0, 1.0),
    (0.25, 0.7, 1.4, 2.2, 3.0),
    (0.05, 0.4, 1.2, 2.5, 3.5),
    (0.02, 0.25, 1.0, 2.5, 4.5),
)
ELECTIVE_SUPPORT_FACTOR = 0.35  # planned patients need less support after discharge
SAME_DAY = {("emergency", 0): 0.60, ("elective", 0): 0.75, ("emergency", 1): 0.05}
MEDIAN_LOS_DAYS = (2.2, 6.05, 9.8, 10.2)  # time to medically fit, by pathway, overnight stays
AGE_LOS_FACTOR = (0.75, 0.9, 1.0, 1.1, 1.2)
LOS_SIGMA = 0.85
DEATH_RISK = (0.002, 0.01, 0.025, 0.045, 0.075)  # emergency admissions, by age band


@dataclass(frozen=True)
class Course:
    """An admission's clinical course, in days from admission (fractions are times of day)."""

    age: int
    pathway: int  # needed when medically fit
    same_day: bool  # leaves the day it came (same-day emergency care, day case)
    fit_after: float  # days from admission until medically fit to leave
    dies_after: float | None  # days from admission to death in hospital, if it happens


def age_band(age: int) -> int:
    return next(i for i, (_, top) in enumerate(AGE_BANDS) if age <= top)


AGE_DRAW = {method: Weighted(AGE_BANDS, weights) for method, weights in AGE_WEIGHTS.items()}


def sample_age(rng: random.Random, method: str) -> int:
    low, high = AGE_DRAW[method].draw(rng)
    return low + int(rng.random() * (high - low + 1))


class PathwayModel:
    """P(pathway | age band, method), scaled so the admission mix yields `mix` overall."""

    def __init__(self, mix: tuple[float, float, float, float], elective_share: float) -> None:
        self.scale = [1.0, 1.0, 1.0, 1.0]
        cells = _admission_cells(elective_share)
        for _ in range(60):  # iterative proportional fitting; converges in a few dozen steps
            totals = [0.0] * 4
            for (band, method), weight in cells.items():
                for p, prob in enumerate(self.probabilities(band, method)):
                    totals[p] += weight * prob
            self.scale = [s * m / t for s, m, t in zip(self.scale, mix, totals, strict=True)]
        self._draws = {cell: Weighted((0, 1, 2, 3), self.probabilities(*cell)) for cell in cells}

    def probabilities(self, band: int, method: str) -> list[float]:
        support = ELECTIVE_SUPPORT_FACTOR if method == "elective" else 1.0
        raw = [self.scale[p] * PATHWAY_RISK[p][band] * (support if p else 1.0) for p in range(4)]
        total = sum(raw)
        return [r / total for r in raw]

    def choose(self, rng: random.Random, age: int, method: str) -> int:
        return self._draws[(age_band(age), method)].draw(rng)


def _admission_cells(elective_share: float) -> dict[tuple[int, str], float]:
    """The share of admissions in each (age band, method) cell."""
    cells = {}
    for method, share in (("emergency", 1 - elective_share), ("elective", elective_share)):
        weights = AGE_WEIGHTS[method]
        for band, weight in enumerate(weights):
            cells[(band, method)] = share * weight / sum(weights)
    return cells


def sample_course(
    rng: random.Random, model: PathwayModel, method: str, season: float, age: int | None = None
) -> Course:
    """One admission's course; `season` (−1 summer … +1 winter) lengthens winter stays a little."""
    age = sample_age(rng, method) if age is None else age
    band = age_band(age)
    pathway = model.choose(rng, age, method)
    same_day = rng.random() < SAME_DAY.get((method, pathway), 0.0)
    if same_day:
        fit_after = rng.uniform(0.06, 0.25)
    else:
        median = MEDIAN_LOS_DAYS[pathway] * AGE_LOS_FACTOR[band] * (1 + 0.05 * season)
        median *= 0.7 if method == "elective" else 1.0
        fit_after = max(0.6, rng.lognormvariate(math.log(median), LOS_SIGMA))
    risk = DEATH_RISK[band] if method == "emergency" else 0.002
    dies_after = fit_after * rng.uniform(0.3, 1.2) if rng.random() < risk else None
    return Course(age, pathway, same_day, fit_after, dies_after)
