"""Figures before an organisation's data start are null, not 0 (SPEC §3 `data_from`), worked by
hand on small scenarios (metrics.data_start says which start applies to which row).

The scenarios (March 2025, Monday 3rd; London is on GMT, so local dates are UTC dates):
  a  W1 (RX1) admitted Wed 5 Mar 10:00, ready Fri 7 Mar 09:00 (P0), discharged home Sun 9 Mar
     12:00 (P0): in the censuses of 5, 6, 7 and 8 Mar; ready at those of 7 and 8 Mar.
  c  W3 (RX2, a second acute trust) admitted Tue 4 Mar 10:00, still in.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from ledger import reference
from metrics import tally
from metrics.catalogue import tallied_reads
from metrics.data_start import ALWAYS, NEVER, group_starts
from metrics.tally import changed_from, refresh
from store.database import Database
from tests.metrics.scenario import Patient, by_group, figure, load, values


def _set_data_from(db: Database, **starts: date | None) -> None:
    names = {"RX1": ("Riverside Hospital", "acute"), "CP1": ("Community Partnership", "community")}
    names |= {"CH1": ("Oak Care Home", "care_home"), "RX2": ("Hilltop Hospital", "acute")}
    names |= {"LA1": ("Shire Council", "local_authority")}
    with db.session(write=True) as session:
        for code, start in starts.items():
            reference.upsert_organisation(session, code, *names[code], start)


def _patient_a() -> Patient:
    a = Patient("a")
    a.admitted("2025-03-05T10:00:00+00:00")
    a.ready("2025-03-07T09:00:00+00:00", pathway=0)
    a.discharged("2025-03-09T12:00:00+00:00")
    return a


@pytest.fixture
def two_trusts(system: Database) -> Database:
    """The test system plus RX2 (ward W3); no organisation's data_from is set yet."""
    with system.session(write=True) as session:
        reference.upsert_organisation(session, "RX2", "Hilltop Hospital", "acute")
        ward = {"name": "Ward 3", "organisation_code": "RX2", "setting": "acute", "pathway": None}
        reference.upsert_unit(session, "W3", ward, changed_from)
    _set_data_from(system, RX1=None, CP1=None, CH1=None, LA1=None)
    return system


def test_without_data_from_figures_start_on_the_first_event(two_trusts: Database) -> None:
    load(two_trusts, _patient_a().events)
    occupied = figure(two_trusts, "acute_occupied", date(2025, 3, 3), date(2025, 3, 10))
    assert values(occupied) == [None, None, 1, 1, 1, 1, 0, 0]
    assert [r["days"] for r in occupied.records()] == [0, 0, 1, 1, 1, 1, 1, 1]
    discharges = figure(two_trusts, "acute_discharges", date(2025, 3, 3), date(2025, 3, 10))
    assert values(discharges) == [None, None, 0, 0, 0, 0, 1, 0]


def test_before_data_from_null_and_from_it_numbers(two_trusts: Database) -> None:
    load(two_trusts, _patient_a().events)
    _set_data_from(two_trusts, RX1=date(2025, 3, 7))
    days = (date(2025, 3, 5), date(2025, 3, 9))
    assert values(figure(two_trusts, "acute_occupied", *days)) == [None, None, 1, 1, 0]
    assert values(figure(two_trusts, "ready_to_leave", *days)) == [None, None, 1, 1, 0]
    assert values(figure(two_trusts, "stranded_7", *days)) == [None, None, 0, 0, 0]
    # A rate before the start has no numerator or denominator either (not 0 of 0).
    [before, *_rest] = figure(two_trusts, "home_first_rate", *days).records()
    assert (before["value"], before["numerator"], before["denominator"]) == (None, None, None)


def test_a_week_straddling_data_from_counts_only_its_days_from_the_start(
    two_trusts: Database,
) -> None:
    load(two_trusts, _patient_a().events)
    _set_data_from(two_trusts, RX1=date(2025, 3, 7))
    weeks = (date(2025, 2, 24), date(2025, 3, 9))  # the weeks of Mon 24 Feb and Mon 3 Mar
    [early, late] = figure(two_trusts, "acute_occupied", *weeks, interval="week").records()
    assert (early["value"], early["numerator"], early["denominator"], early["days"]) == (
        None,
        None,
        None,
        0,
    )
    # Censuses of Fri 7, Sat 8, Sun 9 Mar: 1, 1, 0 → mean 2/3 over 3 days.
    assert (late["numerator"], late["denominator"], late["days"]) == (2, 3, 3)
    assert late["value"] == pytest.approx(2 / 3)
    assert values(figure(two_trusts, "delayed_bed_days", *weeks, interval="week")) == [None, 2]
    assert values(figure(two_trusts, "acute_discharges", *weeks, interval="week")) == [None, 1]
    assert values(figure(two_trusts, "home_first_rate", *weeks, interval="week")) == [None, 100]
    ratio = figure(two_trusts, "weekend_discharge_ratio", *weeks, interval="week")
    # Known days: Fri 7 (weekday, 0), Sat 8 (0), Sun 9 (1): weekend mean 1/2 ÷ weekday mean 0.
    [_early, late_ratio] = ratio.records()
    assert (late_ratio["numerator"], late_ratio["denominator"]) == (0.5, 0)
    assert late_ratio["value"] is None


