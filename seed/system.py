"""The shape of one synthetic system: acute sites and wards, D2A services, local authorities,
and capacities sized from the expected demand so the services run close to full.

The plan is pure data (no database); `install` writes it as reference data through the same
service functions the API uses.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from datetime import date
from importlib.resources import files
from typing import Any

from sqlalchemy.orm import Session

from ledger import reference
from metrics.tally import changed_from
from models.clock import FIRST_DAY
from seed.params import Params, Size

SITE_NAMES = ("Riverside", "St Helen's", "Northgate", "Meadowbank", "Kingsmoor", "Abbeyfield")
TOWNS = ("Riverton", "Shirebrook", "Westmoor", "Eastholme", "Lowfield", "Hartley")
CARE_HOMES = ("Oakwood", "Beech House", "Willow Lodge", "Elm Court", "Larch Grange")
SPECIALTIES = (  # in this order, so even a small site has a medical and a surgical ward
    "Older People's Medicine",
    "General Surgery",
    "General Medicine",
    "Orthopaedics",
    "Respiratory",
    "Cardiology",
    "Stroke",
)
SURGICAL = ("General Surgery", "Orthopaedics")
SITE_SHARES = {3: (0.42, 0.33, 0.25), 4: (0.34, 0.27, 0.22, 0.17)}
AMU_SHARE = 0.10
WARD_BEDS = 28
# D2A length of stay by pathway: median days, lognormal sigma, longest stay in days.
D2A_LOS = {1: (14.0, 0.5, 42.0), 2: (21.0, 0.45, 70.0), 3: (28.0, 0.55, 120.0)}
P3_HOSPICE_SHARE = 0.06
ALIVE_SHARE = 0.975
REPEAT_ADMISSIONS = 1.15  # readmissions on top of first admissions (measured on the generator)
WEEKDAY_STARTS = 5 + 0.8 + 0.7  # a week of package starts in weekday units (Sat 0.8, Sun 0.7)


# A single-system run's system: a made-up ICB code (real ICB codes are Q plus two characters;
# QZZ is not one), so that demonstration figures can never be mistaken for a real ICB's.
DEMO_SYSTEM = ("QZZ", "Demonstration Integrated Care Board (synthetic)")


def national_systems() -> list[tuple[str, str]]:
    """England's 42 integrated care boards (ODS codes and names, 2023), for a national run."""
    text = files("seed").joinpath("icbs.csv").read_text(encoding="utf-8")
    return [(r["code"], r["name"]) for r in csv.DictReader(io.StringIO(text))]


def mean_d2a_los(pathway: int) -> float:
    median, sigma, _longest = D2A_LOS[pathway]
    return median * math.exp(sigma * sigma / 2)


@dataclass
class Site:
    code: str
    beds: int
    emergency_per_day: float
    elective_per_day: float
    authority_weights: list[float]
    assessment_units: list[str] = field(default_factory=list)
    medical_units: list[str] = field(default_factory=list)
    surgical_units: list[str] = field(default_factory=list)


@dataclass
class D2AService:
    code: str
    pathway: int
    authority: str | None  # the local authority it serves first (None: the whole system)
    capacity: list[tuple[date, int]]  # history: (effective from, beds or slots)


@dataclass
class SystemPlan:
    prefix: str
    organisations: list[tuple[str, str, str]]
    units: list[tuple[str, dict[str, Any]]]
    sites: list[Site]
    authorities: list[str]
    services: list[D2AService]
    package_starts: dict[str, float]  # weekday starts of packages of care, by local authority
    system: tuple[str, str] = ("", "")  # the system (ICB) code and name of every organisation


def build_plan(
    size: Size,
    params: Params,
    prefix: str,
    first: date,
    change: date,
    system: tuple[str, str] = DEMO_SYSTEM,
) -> SystemPlan:
    """The system of `size` (ICB code and name `system`); capacity rows start on `first` and D2A
    capacity changes on `change`."""
    authorities = [f"{prefix}LA{i + 1}" for i in range(size.authorities)]
    plan = SystemPlan(prefix, [], [], [], authorities, [], {}, system)
    for i, code in enumerate(authorities):
        plan.organisations.append((code, f"{TOWNS[i]} Council", "local_authority"))
    _add_sites(plan, size, params, first)
    _add_services(plan, params, first, change)
    return plan


