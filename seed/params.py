"""The knobs of a synthetic system: its size, and the flow parameters that shape it.

Defaults are calibrated so a generated system lands near NHS England's Discharge Ready Date
publication (April 2024 – July 2025, national): ≈13.5% of discharges of a night or more leave
one or more days after their DRD, ≈5.8 days mean delay of those, delayed bed days ≈10–11% of
acute bed days, general and acute occupancy ≈93%.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Size:
    """How big one system is; `systems` > 1 makes a national run of many systems."""

    name: str
    sites: int
    beds: int  # general and acute beds over all sites
    authorities: int
    systems: int = 1


SIZES: dict[str, Size] = {
    "small": Size("small", sites=3, beds=270, authorities=2),
    "medium": Size("medium", sites=3, beds=1000, authorities=3),
    "large": Size("large", sites=4, beds=4300, authorities=3),  # ≈250,000 acute stays a year
    "national": Size("national", sites=4, beds=4300, authorities=3, systems=42),
}


@dataclass(frozen=True)
class Params:
    """Flow parameters; change `pathway_mix` to model a system with a different discharge mix."""

    pathway_mix: tuple[float, float, float, float] = (0.50, 0.45, 0.04, 0.01)
    occupancy: float = 0.93  # acute occupancy the admission rate is set for
    # acute bed days per admission (incl. same-day stays and delays), measured on the generator
    bed_days_per_admission: float = 6.3
    elective_share: float = 0.22
    p1_reablement_share: float = 0.40  # P1 discharges into a D2A home service (rest: packages)
    p0_restart_share: float = 0.04  # P0 discharges waiting for existing care to restart
    p2_follow_on_share: float = 0.30  # P2 stays followed by P1 reablement at home
    # designed mean demand ÷ capacity of D2A services, by pathway 1, 2, 3: bed-based services
    # run fuller, which is where the longest delays come from
    d2a_utilisation: tuple[float, float, float] = (0.9, 1.35, 1.45)
    package_utilisation: float = 0.8  # designed demand ÷ weekly starts of packages of care
    # simulated before the start, so the hospital and the D2A services are in a steady state on
    # day one (of the people in a bed then, all their events are sent; nobody else's). As long
    # as the longest D2A stay (120 days, P3): shorter warm-ups left the queue for P2 beds, and so
    # ready to leave and stranded 21+, climbing for weeks after the start (60 days: a small
    # system from January; 90 days: a medium one from September, ready 56 → 95 in 7 weeks).
    warmup_days: int = 120
    late_share: float = 0.02  # patients with some events sent in a later batch
    shuffle_share: float = 0.03  # patients whose events arrive out of time order
    void_share: float = 0.03  # of patients with a delay reason: a wrong one voided, corrected
