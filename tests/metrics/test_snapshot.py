"""metrics.snapshot: the coordinator's position at an instant, and who is ready to leave.

Every expected figure is worked out by hand in a comment from SPEC §2's words: a stay is in at
instant t when start_at < t ≤ end_at (or still open); LOS = local date of t − admission date;
days waiting = local date of t − DRD; days are Europe/London dates.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from ledger import reference
from metrics.instants import DAY, Window
from metrics.ready_list import ready_patients, sort_patients
from metrics.snapshot import snapshot
from metrics.tally import changed_from
from models import ReadySpan, Stay
from models.clock import census_instant
from models.derived import UNBOUNDED, length_class
from store.database import Database
from tests.metrics.scenario import Patient, by_group, events_of, figure, load

# Winter: UTC = local time. The snapshot at Wed 12 March 12:00, compared with Tue 11 March 12:00.
AS_OF = datetime(2025, 3, 12, 12, 0)
BEFORE = datetime(2025, 3, 11, 12, 0)


def _second_site(db: Database) -> None:
    """A second acute trust RX2 with ward W3, and local authority LA2."""
    with db.session(write=True) as session:
        reference.upsert_organisation(session, "RX2", "Hilltop Hospital", "acute")
        reference.upsert_organisation(session, "LA2", "City Council", "local_authority")
        fields = {"name": "Ward 3", "organisation_code": "RX2", "setting": "acute", "pathway": None}
        reference.upsert_unit(session, "W3", fields, changed_from)


def _capacity(db: Database, unit: str, capacity: int, since: date) -> None:
    with db.session(write=True) as session:
        (row,) = reference.list_units(session, unit)
        fields = {k: row[k] for k in ("name", "organisation_code", "setting", "pathway")}
        reference.upsert_unit(
            session, unit, fields | {"capacity": capacity, "capacity_from": since}, changed_from
        )


@pytest.fixture
def march(system: Database) -> Database:
    """Six patients around 11–12 March 2025 (all times UTC = local).

    p1  W1 from 1 Mar; ready 5 Mar (P1), reason I2; withdrawn 8 Mar; ready again 10 Mar 15:00
        (P1); pathway changed to P2 12 Mar 08:00; reason C2 from 11 Mar 13:00. LA1.
    p2  W1 11 Mar 08:00; transferred to W3 (RX2) 11 Mar 20:00; ready 12 Mar 09:00, no pathway,
        no reason. LA2.
    p3  W2 from 10 Feb; ready 20 Feb (P3), reason C11; discharged 11 Mar 18:00 to a care home
        (P3); admitted to care-home beds C1 11 Mar 19:00. LA1.
    p4  community beds B1 from 1 Mar, still there.
    p5  admitted W1 at 12 Mar 12:00, exactly the snapshot instant.
    p6  W2 from 9 Mar 10:00, discharged home (P0) at 12 Mar 12:00, exactly the snapshot instant.
    B1's capacity goes from 4 to 6 on 12 Mar.
    """
    _second_site(system)
    p1, p2, p3, p4, p5, p6 = (Patient(f"p{n}") for n in range(1, 7))
    p1.admitted("2025-03-01T10:00:00+00:00", local_authority="LA1")
    p1.ready("2025-03-05T09:00:00+00:00", pathway=1)
    p1.add("delay_reason", "2025-03-05T10:00:00+00:00", reason_code="I2")
    p1.add("readiness_withdrawn", "2025-03-08T12:00:00+00:00")
    p1.ready("2025-03-10T15:00:00+00:00", pathway=1)
    p1.add("delay_reason", "2025-03-11T13:00:00+00:00", reason_code="C2")
    p1.add("pathway_changed", "2025-03-12T08:00:00+00:00", pathway=2)
    p2.admitted("2025-03-11T08:00:00+00:00", local_authority="LA2")
    p2.add("transferred", "2025-03-11T20:00:00+00:00", unit_code="W3")
    p2.ready("2025-03-12T09:00:00+00:00")
    p3.admitted("2025-02-10T10:00:00+00:00", unit="W2", local_authority="LA1")
    p3.ready("2025-02-20T10:00:00+00:00", pathway=3)
    p3.add("delay_reason", "2025-02-20T11:00:00+00:00", reason_code="C11")
    p3.discharged("2025-03-11T18:00:00+00:00", destination="care_home_new", pathway=3)
    p3.admitted("2025-03-11T19:00:00+00:00", unit="C1")
    p4.admitted("2025-03-01T12:00:00+00:00", unit="B1")
    p5.admitted("2025-03-12T12:00:00+00:00")
    p6.admitted("2025-03-09T10:00:00+00:00", unit="W2")
    p6.discharged("2025-03-12T12:00:00+00:00", pathway=0)
    load(system, events_of(p1, p2, p3, p4, p5, p6))
    _capacity(system, "B1", 6, date(2025, 3, 12))
    return system


def _snapshot(db: Database, as_of: datetime = AS_OF, **options: Any) -> dict[str, Any]:
    with db.session() as session:
        return snapshot(session.connection(), as_of=as_of, **options)


def _ready(db: Database, as_of: datetime = AS_OF, scope: str | None = None) -> list[dict[str, Any]]:
    with db.session() as session:
        return ready_patients(session.connection(), as_of=as_of, scope=scope)


def _groups(rows: list[dict[str, Any]]) -> dict[str, tuple[int, int]]:
    return {r["group"]: (r["now"], r["before"]) for r in rows}


def test_the_instants_and_acute_inpatients(march: Database) -> None:
    s = _snapshot(march)
    assert s["as_of"] == "2025-03-12T12:00:00Z"
    assert s["compared_with"] == "2025-03-11T12:00:00Z"
    assert s["local_date"] == "2025-03-12"
    # Now: p1, p2 and p6 (discharged exactly at the instant: end_at ≥ t counts); not p3 (left
    # at 18:00 yesterday) nor p5 (admitted exactly at the instant: start_at < t fails) → 3.
    # 24 hours earlier: p1, p2 (since 08:00), p3, p6 → 4.
    assert s["acute_inpatients"]["now"] == 3 and s["acute_inpatients"]["before"] == 4
    # Site as at each instant: p2 was in W1 (RX1) yesterday and is in W3 (RX2) now.
    assert _groups(s["acute_inpatients"]["by_site"]) == {"RX1": (2, 4), "RX2": (1, 0)}


def test_ready_to_leave_by_pathway_site_and_local_authority(march: Database) -> None:
    s = _snapshot(march)
    ready = s["ready_to_leave"]
    # Now: p1 (ready again since 10 Mar, planned P2 since this morning) and p2 (ready since
    # 09:00 at RX2, no pathway). Yesterday: p1 (planned P1 then) and p3 (P3, left at 18:00).
    assert (ready["now"], ready["before"]) == (2, 2)
    assert ready["by_pathway"] == [
        {"group": "0", "now": 0, "before": 0},
        {"group": "1", "now": 0, "before": 1},
        {"group": "2", "now": 1, "before": 0},
        {"group": "3", "now": 0, "before": 1},
        {"group": "unknown", "now": 1, "before": 0},
    ]
    assert _groups(ready["by_site"]) == {"RX1": (1, 2), "RX2": (1, 0)}
    assert _groups(ready["by_local_authority"]) == {"LA1": (1, 2), "LA2": (1, 0)}


def test_waits_by_band_and_top_reasons(march: Database) -> None:
    s = _snapshot(march)
    # Now (12 Mar): p1's DRD is 10 Mar (the readiness declared again; the withdrawn one does not
    # count): 2 days → 2-3; p2 ready today: 0. Yesterday (11 Mar): p1 1 day → 1; p3 DRD 20 Feb:
    # 19 days → 14-20.
    assert {b["band"]: (b["now"], b["before"]) for b in s["waits_by_band"]} == {
        "0": (1, 0),
        "1": (0, 1),
        "2-3": (1, 0),
        "4-6": (0, 0),
        "7-13": (0, 0),
        "14-20": (0, 1),
        "21+": (0, 0),
    }
    # Reasons: p1 gave C2 at 13:00 yesterday, after the comparison instant, and readiness
    # declared again cleared I2, so yesterday p1 had none; p2 has none now; p3 had C11.
    # none recorded (1 now, 1 before) first, then C2 (1, 0), then C11 (0, 1).
    assert [(r["reason_code"], r["now"], r["before"]) for r in s["top_reasons"]] == [
        (None, 1, 1),
        ("C2", 1, 0),
        ("C11", 0, 1),
    ]
    assert s["top_reasons"][0]["label"] == "none recorded"
    assert s["top_reasons"][1]["group"] == "Capacity"
    assert s["top_reasons"][1]["label"].startswith("Bed-based rehabilitation")


def test_stranded_patients(march: Database) -> None:
    s = _snapshot(march)
    # LOS = local date − admission date. Now (12 Mar): p1 11, p2 1, p6 3 → ≥7: 1; ≥14, ≥21: 0.
    # Yesterday (11 Mar): p1 10, p2 0, p3 29 (from 10 Feb), p6 2 → ≥7: 2; ≥14: 1; ≥21: 1.
    assert s["stranded_7"] == {"now": 1, "before": 2}
    assert s["stranded_14"] == {"now": 0, "before": 1}
    assert s["stranded_21"] == {"now": 0, "before": 1}


def test_d2a_services_use_the_capacity_in_force(march: Database) -> None:
    s = _snapshot(march)
    services = {u["unit_code"]: u for u in s["d2a_services"]}
    assert [u["unit_code"] for u in s["d2a_services"]] == ["H1", "B1", "C1"]  # by pathway
    # B1: 4 beds from 2024, 6 from 12 Mar; p4 in it at both instants → 6 − 1 = 5 free now,
    # 4 − 1 = 3 yesterday. Waiting for P2: p1 now (planned P2 since 08:00), nobody yesterday.
    assert {k: services["B1"][k] for k in services["B1"] if k != "name"} == {
        "unit_code": "B1",
        "organisation_code": "CP1",
        "setting": "community_bed",
        "pathway": 2,
        "capacity": 6,
        "occupied": 1,
        "free": 5,
        "capacity_before": 4,
        "occupied_before": 1,
        "free_before": 3,
        "waiting": 1,
        "waiting_before": 0,
    }
    # C1: 2 beds; p3 came in at 19:00 yesterday → 1 now, 0 yesterday; p3 waited for P3 yesterday.
    c1 = services["C1"]
    assert (c1["occupied"], c1["free"], c1["occupied_before"], c1["free_before"]) == (1, 1, 0, 2)
    assert (c1["waiting"], c1["waiting_before"]) == (0, 1)
    # H1: 10 slots, empty; p1 waited for P1 yesterday.
    h1 = services["H1"]
    assert (h1["capacity"], h1["free"], h1["waiting"], h1["waiting_before"]) == (10, 10, 0, 1)
    totals = {p["pathway"]: p for p in s["d2a_pathways"]}
    assert (totals[2]["capacity"], totals[2]["free"], totals[2]["waiting"]) == (6, 5, 1)


def test_events_reflected_are_those_before_the_instant(march: Database) -> None:
    s = _snapshot(march)
    # 19 events (p1 7, p2 3, p3 5, p4 1, p5 1, p6 2); p5's admission and p6's discharge at
    # exactly 12:00 are not before the instant → 17.
    assert s["events_reflected"] == 17
    assert s["latest_event_at"] is not None and s["latest_event_at"].endswith("Z")


def test_the_organisation_filter(march: Database) -> None:
    s = _snapshot(march, organisation="RX2")
    # Only RX2: p2 now (in W3, ready), nobody yesterday; no D2A units belong to RX2.
    assert s["acute_inpatients"]["now"] == 1 and s["acute_inpatients"]["before"] == 0
    assert s["ready_to_leave"]["now"] == 1 and s["d2a_services"] == []


def test_the_local_authority_filter(march: Database) -> None:
    s = _snapshot(march, local_authority="LA1")
    # LA1's residents ready: now p1 (planned P2 since this morning); yesterday p1 (P1) and p3
    # (P3, left at 18:00). p2 (LA2) is out.
    ready = s["ready_to_leave"]
    assert (ready["now"], ready["before"]) == (1, 2)
    assert _groups(ready["by_pathway"]) == {
        "0": (0, 0),
        "1": (0, 1),
        "2": (1, 0),
        "3": (0, 1),
    }  # no "unknown": p2, ready with no pathway, lives in LA2
    assert _groups(ready["by_local_authority"]) == {"LA1": (1, 2)}
    # Beds are counted where they are, whoever lives where: the same 3 now and 4 before.
    assert s["acute_inpatients"]["now"] == 3 and s["acute_inpatients"]["before"] == 4
    assert s["local_authority"] == "LA1" and s["capacity_status"] is None
    other = _snapshot(march, local_authority="LA2")["ready_to_leave"]
    assert (other["now"], other["before"]) == (1, 0)  # p2, ready since 09:00
    assert _snapshot(march)["local_authority"] is None


def test_no_patient_ids_in_the_snapshot(march: Database) -> None:
    text = repr(_snapshot(march))
    assert not any(f"p{n}" in text.replace("pathway", "") for n in range(1, 7))


def test_ready_patients_at_the_instant(march: Database) -> None:
    patients = _ready(march)
    # Longest waiting first: p1 (2 days), p2 (0). p2's LOS: 12 Mar − 11 Mar = 1.
    assert [p["patient_id"] for p in patients] == ["p1", "p2"]
    assert patients[0] == {
        "patient_id": "p1",
        "unit_code": "W1",
        "unit_name": "Ward 1",
        "organisation_code": "RX1",
        "local_authority": "LA1",
        "pathway": 2,
        "discharge_ready_date": "2025-03-10",
        "days_waiting": 2,
        "band": "2-3",
        "reason_code": "C2",
        "reason_label": "Bed-based rehabilitation, reablement or recovery services not yet "
        "available",
        "reason_group": "Capacity",
        "ready_since": "2025-03-10T15:00:00Z",
        "admitted_date": "2025-03-01",
        "los_days": 11,
    }
    p2 = patients[1]
    assert (p2["unit_code"], p2["organisation_code"], p2["pathway"]) == ("W3", "RX2", None)
    assert (p2["reason_code"], p2["reason_label"], p2["los_days"]) == (None, "none recorded", 1)


def test_ready_patients_yesterday(march: Database) -> None:
    patients = _ready(march, BEFORE)
    # At 11 Mar 12:00: p3 (19 days, P3, C11) then p1 (1 day, P1, no reason yet).
    assert [(p["patient_id"], p["days_waiting"], p["pathway"]) for p in patients] == [
        ("p3", 19, 3),
        ("p1", 1, 1),
    ]
    assert patients[0]["reason_code"] == "C11" and patients[1]["reason_code"] is None


def test_a_partner_sees_its_own_people(march: Database) -> None:
    # RX2: p2 (in W3 now). RX1: p1 only (p2's spell moved to RX2). LA1: p1. LA2: p2.
    assert [p["patient_id"] for p in _ready(march, scope="RX2")] == ["p2"]
    assert [p["patient_id"] for p in _ready(march, scope="RX1")] == ["p1"]
    assert [p["patient_id"] for p in _ready(march, scope="LA1")] == ["p1"]
    assert [p["patient_id"] for p in _ready(march, scope="LA2")] == ["p2"]
    assert _ready(march, scope="CP1") == []


def test_sorting_puts_unknown_values_last(march: Database) -> None:
    patients = _ready(march)
    assert [p["patient_id"] for p in sort_patients(patients, "pathway", False)] == ["p1", "p2"]
    assert [p["patient_id"] for p in sort_patients(patients, "pathway", True)] == ["p1", "p2"]
    assert [p["patient_id"] for p in sort_patients(patients, "los_days", False)] == ["p2", "p1"]
    assert [p["patient_id"] for p in sort_patients(patients, "unit_code", True)] == ["p2", "p1"]
    with pytest.raises(ValueError):
        sort_patients(patients, "name", False)


def test_an_empty_system_gives_zeros(system: Database) -> None:
    s = _snapshot(system)
    assert s["acute_inpatients"] == {"now": 0, "before": 0, "by_site": [_zero("RX1")]}
    assert s["ready_to_leave"]["by_local_authority"] == []
    assert [b["now"] for b in s["waits_by_band"]] == [0] * 7
    assert s["top_reasons"] == [] and s["events_reflected"] == 0
    assert s["latest_event_at"] is None
    assert [(u["unit_code"], u["free"]) for u in s["d2a_services"]] == [
        ("H1", 10),
        ("B1", 4),
        ("C1", 2),
    ]
    assert _ready(system) == []


def _zero(group: str) -> dict[str, Any]:
    return {"group": group, "now": 0, "before": 0}


# -- a summer day boundary: local (BST) and UTC dates differ -------------------------------------

# Wed 2 July 2025 00:30 BST = Tue 1 July 23:30 UTC; 24 hours earlier: 1 July 00:30 BST.
SUMMER = datetime(2025, 7, 1, 23, 30)


@pytest.fixture
def summer(system: Database) -> Database:
    """q1 admitted 25 June 23:30 BST (22:30 UTC), ready 30 June 23:30 BST (22:30 UTC), P1.
    q2 admitted 30 June 10:00 BST, ready 1 July 00:10 BST (30 June 23:10 UTC), P2."""
    q1, q2 = Patient("q1"), Patient("q2")
    q1.admitted("2025-06-25T23:30:00+01:00", local_authority="LA1")
    q1.ready("2025-06-30T23:30:00+01:00", pathway=1)
    q2.admitted("2025-06-30T10:00:00+01:00", local_authority="LA1")
    q2.ready("2025-07-01T00:10:00+01:00", pathway=2)
    load(system, events_of(q1, q2))
    return system


def test_waits_by_band_just_after_a_summer_midnight(summer: Database) -> None:
    s = _snapshot(summer, SUMMER)
    assert (s["local_date"], s["compared_with_local_date"]) == ("2025-07-02", "2025-07-01")
    # Now (local 2 July): q1's DRD is 30 June → 2 days (2-3; UTC dates would say 1 July − 30
    # June = 1); q2's DRD is 1 July (its UTC date is 30 June) → 1 day.
    # 24 hours earlier (local 1 July 00:30): q1 1 day; q2 ready since 00:10 → 0 days.
    bands = {b["band"]: (b["now"], b["before"]) for b in s["waits_by_band"]}
    assert (bands["0"], bands["1"], bands["2-3"]) == ((0, 1), (1, 1), (1, 0))
    # LOS of q1: 2 July − 25 June = 7 → stranded now; 1 July − 25 June = 6 → not yesterday.
    assert s["stranded_7"] == {"now": 1, "before": 0}
    patients = {p["patient_id"]: p for p in _ready(summer, SUMMER)}
    assert patients["q1"]["discharge_ready_date"] == "2025-06-30"
    assert patients["q2"]["discharge_ready_date"] == "2025-07-01"
    assert (patients["q1"]["days_waiting"], patients["q1"]["los_days"]) == (2, 7)
    assert patients["q2"]["ready_since"] == "2025-06-30T23:10:00Z"


def test_at_a_census_instant_the_snapshot_is_the_census(summer: Database) -> None:
    # The census of 1 July is local midnight ending it: 23:00 UTC on 1 July.
    s = _snapshot(summer, census_instant(date(2025, 7, 1)))
    day = date(2025, 7, 1)
    assert s["acute_inpatients"]["now"] == figure(summer, "acute_occupied", day).rows.value[0]
    assert s["ready_to_leave"]["now"] == figure(summer, "ready_to_leave", day).rows.value[0]
    assert s["stranded_7"]["now"] == figure(summer, "stranded_7", day).rows.value[0]
    census_bands = by_group(figure(summer, "ready_to_leave", day, group_by="band"))
    assert {b["band"]: b["now"] for b in s["waits_by_band"]} == census_bands
    waiting = by_group(figure(summer, "d2a_waiting", day, group_by="pathway"))
    totals = {str(p["pathway"]): p["waiting"] for p in s["d2a_pathways"]}
    assert totals == waiting


# -- the length classes find every row in at an instant ---------------------------------------


@pytest.mark.parametrize("model", [Stay, ReadySpan])
def test_the_length_classes_find_every_row_in(march: Database, model: Any) -> None:
    # The rows found through their length class (metrics.instants) are exactly those a plain
    # scan of the table finds in at each instant (start_at < t ≤ end_at, or open): every hour
    # from 9 Feb to 13 Mar, and at every start and end itself (the census rule's edges). p3's
    # first stay lasts 29 days 8 hours (class 10: at most 1,024 hours), p6's 3 days 2 hours
    # (class 7); open rows are class 16.
    with march.session() as session:
        connection = session.connection()
        table = model.__table__
        rows = [dict(r._mapping) for r in connection.execute(select(table))]
        edges = {r[k] for r in rows for k in ("start_at", "end_at") if r[k] is not None}
        hours = {datetime(2025, 2, 9) + timedelta(hours=h) for h in range(33 * 24)}
        settings = ("acute", "community_bed", "care_home_bed", "home_service")
        for at in sorted(edges | hours):
            w = Window.around(at)
            joined, t, where = w.rows(model, settings)
            query = select(t.spell_id, t.seq, w.in_now(t), w.in_before(t)).select_from(joined)
            found = {
                (r[0], r[1]): (bool(r[2]), bool(r[3]))
                for r in connection.execute(query.where(*where))
            }
            expected = {
                (r["spell_id"], r["seq"]): (_in_at(r, at), _in_at(r, at - DAY))
                for r in rows
                if _in_at(r, at) or _in_at(r, at - DAY)
            }
            assert {k: v for k, v in found.items() if any(v)} == expected, at


def _in_at(row: dict[str, Any], at: datetime) -> bool:
    return row["start_at"] < at and (row["end_at"] is None or at <= row["end_at"])


@given(
    start=st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1)),
    length=st.timedeltas(timedelta(0), timedelta(days=2000)),
)
def test_a_length_class_bounds_the_length(start: datetime, length: timedelta) -> None:
    # Class k < 16: the row lasted at most 2**k hours, and more than 2**(k-1) (the smallest k).
    k = length_class(start, start + length)
    hour = timedelta(hours=1)
    if k < UNBOUNDED:
        assert length <= 2**k * hour
    if k > 0:
        assert length > 2 ** (k - 1) * hour
    assert length_class(start, None) == UNBOUNDED


def test_a_void_after_the_instant_is_reflected(system: Database) -> None:
    # v1 admitted 10 Mar; a readiness on 11 Mar is voided by an event that occurred at 13:00 on
    # 12 Mar, after the instant. The figures never show v1 ready; the snapshot reflects the
    # admission, the voided readiness and its void (the void of an event before the instant):
    # 3 events.
    v1 = Patient("v1")
    v1.admitted("2025-03-10T10:00:00+00:00")
    wrong = v1.ready("2025-03-11T09:00:00+00:00", pathway=1)
    v1.add("void", "2025-03-12T13:00:00+00:00", voids_event_id=wrong)
    load(system, v1.events[:2], v1.events[2:])
    s = _snapshot(system)
    assert s["ready_to_leave"]["now"] == 0 and s["ready_to_leave"]["before"] == 0
    assert s["events_reflected"] == 3