def _add_sites(plan: SystemPlan, size: Size, params: Params, first: date) -> None:
    for i, share in enumerate(SITE_SHARES[size.sites]):
        code = f"{plan.prefix}RH{i + 1}"
        plan.organisations.append((code, f"{SITE_NAMES[i]} Hospital", "acute"))
        beds = max(3 * WARD_BEDS, round(size.beds * share))
        per_day = beds * params.occupancy / params.bed_days_per_admission
        weights = [
            0.8 if a == i % len(plan.authorities) else 0.0 for a in range(len(plan.authorities))
        ]
        weights = [w + 0.2 / len(weights) for w in weights]
        site = Site(
            code,
            beds,
            per_day * (1 - params.elective_share),
            per_day * params.elective_share,
            weights,
        )
        _add_wards(plan, site, first)
        plan.sites.append(site)


def _add_wards(plan: SystemPlan, site: Site, first: date) -> None:
    assessment = max(1, round(site.beds * AMU_SHARE / WARD_BEDS))
    wards = max(2, round(site.beds * (1 - AMU_SHARE) / WARD_BEDS))
    amu_beds = _split(round(site.beds * AMU_SHARE), assessment)
    for n, beds in enumerate(amu_beds, start=1):
        code = f"{site.code}-AMU{n}"
        plan.units.append(
            (code, _unit(f"Acute Medical Unit {n}", site.code, "acute", None, beds, first))
        )
        site.assessment_units.append(code)
    for n, beds in enumerate(_split(site.beds - sum(amu_beds), wards), start=1):
        specialty = SPECIALTIES[(n - 1) % len(SPECIALTIES)]
        code = f"{site.code}-W{n:02d}"
        plan.units.append(
            (code, _unit(f"Ward {n} ({specialty})", site.code, "acute", None, beds, first))
        )
        (site.surgical_units if specialty in SURGICAL else site.medical_units).append(code)


