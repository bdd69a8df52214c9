"""SPEC §9's mapping, on UK-shaped messages worked out by hand against the table.

Default message (builders.adt): EVN-2 202507011000 (10:00 BST = 09:00 UTC), an inpatient on
WARD7 (unit RXX-W7), PV1-4 21, the MRN RX1234567 of authority RXX and an NHS number.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.adt import Ignored, Mapped, Outcome, Refused, event_id, local_id, map_adt
from feeds.hl7v2.ack import build_ack
from feeds.hl7v2.messages import split_messages
from ledger.events import EventIn
from tests.feeds.builders import FEED, MRN, NHS_NUMBER, SECRETS, adt, parsed

NOW = datetime(2025, 11, 1, 12, 0, tzinfo=UTC)


def outcome(text: str, history: list[dict[str, Any]] | None = None) -> Outcome:
    [received] = split_messages(text)
    return map_adt(received, FEED, history or [], now=NOW)


def event(text: str, history: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    found = outcome(text, history)
    assert isinstance(found, Mapped), found
    EventIn(**(found.event | {"patient_id": "pseudonym"}))  # the shape of SPEC §3
    return found.event


def stored(event_id: str, kind: str, at: str, **payload: Any) -> dict[str, Any]:
    """A history row as in the event table; `at` is naive UTC, 'YYYY-MM-DD HH:MM'."""
    return {"event_id": event_id, "type": kind, "occurred_at": datetime.fromisoformat(at)} | payload


ADMITTED = stored("adm", "admitted", "2025-06-28 14:00", unit_code="RXX-W7", source=None)
FROM_CARE_HOME = ADMITTED | {"source": "care_home_return"}


# -- A01 / A06: admitted -----------------------------------------------------------------------


def test_a01_of_an_inpatient_is_an_admission() -> None:
    found = outcome(adt("A01"))
    assert found == Mapped(
        MRN,
        {
            "event_id": "hl7:LTH:MSG0001",
            "type": "admitted",
            "patient_id": None,
            "occurred_at": "2025-07-01T10:00:00+01:00",
            "unit_code": "RXX-W7",
            "admission_method": "emergency",
        },
    )


def test_no_nhs_number_name_birth_date_or_address_comes_out() -> None:
    for trigger in ("A01", "A02", "A03", "A08", "A11"):
        text = adt(trigger, pid={3: f"{NHS_NUMBER}^^^NHS^NH~{MRN}^^^RXX^MR"})
        found = outcome(text, [ADMITTED])
        [received] = split_messages(text)
        refusal = found if isinstance(found, Refused) else None
        ack = build_ack(received, refusal, now=NOW, facility="ICB")
        assert not any(secret in repr(found) + ack for secret in SECRETS), trigger


def test_epic_style_location_maps_by_its_point_of_care() -> None:
    assert event(adt(pv1={3: "WARD9^Bay 2^Bed 4^RXX01^^N^Main^2"}))["unit_code"] == "RXX-W9"


def test_a06_emergency_patient_admitted_to_a_ward() -> None:
    found = event(adt("A06", pv1={2: "I", 3: "AMU^^^RXX01", 4: "E"}))
    assert found["type"] == "admitted" and found["unit_code"] == "RXX-AMU"


@pytest.mark.parametrize("patient_class", ["E", "O", "P", "B", "FF"])
def test_a01_of_another_patient_class_is_ignored(patient_class: str) -> None:
    found = outcome(adt("A01", pv1={2: patient_class}))
    assert isinstance(found, Ignored) and "only inpatients" in found.reason


def test_a01_without_patient_class_is_refused() -> None:
    assert outcome(adt("A01", pv1={2: ""})) == Refused("PV1^1^2", "PV1-2 patient class is empty")


@pytest.mark.parametrize(
    ("code", "method"),
    [
        *((c, "emergency") for c in ("21", "22", "23", "24", "25", "28", "2A", "2D", "E", "u")),
        *((c, "elective") for c in ("11", "12", "13", "R", "C")),
        *((c, "other") for c in ("31", "81", "A", "L", "N", "", '""', "99")),
    ],
)
def test_admission_method(code: str, method: str) -> None:
    assert event(adt(pv1={4: code}))["admission_method"] == method


@pytest.mark.parametrize(
    ("code", "source"),
    [
        ("19", "usual_residence"),
        ("29", "temporary_residence"),
        ("54", "care_home_return"),
        ("65", "care_home_return"),
        ("85", "care_home_return"),
        ("51", "other_hospital"),
        ("99", None),  # not known: "unknown → none"
        ("79", None),  # born in hospital, not "died"
        ("R", None),
        ("", None),
    ],
)
def test_admission_source(code: str, source: str | None) -> None:
    assert event(adt(pv1={14: code})).get("source") == source


def test_unknown_or_missing_location_is_refused_naming_pv1_3() -> None:
    found = outcome(adt(pv1={3: "WARD99^1^2^RXX01"}))
    assert found == Refused(
        "PV1^1^3", "PV1-3.1 point of care 'WARD99' is not a location of feed LTH"
    )
    found = outcome(adt(pv1={3: f"{NHS_NUMBER}^1"}))
    assert isinstance(found, Refused) and NHS_NUMBER not in found.reason
    assert outcome(adt(pv1={3: "^B12"})) == Refused("PV1^1^3", "PV1-3.1 point of care is empty")


# -- the local id ------------------------------------------------------------------------------


def test_the_local_id_is_the_identifier_of_the_feeds_authority() -> None:
    text = adt(pid={3: f"{NHS_NUMBER}^^^NHS^NH~OTHER1^^^RYY^MR~{MRN}^^^rxx&1.2&ISO^MR"})
    assert local_id(parsed(text), FEED) == MRN


@pytest.mark.parametrize(
    "pid3", [f"{NHS_NUMBER}^^^NHS^NH", "OTHER1^^^RYY^MR", f"{NHS_NUMBER}^^^RXX^NH", "^^^RXX^MR"]
)
def test_no_identifier_of_the_authority_is_refused_naming_pid_3(pid3: str) -> None:
    found = outcome(adt(pid={3: pid3}))
    assert found == Refused("PID^1^3", "PID-3 has no identifier of assigning authority 'RXX'")


def test_an_nhs_authority_never_yields_the_nhs_number() -> None:
    nhs_feed = replace(FEED, patient_id_authority="NHS")
    assert not isinstance(local_id(parsed(adt()), nhs_feed), str)


# -- times -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("evn2", "occurred_at"),
    [
        ("202507011000", "2025-07-01T10:00:00+01:00"),  # summer time
        ("202501151000", "2025-01-15T10:00:00+00:00"),  # winter
        ("202510260130", "2025-10-26T01:30:00+01:00"),  # repeated hour: the first (BST)
        ("202510260230", "2025-10-26T02:30:00+00:00"),
        ("20250701100000+0110", "2025-07-01T10:00:00+01:10"),  # an offset, used as given
    ],
)
def test_local_times(evn2: str, occurred_at: str) -> None:
    assert event(adt(evn={2: evn2}))["occurred_at"] == occurred_at


def test_the_hour_the_clocks_skip_is_refused() -> None:
    found = outcome(adt(evn={2: "202503300130"}))
    assert isinstance(found, Refused) and found.field == "EVN^1^2"
    assert "does not exist in Europe/London" in found.reason


def test_evn6_then_pv1_44_then_evn2() -> None:
    evn, pv1 = {2: "202507011200", 6: "202507011100"}, {44: "202507011000"}
    assert event(adt(evn=evn, pv1=pv1))["occurred_at"] == "2025-07-01T11:00:00+01:00"
    del evn[6]
    assert event(adt(evn=evn, pv1=pv1))["occurred_at"] == "2025-07-01T10:00:00+01:00"
    assert event(adt(evn=evn))["occurred_at"] == "2025-07-01T12:00:00+01:00"
    # PV1-44 is the admission time: a transfer takes EVN-2
    assert event(adt("A02", evn=evn, pv1=pv1))["occurred_at"] == "2025-07-01T12:00:00+01:00"
    # a discharge takes PV1-45
    discharge = adt("A03", evn=evn, pv1={45: "202507011130", 44: "202506281400"})
    assert event(discharge, [ADMITTED])["occurred_at"] == "2025-07-01T11:30:00+01:00"


def test_a_malformed_evn6_is_refused_not_skipped() -> None:
    found = outcome(adt(evn={6: "20250701"}))
    assert isinstance(found, Refused) and found.field == "EVN^1^6" and "only a date" in found.reason


def test_future_and_ancient_times_are_refused_naming_their_field() -> None:
    soon, late = NOW + timedelta(minutes=4), NOW + timedelta(minutes=6)
    assert isinstance(outcome(adt(evn={6: soon.strftime("%Y%m%d%H%M+0000")})), Mapped)
    found = outcome(adt(pv1={44: late.strftime("%Y%m%d%H%M+0000")}))
    assert isinstance(found, Refused) and found.field == "PV1^1^44" and "future" in found.reason
    found = outcome(adt(evn={2: "199912312359+0000"}))
    assert isinstance(found, Refused) and found.field == "EVN^1^2" and "before 2000" in found.reason


def test_no_time_at_all_is_refused_naming_evn_2() -> None:
    found = outcome(adt(evn={2: ""}))
    assert isinstance(found, Refused) and found.field == "EVN^1^2"


# -- ids ---------------------------------------------------------------------------------------


def test_a_resent_message_has_the_same_event_id() -> None:
    assert event(adt(control="X1"))["event_id"] == event(adt(control="X1"))["event_id"]
    long = "A" * 80
    assert event(adt(control=long))["event_id"] == event_id("LTH", long)
    assert len(event_id("LTH", long)) <= 64 and event_id("LTH", long) != event_id("LTX", long)
    assert event_id("LTH", "a\rb").isprintable()


def test_a_missing_msh10_is_refused() -> None:
    assert outcome(adt(control="")) == Refused("MSH^1^10", "MSH-10 message control id is empty")


# -- A02: transferred --------------------------------------------------------------------------


def test_a02_moves_the_stay_to_the_mapped_unit() -> None:
    found = event(adt("A02", pv1={3: "WARD9"}), [ADMITTED])
    assert (found["type"], found["unit_code"]) == ("transferred", "RXX-W9")


def test_a02_to_the_unit_the_patient_is_in_is_ignored() -> None:
    found = outcome(adt("A02", pv1={3: "WARD7"}), [ADMITTED])
    assert found == Ignored("A02 to unit RXX-W7, where the patient already is")
    moved = stored("t1", "transferred", "2025-06-30 08:00", unit_code="RXX-W9")
    assert isinstance(outcome(adt("A02", pv1={3: "WARD7"}), [ADMITTED, moved]), Mapped)


def test_history_times_given_aware_are_read_as_utc() -> None:
    aware = ADMITTED | {"occurred_at": datetime(2025, 6, 28, 14, 0, tzinfo=UTC)}
    assert isinstance(outcome(adt("A02", pv1={3: "WARD7"}), [aware]), Ignored)


def test_a_late_a02_is_judged_at_its_own_time() -> None:
    gone = stored("d1", "discharged", "2025-07-02 10:00", destination="usual_residence")
    assert isinstance(outcome(adt("A02", pv1={3: "WARD7"}), [ADMITTED, gone]), Ignored)


# -- A03: discharged ---------------------------------------------------------------------------


def discharge(
    history: list[dict[str, Any]], pv1: dict[int, str], pid: dict[int, str] | None = None
) -> dict[str, Any]:
    found = event(adt("A03", pv1=pv1, pid=pid), history)
    assert found["type"] == "discharged"
    return {k: found.get(k) for k in ("destination", "pathway")}


@pytest.mark.parametrize(
    ("code", "destination", "pathway"),
    [
        ("19", "usual_residence", 0),
        ("29", "temporary_residence", 0),
        ("88", "hospice", 3),
        ("51", "other_hospital", 0),
        ("38", "other", 0),
        ("99", "unknown", 0),
        ("", "unknown", 0),
        ("XX", "unknown", 0),
        ("79", "died", None),
    ],
)
def test_discharge_destinations_without_a_planned_pathway(
    code: str, destination: str, pathway: int | None
) -> None:
    found = discharge([ADMITTED], pv1={37: code})
    assert found == {"destination": destination, "pathway": pathway}


@pytest.mark.parametrize("code", ["54", "55", "56", "65", "85"])
def test_a_care_home_resident_goes_back_and_a_new_placement_is_pathway_3(code: str) -> None:
    assert discharge([FROM_CARE_HOME], pv1={37: code}) == {
        "destination": "care_home_return",
        "pathway": 0,
    }
    assert discharge([ADMITTED], pv1={37: code}) == {"destination": "care_home_new", "pathway": 3}


def test_death_via_pid30() -> None:
    found = discharge([ADMITTED], pv1={37: "19"}, pid={30: "Y"})
    assert found == {"destination": "died", "pathway": None}


def test_the_planned_pathway_wins() -> None:
    ready = stored("r1", "discharge_ready", "2025-06-29 10:00", pathway=1)
    changed = stored("p1", "pathway_changed", "2025-06-30 10:00", pathway=2)
    withdrawn = stored("w1", "readiness_withdrawn", "2025-06-30 12:00")
    assert discharge([ADMITTED, ready], pv1={37: "19"})["pathway"] == 1
    assert discharge([ADMITTED, ready, changed, withdrawn], pv1={37: "19"})["pathway"] == 2
    voided = stored("v1", "void", "2025-06-30 13:00", voids_event_id="p1")
    assert discharge([ADMITTED, ready, changed, voided], pv1={37: "19"})["pathway"] == 1
    after = stored("p2", "pathway_changed", "2025-07-01 12:00", pathway=3)  # after this A03
    assert discharge([ADMITTED, ready, after], pv1={37: "19"})["pathway"] == 1


def test_a_community_bed_stay_keeps_only_a_planned_pathway() -> None:
    bed = stored("adm2", "admitted", "2025-06-20 14:00", unit_code="RXX-CHB")
    ready = stored("r2", "discharge_ready", "2025-06-29 10:00", pathway=1)
    assert discharge([bed], pv1={3: "CHB", 37: "19"}) == {
        "destination": "usual_residence",
        "pathway": None,
    }
    assert discharge([bed, ready], pv1={37: "19"})["pathway"] == 1


# -- A11 / A12 / A13: void ---------------------------------------------------------------------

TRANSFER = stored("t1", "transferred", "2025-06-29 08:00", unit_code="RXX-W9")
TRANSFER2 = stored("t2", "transferred", "2025-06-30 08:00", unit_code="RXX-W7")
DISCHARGED = stored("d1", "discharged", "2025-07-01 08:00", destination="usual_residence")


@pytest.mark.parametrize(
    ("trigger", "history", "voided"),
    [
        ("A11", [ADMITTED], "adm"),
        ("A12", [ADMITTED, TRANSFER, TRANSFER2], "t2"),
        ("A13", [ADMITTED, TRANSFER, DISCHARGED], "d1"),
    ],
)
def test_cancels_void_the_event_they_cancel(
    trigger: str, history: list[dict[str, Any]], voided: str
) -> None:
    found = event(adt(trigger, control="C1"), history)
    assert found["type"] == "void" and found["voids_event_id"] == voided
    assert found["event_id"] == "hl7:LTH:C1" and found["note"].startswith(f"HL7 {trigger}")
    assert set(found) == {"event_id", "type", "patient_id", "occurred_at", "voids_event_id", "note"}


@pytest.mark.parametrize(
    ("trigger", "history"),
    [
        ("A11", []),
        ("A12", [ADMITTED]),
        ("A12", [ADMITTED, TRANSFER, stored("v", "void", "2025-06-29 09:00", voids_event_id="t1")]),
        ("A13", [ADMITTED]),
    ],
)
def test_cancels_with_nothing_to_cancel_are_refused(
    trigger: str, history: list[dict[str, Any]]
) -> None:
    found = outcome(adt(trigger), history)
    assert isinstance(found, Refused) and found.field == "MSH^1^9"
    assert f"{trigger} cancels" in found.reason


def test_a13_cancels_this_feeds_discharge_not_another_organisations() -> None:
    elsewhere = stored("p2adm", "admitted", "2025-07-01 09:00", unit_code="OTHER-P2")
    elsewhere_out = stored("p2out", "discharged", "2025-07-05 10:00", destination="unknown")
    history = [ADMITTED, DISCHARGED, elsewhere, elsewhere_out]
    assert event(adt("A13", evn={2: "202507061000"}), history)["voids_event_id"] == "d1"


# -- everything else ---------------------------------------------------------------------------


@pytest.mark.parametrize("trigger", ["A04", "A05", "A08", "A21", "A22", "A28", "A31", "A40"])
def test_other_triggers_are_ignored_whatever_else_is_wrong(trigger: str) -> None:
    found = outcome(adt(trigger, control="", pid={3: ""}, pv1={2: "", 3: ""}))
    assert found == Ignored(f"'{trigger}' is not a movement D2A Flow records")


def test_a_message_that_could_not_be_parsed_is_refused() -> None:
    [received] = split_messages("PV1|1|I")
    assert map_adt(received, FEED, [], now=NOW) == received.problem


VALUES = st.text(alphabet=st.sampled_from('0123456789AIEW^~&\\"+-. '), max_size=14)


@settings(max_examples=300, deadline=None)
@given(
    trigger=st.sampled_from(["A01", "A02", "A03", "A06", "A11", "A12", "A13", "A08", ""]),
    evn=st.dictionaries(st.sampled_from([1, 2, 6]), VALUES),
    pid=st.dictionaries(st.sampled_from([3, 30]), VALUES),
    pv1=st.dictionaries(st.sampled_from([2, 3, 4, 14, 37, 44, 45]), VALUES),
    control=VALUES,
)
def test_no_message_content_makes_the_mapping_raise(
    trigger: str,
    evn: dict[int, str],
    pid: dict[int, str],
    pv1: dict[int, str],
    control: str,
) -> None:
    text = adt(trigger, control=control, evn=evn, pid=pid, pv1=pv1)
    [received] = split_messages(text)
    found = map_adt(received, FEED, [ADMITTED, TRANSFER, DISCHARGED], now=NOW)
    assert isinstance(found, Mapped | Ignored | Refused)
    if isinstance(found, Mapped):
        EventIn(**(found.event | {"patient_id": "p"}))
    else:
        assert found.reason
    build_ack(received, found if isinstance(found, Refused) else None, now=NOW, facility="F")
