"""Census figures by unit, and one organisation's by a breakdown, read from the figure tallies
(metrics.census_sources, metrics.tally): the same as from the derived tables, before and after
a late event. The scenario is tests/metrics/two_trusts.py's."""

from __future__ import annotations

from metrics import tally
from metrics.catalogue import tallied_reads
from store.database import Database
from tests.metrics.two_trusts import Switch, late_f, same_as_untallied, tally_names, totals


def test_occupied_by_unit_from_the_tallies(
    trusts: Database, untallied: Switch, tallies_only: Switch
) -> None:
    """Stays in at the week's censuses: W1 a 2 + b 7 + c 6 = 15; W2 d 2 + a 4 = 6; W3 g 3.
    f adds Tue, Wed, Thu to W3: 6."""
    assert any(n.endswith("acute stays:False:unit:by organisation") for n in tally_names(trusts))
    with tallies_only():
        assert totals(trusts, "acute_occupied", group_by="unit") == {"W1": 15, "W2": 6, "W3": 3}
    same_as_untallied(trusts, untallied, "acute_occupied", group_by="unit")
    late_f(trusts)
    assert totals(trusts, "acute_occupied", group_by="unit") == {"W1": 15, "W2": 6, "W3": 6}
    same_as_untallied(trusts, untallied, "acute_occupied", group_by="unit")
    tally.refresh(trusts.engine, tallied_reads(), trusts.write_engine)
    with tallies_only():
        assert totals(trusts, "acute_occupied", group_by="unit") == {"W1": 15, "W2": 6, "W3": 6}


def test_one_organisation_by_pathway_from_the_tallies(
    trusts: Database, untallied: Switch, tallies_only: Switch
) -> None:
    """Ready censuses of RX1 by pathway: d Tue (P0); a Fri, Sat (P1), Wed (P2); b every day
    (P3). Of RX2: g Tue, Wed (P1); with f, also Wed, Thu: 4. RX2's figure never counts RX1's
    patients, nor RX1's RX2's."""
    rx1 = {"0": 1, "1": 2, "2": 1, "3": 7}
    with tallies_only():
        assert totals(trusts, "ready_to_leave", group_by="pathway", organisation="RX1") == rx1
        rx2 = totals(trusts, "ready_to_leave", group_by="pathway", organisation="RX2")
    assert rx2 == {"0": 0, "1": 2, "2": 0, "3": 0}
    for organisation in ("RX1", "RX2"):
        options = {"group_by": "pathway", "organisation": organisation}
        same_as_untallied(trusts, untallied, "ready_to_leave", **options)
    late_f(trusts)
    rx2 = totals(trusts, "ready_to_leave", group_by="pathway", organisation="RX2")
    assert rx2 == {"0": 0, "1": 4, "2": 0, "3": 0}
    assert totals(trusts, "ready_to_leave", group_by="pathway", organisation="RX1") == rx1
    same_as_untallied(trusts, untallied, "ready_to_leave", group_by="pathway", organisation="RX2")
    # Stranded (a census with the admission date) by local authority, for one trust.
    options = {"group_by": "local_authority", "organisation": "RX2"}
    same_as_untallied(trusts, untallied, "stranded_7", **options)
    same_as_untallied(trusts, untallied, "acute_occupied", **options)


def test_one_organisation_by_band_and_by_unit(trusts: Database, untallied: Switch) -> None:
    """Days ready by band (a census with the readiness date) and by unit, for each trust,
    after the late event, before and after the next refresh."""
    late_f(trusts)
    for _ in range(2):
        for organisation in ("RX1", "RX2", None):
            for group_by in ("band", "unit", "organisation", "reason"):
                options = {"group_by": group_by, "organisation": organisation}
                same_as_untallied(trusts, untallied, "ready_to_leave", **options)
                same_as_untallied(trusts, untallied, "d2a_waiting", **options)
        tally.refresh(trusts.engine, tallied_reads(), trusts.write_engine)
