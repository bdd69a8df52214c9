"""Census metrics against a hand-worked week: Mon 3 – Sun 9 March 2025 (GMT, so UTC = local).

The ward (acute) scenario, by patient:
  a  W1 from Mon 14:00; to W2 Wed 08:00; ready Wed 12:00 (P2); withdrawn Thu 09:00;
     ready again Fri 15:00 (P1); discharged Sun 11:00 (P1).        LA1
  b  W1 from Sat 22 Feb 10:00, ready since Sat 1 Mar 10:00 (P3, reason I5), still in.  LA2
  c  W1 from Tue 10:00, still in; a readiness on Tue 16:00 was voided.      no LA
  d  W2 from Mon 09:00, discharged Wed 09:00 (P0); its readiness (Tue 08:00, P0) arrived
     late, in a second batch after the discharge.                           LA1

Censuses (a stay counts at the midnight ending D when it started before and ended after):
          Mon Tue Wed Thu Fri Sat Sun
  a        W1  W1  W2  W2  W2  W2  -      ready Wed (P2), Fri, Sat (P1)
  b        W1  W1  W1  W1  W1  W1  W1     ready every day (P3)
  c        -   W1  W1  W1  W1  W1  W1     never ready (the readiness was voided)
  d        W2  W2  -   -   -   -   -      ready Tue (P0)
  occupied  3   4   3   3   3   3   2  = 21
  ready     1   2   2   1   2   2   1  = 11
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from ledger import reference
from metrics.tally import changed_from
from store.database import Database
from tests.metrics.scenario import Patient, by_group, events_of, figure, load, values

MON, SUN = date(2025, 3, 3), date(2025, 3, 9)


def at(day: int, hhmm: str, month: int = 3) -> str:
    return f"2025-{month:02d}-{day:02d}T{hhmm}:00+00:00"


def ward_batches() -> list[list[dict[str, Any]]]:
    """The ward scenario as the feed sent it: everything, then d's late readiness."""
    a, b, c, d = Patient("a"), Patient("b"), Patient("c"), Patient("d")
    a.admitted(at(3, "14:00"), local_authority="LA1")
    a.add("transferred", at(5, "08:00"), unit_code="W2")
    a.ready(at(5, "12:00"), pathway=2)
    a.add("readiness_withdrawn", at(6, "09:00"))
    a.ready(at(7, "15:00"), pathway=1)
    a.discharged(at(9, "11:00"), pathway=1)
    b.admitted(at(22, "10:00", month=2), local_authority="LA2")
    b.ready(at(1, "10:00"), pathway=3)
    b.add("delay_reason", at(1, "11:00"), reason_code="I5")
    c.admitted(at(4, "10:00"))
    wrong = c.ready(at(4, "16:00"))
    c.add("void", at(4, "17:00"), voids_event_id=wrong)
    d.admitted(at(3, "09:00"), unit="W2", local_authority="LA1")
    d.discharged(at(5, "09:00"), pathway=0)
    late: dict[str, Any] = {"event_id": "d-late", "type": "discharge_ready", "patient_id": "d"}
    late |= {"occurred_at": at(4, "08:00"), "pathway": 0}
    return [events_of(a, b, c, d), [late]]


@pytest.fixture
def ward(system: Database) -> Database:
    load(system, *ward_batches())
    return system


def test_acute_occupied_by_day(ward: Database) -> None:
    assert values(figure(ward, "acute_occupied", MON, SUN)) == [3, 4, 3, 3, 3, 3, 2]


def test_acute_occupied_week_is_the_mean_of_the_censuses(ward: Database) -> None:
    (row,) = figure(ward, "acute_occupied", MON, SUN, interval="week").records()
    assert (row["value"], row["numerator"], row["denominator"]) == (3.0, 21, 7)


def test_acute_occupied_follows_the_ward_transfer(ward: Database) -> None:
    # W1: a Mon–Tue, b all 7, c Tue–Sun = 2 + 7 + 6 = 15; W2: d Mon–Tue, a Wed–Sat = 6.
    result = figure(ward, "acute_occupied", MON, SUN, interval="total", group_by="unit")
    numerators = {r["group"]: r["numerator"] for r in result.records()}
    assert numerators == {"W1": 15, "W2": 6}


def test_acute_occupied_by_local_authority(ward: Database) -> None:
    # LA1: a 6 + d 2 = 8; LA2: b 7; c has none: 6, shown as unknown.
    result = figure(ward, "acute_occupied", MON, SUN, interval="total", group_by="local_authority")
    assert {r["group"]: r["numerator"] for r in result.records()} == {
        "LA1": 8,
        "LA2": 7,
        "unknown": 6,
    }


