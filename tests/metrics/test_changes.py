"""metrics.changes: who became ready, left, changed pathway or reason, or crossed 7, 14 or 21
days of length of stay between two instants. Every expected row is worked out by hand below.

A change counts when the position at `as_of` shows it and the position at `since` does not:
readiness pieces that start or end at t count for since ≤ t < as_of; LOS reaches n at the local
midnight M beginning day (admission date + n), counted for since < M ≤ as_of when the stay is
in at M (start_at < M ≤ end_at, or open).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from ledger import reference
from metrics.changes import ChangesError, ChangesQuestion, changes_between
from metrics.snapshot import snapshot
from metrics.tally import changed_from
from store.database import Database
from tests.metrics.scenario import Patient, events_of, load

# Winter: UTC = local time. The window: Tue 11 Mar 2025 12:00 → Wed 12 Mar 12:00.
SINCE = datetime(2025, 3, 11, 12, 0)
AS_OF = datetime(2025, 3, 12, 12, 0)


def _second_site(db: Database) -> None:
    with db.session(write=True) as session:
        reference.upsert_organisation(session, "RX2", "Hilltop Hospital", "acute")
        fields = {"name": "Ward 3", "organisation_code": "RX2", "setting": "acute", "pathway": None}
        reference.upsert_unit(session, "W3", fields, changed_from)


@pytest.fixture
def march(system: Database) -> Database:
    """Readiness (all in W1 of RX1 unless said):
    q1  admitted 10 Mar, resident of LA2; ready 11 Mar 15:00 (P1)          → became_ready
    q2  admitted 9 Mar; ready 10 Mar (P2); discharged 12 Mar 10:00           → left: discharged
    q3  W2, admitted 8 Mar; ready 10 Mar (P3); withdrawn 11 Mar 20:00       → left: withdrawn
    q4  admitted 4 Mar; ready 9 Mar (P1); reason I2 11 Mar 18:00 (none before)
        → reason_changed null → I2; pathway changed to P2 12 Mar 08:00     → pathway 1 → 2
    q5  admitted 6 Mar; ready 9 Mar (P3); reason C2 10 Mar 10:00, C3 11 Mar 13:00
        → reason_changed C2 → C3 (C2 was set before the window: no row for it)
    b1  admitted 10 Mar; ready exactly at since, 11 Mar 12:00              → became_ready
    b2  admitted 10 Mar; ready exactly at as_of, 12 Mar 12:00              → nothing yet
    o1  admitted 10 Mar; ready 11 Mar 11:59, before since                  → nothing
    v1  admitted 10 Mar; ready 11 Mar 16:00, then that readiness voided    → nothing
    Length of stay (midnight M = 12 Mar 00:00 lies in the window; LOS n is reached at M by
    spells admitted on 12 Mar − n: 5 Mar for 7, 26 Feb for 14, 19 Feb for 21):
    s7   admitted 5 Mar 23:00                                  → 6 → 7 at 12 Mar 00:00, W1
    s14  W2 from 26 Feb 08:00, moved to W1 11 Mar 20:00        → 13 → 14 at M, in W1 then
    s21  W3 (RX2) from 19 Feb 10:00                            → 20 → 21 at M, W3
    n3   admitted 5 Mar, discharged exactly at M (in at M)     → 6 → 7 at M
    n2   admitted 5 Mar, discharged 11 Mar 23:00 (before M)    → nothing
    n1   admitted 6 Mar (reaches 7 at 13 Mar 00:00)           → nothing
    d1   community beds B1 from 5 Mar (not acute)             → nothing
    """
    _second_site(system)
    names = [
        "q1",
        "q2",
        "q3",
        "q4",
        "q5",
        "b1",
        "b2",
        "o1",
        "v1",
        "s7",
        "s14",
        "s21",
        "n3",
        "n2",
        "n1",
        "d1",
    ]
    p = {name: Patient(name) for name in names}
    p["q1"].admitted("2025-03-10T10:00:00+00:00", local_authority="LA2")
    p["q1"].ready("2025-03-11T15:00:00+00:00", pathway=1)
    p["q2"].admitted("2025-03-09T10:00:00+00:00")
    p["q2"].ready("2025-03-10T10:00:00+00:00", pathway=2)
    p["q2"].discharged("2025-03-12T10:00:00+00:00", destination="community_bed", pathway=2)
    p["q3"].admitted("2025-03-08T10:00:00+00:00", unit="W2")
    p["q3"].ready("2025-03-10T10:00:00+00:00", pathway=3)
    p["q3"].add("readiness_withdrawn", "2025-03-11T20:00:00+00:00")
    p["q4"].admitted("2025-03-04T10:00:00+00:00")
    p["q4"].ready("2025-03-09T10:00:00+00:00", pathway=1)
    p["q4"].add("delay_reason", "2025-03-11T18:00:00+00:00", reason_code="I2")
    p["q4"].add("pathway_changed", "2025-03-12T08:00:00+00:00", pathway=2)
    p["q5"].admitted("2025-03-06T10:00:00+00:00")
    p["q5"].ready("2025-03-09T10:00:00+00:00", pathway=3)
    p["q5"].add("delay_reason", "2025-03-10T10:00:00+00:00", reason_code="C2")
    p["q5"].add("delay_reason", "2025-03-11T13:00:00+00:00", reason_code="C3")
    for name, ready in (("b1", "11T12:00"), ("b2", "12T12:00"), ("o1", "11T11:59")):
        p[name].admitted("2025-03-10T10:00:00+00:00")
        p[name].ready(f"2025-03-{ready}:00+00:00")
    p["v1"].admitted("2025-03-10T10:00:00+00:00")
    readiness = p["v1"].ready("2025-03-11T16:00:00+00:00")
    p["v1"].add("void", "2025-03-11T17:00:00+00:00", voids_event_id=readiness)
    p["s7"].admitted("2025-03-05T23:00:00+00:00")
    p["s14"].admitted("2025-02-26T08:00:00+00:00", unit="W2")
    p["s14"].add("transferred", "2025-03-11T20:00:00+00:00", unit_code="W1")
    p["s21"].admitted("2025-02-19T10:00:00+00:00", unit="W3")
    p["n3"].admitted("2025-03-05T10:00:00+00:00")
    p["n3"].discharged("2025-03-12T00:00:00+00:00")
    p["n2"].admitted("2025-03-05T10:00:00+00:00")
    p["n2"].discharged("2025-03-11T23:00:00+00:00")
    p["n1"].admitted("2025-03-06T10:00:00+00:00")
    p["d1"].admitted("2025-03-05T10:00:00+00:00", unit="B1")
    load(system, events_of(*p.values()))
    return system


def _changes(db: Database, **options: Any) -> list[tuple[Any, ...]]:
    options = {"since": SINCE, "as_of": AS_OF} | options
    with db.session() as session:
        rows = changes_between(session.connection(), **options)
    return [
        (
            r["at"].strftime("%d %H:%M"),
            r["patient_id"],
            r["kind"],
            r["from"],
            r["to"],
            r["unit_code"],
        )
        for r in rows
    ]


EXPECTED = [
    ("11 12:00", "b1", "became_ready", "not_ready", "ready", "W1"),
    ("11 13:00", "q5", "reason_changed", "C2", "C3", "W1"),
    ("11 15:00", "q1", "became_ready", "not_ready", "ready", "W1"),
    ("11 18:00", "q4", "reason_changed", None, "I2", "W1"),
    ("11 20:00", "q3", "left", "ready", "readiness_withdrawn", "W2"),
    ("12 00:00", "n3", "los_crossed", 6, 7, "W1"),
    ("12 00:00", "s14", "los_crossed", 13, 14, "W1"),
    ("12 00:00", "s21", "los_crossed", 20, 21, "W3"),
    ("12 00:00", "s7", "los_crossed", 6, 7, "W1"),
    ("12 08:00", "q4", "pathway_changed", 1, 2, "W1"),
    ("12 10:00", "q2", "left", "ready", "discharged", "W1"),
]


def test_each_kind_of_change_between_two_instants(march: Database) -> None:
    assert _changes(march) == EXPECTED


def test_rows_name_the_site_the_pathway_and_the_local_authority(march: Database) -> None:
    with march.session() as session:
        rows = changes_between(session.connection(), since=SINCE, as_of=AS_OF)
    by = {(r["patient_id"], r["kind"]): r for r in rows}
    q1 = by[("q1", "became_ready")]
    assert (q1["organisation_code"], q1["local_authority"], q1["pathway"]) == ("RX1", "LA2", 1)
    assert by[("q4", "pathway_changed")]["pathway"] == 2
    assert by[("q2", "left")]["pathway"] == 2
    s21 = by[("s21", "los_crossed")]
    assert (s21["organisation_code"], s21["pathway"]) == ("RX2", None)


def test_the_changes_agree_with_the_snapshots_two_instants(march: Database) -> None:
    """Ready now − ready 24 hours before = became_ready − left (2 − 2 = 0 here).

    Before (11 Mar 12:00): q2, q3, q4, q5, o1 ready (b1 starts exactly then: not yet in) = 5.
    Now (12 Mar 12:00): q1, q4, q5, b1, o1 ready (q2 discharged, q3 withdrawn, b2 starts
    exactly now: not yet in) = 5."""
    with march.session() as session:
        snap = snapshot(session.connection(), as_of=AS_OF)
    ready = snap["ready_to_leave"]
    assert (ready["now"], ready["before"]) == (5, 5)
    kinds = [row[2] for row in EXPECTED]
    assert ready["now"] - ready["before"] == kinds.count("became_ready") - kinds.count("left")


@pytest.mark.parametrize(
    ("scope", "patients"),
    [
        ("RX1", {"b1", "q5", "q1", "q4", "q3", "n3", "s14", "s7", "q2"}),  # all but s21 (RX2)
        ("RX2", {"s21"}),
        ("LA2", {"q1"}),  # its resident
        ("CP1", set()),
    ],
)
def test_a_partner_sees_its_scope_only(march: Database, scope: str, patients: set[str]) -> None:
    assert {row[1] for row in _changes(march, scope=scope)} == patients


def test_a_narrower_window_and_the_exact_instants(march: Database) -> None:
    """since 12 Mar 00:00 exactly (= M): the crossings at M are in the position at since
    already, so they do not count; the changes from then on do. since 11 Mar 23:59:59 gives
    them back."""
    midnight = datetime(2025, 3, 12, 0, 0)
    assert _changes(march, since=midnight) == EXPECTED[-2:]
    one_before = datetime(2025, 3, 11, 23, 59, 59)
    assert _changes(march, since=one_before) == EXPECTED[-6:]


def test_a_crossing_in_summer_time_is_at_the_local_midnight(system: Database) -> None:
    """BST: u1 admitted 1 Jul 2025 10:00 UTC (11:00 local), admission date 1 Jul; LOS 7 is
    reached at the local midnight beginning 8 Jul = 7 Jul 23:00 UTC. As of 7 Jul 23:00 UTC it
    counts (M ≤ as_of); as of 22:59:59 it does not; from since = 23:00 on it has been counted
    already."""
    u1 = Patient("u1")
    u1.admitted("2025-07-01T11:00:00+01:00")
    load(system, u1.events)
    m = datetime(2025, 7, 7, 23, 0)
    assert _changes(system, since=datetime(2025, 7, 7, 0, 0), as_of=m) == [
        ("07 23:00", "u1", "los_crossed", 6, 7, "W1")
    ]
    just_before = datetime(2025, 7, 7, 22, 59, 59)
    assert _changes(system, since=datetime(2025, 7, 7, 0, 0), as_of=just_before) == []
    assert _changes(system, since=m, as_of=datetime(2025, 7, 8, 12, 0)) == []


def test_a_long_window_crosses_several_thresholds_of_one_spell(system: Database) -> None:
    """w1 admitted 1 Mar 2025: reaches 7 at 8 Mar 00:00, 14 at 15 Mar 00:00 and 21 at 22 Mar
    00:00 (UTC = local); a window of 31 days from 1 Mar 12:00 holds all three."""
    w1 = Patient("w1")
    w1.admitted("2025-03-01T10:00:00+00:00")
    load(system, w1.events)
    got = _changes(system, since=datetime(2025, 3, 1, 12), as_of=datetime(2025, 4, 1, 12))
    assert got == [
        ("08 00:00", "w1", "los_crossed", 6, 7, "W1"),
        ("15 00:00", "w1", "los_crossed", 13, 14, "W1"),
        ("22 00:00", "w1", "los_crossed", 20, 21, "W1"),
    ]


def test_questions_the_list_refuses() -> None:
    with pytest.raises(ChangesError, match="before as_of"):
        _ = ChangesQuestion(AS_OF, AS_OF).start
    with pytest.raises(ChangesError, match="31 days"):
        _ = ChangesQuestion(AS_OF, datetime(2025, 2, 8, 11, 59)).start
    assert ChangesQuestion(AS_OF).start == SINCE
