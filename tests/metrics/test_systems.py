"""Systems as a level (issue 18): figures of a system (`organisation=` a system code) and by
system (`group_by=system`), worked by hand. A system's organisations are those it holds on the
period's last day (metrics.answer._organisations).

The scenario (March 2025, Monday 3rd; London is on GMT, so local dates are UTC dates):
  systems  QAA: RX1, CP1, CH1, LA1 (the test system) and RX3 until Fri 7 Mar;
           QBB: RX2, and RX3 from Sat 8 Mar (it moves).
  a  W1 (RX1) admitted Wed 5 Mar 10:00, discharged home Sun 9 Mar 12:00:
     in the censuses of 5, 6, 7 and 8 Mar.
  c  W3 (RX2) admitted Tue 4 Mar 10:00, still in: censuses of 4 Mar on.
  d  W4 (RX3) admitted Thu 6 Mar 10:00, discharged home Fri 7 Mar 15:00: census of 6 Mar.

acute_occupied by day, 4–7 Mar (RX3 in QAA on the 7th): QAA = RX1 + RX3 = 0, 1, 2, 1;
QBB = RX2 = 1, 1, 1, 1. Over 4–8 Mar (RX3 in QBB on the 8th): QAA = RX1 = 0, 1, 1, 1, 1;
QBB = RX2 + RX3 = 1, 1, 2, 1, 1. acute_discharges, total: 3–9 Mar (end: RX3 in QBB) QAA 1 (a),
QBB 1 (d); 3–7 Mar QAA 1 (d), QBB 0.
"""

from __future__ import annotations

from datetime import date

import pytest

from ledger import reference
from metrics.catalogue import CATALOGUE, tallied_reads
from metrics.data_start import NO_SYSTEM
from metrics.metric import MetricQueryError
from metrics.tally import changed_from, refresh
from store.database import Database
from tests.metrics.scenario import Patient, by_group, figure, load, values

MARCH = date(2025, 3, 1)


def _events() -> list[dict[str, object]]:
    a, c, d = Patient("a"), Patient("c"), Patient("d")
    a.admitted("2025-03-05T10:00:00+00:00", unit="W1")
    a.discharged("2025-03-09T12:00:00+00:00")
    c.admitted("2025-03-04T10:00:00+00:00", unit="W3")
    d.admitted("2025-03-06T10:00:00+00:00", unit="W4")
    d.discharged("2025-03-07T15:00:00+00:00")
    return a.events + c.events + d.events


@pytest.fixture
def systems(system: Database) -> Database:
    with system.session(write=True) as session:
        for code, name in (("QAA", "North ICB"), ("QBB", "South ICB")):
            assert reference.upsert_system(session, code, name) is True
        for org, ward in (("RX2", "W3"), ("RX3", "W4")):
            reference.upsert_organisation(
                session, org, f"Hospital {org}", "acute", date(2024, 1, 1)
            )
            fields = {"name": ward, "organisation_code": org, "setting": "acute", "pathway": None}
            reference.upsert_unit(session, ward, fields, changed_from)
        for org in ("RX1", "CP1", "CH1", "LA1"):
            reference.set_organisation_system(session, org, "QAA", date(2024, 1, 1))
        reference.set_organisation_system(session, "RX2", "QBB", date(2024, 1, 1))
        reference.set_organisation_system(session, "RX3", "QAA", date(2024, 1, 1))
        reference.set_organisation_system(session, "RX3", "QBB", date(2025, 3, 8))
    load(system, _events())
    return system


def _series(result: object) -> dict[str, list[object]]:
    found: dict[str, list[object]] = {}
    for r in result.records():  # type: ignore[attr-defined]
        found.setdefault(r["group"], []).append(r["value"])
    return found


def test_a_systems_census_counts_its_organisations_on_the_periods_last_day(
    systems: Database,
) -> None:
    before = figure(
        systems, "acute_occupied", date(2025, 3, 4), date(2025, 3, 7), group_by="system"
    )
    assert _series(before) == {"QAA": [0, 1, 2, 1], "QBB": [1, 1, 1, 1]}
    after = figure(systems, "acute_occupied", date(2025, 3, 4), date(2025, 3, 8), group_by="system")
    assert _series(after) == {"QAA": [0, 1, 1, 1, 1], "QBB": [1, 1, 2, 1, 1]}
    assert {r["label"] for r in after.records()} == {"North ICB", "South ICB"}