def test_ready_to_leave_counts_every_readiness_period(ward: Database) -> None:
    # a's withdrawn period (Wed) and its second one (Fri, Sat); d's late readiness (Tue);
    # c's voided readiness never counts.
    assert values(figure(ward, "ready_to_leave", MON, SUN)) == [1, 2, 2, 1, 2, 2, 1]


def test_ready_to_leave_by_band_of_days_ready(ward: Database) -> None:
    # Days ready at the census of D = D + 1 − the date readiness began.
    # b (since Sat 1): Mon 3 → 3 (2-3); Tue–Thu 4–6 (4-6); Fri–Sun 7–9 (7-13).
    # d (since Tue): Tue 1. a: Wed 1 (since Wed); Fri 1, Sat 2 (since Fri).
    result = figure(ward, "ready_to_leave", MON, SUN, interval="total", group_by="band")
    numerators = {r["group"]: r["numerator"] for r in result.records()}
    assert numerators == {"0": 0, "1": 3, "2-3": 2, "4-6": 3, "7-13": 3, "14-20": 0, "21+": 0}


def test_ready_to_leave_by_planned_pathway_and_reason(ward: Database) -> None:
    # Pathways at each census: a P2 Wed, P1 Fri–Sat; b P3 ×7; d P0 Tue.
    result = figure(ward, "ready_to_leave", MON, SUN, interval="total", group_by="pathway")
    assert {r["group"]: r["numerator"] for r in result.records()} == {
        "0": 1,
        "1": 2,
        "2": 1,
        "3": 7,
    }
    # b's reason I5 from Sat 1 Mar; a and d never had one.
    reasons = figure(ward, "ready_to_leave", MON, SUN, interval="total", group_by="reason")
    assert {r["group"]: r["numerator"] for r in reasons.records()} == {"I5": 7, "unknown": 4}


def test_delayed_bed_days_sum_the_ready_censuses(ward: Database) -> None:
    assert values(figure(ward, "delayed_bed_days", MON, SUN, interval="week")) == [11]
    by_unit = figure(ward, "delayed_bed_days", MON, SUN, interval="total", group_by="unit")
    assert by_group(by_unit) == {"W1": 7, "W2": 4}  # b 7; a 3 + d 1


def test_stranded_los_runs_from_the_spell_admission(ward: Database) -> None:
    # b admitted Sat 22 Feb: LOS at the census of D = D + 1 − 22 Feb: Mon 3 Mar → 10 … Sun → 16.
    # a: LOS at Sat = 8 + 1 − 3 = 6, across its transfer: never ≥ 7. c: 6 at Sun.
    assert values(figure(ward, "stranded_7", MON, SUN)) == [1] * 7
    # LOS ≥ 14 from D = 22 Feb + 13 = Fri 7 Mar.
    assert values(figure(ward, "stranded_14", MON, SUN)) == [0, 0, 0, 0, 1, 1, 1]
    assert values(figure(ward, "stranded_21", MON, SUN)) == [0] * 7


def test_stranded_by_local_authority_lists_places_with_none_stranded(ward: Database) -> None:
    """A breakdown with no list of its own shows the groups with acute stays in the period:
    LA1 (a, d) and c's unknown authority have stays but none of 14 days, so they show 0.
    b (LA2) reaches 14 days at the census of Fri 7 Mar (admitted Sat 22 Feb + 13)."""
    answer = figure(
        ward, "stranded_14", MON, SUN, interval="day", group_by="local_authority"
    ).records()
    days: dict[str, list[Any]] = {}
    for row in answer:
        days.setdefault(row["group"], []).append(row["value"])
    assert days == {"LA1": [0] * 7, "LA2": [0, 0, 0, 0, 1, 1, 1], "unknown": [0] * 7}
    # Over Fri–Sun only b's stay is stranded; the others still have stays in: listed as 0.
    fri = figure(ward, "stranded_14", date(2025, 3, 7), SUN, interval="total")
    assert values(fri) == [1]
    by_la = figure(
        ward, "stranded_14", date(2025, 3, 7), SUN, interval="total", group_by="local_authority"
    )
    assert by_group(by_la) == {"LA1": 0, "LA2": 1, "unknown": 0}


def test_d2a_waiting_is_the_ready_queue_for_pathways_1_to_3(ward: Database) -> None:
    # b (P3) every day; a P2 Wed, P1 Fri and Sat; d (P0) is not waiting for a D2A service.
    assert values(figure(ward, "d2a_waiting", MON, SUN)) == [1, 1, 2, 1, 2, 2, 1]
    by_pathway = figure(ward, "d2a_waiting", MON, SUN, interval="total", group_by="pathway")
    assert {r["group"]: r["numerator"] for r in by_pathway.records()} == {"1": 2, "2": 1, "3": 7}


