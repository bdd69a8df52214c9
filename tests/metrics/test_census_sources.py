"""Census figures by unit, and one organisation's by a breakdown, read from the figure tallies
(metrics.census_sources, metrics.tally): the same as from the derived tables, before and after
a late event. The scenario is tests/metrics/two_trusts.py's."""

from __future__ import annotations

from typing import Any

import pytest

from metrics import census_sources, tally
from metrics.catalogue import tallied_reads
from store.database import Database
from tests.metrics.scenario import Patient, events_of, load
from tests.metrics.test_census import at
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


def test_stranded_of_the_whole_system_is_its_trusts_stays_summed_across_a_transfer(
    trusts: Database, untallied: Switch, tallies_only: Switch, monkeypatch: pytest.MonkeyPatch
) -> None:
    """System-wide stranded figures read whole spells live, but their tallies are the trusts'
    stays summed, and a late stay's recount shifts them by the trusts' difference.

    Before: b (LA2, in since Sat 22 Feb) is 7+ at every census of the week: 7. h arrives late:
    W1 (RX1) from Mon 24 Feb 11:00 (LA1), transferred to W3 (RX2) Thu 6 Mar 15:00, discharged
    Sat 8 Mar 10:00. Its length of stay at the census of D is D + 1 − 24 Feb, 7 or more from
    Sun 2 Mar; it is in up to Fri 7 (RX1 Mon–Wed, RX2 Thu–Fri): 5. a (from Mon 3) would be 7+
    at the census of Sun 9, but left that morning; c, d, g are never 7+. 14+: b from Fri 7
    (3 censuses), h would be from Sun 9: none."""
    names = {s.key: s for s in tallied_reads()}
    for key in ("acute stays:los 7+:None", "acute stays:los 7+:local_authority"):
        finer = names[key].within
        assert finer is not None and finer.key == f"{key}:by organisation"
    zero = {"LA1": 0, "unknown": 0}  # every group with a stay in the week is shown (c: no LA)
    before = {
        "stranded_7": ({None: 7}, zero | {"LA2": 7}),
        "stranded_14": ({None: 3}, zero | {"LA2": 3}),
    }
    after = {"stranded_7": ({None: 12}, zero | {"LA1": 5, "LA2": 7})}
    after["stranded_14"] = before["stranded_14"]

    def assert_figures(expected: dict[str, Any]) -> None:
        for name, (whole, by_la) in expected.items():
            assert totals(trusts, name) == whole
            assert totals(trusts, name, group_by="local_authority") == by_la

    with tallies_only():
        assert_figures(before)
    h = Patient("h")
    h.admitted(at(24, "11:00", month=2), unit="W1", local_authority="LA1")
    h.add("transferred", at(6, "15:00"), unit_code="W3")
    h.discharged(at(8, "10:00"), pathway=0)
    load(trusts, events_of(h))
    assert_figures(after)  # the late days read live, from whole spells
    with untallied():
        assert_figures(after)
    read_spells: list[str] = []
    real_flows = census_sources.flows

    def flows(connection: Any, rows: Any, start: Any, end: Any) -> Any:
        if getattr(rows.selectable, "name", None) == "spell_interval":
            read_spells.append(str(start))
        return real_flows(connection, rows, start, end)

    with monkeypatch.context() as patch:  # the fixtures' own patches stay
        patch.setattr(census_sources, "flows", flows)
        done = tally.refresh(trusts.engine, tallied_reads(), trusts.write_engine)
    assert done.sources > 0 and read_spells == []  # shifted, not read from the spells
    with tallies_only():
        assert_figures(after)
