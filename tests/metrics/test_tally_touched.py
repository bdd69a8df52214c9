"""A late event recounts only the organisations it touched (metrics.tally.refresh, issue 18).

Ingest records the organisations of every derived row it removed or wrote; the next refresh
recounts only their rows of the tallies keyed by organisation, shifts the system-wide tallies
summed from those by the difference, and recounts the rest. Whatever it does, the rows it
stores must be exactly those a count from nothing stores: each test below makes a change,
refreshes, and compares every stored row with a fresh count of every source.

The two trusts of tests/metrics/two_trusts.py: RX1 (wards W1, W2: the ward week of
test_census) and RX2 (ward W3: g, Mon 3 – Thu 6 March 2025).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from metrics import tally
from metrics.catalogue import tallied_reads
from metrics.tally import changed_from
from metrics.tally.reading import MANY_ORGANISATIONS
from models import FigureTally, TallyChange
from store.database import Database
from tests.metrics.scenario import Patient, events_of, load
from tests.metrics.test_census import at
from tests.metrics.two_trusts import late_f, totals, two_trusts

Row = tuple[Any, ...]


@pytest.fixture
def trusts(system: Database) -> Database:
    return two_trusts(system)


def stored(db: Database) -> list[Row]:
    t = FigureTally.__table__.c
    with db.session() as session:
        rows = session.execute(select(t.source, t.day, t.part, t.key, t.n, t.m)).all()
    return sorted((str(r[0]), str(r[1])[:10], *r[2:]) for r in rows)


def changes(db: Database) -> set[str | None]:
    with db.session() as session:
        return set(session.execute(select(TallyChange.__table__.c.organisation)).scalars())


def refreshed(db: Database) -> tally.Refreshed:
    return tally.refresh(db.engine, tallied_reads(), db.write_engine)


def from_nothing(db: Database) -> tuple[list[Row], int]:
    """Every source counted afresh: the rows stored, and how many were written."""
    tally.forget(db.engine)
    done = refreshed(db)
    return stored(db), done.rows


def assert_recount_is_a_fresh_count(db: Database, touched: set[str | None]) -> None:
    """The changes name `touched`; the refresh then stores what a fresh count stores, and
    writes fewer rows than it (it recounted only those organisations' rows)."""
    assert changes(db) == touched
    done = refreshed(db)
    after = stored(db)
    fresh, written = from_nothing(db)
    assert after == fresh
    assert done.rows < written


def test_a_late_stay_in_one_trust_recounts_that_trust(trusts: Database) -> None:
    """f (W3, RX2, Tue 4 – Fri 7 March) arrives late: only RX2 is named."""
    late_f(trusts)
    assert_recount_is_a_fresh_count(trusts, {"RX2"})


def test_a_stay_taken_back_out_leaves_no_row_behind(trusts: Database) -> None:
    """f counted, then its three events voided: f's rows go from RX2's tallies and from the
    system-wide ones (a day's key that only f had must not stay behind, even at 0)."""
    late_f(trusts)
    refreshed(trusts)
    voids = [
        {"event_id": f"f-void-{n}", "type": "void", "patient_id": "f", "voids_event_id": f"f-{n}"}
        for n in (3, 2, 1)
    ]
    load(trusts, [v | {"occurred_at": at(8, "09:00")} for v in voids])
    assert_recount_is_a_fresh_count(trusts, {"RX2"})


def test_a_transfer_voided_names_the_trust_the_stay_left(trusts: Database) -> None:
    """h is admitted to W1 (RX1) on Mon 3 Mar 11:00 and transferred to W3 (RX2) on Wed 5
    Mar 15:00; counted; then the transfer is voided: h's stay in W3 is gone, so RX2's rows
    change though no row of h is left there (ingest names it from the rows it deleted)."""
    h = Patient("h")
    h.admitted(at(3, "11:00"), unit="W1", local_authority="LA1")
    transfer = h.add("transferred", at(5, "15:00"), unit_code="W3")
    load(trusts, events_of(h))
    refreshed(trusts)
    void = {"event_id": "h-void", "type": "void", "patient_id": "h"}
    load(trusts, [void | {"occurred_at": at(6, "09:00"), "voids_event_id": transfer}])
    assert_recount_is_a_fresh_count(trusts, {"RX1", "RX2"})


def test_a_readmission_in_another_trust_reaches_its_discharge(trusts: Database) -> None:
    """d left RX1 on Wed 5 Mar; an emergency admission of d to W3 (RX2) on Mon 31 Mar makes
    that discharge a readmission, counted in RX1's tallies: both trusts are named."""
    again = {"event_id": "d-again", "type": "admitted", "patient_id": "d", "unit_code": "W3"}
    again |= {"occurred_at": "2025-03-31T10:00:00+00:00", "admission_method": "emergency"}
    load(trusts, [again])
    assert_recount_is_a_fresh_count(trusts, {"RX1", "RX2"})


def test_several_late_batches_in_two_trusts(trusts: Database) -> None:
    """Two late batches in two trusts before one refresh: both trusts' rows recounted."""
    late_f(trusts)
    k = Patient("k")
    k.admitted(at(2, "22:00"), unit="W2", local_authority="LA2")
    k.ready(at(3, "08:00"), pathway=3)
    k.discharged(at(9, "18:00"), destination="care_home_new", pathway=3)
    load(trusts, events_of(k))
    assert_recount_is_a_fresh_count(trusts, {"RX1", "RX2"})


def test_a_change_naming_no_organisation_recounts_every_one(trusts: Database) -> None:
    """A write that cannot tell (a reference change) or touches many organisations is kept
    as touching any; the refresh then counts every organisation again."""
    with trusts.session(write=True) as session:
        changed_from(session, date(2025, 3, 5), {f"X{i}" for i in range(MANY_ORGANISATIONS + 1)})
    assert changes(trusts) == {None}
    late_f(trusts)
    done = refreshed(trusts)
    after = stored(trusts)
    fresh, written = from_nothing(trusts)
    assert after == fresh
    assert done.rows > 0


def test_a_write_touching_no_organisation_records_no_change(trusts: Database) -> None:
    with trusts.session(write=True) as session:
        changed_from(session, date(2025, 3, 5), set())
    assert changes(trusts) == set()


def test_a_readiness_start_changed_by_a_piece_at_its_instant(trusts: Database) -> None:
    """m is admitted to W1 (RX1) on Mon 3 Mar 10:00, ready on Wed 5 Mar 12:00 (P1) and
    transferred to W3 (RX2) on Thu 6 Mar 09:00. Counted; then a pathway change to P3 at Wed
    12:00 arrives late: a later first piece at the start's instant, so m's start now counts
    with P3 (its last first piece). Both trusts hold m's rows, so both are named; the
    system-wide starts are recounted for those two alone (metrics.readiness_sources: PARTED)
    and those by nothing, pathway and local authority shifted by their difference. Each
    stored row must equal a fresh count."""
    m = Patient("m")
    m.admitted(at(3, "10:00"), unit="W1", local_authority="LA2")
    m.ready(at(5, "12:00"), pathway=1)
    m.add("transferred", at(6, "09:00"), unit_code="W3")
    load(trusts, events_of(m))
    refreshed(trusts)
    # The week's starts: RX1 d P0, a P2 then P1 (W2); RX2 g P1 (W3); and m P1 (W1).
    assert totals(trusts, "ready_new", group_by="pathway") == {"0": 1, "1": 3, "2": 1, "3": 0}
    change = {"event_id": "m-p3", "type": "pathway_changed", "patient_id": "m", "pathway": 3}
    load(trusts, [change | {"occurred_at": at(5, "12:00")}])
    assert_recount_is_a_fresh_count(trusts, {"RX1", "RX2"})
    assert totals(trusts, "ready_new", group_by="pathway") == {"0": 1, "1": 2, "2": 1, "3": 1}
    assert totals(trusts, "ready_new", group_by="unit") == {"W1": 1, "W2": 3, "W3": 1}
    assert totals(trusts, "ready_new", group_by="organisation") == {"RX1": 4, "RX2": 1}
    assert totals(trusts, "ready_new") == {None: 5}
