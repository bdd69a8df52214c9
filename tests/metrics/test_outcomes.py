"""Bed days saved, readmissions and D2A episode outcomes, each worked out by hand."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from metrics import tally
from metrics.catalogue import tallied_reads
from metrics.discharge_sources import Discharges
from store.database import Database
from tests.metrics.scenario import Patient, by_group, events_of, figure, load, tally_rows

MON, SUN = date(2025, 3, 3), date(2025, 3, 9)


def stay(
    patient: Patient,
    admitted: str,
    discharged: str,
    ready: str | None = None,
    pathway: int | None = 1,
    destination: str = "usual_residence",
    **admission: Any,
) -> None:
    """An acute stay (W1), ready at `ready` on `pathway` if given; times are UTC dates/times."""
    patient.admitted(f"{admitted}+00:00", **admission)
    if ready is not None:
        patient.ready(f"{ready}+00:00", pathway=pathway)
    patient.discharged(f"{discharged}+00:00", destination=destination, pathway=pathway)


@pytest.fixture
def saved(system: Database) -> Database:
    """Baseline (default: the 12 weeks before Mon 3 March = 9 Dec 2024 – 2 Mar 2025):
      b1 P1 ready Mon 6 Jan, out Fri 10 Jan: delay 4
      b2 P1 ready Mon 13 Jan, out Wed 15 Jan: delay 2      → P1 baseline mean 3
      b3 P2 ready Mon 20 Jan, out Sun 26 Jan: delay 6      → P2 baseline mean 6
    The week 3–9 March:
      s1 P1 delay 1 → saves 3 − 1 = 2;  s2 P2 delay 2 → saves 6 − 2 = 4;
      s3 P1 delay 5 → saves 3 − 5 = −2; s4 P0 delay 0: no P0 baseline, left out;
      s5 died without a pathway: not counted.                    Total 2 + 4 − 2 = 4."""
    b1, b2, b3 = Patient("b1"), Patient("b2"), Patient("b3")
    stay(b1, "2025-01-02T10:00:00", "2025-01-10T10:00:00", "2025-01-06T10:00:00")
    stay(b2, "2025-01-12T10:00:00", "2025-01-15T10:00:00", "2025-01-13T10:00:00")
    stay(b3, "2025-01-19T10:00:00", "2025-01-26T10:00:00", "2025-01-20T10:00:00", pathway=2)
    s1, s2, s3, s4, s5 = (Patient(f"s{n}") for n in range(1, 6))
    stay(s1, "2025-03-02T10:00:00", "2025-03-04T10:00:00", "2025-03-03T10:00:00")
    stay(s2, "2025-03-02T10:00:00", "2025-03-05T10:00:00", "2025-03-03T10:00:00", pathway=2)
    stay(s3, "2025-03-02T10:00:00", "2025-03-08T10:00:00", "2025-03-03T10:00:00")
    stay(s4, "2025-03-02T10:00:00", "2025-03-06T10:00:00", "2025-03-06T09:00:00", pathway=0)
    stay(s5, "2025-03-02T10:00:00", "2025-03-07T10:00:00", destination="died", pathway=None)
    load(system, events_of(b1, b2, b3, s1, s2, s3, s4, s5))
    return system


def test_bed_days_saved_against_the_default_baseline(saved: Database) -> None:
    result = figure(saved, "bed_days_saved", MON, SUN, interval="total", cost_per_bed_day=400.0)
    (row,) = result.records()
    assert (row["value"], row["priced_value"]) == (4, 1600.0)
    answer = result.answer()
    assert (answer["baseline_start"], answer["baseline_end"]) == ("2024-12-09", "2025-03-02")
    by_pathway = figure(saved, "bed_days_saved", MON, SUN, interval="total", group_by="pathway")
    # P1: 2 − 2 = 0; P0 and P3 have no baseline discharges, so no figure (not 0).
    assert by_group(by_pathway) == {"0": None, "1": 0, "2": 4, "3": None}
    notes = {r["group"]: r["note"] for r in by_pathway.records()}
    assert notes["1"] is None and notes["3"].startswith("no baseline")


def test_bed_days_saved_with_a_fractional_baseline_is_the_same_from_the_tallies(
    saved: Database,
) -> None:
    """b4 P1 ready Mon 27 Jan, out Tue 28 Jan (delay 1) joins the baseline: P1's mean is
    (4 + 2 + 1) ÷ 3 = 7/3. The week: P1 s1 (1) and s3 (5) save 2 × 7/3 − 6 = −4/3, P2 s2
    saves 6 − 2 = 4: 8/3 in all. Counted per period as Σ mean × discharges − Σ delay, the
    figure is the very same number whether the days come from the derived tables or, summed
    per span, from the tallies."""
    b4 = Patient("b4")
    stay(b4, "2025-01-27T08:00:00", "2025-01-28T10:00:00", "2025-01-27T10:00:00")
    load(saved, events_of(b4))
    answers: list[tuple[list[Any], dict[Any, Any]]] = []
    for _ in ("derived", "tallied"):
        total = figure(saved, "bed_days_saved", MON, SUN, interval="total").records()
        weekly = figure(saved, "bed_days_saved", MON, SUN, interval="week", group_by="pathway")
        answers.append(([r["value"] for r in total], by_group(weekly)))
        tally.refresh(saved.engine, tallied_reads(), saved.write_engine)
    assert answers[0] == answers[1]
    [value], by_pathway = answers[0]
    assert value == pytest.approx(8 / 3)
    assert by_pathway["1"] == pytest.approx(-4 / 3) and by_pathway["2"] == 4


def test_bed_days_saved_unpriced_without_a_cost(saved: Database) -> None:
    (row,) = figure(saved, "bed_days_saved", MON, SUN, interval="total").records()
    assert row["priced_value"] is None


def test_bed_days_saved_with_a_chosen_baseline(saved: Database) -> None:
    # From 11 Jan: b2 only for P1 (mean 2), b3 for P2 (6): (2 − 1) + (6 − 2) + (2 − 5) = 2.
    result = figure(
        saved,
        "bed_days_saved",
        MON,
        SUN,
        interval="total",
        baseline_start=date(2025, 1, 11),
        baseline_end=date(2025, 1, 31),
    )
    assert [r["value"] for r in result.records()] == [2]


def test_bed_days_saved_without_baseline_discharges_is_null_with_a_reason(
    saved: Database,
) -> None:
    # Nothing was discharged in the baseline 1–28 Feb 2025: no figure, not "0 saved".
    result = figure(
        saved,
        "bed_days_saved",
        MON,
        SUN,
        interval="day",
        baseline_start=date(2025, 2, 1),
        baseline_end=date(2025, 2, 28),
    )
    records = result.records()
    assert len(records) == 7 and all(r["value"] is None for r in records)
    assert {r["note"] for r in records} == {"no baseline: no discharges 2025-02-01 to 2025-02-28"}
    assert b"no baseline: no discharges 2025-02-01 to 2025-02-28" in result.csv()


@pytest.fixture
def readmissions(system: Database) -> Database:
    """January 2025 discharges (all P1 or P0, W1):
    m  out Fri 10 Jan 12:00; emergency admission Sat 8 Feb (day 29)    → readmitted
    n  out Fri 10 Jan; elective admission Wed 15 Jan                    → not (elective)
    o  out Sun 5 Jan; emergency admission Tue 4 Feb (day 30)            → not (too late)
    q  out Mon 20 Jan 10:00; emergency admission the same day 18:00     → readmitted (day 0)
    r  died Sun 12 Jan                                                  → not counted
    s  to another hospital Tue 14 Jan; emergency admission Thu 16 Jan   → not counted
    Rate: 2 ÷ 4 = 50%."""
    m, n, o, q, r, s = (Patient(p) for p in "mnoqrs")
    stay(m, "2025-01-06T10:00:00", "2025-01-10T12:00:00", admission_method="emergency")
    m.admitted("2025-02-08T09:00:00+00:00", admission_method="emergency")
    stay(n, "2025-01-06T10:00:00", "2025-01-10T12:00:00")
    n.admitted("2025-01-15T09:00:00+00:00", admission_method="elective")
    stay(o, "2025-01-02T10:00:00", "2025-01-05T12:00:00", pathway=0)
    o.admitted("2025-02-04T09:00:00+00:00", admission_method="emergency")
    stay(q, "2025-01-15T10:00:00", "2025-01-20T10:00:00")
    q.admitted("2025-01-20T18:00:00+00:00", admission_method="emergency")
    stay(r, "2025-01-08T10:00:00", "2025-01-12T10:00:00", destination="died", pathway=None)
    stay(s, "2025-01-08T10:00:00", "2025-01-14T10:00:00", destination="other_hospital")
    s.admitted("2025-01-16T09:00:00+00:00", admission_method="emergency")
    load(system, events_of(m, n, o, q, r, s))
    return system


def test_readmission_30d_rate(readmissions: Database) -> None:
    january = (date(2025, 1, 1), date(2025, 1, 31))
    (row,) = figure(readmissions, "readmission_30d_rate", *january, interval="month").records()
    assert (row["value"], row["numerator"], row["denominator"]) == (50.0, 2, 4)
    assert row["incomplete"] is False  # 31 Jan + 29 days = 1 March, long before NOW (2026)


def test_readmission_rate_counts_by_a_flag_not_by_destination(readmissions: Database) -> None:
    """The rate reads its discharges as a flag (counted: not died, not to another hospital)
    and the breakdown, not keyed by destination: the same figures from the derived tables and,
    after a refresh, from the tallies. By destination, only the counted destinations are
    groups: r (died) and s (another hospital) are not in the rate."""
    january = (date(2025, 1, 1), date(2025, 1, 31))
    for _ in ("derived", "tallied"):
        (row,) = figure(readmissions, "readmission_30d_rate", *january, interval="month").records()
        assert (row["value"], row["numerator"], row["denominator"]) == (50.0, 2, 4)
        by_destination = figure(
            readmissions, "readmission_30d_rate", *january, interval="month", group_by="destination"
        )
        rows = {r["group"]: (r["numerator"], r["denominator"]) for r in by_destination.records()}
        assert rows == {"usual_residence": (2, 4)}  # m, q of m, n, o, q
        tally.refresh(readmissions.engine, tallied_reads(), readmissions.write_engine)
    # Fri 10 Jan, system-wide: m (readmitted) and n, both counted, are one row: n 2, 1 readmitted.
    source = Discharges(columns=("readmission_counted",), readmissions=True).tallied(None, False)
    assert source is not None
    assert tally_rows(readmissions, source.name, date(2025, 1, 10)) == [([1], 2, 1)]


def test_readmission_periods_without_30_days_of_follow_up_are_flagged(
    readmissions: Database,
) -> None:
    # Today 20 Feb 2025. Week of Mon 6 Jan: last day 12 Jan + 29 = 10 Feb ≤ 20 Feb: complete.
    # Week of Mon 27 Jan (clipped to 31 Jan): 31 Jan + 29 = 1 Mar > 20 Feb: incomplete.
    now = datetime(2025, 2, 20, 12, 0)
    result = figure(
        readmissions,
        "readmission_30d_rate",
        date(2025, 1, 1),
        date(2025, 1, 31),
        interval="week",
        now=now,
    )
    flags = {r["period"]: r["incomplete"] for r in result.records()}
    assert flags["2025-01-06"] is False and flags["2025-01-27"] is True
    # Discharges: week of 6 Jan holds m, n, r (died); m is readmitted: 1 ÷ 2.
    week = next(r for r in result.records() if r["period"] == "2025-01-06")
    assert (week["numerator"], week["denominator"]) == (1, 2)


@pytest.fixture
def episodes(system: Database) -> Database:
    """D2A episodes ending in the week 3–9 March 2025:
    t  B1 (P2) Mon 24 Feb 12:00 → Wed 5 Mar 10:00, home            LOS 9, home
    u  H1 (P1) Sat 1 Mar → Fri 7 Mar, to a new care home           LOS 6
    v  C1 (P3) Mon 3 Mar → died Sun 9 Mar                          LOS 6
    x  H1 (P1) Sat 1 Mar → Tue 4 Mar, back to their care home      LOS 3, home
    w  B1 still open: not counted.
    Mean LOS (9 + 6 + 6 + 3) ÷ 4 = 6; home 2 ÷ 4 = 50%."""
    t, u, v, x, w = (Patient(p) for p in "tuvxw")
    t.admitted("2025-02-24T12:00:00+00:00", unit="B1")
    t.discharged("2025-03-05T10:00:00+00:00", pathway=None)
    u.admitted("2025-03-01T10:00:00+00:00", unit="H1")
    u.discharged("2025-03-07T10:00:00+00:00", destination="care_home_new", pathway=None)
    v.admitted("2025-03-03T10:00:00+00:00", unit="C1")
    v.discharged("2025-03-09T10:00:00+00:00", destination="died", pathway=None)
    x.admitted("2025-03-01T10:00:00+00:00", unit="H1")
    x.discharged("2025-03-04T10:00:00+00:00", destination="care_home_return", pathway=None)
    w.admitted("2025-03-04T10:00:00+00:00", unit="B1")
    load(system, events_of(t, u, v, x, w))
    return system


def test_d2a_length_of_stay(episodes: Database) -> None:
    (row,) = figure(episodes, "d2a_length_of_stay", MON, SUN, interval="total").records()
    assert (row["value"], row["numerator"], row["denominator"]) == (6.0, 24, 4)
    by_pathway = figure(
        episodes, "d2a_length_of_stay", MON, SUN, interval="total", group_by="pathway"
    )
    assert by_group(by_pathway) == {"1": 4.5, "2": 9.0, "3": 6.0}


def test_d2a_home_rate(episodes: Database) -> None:
    (row,) = figure(episodes, "d2a_home_rate", MON, SUN, interval="total").records()
    assert (row["value"], row["numerator"], row["denominator"]) == (50.0, 2, 4)
    by_pathway = figure(episodes, "d2a_home_rate", MON, SUN, interval="total", group_by="pathway")
    assert by_group(by_pathway) == {"1": 50.0, "2": 100.0, "3": 0.0}
