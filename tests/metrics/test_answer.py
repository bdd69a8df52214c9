"""compute(): periods, empty answers, refusals, provenance and independence of arrival order."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, datetime
from typing import Any

import pandas as pd
import pytest

from metrics import CATALOGUE, MetricQueryError, compute
from metrics.answer import _plain_column
from store.database import Database
from tests.metrics.scenario import Patient, events_of, figure, forget_events, load, values
from tests.metrics.test_census import ward, ward_batches  # noqa: F401  (ward: a fixture)
from tests.metrics.test_discharges import week_events

MON, SUN = date(2025, 3, 3), date(2025, 3, 9)
FEB_1, MAR_31 = date(2025, 2, 1), date(2025, 3, 31)


def test_weeks_are_labelled_by_their_monday_and_count_only_days_asked_for(
    ward: Database,  # noqa: F811
) -> None:
    # Wed 5 – Tue 11 March: the week of Mon 3 March holds Wed–Sun (5 days), that of Mon 10
    # March Mon–Tue (2 days). Censuses Wed–Sun: 3 + 3 + 3 + 3 + 2 = 14; Mon, Tue: b and c = 4.
    result = figure(ward, "acute_occupied", date(2025, 3, 5), date(2025, 3, 11), interval="week")
    rows = [(r["period"], r["days"], r["numerator"]) for r in result.records()]
    assert rows == [("2025-03-03", 5, 14), ("2025-03-10", 2, 4)]


def test_months_and_total(ward: Database) -> None:  # noqa: F811
    # From Fri 28 Feb: b alone on 28 Feb and 1–2 Mar (3), then the 21 of the week, then b and
    # c on 10 and 11 March (4) → March (1–11) = 2 + 21 + 4 = 27.
    months = figure(ward, "acute_occupied", date(2025, 2, 28), date(2025, 3, 11), interval="month")
    rows = [(r["period"], r["days"], r["numerator"]) for r in months.records()]
    assert rows == [("2025-02-01", 1, 1), ("2025-03-01", 11, 27)]
    total = figure(ward, "acute_occupied", date(2025, 2, 28), date(2025, 3, 11), interval="total")
    assert [(r["period"], r["days"], r["numerator"]) for r in total.records()] == [
        ("2025-02-28", 12, 28)
    ]


def test_an_empty_period_gives_zeros_and_rates_without_denominator(system: Database) -> None:
    assert values(figure(system, "acute_occupied", MON, SUN)) == [0.0] * 7
    assert values(figure(system, "bed_days_lost", MON, SUN, interval="week")) == [0]
    (rate,) = figure(system, "home_first_rate", MON, SUN, interval="week").records()
    assert (rate["value"], rate["numerator"], rate["denominator"]) == (None, 0, 0)
    by_unit = figure(system, "acute_occupied", MON, SUN, interval="total", group_by="unit")
    assert [(r["group"], r["value"]) for r in by_unit.records()] == [("W1", 0.0), ("W2", 0.0)]


@pytest.mark.parametrize(
    ("name", "options", "field"),
    [
        ("beds_in_heaven", {}, "name"),
        ("acute_occupied", {"interval": "fortnight"}, "interval"),
        ("weekend_discharge_ratio", {"interval": "day"}, "interval"),
        ("acute_occupied", {"group_by": "destination"}, "group_by"),
        ("pathway_mix", {"group_by": "unit"}, "group_by"),
        ("acute_occupied", {"start": SUN, "end": MON}, "start"),
        ("acute_occupied", {"start": date(2000, 1, 1), "end": date(2025, 1, 1)}, "end"),
        ("acute_occupied", {"organisation": "NOPE"}, "organisation"),
        ("acute_occupied", {"baseline_start": MON}, "baseline_start"),
        ("bed_days_saved", {"baseline_start": SUN, "baseline_end": MON}, "baseline_start"),
        ("acute_occupied", {"start": date(1, 1, 1), "end": date(1, 1, 7)}, "start"),
        ("acute_occupied", {"start": date(1999, 12, 31)}, "start"),
        ("acute_occupied", {"end": date(2101, 1, 1)}, "end"),
        ("acute_occupied", {"start": date.max, "end": date.max}, "start"),
        ("bed_days_saved", {"baseline_start": date(1, 1, 1)}, "baseline_start"),
        ("bed_days_saved", {"baseline_end": date(9999, 12, 31)}, "baseline_end"),
    ],
)
def test_questions_outside_the_catalogue_are_refused(
    system: Database, name: str, options: dict[str, object], field: str
) -> None:
    period = {"start": options.pop("start", MON), "end": options.pop("end", SUN)}
    with pytest.raises(MetricQueryError) as raised, system.session() as session:
        compute(session.connection(), name, **period, **options)  # type: ignore[arg-type]
    assert raised.value.field == field


def test_organisation_filters_to_its_units(system: Database) -> None:
    a, b = Patient("a"), Patient("b")
    a.admitted("2025-03-03T10:00:00+00:00")
    b.admitted("2025-03-03T10:00:00+00:00", unit="B1")
    load(system, events_of(a, b))
    assert values(figure(system, "acute_occupied", MON, organisation="RX1")) == [1.0]
    assert values(figure(system, "acute_occupied", MON, organisation="CP1")) == [0.0]
    occupancy = figure(system, "d2a_occupancy", MON, organisation="CP1", group_by="unit")
    assert [r["group"] for r in occupancy.records()] == ["B1", "H1"]


def test_events_reflected_count_events_before_the_census_of_end_and_their_voids(
    system: Database,
) -> None:
    # Before the census of Sun 9 March: admission (Mon) and readiness (Tue) = 2; the discharge
    # (Mon 10th) is later; a void of the readiness, sent on 12 March, is reflected too: 3.
    a = Patient("a")
    a.admitted("2025-03-03T10:00:00+00:00")
    ready = a.ready("2025-03-04T10:00:00+00:00")
    a.discharged("2025-03-10T10:00:00+00:00")
    load(system, a.events, now=datetime(2025, 3, 10, 12, 0))
    void = [
        {"event_id": "v1", "type": "void", "patient_id": "a"}
        | {"occurred_at": "2025-03-12T09:00:00+00:00", "voids_event_id": ready}
    ]
    load(system, void, now=datetime(2025, 3, 12, 9, 5))
    result = figure(system, "ready_to_leave", MON, SUN)
    assert result.events_reflected == 3
    assert result.latest_event_at == datetime(2025, 3, 12, 9, 5)
    assert values(result) == [0.0] * 7  # the voided readiness no longer counts
    earlier = figure(system, "ready_to_leave", MON, MON)
    assert (earlier.events_reflected, earlier.latest_event_at) == (1, datetime(2025, 3, 10, 12, 0))


def _every_answer(db: Database) -> list[tuple[Any, ...]]:
    """Every metric, by week and by each of its breakdowns, over February and March 2025."""
    answers: list[tuple[Any, ...]] = []
    for metric in CATALOGUE.values():
        for group_by in (None, *metric.group_bys):
            result = figure(db, metric.name, FEB_1, MAR_31, interval="week", group_by=group_by)
            answers.append((metric.name, group_by, result.records(), result.events_reflected))
    return answers


def _as_late_feeds(events: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Patients in reverse order, each in two batches: admissions, transfers and discharges
    first, the rest (readiness, reasons, voids) arriving late."""
    moves = ("admitted", "transferred", "discharged")
    patients = list(dict.fromkeys(e["patient_id"] for e in events))[::-1]
    batches = []
    for patient in patients:
        own = [e for e in events if e["patient_id"] == patient]
        batches.append([e for e in own if e["type"] in moves])
        batches.append([e for e in own if e["type"] not in moves])
    return [b for b in batches if b]