def test_each_organisation_and_unit_starts_at_its_own_data_from(two_trusts: Database) -> None:
    c = Patient("c")
    c.admitted("2025-03-04T10:00:00+00:00", unit="W3")
    load(two_trusts, _patient_a().events, c.events)
    _set_data_from(two_trusts, RX1=date(2025, 3, 6), RX2=date(2025, 3, 8))
    days = (date(2025, 3, 5), date(2025, 3, 8))
    by_org = figure(two_trusts, "acute_occupied", *days, group_by="organisation").records()
    series = {g: [r["value"] for r in by_org if r["group"] == g] for g in ("RX1", "RX2")}
    assert series == {"RX1": [None, 1, 1, 1], "RX2": [None, None, None, 1]}
    by_unit = figure(two_trusts, "acute_occupied", *days, group_by="unit").records()
    series = {g: [r["value"] for r in by_unit if r["group"] == g] for g in ("W1", "W2", "W3")}
    assert series == {
        "W1": [None, 1, 1, 1],
        "W2": [None, 0, 0, 0],
        "W3": [None, None, None, 1],
    }
    # One organisation's figures, whatever the breakdown, start at its own data_from.
    assert values(figure(two_trusts, "acute_occupied", *days, organisation="RX2")) == [
        None,
        None,
        None,
        1,
    ]
    ready = figure(two_trusts, "ready_to_leave", *days, organisation="RX1", group_by="pathway")
    assert [r["value"] for r in ready.records() if r["group"] == "0"] == [None, 0, 1, 1]


def test_system_wide_figures_start_when_every_organisation_in_scope_has_data(
    two_trusts: Database,
) -> None:
    c = Patient("c")
    c.admitted("2025-03-04T10:00:00+00:00", unit="W3")
    load(two_trusts, _patient_a().events, c.events)
    days = (date(2025, 3, 5), date(2025, 3, 8))
    # RX1 from 6 Mar, RX2 from 8 Mar; CP1 and CH1 have no data_from and no event: not in scope.
    _set_data_from(two_trusts, RX1=date(2025, 3, 6), RX2=date(2025, 3, 8))
    assert values(figure(two_trusts, "acute_occupied", *days)) == [None, None, None, 2]
    assert by_group(figure(two_trusts, "ready_to_leave", date(2025, 3, 7))) == {None: None}
    ready = figure(two_trusts, "ready_to_leave", *days, group_by="pathway").records()
    assert [r["value"] for r in ready if r["group"] == "0"] == [None, None, None, 1]
    # A community provider's data_from holds back the D2A figures, not the acute ones (it owns
    # no acute unit): CP1 from 9 Mar; CH1 (no data_from, no event) is not in scope.
    _set_data_from(two_trusts, CP1=date(2025, 3, 9))
    assert values(figure(two_trusts, "acute_occupied", *days)) == [None, None, None, 2]
    occupancy = figure(two_trusts, "d2a_occupancy", date(2025, 3, 8), date(2025, 3, 10))
    assert values(occupancy) == [None, 0, 0]
    # Without RX2's data_from, its first event (4 Mar) is its start: the latest is RX1's.
    _set_data_from(two_trusts, CP1=None, RX2=None)
    assert values(figure(two_trusts, "acute_occupied", *days)) == [None, 2, 2, 2]


def test_the_starts_of_groups(two_trusts: Database) -> None:
    with two_trusts.session() as session:
        connection = session.connection()
        assert group_starts(connection, [None], None, None) == (ALWAYS,)  # nothing sent yet
        assert group_starts(connection, ["RX1", "RX2"], "organisation", None) == (NEVER, NEVER)
    load(two_trusts, _patient_a().events)
    with two_trusts.session() as session:
        connection = session.connection()
        assert group_starts(connection, [None], None, None) == (date(2025, 3, 5),)
        assert group_starts(connection, ["W1", "W3", "unknown"], "unit", None) == (
            date(2025, 3, 5),
            NEVER,
            date(2025, 3, 5),
        )


