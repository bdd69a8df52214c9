"""Readiness starts by unit, and one organisation's by a breakdown, read from the figure
tallies (metrics.readiness_sources): the same as from the derived tables, before and after a
late event. The scenario is test_census_sources's: the ward week (RX1) and trust RX2's W3."""

from __future__ import annotations

from typing import Any

from metrics import tally
from metrics.catalogue import tallied_reads
from store.database import Database
from tests.metrics.two_trusts import (
    Switch,
    late_f,
    same_as_untallied,
    tally_names,
    totals,
)


def test_ready_new_by_unit_from_the_tallies(
    trusts: Database, untallied: Switch, tallies_only: Switch
) -> None:
    """Readiness begun in the week: W2 d Tue, a Wed, a Fri; W3 g Tue (b's began Sat 1 Mar, c's
    was voided). f's (Wed, W3) arrives late."""
    assert f"v{tally.VERSION}:readiness starts:unit:parted" in tally_names(trusts)
    with tallies_only():
        assert totals(trusts, "ready_new", group_by="unit") == {"W1": 0, "W2": 3, "W3": 1}
    same_as_untallied(trusts, untallied, "ready_new", group_by="unit")
    late_f(trusts)
    assert totals(trusts, "ready_new", group_by="unit") == {"W1": 0, "W2": 3, "W3": 2}
    same_as_untallied(trusts, untallied, "ready_new", group_by="unit")
    tally.refresh(trusts.engine, tallied_reads(), trusts.write_engine)
    with tallies_only():
        assert totals(trusts, "ready_new", group_by="unit") == {"W1": 0, "W2": 3, "W3": 2}


def test_one_organisation_by_pathway_from_the_tallies(
    trusts: Database, untallied: Switch, tallies_only: Switch
) -> None:
    """RX1: d P0, a P2 then P1; RX2: g P1, then f P1."""
    rx1 = {"0": 1, "1": 1, "2": 1, "3": 0}
    with tallies_only():
        assert totals(trusts, "ready_new", group_by="pathway", organisation="RX1") == rx1
        rx2 = totals(trusts, "ready_new", group_by="pathway", organisation="RX2")
    assert rx2 == {"0": 0, "1": 1, "2": 0, "3": 0}
    late_f(trusts)
    rx2 = totals(trusts, "ready_new", group_by="pathway", organisation="RX2")
    assert rx2 == {"0": 0, "1": 2, "2": 0, "3": 0}
    for organisation in ("RX1", "RX2"):
        for group_by in ("pathway", "unit", "local_authority", "organisation"):
            options: dict[str, Any] = {"group_by": group_by, "organisation": organisation}
            same_as_untallied(trusts, untallied, "ready_new", **options)