def test_the_same_events_in_another_order_give_the_same_figures(system: Database) -> None:
    events = [e for batch in ward_batches() for e in batch] + week_events()
    shuffled = list(events)
    random.Random(7).shuffle(shuffled)
    load(system, shuffled)
    first = _every_answer(system)
    forget_events(system)
    load(system, *_as_late_feeds(events))
    assert _every_answer(system) == first
    assert first[0][3] == len(events)  # every event is before the census of 31 March


def test_periods_not_yet_over_are_incomplete(system: Database) -> None:
    # Today is Wed 12 March 2025: its week (from Mon 10 March), its month and the day itself
    # can still change; everything before cannot.
    now = datetime(2025, 3, 12, 12, 0)
    start, end = date(2024, 12, 30), date(2025, 3, 12)
    weeks = figure(system, "bed_days_lost", start, end, interval="week", now=now).records()
    assert [r["incomplete"] for r in weeks] == [False] * 10 + [True]
    months = figure(system, "acute_occupied", start, end, interval="month", now=now).records()
    assert [(r["period"], r["incomplete"]) for r in months] == [
        ("2024-12-01", False),
        ("2025-01-01", False),
        ("2025-02-01", False),
        ("2025-03-01", True),
    ]
    # A month cut short by `end` in the past is still unfinished while the month goes on.
    (march,) = figure(
        system, "acute_occupied", date(2025, 3, 1), date(2025, 3, 9), interval="month", now=now
    ).records()
    assert march["incomplete"] is True
    days = figure(system, "acute_occupied", date(2025, 3, 10), end, now=now).records()
    assert [r["incomplete"] for r in days] == [False, False, True]
    assert b",incomplete" in figure(system, "bed_days_lost", start, end, now=now).csv()