def test_spc_leaves_out_the_days_before_the_start_without_a_warning(
    two_trusts: Database,
) -> None:
    load(two_trusts, _patient_a().events)
    _set_data_from(two_trusts, RX1=date(2025, 3, 7))
    result = figure(two_trusts, "acute_occupied", date(2025, 3, 1), date(2025, 3, 20))
    [chart] = result.spc_charts()
    assert chart.points["period"].iloc[0] == date(2025, 3, 7)
    assert len(chart.points) == 14
    assert not any("without a figure" in w for w in chart.warnings)


def test_tallied_figures_equal_live_ones_with_a_data_from(two_trusts: Database) -> None:
    load(two_trusts, _patient_a().events)
    _set_data_from(two_trusts, RX1=date(2025, 3, 7))
    days = (date(2025, 3, 1), date(2025, 3, 16))
    names = ("acute_occupied", "ready_to_leave", "acute_discharges", "home_first_rate")
    live = {n: figure(two_trusts, n, *days, interval="week").records() for n in names}
    assert refresh(two_trusts.engine, tallied_reads(), two_trusts.write_engine).sources
    tallied = {n: figure(two_trusts, n, *days, interval="week").records() for n in names}
    assert tallied == live
    assert live["acute_occupied"][0]["value"] is None


def test_the_baseline_of_bed_days_saved_counts_only_days_from_the_start(
    two_trusts: Database,
) -> None:
    # b: ready 3 Feb, home on P0 5 Feb (delay 2), in the default baseline of the week of 10 Mar
    # (the 12 weeks before it); c: ready 10 Mar, home 11 Mar (delay 1). Baseline mean on P0 = 2,
    # so c saves 1 bed day, unless the baseline lies before the data start: then it is empty.
    b = Patient("b")
    b.admitted("2025-02-01T10:00:00+00:00")
    b.ready("2025-02-03T09:00:00+00:00", pathway=0)
    b.discharged("2025-02-05T12:00:00+00:00")
    c = Patient("c")
    c.admitted("2025-03-10T10:00:00+00:00")
    c.ready("2025-03-10T11:00:00+00:00", pathway=0)
    c.discharged("2025-03-11T12:00:00+00:00")
    load(two_trusts, b.events, c.events)
    week = (date(2025, 3, 10), date(2025, 3, 16))
    _set_data_from(two_trusts, RX1=date(2025, 1, 1))
    # c's delay is 1 against a baseline mean of 2: one bed day saved.
    assert values(figure(two_trusts, "bed_days_saved", *week, interval="total")) == [1]
    _set_data_from(two_trusts, RX1=date(2025, 3, 1))
    # The baseline (16 Dec – 9 Mar) now holds only days from 1 Mar: no discharge, no mean.
    assert values(figure(two_trusts, "bed_days_saved", *week, interval="total")) in ([0], [None])


def test_tallied_days_summed_per_week_keep_the_days_before_data_from_out(
    two_trusts: Database, tallies_only: Any, untallied: Any
) -> None:
    """A flow summed per period by the database (metrics.calendar.spans) is split where an
    organisation's figures start, so days before it stay out:
      p  W1 admitted Mon 3 Mar 09:00, discharged home Tue 4 Mar 10:00 (P0, not ready: delay 0);
      q  W1 admitted Mon 3 Mar 10:00, ready Wed 5 Mar 09:00 (P1), discharged Thu 6 Mar 15:00
         (P1): delay 6 − 5 = 1 day.
    RX1's data_from is Wed 5 Mar, so the week of Mon 3 Mar counts q only: 1 discharge, 1 bed day
    lost, mean delay 1, Home First 1 of 1. Summed on Mon 3 with p's day (not split at Wed 5),
    both would fall before the start and the week would count none."""
    p, q = Patient("p"), Patient("q")
    p.admitted("2025-03-03T09:00:00+00:00")
    p.discharged("2025-03-04T10:00:00+00:00", pathway=0)
    q.admitted("2025-03-03T10:00:00+00:00")
    q.ready("2025-03-05T09:00:00+00:00", pathway=1)
    q.discharged("2025-03-06T15:00:00+00:00", pathway=1)
    load(two_trusts, p.events, q.events)
    _set_data_from(two_trusts, RX1=date(2025, 3, 5))
    refresh(two_trusts.engine, tallied_reads(), two_trusts.write_engine)
    expected = {
        "acute_discharges": (1, None, None),
        "bed_days_lost": (1, None, None),
        "discharge_delay": (1, 1, 1),
        "home_first_rate": (100, 1, 1),
    }
    for interval, start in (("week", date(2025, 3, 3)), ("total", date(2025, 3, 3))):
        for name, (value, numerator, denominator) in expected.items():
            asked = (name, start, date(2025, 3, 9))
            with tallies_only():
                [row] = figure(two_trusts, *asked, interval=interval).records()
            assert (row["value"], row["numerator"], row["denominator"]) == (
                value,
                numerator,
                denominator,
            ), (name, interval)
            assert row["days"] == 5  # Wed 5 … Sun 9
            with untallied():
                [derived] = figure(two_trusts, *asked, interval=interval).records()
            assert derived == row
    # By month, from Sat 1 Mar: the same days counted, in the month's one row.
    with tallies_only():
        [month] = figure(
            two_trusts,
            "acute_discharges",
            date(2025, 3, 1),
            date(2025, 3, 31),
            interval="month",
        ).records()
    assert (month["value"], month["days"]) == (1, 27)


