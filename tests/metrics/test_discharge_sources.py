"""Discharges by unit, and one organisation's by a breakdown, read from the figure tallies
(metrics.discharge_sources): the same as from the derived tables, before and after a late
event. The scenario is test_census_sources's: the ward week (RX1) and trust RX2's W3; and D2A
episodes for the length of stay, read as a tallied sum of lengths."""

from __future__ import annotations

from typing import Any

from metrics import tally
from metrics.catalogue import CATALOGUE, tallied_reads
from store.database import Database
from tests.metrics.scenario import Patient, events_of, figure, load
from tests.metrics.test_census import MON, SUN
from tests.metrics.two_trusts import (
    Switch,
    late_f,
    same_as_untallied,
    totals,
)


def test_discharges_by_unit_from_the_tallies(
    trusts: Database, untallied: Switch, tallies_only: Switch
) -> None:
    """Discharged in the week: from W2 d (Wed) and a (Sun); from W3 g (Thu), then f (Fri)."""
    with tallies_only():
        assert totals(trusts, "acute_discharges", group_by="unit") == {"W1": 0, "W2": 2, "W3": 1}
    same_as_untallied(trusts, untallied, "acute_discharges", group_by="unit")
    late_f(trusts)
    assert totals(trusts, "acute_discharges", group_by="unit") == {"W1": 0, "W2": 2, "W3": 2}
    same_as_untallied(trusts, untallied, "acute_discharges", group_by="unit")
    tally.refresh(trusts.engine, tallied_reads(), trusts.write_engine)
    with tallies_only():
        assert totals(trusts, "acute_discharges", group_by="unit") == {"W1": 0, "W2": 2, "W3": 2}


def test_one_organisation_by_destination_from_the_tallies(
    trusts: Database, untallied: Switch, tallies_only: Switch
) -> None:
    """RX2's discharges go home: g, then f; RX1's (a, d) too, and are never RX2's."""
    with tallies_only():
        rx2 = totals(trusts, "acute_discharges", group_by="destination", organisation="RX2")
        rx1 = totals(trusts, "acute_discharges", group_by="destination", organisation="RX1")
    assert (rx2, rx1) == ({"usual_residence": 1}, {"usual_residence": 2})
    late_f(trusts)
    rx2 = totals(trusts, "acute_discharges", group_by="destination", organisation="RX2")
    assert rx2 == {"usual_residence": 2}
    for name in ("acute_discharges", "home_first_rate", "readmission_30d_rate", "bed_days_lost"):
        for organisation in ("RX1", "RX2"):
            for group_by in CATALOGUE[name].group_bys:
                options: dict[str, Any] = {"group_by": group_by, "organisation": organisation}
                same_as_untallied(trusts, untallied, name, **options)


def test_d2a_length_of_stay_sums_lengths_from_the_tallies(
    trusts: Database, untallied: Switch, tallies_only: Switch
) -> None:
    """h: H1 (CP1, P1) Mon 3 Mar 10:00 → Thu 6 Mar: 3 days. j: B1 (CP1, P2) Sat 1 Mar → Sun 9
    Mar: 8 days, arriving after the tallies were counted: (3 + 8) ÷ 2."""
    h, j = Patient("h"), Patient("j")
    h.admitted("2025-03-03T10:00:00+00:00", unit="H1")
    h.discharged("2025-03-06T10:00:00+00:00", pathway=None)
    load(trusts, events_of(h))
    tally.refresh(trusts.engine, tallied_reads(), trusts.write_engine)
    with tallies_only():
        row = figure(trusts, "d2a_length_of_stay", MON, SUN, interval="total").records()[0]
        assert (row["numerator"], row["denominator"]) == (3, 1)
    j.admitted("2025-03-01T10:00:00+00:00", unit="B1")
    j.discharged("2025-03-09T10:00:00+00:00", pathway=None)
    load(trusts, events_of(j))
    by_unit = totals(trusts, "d2a_length_of_stay", group_by="unit", organisation="CP1")
    assert by_unit == {"H1": 3, "B1": 8}
    for group_by in (None, "unit", "pathway", "destination"):
        for organisation in (None, "CP1"):
            options: dict[str, Any] = {"group_by": group_by, "organisation": organisation}
            same_as_untallied(trusts, untallied, "d2a_length_of_stay", **options)