def test_a_period_starting_and_ending_inside_the_stays(ward: Database) -> None:
    # Wed–Thu only: a, b, c both days; d gone by Wed's census.
    assert values(figure(ward, "acute_occupied", date(2025, 3, 5), date(2025, 3, 6))) == [3, 3]


def test_d2a_occupancy_uses_the_capacity_in_force_each_day(system: Database) -> None:
    """B1 has 4 beds until Wed 5 March and 2 from Thu 6 March; H1 10 slots; C1 2 beds.
    e in B1 Mon 12:00 → Thu 12:00 (Mon, Tue, Wed censuses); f in H1 from Tue 10:00 (Tue–Sun).
    B1: 3 ÷ (4 + 4 + 4 + 2 + 2 + 2 + 2 = 20) = 15%; H1: 6 ÷ 70; C1: 0 ÷ 14.
    All: 9 ÷ 104."""
    with system.session(write=True) as session:
        fields: dict[str, Any] = {
            "name": "Recovery beds",
            "organisation_code": "CP1",
            "setting": "community_bed",
        }
        fields |= {"pathway": 2, "capacity": 2, "capacity_from": date(2025, 3, 6)}
        reference.upsert_unit(session, "B1", fields, changed_from)
    e, f = Patient("e"), Patient("f")
    e.admitted(at(3, "12:00"), unit="B1")
    e.discharged(at(6, "12:00"), pathway=None)
    f.admitted(at(4, "10:00"), unit="H1")
    load(system, events_of(e, f))
    by_unit = figure(system, "d2a_occupancy", MON, SUN, interval="total", group_by="unit")
    rows = {r["group"]: (r["numerator"], r["denominator"]) for r in by_unit.records()}
    assert rows == {"B1": (3, 20), "C1": (0, 14), "H1": (6, 70)}
    assert by_group(by_unit)["B1"] == pytest.approx(15.0)
    (total,) = figure(system, "d2a_occupancy", MON, SUN, interval="total").records()
    assert total["value"] == pytest.approx(100 * 9 / 104)
    daily_b1 = figure(system, "d2a_occupancy", MON, SUN, group_by="unit", organisation="CP1")
    b1 = [r["value"] for r in daily_b1.records() if r["group"] == "B1"]
    assert b1 == [25.0, 25.0, 25.0, 0.0, 0.0, 0.0, 0.0]
    by_pathway = figure(system, "d2a_occupancy", MON, SUN, interval="total", group_by="pathway")
    assert [r["group"] for r in by_pathway.records()] == ["1", "2", "3"]


def test_a_summer_night_counts_on_the_local_day(system: Database) -> None:
    # Admitted 1 July 23:30 UTC = 2 July 00:30 BST: not in the census of 1 July (23:00 UTC).
    g = Patient("g")
    g.admitted("2025-07-01T23:30:00+00:00")
    load(system, g.events)
    assert values(figure(system, "acute_occupied", date(2025, 7, 1), date(2025, 7, 3))) == [0, 1, 1]


def test_spring_clock_change_census_is_local_midnight(system: Database) -> None:
    # The census of Sun 30 March 2025 is 31 March 00:00 BST = 30 March 23:00 UTC. A stay
    # admitted 30 March 10:00 UTC, discharged 30 March 23:30 UTC (31 March 00:30 BST) is in
    # it, with LOS 1; a UTC-midnight census (31 March 00:00 UTC) would miss it.
    h = Patient("h")
    h.admitted("2025-03-30T10:00:00+00:00")
    h.discharged("2025-03-30T23:30:00+00:00")
    load(system, h.events)
    days = (date(2025, 3, 29), date(2025, 3, 31))
    assert values(figure(system, "acute_occupied", *days)) == [0, 1, 0]


def test_autumn_clock_change_census_is_local_midnight(system: Database) -> None:
    # The census of Sat 25 Oct 2025 is 26 Oct 00:00 BST = 25 Oct 23:00 UTC; that of Sun 26 Oct
    # is 27 Oct 00:00 GMT = 27 Oct 00:00 UTC. Admitted 25 Oct 23:30 UTC (26 Oct 00:30 BST),
    # discharged 27 Oct 10:00 UTC: only the census of 26 Oct counts it.
    k = Patient("k")
    k.admitted("2025-10-25T23:30:00+00:00")
    k.discharged("2025-10-27T10:00:00+00:00")
    load(system, k.events)
    days = (date(2025, 10, 25), date(2025, 10, 27))
    assert values(figure(system, "acute_occupied", *days)) == [0, 1, 0]