def test_the_weekend_ratio_summed_per_span_keeps_weekend_and_weekdays_apart(
    two_trusts: Database, tallies_only: Any, untallied: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The weekend ratio read as sums per span (one row per span and key, not per day): spans
    begin on Saturdays and Mondays too, so a sum is of weekend days or of weekdays alone.
      c  W1 admitted Mon 3 Mar 09:00, discharged Tue 4 Mar 10:00 (before RX1's data_from);
      d, e  W1 admitted Mon 3 Mar, discharged Wed 5 and Thu 6 Mar 10:00;
      f, g  W1 admitted Mon 3 Mar, discharged Sat 8 and Sun 9 Mar 10:00.
    RX1's data_from is Wed 5 Mar. Week of Mon 3 Mar: known weekdays Wed–Fri (3), weekend days
    Sat–Sun (2); weekend mean 2/2 = 1, weekday mean 2/3 (c falls before the start): 1.5.
    March (from Sat 1): known days Wed 5 … Mon 31: 8 weekend days, 19 weekdays; (2/8) ÷ (2/19)
    = 2.375. Summed per week on Wed 5 (weekends not split) the week would have no weekend
    discharges (ratio 0); on Mon 3 (data_from not split) none at all."""
    patients = []
    for name, day in (("c", 4), ("d", 5), ("e", 6), ("f", 8), ("g", 9)):
        p = Patient(name)
        p.admitted("2025-03-03T09:00:00+00:00")
        p.discharged(f"2025-03-{day:02d}T10:00:00+00:00")
        patients.append(p)
    load(two_trusts, *(p.events for p in patients))
    _set_data_from(two_trusts, RX1=date(2025, 3, 5))
    refresh(two_trusts.engine, tallied_reads(), two_trusts.write_engine)
    firsts: list[list[date]] = []
    summed = tally.reading._summed_per_span

    def spied(source: Any, days: Any, which: Any, start: date, last: date, f: Any) -> Any:
        firsts.append(list(f))
        return summed(source, days, which, start, last, f)

    monkeypatch.setattr(tally.reading, "_summed_per_span", spied)
    asked = [
        ("week", date(2025, 3, 3), date(2025, 3, 9), 1.5, 1.0, 2 / 3),
        ("month", date(2025, 3, 1), date(2025, 3, 31), 2.375, 2 / 8, 2 / 19),
    ]
    for interval, start, end, value, numerator, denominator in asked:
        with tallies_only():
            [row] = figure(
                two_trusts, "weekend_discharge_ratio", start, end, interval=interval
            ).records()
        assert row["value"] == pytest.approx(value, abs=0.01), interval
        assert row["numerator"] == pytest.approx(numerator, abs=0.01), interval
        assert row["denominator"] == pytest.approx(denominator, abs=0.01), interval
        with untallied():
            [derived] = figure(
                two_trusts, "weekend_discharge_ratio", start, end, interval=interval
            ).records()
        assert derived == row
    week = [date(2025, 3, d) for d in (3, 5, 8)]  # Mon (the period), Wed (data_from), Sat
    assert firsts[0] == week
    assert firsts[1][:4] == [date(2025, 3, 1), date(2025, 3, 3), date(2025, 3, 5), date(2025, 3, 8)]
