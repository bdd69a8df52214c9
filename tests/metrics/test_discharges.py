"""Flow metrics against a hand-worked week: Mon 3 – Sun 9 March 2025 (GMT, so UTC = local).

Acute discharges of the week (W1 unless stated):
  g  in Mon 08:00, ready Mon 12:00 (P1), out Mon 18:00, P1 home            delay 0, after noon
  h  in Sat 1 Mar, ready Tue 09:00 (P2, reason C8), out Fri 10:00, P2 bed   delay 3, before noon
  i  in Sun 2 Mar, never ready, died Wed 11:00                             delay 0, before noon
  j  in Mon 09:00, ready Mon 15:00 (P0), out Thu 14:00 to another hospital  delay 3, after noon
  k  W2 in Tue 10:00, ready Thu 10:00 (P0), withdrawn Thu 20:00, ready again Sat 08:00,
     out Sat 10:30, P0 home                                                delay 0 (final DRD Sat)
  l  in Mon 10 Feb, ready 10 Feb 12:00 (P3), out Sun 15:00 to a new care home, P3
                                                                           delay 27, after noon
Discharges: Mon g, Wed i, Thu j, Fri h, Sat k, Sun l = 6.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from metrics import tally
from metrics.catalogue import tallied_reads
from metrics.discharge_sources import Discharges
from store.database import Database
from tests.metrics.scenario import (
    Patient,
    by_group,
    events_of,
    figure,
    load,
    tally_rows,
    values,
)

MON, SUN = date(2025, 3, 3), date(2025, 3, 9)


def at(day: int, hhmm: str, month: int = 3) -> str:
    return f"2025-{month:02d}-{day:02d}T{hhmm}:00+00:00"


def week_events() -> list[dict[str, Any]]:
    g, h, i, j, k, l_ = (Patient(p) for p in "ghijkl")
    g.admitted(at(3, "08:00"))
    g.ready(at(3, "12:00"), pathway=1)
    g.discharged(at(3, "18:00"), pathway=1)
    h.admitted(at(1, "10:00"))
    h.ready(at(4, "09:00"), pathway=2)
    h.add("delay_reason", at(4, "10:00"), reason_code="C8")
    h.discharged(at(7, "10:00"), destination="community_bed", pathway=2)
    i.admitted(at(2, "10:00"))
    i.discharged(at(5, "11:00"), destination="died", pathway=None)
    j.admitted(at(3, "09:00"))
    j.ready(at(3, "15:00"), pathway=0)
    j.discharged(at(6, "14:00"), destination="other_hospital", pathway=0)
    k.admitted(at(4, "10:00"), unit="W2")
    k.ready(at(6, "10:00"), pathway=0)
    k.add("readiness_withdrawn", at(6, "20:00"))
    k.ready(at(8, "08:00"), pathway=0)
    k.discharged(at(8, "10:30"), pathway=0)
    l_.admitted(at(10, "10:00", month=2))
    l_.ready(at(10, "12:00", month=2), pathway=3)
    l_.discharged(at(9, "15:00"), destination="care_home_new", pathway=3)
    return events_of(g, h, i, j, k, l_)


@pytest.fixture
def week(system: Database) -> Database:
    load(system, week_events())
    return system


def week_total(db: Database, name: str, **options: object) -> dict[str, object]:
    (row,) = figure(db, name, MON, SUN, interval="total", **options).records()
    return row


def test_acute_discharges_by_day_and_breakdowns(week: Database) -> None:
    assert values(figure(week, "acute_discharges", MON, SUN)) == [1, 0, 1, 1, 1, 1, 1]
    by_destination = figure(
        week, "acute_discharges", MON, SUN, interval="total", group_by="destination"
    )
    assert by_group(by_destination) == {
        "care_home_new": 1,
        "community_bed": 1,
        "died": 1,
        "other_hospital": 1,
        "usual_residence": 2,
    }
    by_pathway = figure(week, "acute_discharges", MON, SUN, interval="total", group_by="pathway")
    # The death carries no pathway.
    assert by_group(by_pathway) == {"0": 2, "1": 1, "2": 1, "3": 1, "unknown": 1}


def test_a_transfer_is_not_a_discharge(system: Database) -> None:
    m = Patient("m")
    m.admitted(at(3, "10:00"))
    m.add("transferred", at(4, "10:00"), unit_code="W2")
    load(system, m.events)
    assert values(figure(system, "acute_discharges", MON, SUN, interval="week")) == [0]


def test_bed_days_lost_and_mean_delay(week: Database) -> None:
    # Delays: g 0, h 3, i 0, j 3, k 0 (final DRD Sat = discharge day), l 27: Σ 33, mean 5.5.
    assert week_total(week, "bed_days_lost")["value"] == 33
    row = week_total(week, "discharge_delay")
    assert (row["value"], row["numerator"], row["denominator"]) == (5.5, 33, 6)
    by_reason = figure(week, "discharge_delay", MON, SUN, interval="total", group_by="reason")
    assert by_group(by_reason) == {"C8": 3.0, "unknown": 6.0}  # h 3 ÷ 1; others 30 ÷ 5


def test_delay_band_is_always_by_band(week: Database) -> None:
    result = figure(week, "delay_band", MON, SUN, interval="total")
    assert result.query.group_by == "band"
    assert by_group(result) == {
        "0": 3,
        "1": 0,
        "2-3": 2,
        "4-6": 0,
        "7-13": 0,
        "14-20": 0,
        "21+": 1,
    }


def test_home_first_rate_leaves_out_deaths_and_other_hospitals(week: Database) -> None:
    # Counted: g P1, h P2, k P0, l P3 (i died, j went to another hospital): home 2 of 4.
    row = week_total(week, "home_first_rate")
    assert (row["value"], row["numerator"], row["denominator"]) == (50.0, 2, 4)


def test_pathway_mix_shares_the_same_discharges(week: Database) -> None:
    result = figure(week, "pathway_mix", MON, SUN, interval="total")
    rows = {r["group"]: (r["value"], r["numerator"], r["denominator"]) for r in result.records()}
    assert rows == dict.fromkeys("0123", (25.0, 1, 4))


def test_discharged_before_noon(week: Database) -> None:
    # h 10:00, i 11:00, k 10:30 before noon; g 18:00, j 14:00, l 15:00 after: 3 of 6.
    row = week_total(week, "discharged_before_noon_rate")
    assert (row["value"], row["numerator"], row["denominator"]) == (50.0, 3, 6)


def test_discharged_before_noon_uses_local_time_in_summer(system: Database) -> None:
    # 11:30 UTC on 2 July is 12:30 BST: after noon.
    n = Patient("n")
    n.admitted("2025-07-01T09:00:00+00:00")
    n.discharged("2025-07-02T11:30:00+00:00")
    load(system, n.events)
    (row,) = figure(system, "discharged_before_noon_rate", date(2025, 7, 2)).records()
    assert (row["numerator"], row["denominator"]) == (0, 1)


def test_weekend_discharge_ratio(week: Database) -> None:
    # Weekend: k, l = 2 over 2 days → 1.0 a day; weekdays: g, i, j, h = 4 over 5 days → 0.8.
    row = week_total(week, "weekend_discharge_ratio")
    assert (row["numerator"], row["denominator"]) == (1.0, 0.8)
    assert row["value"] == pytest.approx(1.25)


def test_ready_new_counts_each_readiness_start(week: Database) -> None:
    # Started in the week: g Mon, j Mon, h Tue, k Thu and again Sat = 5 (l began 10 Feb).
    assert values(figure(week, "ready_new", MON, SUN)) == [2, 1, 0, 1, 0, 1, 0]
    by_pathway = figure(week, "ready_new", MON, SUN, interval="total", group_by="pathway")
    assert by_group(by_pathway) == {"0": 3, "1": 1, "2": 1, "3": 0}
    by_unit = figure(week, "ready_new", MON, SUN, interval="total", group_by="unit")
    assert by_group(by_unit) == {"W1": 3, "W2": 2}


def test_a_summer_night_is_the_next_local_day(system: Database) -> None:
    # Ready 2 July 23:30 UTC = 3 July 00:30 BST; discharged 4 July 23:30 UTC = 5 July 00:30 BST.
    # DRD 3 July, discharge date 5 July: delay 2.
    p = Patient("p")
    p.admitted("2025-07-01T10:00:00+00:00")
    p.ready("2025-07-02T23:30:00+00:00", pathway=1)
    p.discharged("2025-07-04T23:30:00+00:00", pathway=1)
    load(system, p.events)
    july = (date(2025, 7, 1), date(2025, 7, 5))
    assert values(figure(system, "ready_new", *july)) == [0, 0, 1, 0, 0]
    assert values(figure(system, "acute_discharges", *july)) == [0, 0, 0, 0, 1]
    assert values(figure(system, "bed_days_lost", *july, interval="total")) == [2]


def test_a_voided_discharge_is_no_discharge(system: Database) -> None:
    q = Patient("q")
    q.admitted(at(3, "10:00"))
    wrong = q.discharged(at(4, "10:00"))
    q.add("void", at(4, "12:00"), voids_event_id=wrong)
    load(system, q.events)
    assert values(figure(system, "acute_discharges", MON, SUN, interval="week")) == [0]
    assert values(figure(system, "acute_occupied", MON, SUN, interval="week")) == [1.0]


def test_share_of_discharges_delayed_counts_stays_of_a_night_or_more(week: Database) -> None:
    # g left on the day it came (no night): not counted. Of h, i, j, k, l (5 of a night or
    # more), h (3), j (3) and l (27) left a day or more after their DRD: 3 ÷ 5 = 60%.
    row = week_total(week, "delayed_discharge_rate")
    assert (row["value"], row["numerator"], row["denominator"]) == (60.0, 3, 5)
    by_unit = figure(week, "delayed_discharge_rate", MON, SUN, interval="total", group_by="unit")
    assert by_group(by_unit) == {"W1": 75.0, "W2": 0.0}  # W1: h, j, l of h, i, j, l; W2: k


def test_mean_delay_of_those_delayed_leaves_out_0_day_delays(week: Database) -> None:
    # (3 + 3 + 27) ÷ 3 = 11; g, i and k (delay 0) are not in it.
    row = week_total(week, "mean_delay_delayed")
    assert (row["value"], row["numerator"], row["denominator"]) == (11.0, 33, 3)
    by_unit = figure(week, "mean_delay_delayed", MON, SUN, interval="total", group_by="unit")
    assert by_group(by_unit) == {"W1": 11.0, "W2": None}  # W2's k was not delayed: no figure
    daily = figure(week, "mean_delay_delayed", MON, SUN).records()
    assert [r["value"] for r in daily] == [None, None, None, 3.0, 3.0, None, 27.0]


def test_a_breakdown_carries_labels_and_reasons_their_group(week: Database) -> None:
    by_reason = figure(week, "discharge_delay", MON, SUN, interval="total", group_by="reason")
    h = next(r for r in by_reason.records() if r["group"] == "C8")
    assert h["reason_group"] == "Capacity"
    assert h["label"] == "Mental health admitted patient care not yet available"
    assert h["value"] == 3.0
    by_unit = figure(week, "acute_discharges", MON, SUN, interval="total", group_by="unit")
    assert {r["group"]: r["label"] for r in by_unit.records()} == {"W1": "Ward 1", "W2": "Ward 2"}
    assert "label" not in figure(week, "acute_discharges", MON, SUN).records()[0]


def test_home_first_rate_leaves_out_a_death_without_a_pathway(week: Database) -> None:
    """m dies Tue 4 Mar, with no pathway (SPEC: one is required only of a patient leaving
    alive): a discharge (7 in the week), but not one of the Home First rate's (still home 2 of
    4), whether read from the derived tables or, after a refresh, from the tallies (which keep
    the rate's discharges as two flags: counted, home first)."""
    m = Patient("m")
    m.admitted(at(3, "08:00"))
    m.discharged(at(4, "10:00"), destination="died", pathway=None)
    load(week, events_of(m))
    assert week_total(week, "acute_discharges")["value"] == 7
    for _ in ("derived", "tallied"):
        row = week_total(week, "home_first_rate")
        assert (row["value"], row["numerator"], row["denominator"]) == (50.0, 2, 4)
        tally.refresh(week.engine, tallied_reads(), week.write_engine)


def test_delay_figures_read_summed_delays_per_flag(week: Database) -> None:
    """m (W1) in Mon 3 Mar 09:00, ready Thu 6 Mar 09:00 (P1), out Fri 7 Mar 16:00: delay 1.
    Delays now g 0, h 3 (C8), i 0, j 3, k 0 (W2), l 27, m 1: Σ 34 over 7 discharges.
    Of a night or more (all but g): h i j k l m = 6, delayed a day or more h j l m = 4.
    The figures read Σ delay per 'delayed' flag (Discharges.delays), not a row per number of
    days: W1's Friday (h 3, m 1) is one tallied row, n 2, Σ 4. The same from the derived
    tables and, after a refresh, from the tallies."""
    m = Patient("m")
    m.admitted(at(3, "09:00"))
    m.ready(at(6, "09:00"), pathway=1)
    m.discharged(at(7, "16:00"), pathway=1)
    load(week, events_of(m))
    for _ in ("derived", "tallied"):
        assert week_total(week, "bed_days_lost")["value"] == 34
        row = week_total(week, "discharge_delay")
        assert (row["value"], row["numerator"], row["denominator"]) == (34 / 7, 34, 7)
        row = week_total(week, "mean_delay_delayed")
        assert (row["value"], row["numerator"], row["denominator"]) == (8.5, 34, 4)
        row = week_total(week, "delayed_discharge_rate")
        assert (row["numerator"], row["denominator"]) == (4, 6)
        by_destination = figure(
            week, "discharge_delay", MON, SUN, interval="total", group_by="destination"
        )
        assert by_group(by_destination) == {
            "care_home_new": 27.0,  # l
            "community_bed": 3.0,  # h
            "died": 0.0,  # i
            "other_hospital": 3.0,  # j
            "usual_residence": 1 / 3,  # g 0, k 0, m 1
        }
        by_reason = figure(
            week, "mean_delay_delayed", MON, SUN, interval="total", group_by="reason"
        )
        assert by_group(by_reason) == {"C8": 3.0, "unknown": 31 / 3}  # h; j, l, m
        by_unit = figure(week, "bed_days_lost", MON, SUN, interval="total", group_by="unit")
        assert by_group(by_unit) == {"W1": 34, "W2": 0}
        tally.refresh(week.engine, tallied_reads(), week.write_engine)
    source = Discharges(columns=("delayed",), delays=True).tallied("unit", False)
    assert source is not None
    assert tally_rows(week, source.name, date(2025, 3, 7)) == [([1, "W1"], 2, 4)]