def _add_services(plan: SystemPlan, params: Params, first: date, change: date) -> None:
    """D2A services sized so designed demand ÷ capacity is `params.d2a_utilisation`."""
    community = [f"{plan.prefix}CP{i + 1}" for i in range((len(plan.authorities) + 1) // 2)]
    for i, code in enumerate(community):
        plan.organisations.append((code, f"{TOWNS[i]} Community Health", "community"))
    per_authority = {a: n * ALIVE_SHARE for a, n in _admissions_by_authority(plan).items()}
    _add_home_services(plan, params, per_authority, community, (first, change))
    total = sum(per_authority.values())
    _add_community_beds(plan, params, total, community, (first, change))
    _add_care_home_beds(plan, params, total, first)


def _add_home_services(
    plan: SystemPlan,
    params: Params,
    discharges: dict[str, float],
    community: list[str],
    dates: tuple[date, date],
) -> None:
    """Reablement at home (P1) for each local authority, and its packages of care starts."""
    mix = params.pathway_mix
    for i, authority in enumerate(plan.authorities):
        demand = discharges[authority]
        p1 = demand * (mix[1] * params.p1_reablement_share + mix[2] * params.p2_follow_on_share)
        slots = _capacity(p1 * mean_d2a_los(1), params, 1)
        later = slots if i < len(plan.authorities) - 1 else round(slots * 0.92)  # staff shortage
        code, name = f"{plan.prefix}HS{i + 1}", f"Reablement at home, {TOWNS[i]}"
        history = [(dates[0], slots), (dates[1], later)]
        _service(plan, code, name, community[i // 2], 1, authority, history)
        packages = mix[1] * (1 - params.p1_reablement_share) + mix[0] * params.p0_restart_share
        weekly = 7 * demand * packages / params.package_utilisation
        plan.package_starts[authority] = weekly / WEEKDAY_STARTS


def _add_community_beds(
    plan: SystemPlan, params: Params, total: float, community: list[str], dates: tuple[date, date]
) -> None:
    """Community hospital beds (P2), one unit per local authority; winter beds open part-way."""
    stay = mean_d2a_los(2) + params.p2_follow_on_share * 2  # some wait for reablement at home
    beds = _capacity(total * params.pathway_mix[2] * stay, params, 2)
    for n, unit_beds in enumerate(_split(beds, len(plan.authorities)), start=1):
        later = round(unit_beds * 1.15) if n == 1 else unit_beds
        code, name = f"{plan.prefix}CB{n}", f"{TOWNS[n - 1]} Community Hospital"
        history = [(dates[0], unit_beds), (dates[1], later)]
        _service(plan, code, name, community[(n - 1) // 2], 2, plan.authorities[n - 1], history)


def _add_care_home_beds(plan: SystemPlan, params: Params, total: float, first: date) -> None:
    """Assessment beds (P3) in care homes of eight beds or more."""
    occupied = total * params.pathway_mix[3] * (1 - P3_HOSPICE_SHARE) * mean_d2a_los(3)
    beds = _capacity(occupied, params, 3)
    homes = max(2, min(len(plan.authorities) + 1, beds // 8))
    for n, unit_beds in enumerate(_split(max(beds, homes), homes), start=1):
        home = f"{plan.prefix}CH{n}"
        plan.organisations.append((home, f"{CARE_HOMES[n - 1]} Care Home", "care_home"))
        authority = plan.authorities[(n - 1) % len(plan.authorities)]
        name = f"{CARE_HOMES[n - 1]} assessment beds"
        _service(plan, f"{home}-D2A", name, home, 3, authority, [(first, unit_beds)])


def _service(
    plan: SystemPlan,
    code: str,
    name: str,
    org: str,
    pathway: int,
    authority: str,
    capacity: list[tuple[date, int]],
) -> None:
    setting = {1: "home_service", 2: "community_bed", 3: "care_home_bed"}[pathway]
    history = capacity[:1] + [
        row for row in capacity[1:] if row[0] > capacity[0][0] and row[1] != capacity[0][1]
    ]
    unit = {"name": name, "organisation_code": org, "setting": setting, "pathway": pathway}
    plan.units.append((code, unit | {"capacity_history": history}))
    plan.services.append(D2AService(code, pathway, authority, history))


def _unit(
    name: str, org: str, setting: str, pathway: int | None, beds: int, first: date
) -> dict[str, Any]:
    return {
        "name": name,
        "organisation_code": org,
        "setting": setting,
        "pathway": pathway,
        "capacity_history": [(first, beds)],
    }


def _admissions_by_authority(plan: SystemPlan) -> dict[str, float]:
    totals = dict.fromkeys(plan.authorities, 0.0)
    for site in plan.sites:
        for authority, weight in zip(plan.authorities, site.authority_weights, strict=True):
            per_day = site.emergency_per_day + site.elective_per_day
            totals[authority] += per_day * weight * REPEAT_ADMISSIONS
    return totals


def _capacity(occupied: float, params: Params, pathway: int) -> int:
    return max(2, math.ceil(occupied / params.d2a_utilisation[pathway - 1]))


def _split(total: int, parts: int) -> list[int]:
    """`total` into `parts` near-equal whole numbers."""
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def install(session: Session, plan: SystemPlan, data_from: date | None = None) -> None:
    """Writes the plan's organisations, units and capacity histories (idempotent upserts);
    every organisation's data is complete from `data_from` (a run's start: the days before it
    are its warm-up, of which only the people still in a bed at the start are sent). Every
    organisation belongs to the plan's system from the start."""
    system, system_name = plan.system
    if isinstance(reference.upsert_system(session, system, system_name), list):
        raise ValueError(f"system {system}: its code is an organisation's")
    for code, name, kind in plan.organisations:
        reference.upsert_organisation(session, code, name, kind, data_from)
        reference.set_organisation_system(session, code, system, data_from or FIRST_DAY)
    for code, unit in plan.units:
        fields = {k: v for k, v in unit.items() if k != "capacity_history"}
        for effective_from, capacity in unit["capacity_history"]:
            change = reference.upsert_unit(
                session,
                code,
                fields | {"capacity": capacity, "capacity_from": effective_from},
                changed_from,
            )
            if change.problems:
                raise ValueError(f"unit {code}: {change.problems}")
