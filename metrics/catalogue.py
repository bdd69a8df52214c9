"""The metric catalogue (SPEC §4): every figure declared once, with the definition people read,
its calculation and what the calculation reads.

The definition text here is what the API serves and the dashboard shows; no other module
restates it. `aggregation` says how days combine into a longer interval: `census` (mean of the
daily censuses; numerator = Σ censuses, denominator = days), `sum` (bed days and counts),
`ratio` (Σ numerators ÷ Σ denominators × scale) or `weekday_ratio` (weekend_discharge_ratio).
"""

from __future__ import annotations

from typing import Any

from metrics import census, discharges, outcomes
from metrics.census import (
    ACUTE_STAYS,
    D2A_STAYS,
    READY_SPANS,
    WAITING_SPANS,
)
from metrics.discharge_sources import Discharges, Episodes
from metrics.metric import Metric
from metrics.readiness_sources import ReadinessStarts
from metrics.tally import Tallied

GROUP_BYS = (
    "pathway",
    "organisation",
    "system",
    "unit",
    "local_authority",
    "reason",
    "destination",
    "band",
)
PLACE = ("unit", "organisation", "system", "local_authority")
READY_GROUPS = ("pathway", *PLACE, "reason", "band")
DISCHARGE_GROUPS = ("pathway", *PLACE, "destination")

CENSUS = (
    "The census of day D is taken at the local (Europe/London) midnight that ends D; a stay is "
    "counted at a census when it started before that instant and had not ended before it. "
    "Longer intervals give the mean of the daily censuses (numerator: the sum of the censuses, "
    "denominator: the days)."
)
CONVENTIONS = {
    "days": "Periods are inclusive Europe/London local dates. A week starts on Monday.",
    "period": (
        "Each row's period is the calendar start of its interval (the day, the Monday, the first "
        "of the month, or `start` for the total); only days from start to end are counted, and "
        "`days` says how many."
    ),
    "empty": (
        "A period without data gives zeros; a rate with no denominator gives value null with "
        "numerator 0 and denominator 0."
    ),
    "data_start": (
        "A day before the data start has no figure: an organisation's data starts on its "
        "data_from (reference data), else on the day of its first event. Rows of one "
        "organisation (the organisation filter, or a breakdown by organisation or unit) use "
        "its start; other system-wide rows use the latest start of the organisations owning "
        "units the figure counts. A period wholly before the start has value, numerator and "
        "denominator null (days 0); one that straddles it counts only its days from the start."
    ),
    "incomplete": (
        "Every row says whether its figure can still change: `incomplete` is true while the "
        "period's calendar day, week or month (the total: its end) has not ended at today's "
        "local date, and for readmissions while the period's 30 days of follow-up have not "
        "passed. SPC charts draw incomplete periods but leave them out of the limits and rules."
    ),
    "events_reflected": (
        "The number of events that occurred before the census of `end` (the local midnight "
        "ending it), with the voids of those events, whenever they arrived; latest_event_at is "
        "the latest time one of them was received."
    ),
    "acute_discharge": (
        "An acute discharge is an acute spell ended by `discharged` (deaths included); a ward "
        "transfer is not a discharge. It is attributed to the unit and organisation it left."
    ),
}


def _stranded(days: int, title: str, headline: bool = False) -> Metric:
    return Metric(
        f"stranded_{days}",
        title,
        "patients",
        "decrease",
        "census",
        f"Acute stays at the census with length of stay {days} days or more. Length of stay at "
        f"the census of day D is D + 1 − the admission date (the midnights passed) and runs "
        f"across ward transfers. {CENSUS}",
        PLACE,
        census.stranded_census,
        (census.stranded_stays(days), ACUTE_STAYS),
        headline=headline,
        summed_spans=True,
    )