def test_organisation_takes_a_system_code(systems: Database) -> None:
    qaa = figure(systems, "acute_occupied", date(2025, 3, 4), date(2025, 3, 7), organisation="QAA")
    assert values(qaa) == [0, 1, 2, 1]
    assert qaa.query.organisation == "QAA"
    qbb = figure(systems, "acute_occupied", date(2025, 3, 4), date(2025, 3, 8), organisation="QBB")
    assert values(qbb) == [1, 1, 2, 1, 1]
    # One system by its organisations: only its own acute trusts are listed.
    by_org = figure(
        systems,
        "acute_occupied",
        date(2025, 3, 4),
        date(2025, 3, 7),
        organisation="QAA",
        group_by="organisation",
    )
    assert _series(by_org) == {"RX1": [0, 1, 1, 1], "RX3": [0, 0, 1, 0]}


def test_discharges_by_system_follow_the_same_rule(systems: Database) -> None:
    total = {"interval": "total", "group_by": "system"}
    late = figure(systems, "acute_discharges", date(2025, 3, 3), date(2025, 3, 9), **total)
    assert by_group(late) == {"QAA": 1, "QBB": 1}
    early = figure(systems, "acute_discharges", date(2025, 3, 3), date(2025, 3, 7), **total)
    assert by_group(early) == {"QAA": 1, "QBB": 0}


def test_tallies_give_the_same_figures_by_system(systems: Database) -> None:
    """Every metric by system and of each system, from the derived tables and then from
    freshly counted tallies: equal."""
    asked = []
    for name, metric in CATALOGUE.items():
        if "system" not in metric.group_bys:
            continue
        for options in ({"group_by": "system"}, {"organisation": "QAA"}, {"organisation": "QBB"}):
            asked.append((name, options))
    assert len(asked) > 30

    def answers() -> list[list[dict[str, object]]]:
        return [
            figure(systems, name, MARCH, date(2025, 3, 12), interval="week", **options).records()
            for name, options in asked
        ]

    derived = answers()
    assert refresh(systems.engine, tallied_reads(), systems.write_engine).sources
    assert answers() == derived


def test_a_system_starts_when_its_last_organisation_does(systems: Database) -> None:
    """RX3's data_from unset: its start is its first event's day, 6 Mar; QBB (RX2 + RX3 on
    8 Mar) has figures from then; QAA's do not wait for it."""
    with systems.session(write=True) as session:
        reference.upsert_organisation(session, "RX3", "Hospital RX3", "acute", None)
    after = figure(systems, "acute_occupied", date(2025, 3, 4), date(2025, 3, 8), group_by="system")
    assert _series(after) == {"QAA": [0, 1, 1, 1, 1], "QBB": [None, None, 2, 1, 1]}


def test_an_organisation_without_a_system_is_its_own_group(systems: Database) -> None:
    with systems.session(write=True) as session:
        reference.upsert_organisation(session, "RX4", "Hospital RX4", "acute", date(2024, 1, 1))
        fields = {"name": "W5", "organisation_code": "RX4", "setting": "acute", "pathway": None}
        reference.upsert_unit(session, "W5", fields, changed_from)
    result = figure(systems, "acute_occupied", date(2025, 3, 7), group_by="system")
    assert by_group(result) == {"QAA": 1, "QBB": 1, NO_SYSTEM: 0}


def test_an_unknown_code_or_an_empty_system_is_refused(systems: Database) -> None:
    with pytest.raises(MetricQueryError) as unknown:
        figure(systems, "acute_occupied", MARCH, organisation="QZZ")
    assert unknown.value.field == "organisation"
    with systems.session(write=True) as session:
        reference.upsert_system(session, "QCC", "Empty ICB")
    with pytest.raises(MetricQueryError, match="has no organisations"):
        figure(systems, "acute_occupied", MARCH, organisation="QCC")


def test_membership_history_is_kept(systems: Database) -> None:
    with systems.session(write=True) as session:
        history = reference.organisation_systems(session)
        assert [(r["system_code"], r["effective_from"]) for r in history["RX3"]] == [
            ("QAA", date(2024, 1, 1)),
            ("QBB", date(2025, 3, 8)),
        ]
        # The same membership again changes nothing; a system may not take an org's code.
        assert not reference.set_organisation_system(session, "RX3", "QBB", date(2025, 3, 9))
        assert reference.upsert_system(session, "RX1", "Clash") != True  # noqa: E712
        listed = {s["code"]: s["organisations"] for s in reference.list_systems(session, MARCH)}
        assert listed == {"QAA": ["CH1", "CP1", "LA1", "RX1", "RX3"], "QBB": ["RX2"]}