def test_incomplete_periods_are_drawn_but_left_out_of_spc(system: Database) -> None:
    # Ten complete weeks alternate 1, 2 (mean 1.5, mean moving range 1, upper limit 4.16);
    # the current week's 50 would be outside the limits, but it can still change: it is
    # returned with the limits carried on and no point type, and changes nothing.
    now = datetime(2025, 3, 12, 12, 0)
    result = figure(
        system, "bed_days_lost", date(2024, 12, 30), date(2025, 3, 12), interval="week", now=now
    )
    rows = result.rows.copy()
    rows["value"] = [1, 2] * 5 + [50]
    (chart,) = replace(result, rows=rows).spc_charts()
    points = chart.points
    assert len(points) == 11 and list(points["incomplete"]) == [False] * 10 + [True]
    assert set(points["mean"]) == {1.5}
    assert points["upl"].iloc[-1] == pytest.approx(1.5 + 2.66)
    assert points["point_type"].iloc[-1] is None
    assert set(points["point_type"].iloc[:-1]) == {"common_cause"}
    assert chart.variation == "common_cause"
    answer = chart.answer()
    assert answer["points"][-1]["incomplete"] is True
    assert answer["points"][-1]["point_type"] is None


def test_a_chart_of_incomplete_periods_only_has_points_but_no_limits(system: Database) -> None:
    now = datetime(2025, 3, 12, 12, 0)
    result = figure(system, "bed_days_lost", date(2025, 3, 10), date(2025, 3, 12), now=now)
    rows = result.rows.copy()
    rows["incomplete"] = True
    (chart,) = replace(result, rows=rows).spc_charts()
    assert list(chart.points["incomplete"]) == [True] * 3
    assert chart.points["mean"].isna().all() and chart.variation is None


def test_plain_columns_give_json_values_whatever_the_column_holds() -> None:
    """Text columns and dates take a quicker path than a value at a time; the values are the
    same: text as it is, a missing label None, dates and instants as ISO text, and a whole
    count as an integer."""
    columns = {
        "codes": (pd.Series(["RX1-W1", "RX1-W2"]), ["RX1-W1", "RX1-W2"]),
        "labels with a gap": (pd.Series(["Ward 1", None]), ["Ward 1", None]),
        "periods": (
            pd.Series([date(2025, 3, 3), date(2025, 3, 10), date(2025, 3, 3)]),
            ["2025-03-03", "2025-03-10", "2025-03-03"],
        ),
        "a missing period": (pd.Series([date(2025, 3, 3), None]), ["2025-03-03", None]),
        "instants": (pd.Series([datetime(2025, 3, 3, 9, 30)]), ["2025-03-03T09:30:00"]),
        "mixed": (pd.Series([2.0, "x"], dtype=object), [2, "x"]),
    }
    for name, (column, expected) in columns.items():
        plain = _plain_column(column, count=True)
        assert plain == expected, name
        assert [type(v) for v in plain] == [type(v) for v in expected], name