METRICS: tuple[Metric, ...] = (
    Metric(
        "acute_occupied",
        "Acute beds occupied",
        "patients",
        "neutral",
        "census",
        f"Acute stays counted at the day's census. {CENSUS}",
        PLACE,
        census.acute_census,
        (ACUTE_STAYS,),
        summed_spans=True,
    ),
    Metric(
        "ready_to_leave",
        "Ready to leave acute beds",
        "patients",
        "decrease",
        "census",
        "Acute stays counted at the census that are in a readiness period: the person no longer "
        "meets the criteria to reside (NCTR). Pathway and reason are those planned at the census; "
        f"band is the days ready at the census (D + 1 − the date readiness began). {CENSUS}",
        READY_GROUPS,
        census.ready_census,
        (READY_SPANS,),
        summed_spans=True,
    ),
    Metric(
        "delayed_bed_days",
        "Delayed bed days",
        "bed days",
        "decrease",
        "sum",
        "Sum over the period of the daily ready_to_leave censuses: the acute bed days occupied by "
        "people ready to leave, every period of readiness counted (withdrawn ones too).",
        READY_GROUPS,
        census.ready_census,
        (READY_SPANS,),
        summed_spans=True,
        headline=True,
    ),
    _stranded(7, "Stranded patients (7+ days)", headline=True),
    _stranded(14, "Stranded patients (14+ days)"),
    _stranded(21, "Super-stranded patients (21+ days)", headline=True),
    Metric(
        "ready_new",
        "Newly ready to leave",
        "patients",
        "neutral",
        "sum",
        "Readiness periods in acute units starting (by local date) in the period: the demand "
        "for discharge to assess. A readiness withdrawn and declared again counts again. "
        "Pathway is the one planned when readiness began; unit is where the person was.",
        ("pathway", *PLACE),
        discharges.ready_new,
        (ReadinessStarts(),),
        summed_spans=True,
    ),
    Metric(
        "acute_discharges",
        "Acute discharges",
        "discharges",
        "neutral",
        "sum",
        "Acute stays ended by `discharged` in the period, by the local date of discharge; a "
        "transfer is not a discharge. Deaths are included. Band is the delay band.",
        (*DISCHARGE_GROUPS, "band"),
        discharges.acute_discharges,
        (Discharges(),),
        summed_spans=True,
    ),
    Metric(
        "home_first_rate",
        "Home First rate",
        "%",
        "increase",
        "ratio",
        "Acute discharges on pathway 0 or 1 ÷ acute discharges on pathways 0–3, excluding "
        "destinations `died` and `other_hospital`. The national ambition is about 95%.",
        PLACE,
        discharges.home_first_rate,
        (Discharges(columns=("home_first", "pathway_counted")),),
        target=95.0,
        scale=100.0,
        headline=True,
        summed_spans=True,
    ),
    Metric(
        "pathway_mix",
        "Discharges by pathway",
        "%",
        "neutral",
        "ratio",
        "Share of acute discharges by pathway, over the discharges of the Home First rate "
        "(pathways 0–3, excluding destinations `died` and `other_hospital`). Always grouped by "
        "pathway. National expectation: pathway 0 ≥ 50%, 1 ≥ 45%, 2 ≤ 4%, 3 ≤ 1%.",
        ("pathway",),
        discharges.pathway_mix,
        (Discharges(columns=("destination", "pathway")),),
        scale=100.0,
        fixed_group_by="pathway",
        summed_spans=True,
    ),
    Metric(
        "discharge_delay",
        "Mean discharge delay",
        "days",
        "decrease",
        "ratio",
        "Mean delay of acute discharges in the period. Delay = local date of discharge − the "
        "discharge ready date (the start of the final readiness period), in days; 0 when the "
        "person was not ready at discharge or left on the day they became ready. Numerator: "
        "the sum of delays; denominator: the discharges. Reason is the last delay reason.",
        (*DISCHARGE_GROUPS, "reason"),
        discharges.discharge_delay,
        (Discharges(columns=("delayed",), delays=True),),
        summed_spans=True,
    ),
    Metric(
        "delayed_discharge_rate",
        "Discharges delayed",
        "%",
        "decrease",
        "ratio",
        "Acute discharges of a night or more (discharged on a later local date than admitted) "
        "made one or more days after the discharge ready date ÷ acute discharges of a night or "
        "more: the DRD publication's share of patients delayed, and the DRD return's "
        "pct_one_plus_days. Delay as for discharge_delay (0 when the person was never ready).",
        (*DISCHARGE_GROUPS, "reason"),
        discharges.delayed_discharge_rate,
        (Discharges(columns=("delayed", "overnight")),),
        scale=100.0,
        headline=True,
        summed_spans=True,
    ),
    Metric(
        "mean_delay_delayed",
        "Mean delay of those delayed",
        "days",
        "decrease",
        "ratio",
        "Mean delay of the acute discharges made one or more days after their discharge ready "
        "date (0-day delays left out): the DRD publication's average days delayed, and the DRD "
        "return's mean_delay_delayed. Numerator: the sum of those delays; denominator: those "
        "discharges.",
        (*DISCHARGE_GROUPS, "reason"),
        discharges.mean_delay_delayed,
        (Discharges(columns=("delayed",), delays=True),),
        headline=True,
        summed_spans=True,
    ),
    Metric(
        "bed_days_lost",
        "Bed days lost to delay",
        "bed days",
        "decrease",
        "sum",
        "Sum of the delay of acute discharges in the period (the national discharge ready date "
        "measure): local date of discharge − discharge ready date of the final readiness.",
        (*DISCHARGE_GROUPS, "reason"),
        discharges.bed_days_lost,
        (Discharges(columns=("delayed",), delays=True),),
        headline=True,
        summed_spans=True,
    ),
    Metric(
        "delay_band",
        "Discharges by delay band",
        "discharges",
        "neutral",
        "sum",
        "Acute discharges in the period by delay band (days from discharge ready date to "
        "discharge): 0, 1, 2–3, 4–6, 7–13, 14–20, 21+. Always grouped by band.",
        ("band",),
        discharges.acute_discharges,
        (Discharges(),),
        fixed_group_by="band",
        summed_spans=True,
    ),
    Metric(
        "bed_days_saved",
        "Bed days saved",
        "bed days",
        "increase",
        "sum",
        "Over acute discharges with a pathway (0–3): Σ over pathways p of (discharges on p in "
        "the period × the baseline mean delay on p) − Σ delay of those discharges. The baseline "
        "is baseline_start to baseline_end (default: the 12 weeks before start), over the same "
        "organisation filter, one mean per pathway for all groups; discharges on a pathway "
        "without baseline discharges are left out. With no discharges in the baseline the "
        "figure is null (never 0) and the row's note says why; by pathway, so is a pathway "
        "without baseline discharges. Positive is good. priced_value is the figure "
        "at the configured cost per bed day, when one is set.",
        ("pathway", *PLACE),
        outcomes.bed_days_saved,
        (Discharges(columns=("pathway",), delays=True),),
        takes_baseline=True,
        summed_spans=True,
        extras=outcomes.baseline_answer,
        headline=True,
    ),
    Metric(
        "readmission_30d_rate",
        "Emergency readmissions within 30 days",
        "%",
        "decrease",
        "ratio",
        "Acute discharges alive and not to another hospital, followed by an emergency acute "
        "admission of the same patient within 0–29 days of the discharge date, ÷ those "
        "discharges; attributed to the discharge's period. A period is flagged incomplete "
        "while its last day + 29 days is after today's local date.",
        DISCHARGE_GROUPS,
        outcomes.readmission_30d_rate,
        (Discharges(columns=("readmission_counted",), readmissions=True),),
        scale=100.0,
        headline=True,
        summed_spans=True,
    ),
    Metric(
        "discharged_before_noon_rate",
        "Discharged before noon",
        "%",
        "increase",
        "ratio",
        "Acute discharges before 12:00 local time ÷ acute discharges (deaths included).",
        ("pathway", *PLACE),
        discharges.discharged_before_noon_rate,
        (Discharges(columns=("before_noon",)),),
        scale=100.0,
        summed_spans=True,
    ),
    Metric(
        "weekend_discharge_ratio",
        "Weekend discharge ratio",
        "ratio",
        "increase",
        "weekday_ratio",
        "Mean daily acute discharges on Saturdays and Sundays ÷ mean daily acute discharges on "
        "weekdays (numerator and denominator are those means over the days of the period). "
        "Needs both kinds of day, so it has no daily figure.",
        ("pathway", *PLACE),
        discharges.acute_discharges,
        (Discharges(),),
        intervals=("week", "month", "total"),
    ),
    Metric(
        "d2a_occupancy",
        "D2A occupancy",
        "%",
        "neutral",
        "ratio",
        "D2A stays (home service slots, community and care-home beds) at the census ÷ the "
        "capacity in force that day, by unit or pathway. Over longer intervals: Σ censuses ÷ "
        f"Σ daily capacity. {CENSUS}",
        ("pathway", "unit", "organisation", "system"),
        census.d2a_occupancy,
        (D2A_STAYS,),
        scale=100.0,
        headline=True,
    ),
    Metric(
        "d2a_length_of_stay",
        "D2A length of stay",
        "days",
        "decrease",
        "ratio",
        "Mean length of stay of D2A episodes ending in the period: local date of discharge − "
        "local date of admission, across moves between units of the same setting. Numerator: "
        "the sum of lengths of stay; denominator: the episodes.",
        ("pathway", *PLACE, "destination"),
        outcomes.d2a_length_of_stay,
        (Episodes(lengths=True),),
        summed_spans=True,
    ),
    Metric(
        "d2a_home_rate",
        "D2A home rate",
        "%",
        "increase",
        "ratio",
        "D2A episodes ending in the period whose destination counts as going home "
        "(usual_residence, temporary_residence, care_home_return) ÷ D2A episodes ending in "
        "the period.",
        ("pathway", *PLACE),
        outcomes.d2a_home_rate,
        (Episodes(columns=("home",)),),
        scale=100.0,
        summed_spans=True,
    ),
    Metric(
        "d2a_waiting",
        "Waiting for D2A",
        "patients",
        "decrease",
        "census",
        "Acute stays at the census that are ready with planned pathway 1, 2 or 3: the queue for "
        f"each service. Band is the days ready at the census. {CENSUS}",
        READY_GROUPS,
        census.waiting_census,
        (WAITING_SPANS,),
        summed_spans=True,
    ),
)

CATALOGUE: dict[str, Metric] = {m.name: m for m in METRICS}
HEADLINES: tuple[str, ...] = tuple(m.name for m in METRICS if m.headline)


def catalogue_answer() -> dict[str, Any]:
    """The catalogue as the API serves it."""
    return {"conventions": CONVENTIONS, "metrics": [m.as_dict() for m in METRICS]}


def tallied_reads() -> list[Tallied]:
    """Every read of the figures that the tallies keep (metrics.tally): each metric's reads
    by each breakdown it offers, system-wide and for one organisation, and the finer tallies
    each is summed from."""
    found: dict[str, Tallied] = {}
    for metric in METRICS:
        # By system is read by organisation (each labelled with its system at each answer).
        read_as = {"system": "organisation"}
        asked = [
            (read_as.get(str(g), g), by_org) for g in metric.breakdowns for by_org in (False, True)
        ]
        for reads in metric.reads:
            for group_by, by_organisation in asked:
                tallied = reads.tallied(group_by, by_organisation)
                while tallied is not None:  # None: a read no tally keeps
                    # With the finer tallies it is summed from, which no read may name.
                    found.setdefault(tallied.name, tallied)
                    tallied = tallied.within
    return list(found.values())
