"""The generator on its own: determinism, well-formed events, reasons that fit the pathway."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime
from functools import cache
from typing import Any

from ledger.events import OPTIONAL, REQUIRED
from ledger.nhs_number import identifier_is_nhs_number
from models.reference import read_reference_csv
from seed.clock import minute_of
from seed.generate import RunSpec, events, plans

START = date(2025, 1, 6)
BASE = {"event_id", "type", "patient_id", "occurred_at"}


@cache
def run(seed: int = 1, days: int = 21) -> list[dict[str, Any]]:
    return list(events(RunSpec.of("small", days, seed, START)))


def test_the_same_seed_gives_the_same_events_byte_for_byte() -> None:
    again = list(events(RunSpec.of("small", 21, 1, START)))
    assert json.dumps(again, sort_keys=True) == json.dumps(run(), sort_keys=True)


def test_another_seed_gives_other_events() -> None:
    assert json.dumps(run(2), sort_keys=True) != json.dumps(run(), sort_keys=True)


def test_every_event_has_only_its_type_s_fields_and_an_offset() -> None:
    for event in run():
        allowed = BASE | set(REQUIRED[event["type"]]) | set(OPTIONAL[event["type"]])
        assert set(event) <= allowed, event
        assert set(REQUIRED[event["type"]]) <= set(event), event
        assert datetime.fromisoformat(event["occurred_at"]).utcoffset() is not None


def test_ids_are_unique_and_patients_pseudonymous() -> None:
    ids = [e["event_id"] for e in run()]
    assert len(ids) == len(set(ids))
    assert not any(
        identifier_is_nhs_number(e[field])
        for e in run()
        for field in ("event_id", "patient_id", "local_authority")
        if field in e
    )


def test_a_run_has_every_kind_of_movement_and_a_few_voids() -> None:
    kinds = Counter(e["type"] for e in run(days=60))
    expected = {"admitted", "transferred", "discharge_ready", "readiness_withdrawn"}
    expected |= {"delay_reason", "pathway_changed", "discharged", "void"}
    assert expected <= set(kinds)
    assert 0 < kinds["void"] < 0.01 * kinds["admitted"]


def test_voids_name_an_event_of_their_patient_sent_earlier() -> None:
    sent: dict[str, str] = {}
    for event in run(days=60):
        if event["type"] == "void":
            assert sent[event["voids_event_id"]] == event["patient_id"]
        sent[event["event_id"]] = event["patient_id"]


def test_some_events_arrive_out_of_time_order() -> None:
    by_patient: dict[str, list[str]] = {}
    for event in run():
        by_patient.setdefault(event["patient_id"], []).append(event["occurred_at"])
    shuffled = [p for p, times in by_patient.items() if times != sorted(times, key=_instant)]
    assert 0 < len(shuffled) < 0.1 * len(by_patient)


def test_nothing_is_sent_after_the_end_limit() -> None:
    limit = minute_of(datetime.fromisoformat("2025-01-20T10:30:00+00:00"))
    spec = RunSpec.of("small", 21, 1, START, end_limit=limit)
    assert max(minute_of(_instant(e["occurred_at"])) for e in events(spec)) <= limit


def test_delay_reasons_fit_the_planned_pathway() -> None:
    fits = {r["code"]: r["pathways"] for r in read_reference_csv("delay_reasons")}
    planned: dict[str, int] = {}
    for event in sorted(run(days=60), key=lambda e: _instant(e["occurred_at"])):
        if event.get("pathway") is not None:
            planned[event["patient_id"]] = event["pathway"]
        if event["type"] == "delay_reason" and fits[event["reason_code"]]:
            pathways = fits[event["reason_code"]].split(";")
            assert str(planned[event["patient_id"]]) in pathways, event


def test_a_national_run_is_many_systems_with_their_own_codes() -> None:
    systems = plans(RunSpec.of("national", 7, 1, START))
    assert len(systems) == 42
    units = [code for plan in systems for code, _unit in plan.units]
    assert len(units) == len(set(units))
    # Each is one of England's 42 integrated care boards (ODS codes: Q and two characters).
    icbs = [plan.system for plan in systems]
    assert len(set(icbs)) == 42
    assert all(len(code) == 3 and code.startswith("Q") for code, _name in icbs)
    assert ("QE1", "NHS Lancashire and South Cumbria Integrated Care Board") in icbs
    # A single-system run's is a made-up code, never a real ICB's.
    [demo] = plans(RunSpec.of("small", 7, 1, START))
    assert demo.system[0] == "QZZ" and demo.system not in icbs


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)
