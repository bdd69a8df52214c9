"""A patient's timeline, whole or limited to a partner's scope: only the spells of its
organisation or local authority, and only their own events (SPEC §7)."""

from __future__ import annotations

import pytest

from ledger.patients import patient_timeline, spells_of_events
from store.database import Database
from tests.metrics.scenario import Patient, load


@pytest.fixture
def journey(system: Database) -> Database:
    """q1, resident of LA1: an acute spell in RX1 (W1, then W2), discharged to a community bed,
    then a D2A spell in CP1's B1 (no local authority sent), with a wrong discharge voided and
    sent again; then, later, a spell in CH1's care home C1 with another local authority.
    q2: only a spell in CP1's home service H1."""
    q1, q2 = Patient("q1"), Patient("q2")
    q1.admitted("2025-03-01T10:00:00+00:00", "W1", local_authority="LA1")
    q1.add("transferred", "2025-03-02T10:00:00+00:00", unit_code="W2")
    q1.ready("2025-03-04T09:00:00+00:00", pathway=2)
    q1.discharged("2025-03-06T11:00:00+00:00", destination="community_bed", pathway=2)
    q1.admitted("2025-03-06T15:00:00+00:00", "B1")  # q1-5, the D2A spell's id
    wrong = q1.discharged("2025-03-10T11:00:00+00:00", destination="died", pathway=None)
    q1.add("void", "2025-03-10T12:00:00+00:00", voids_event_id=wrong)
    q1.discharged("2025-03-12T11:00:00+00:00", pathway=None)
    q1.admitted("2025-04-01T10:00:00+00:00", "C1", local_authority="LA9")  # q1-9
    q2.admitted("2025-03-01T10:00:00+00:00", "H1")
    load(system, q1.events)
    load(system, q2.events)
    return system


def _shown(db: Database, patient: str, scope: str | None) -> tuple[list[str], list[str]] | None:
    with db.session() as session:
        timeline = patient_timeline(session, patient, scope)
    if timeline is None:
        return None
    return [s["spell_id"] for s in timeline["spells"]], [e["event_id"] for e in timeline["events"]]


ACUTE = ["q1-1", "q1-2", "q1-3", "q1-4"]
D2A = ["q1-5", "q1-6", "q1-7", "q1-8"]
CARE_HOME = ["q1-9"]


def test_without_a_scope_everything_is_shown(journey: Database) -> None:
    assert _shown(journey, "q1", None) == (["q1-1", "q1-5", "q1-9"], ACUTE + D2A + CARE_HOME)


@pytest.mark.parametrize(
    ("scope", "spells", "events"),
    [
        ("RX1", ["q1-1"], ACUTE),  # the acute trust: its own spell, none of the community's
        ("CP1", ["q1-5"], D2A),  # the community trust: its bed, the voided discharge and void
        ("CH1", ["q1-9"], CARE_HOME),
        ("LA1", ["q1-1", "q1-5"], ACUTE + D2A),  # the resident's spells, the D2A one by journey
        ("LA9", ["q1-9"], CARE_HOME),
    ],
)
def test_a_partner_sees_only_the_spells_of_its_scope_and_their_events(
    journey: Database, scope: str, spells: list[str], events: list[str]
) -> None:
    assert _shown(journey, "q1", scope) == (spells, events)


def test_a_patient_with_nothing_in_scope_is_not_found(journey: Database) -> None:
    assert _shown(journey, "q2", "RX1") is None
    assert _shown(journey, "q2", "CP1") == (["q2-1"], ["q2-1"])
    assert _shown(journey, "nobody", None) is None


def test_each_event_belongs_to_the_spell_it_happened_in(journey: Database) -> None:
    with journey.session() as session:
        timeline = patient_timeline(session, "q1")
    assert timeline is not None
    belongs = {e["event_id"]: e["spell_id"] for e in timeline["events"]}
    assert belongs == dict.fromkeys(ACUTE, "q1-1") | dict.fromkeys(D2A, "q1-5") | {"q1-9": "q1-9"}
    voided = next(e for e in timeline["events"] if e["event_id"] == "q1-6")
    assert voided["voided_by"] == "q1-7"


def test_a_voided_admission_between_spells_belongs_to_none() -> None:
    def ev(event_id: str, type_: str, at: str, **more: str) -> dict[str, object]:
        return {"event_id": event_id, "type": type_, "occurred_at": at, **more}

    events = [
        ev("a1", "admitted", "2025-01-01"),
        ev("d1", "discharged", "2025-01-02"),
        ev("a2", "admitted", "2025-01-05"),  # sent for the wrong patient, voided
        ev("v2", "void", "2025-01-06", voids_event_id="a2"),
        ev("a3", "admitted", "2025-01-08"),
        ev("r3", "discharge_ready", "2025-01-09"),
    ]
    assert spells_of_events(events) == {
        "a1": "a1",
        "d1": "a1",
        "a2": None,
        "v2": None,
        "a3": "a3",
        "r3": "a3",
    }
