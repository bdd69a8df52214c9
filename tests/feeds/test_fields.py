"""Reading fields: components, nulls, escapes, identifiers, and times by SPEC §9's rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from feeds.hl7v2 import fields
from feeds.hl7v2.problems import FieldProblem, label, where
from feeds.hl7v2.times import parse_time
from tests.feeds.builders import MRN, NHS_NUMBER, adt, parsed

BST = timezone(timedelta(hours=1))


def test_an_epic_style_location_has_its_components() -> None:
    place = fields.assigned_location(parsed(adt(pv1={3: "WARD7^B12^03^RXX01&1.2.3&ISO"})))
    assert place == fields.PointOfCare("WARD7", "B12", "03", "RXX01")


def test_an_hl7_null_reads_as_empty() -> None:
    message = parsed(adt(pv1={3: '""^""', 4: '""', 37: '""'}))
    assert fields.assigned_location(message) == FieldProblem(
        "PV1^1^3", "PV1-3.1 point of care is empty"
    )
    assert (fields.admission_type(message), fields.discharged_to(message)) == ("", "")


def test_escapes_are_undone_in_values() -> None:
    message = parsed(adt(pv1={14: "A\\T\\E\\F\\x\\S\\y\\E\\\\X41\\\\.br\\"}))
    assert fields.admit_source(message) == "A&E|x^y\\A"


def test_a_missing_pv1_is_a_problem_of_pv1() -> None:
    message = parsed(adt().rsplit("\r", 1)[0])
    assert fields.patient_class(message) == FieldProblem(
        "PV1^1^2", "the message has no PV1 segment"
    )
    assert isinstance(fields.assigned_location(message), FieldProblem)
    assert fields.admission_type(message) == ""


def test_nhs_numbers_are_never_read_as_identifiers() -> None:
    pid3 = (
        f"{MRN}^^^RXX^MR~{NHS_NUMBER}^^^NHS^NH~{NHS_NUMBER}^^^X^NHS~{NHS_NUMBER}^^^Y^HN"
        f"~{NHS_NUMBER}^^^&2.16.840.1.113883.2.1.4.1&ISO^PT"
    )
    found = fields.patient_identifiers(parsed(adt(pid={3: pid3})))
    assert found == [fields.Identifier(MRN, "RXX", "", "MR")]


def test_trigger_is_msh9_then_evn1() -> None:
    assert fields.trigger(parsed(adt("a03", evn={1: "A01"}))) == "A03"  # MSH-9 wins
    text = adt("A03").replace("ADT^A03^ADT_A01", "ADT")
    assert fields.trigger(parsed(text)) == "A03"  # from EVN-1
    missing = parsed(text.replace("EVN|A03|", "EVN||"))
    assert fields.trigger(missing) == FieldProblem(
        "MSH^1^9", "MSH-9 has no trigger event (nor has EVN-1)"
    )


def test_header_and_control_id() -> None:
    message = parsed(adt(control="C-42", version="2.4"))
    assert fields.control_id(message) == "C-42"
    assert fields.header(message) == fields.Header((("PAS",),), (("RXX01",),), "P", "2.4")
    assert isinstance(fields.control_id(parsed(adt(control=""))), FieldProblem)


def test_death_indicator() -> None:
    assert fields.died(parsed(adt(pid={30: "Y"})))
    assert not fields.died(parsed(adt(pid={30: "N"})))
    assert not fields.died(parsed(adt()))


def test_locations_name_segment_sequence_and_field() -> None:
    assert where("PV1", 3) == "PV1^1^3" and label("PV1^1^3") == "PV1-3"


# -- times -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("202507011000", datetime(2025, 7, 1, 10, 0, tzinfo=BST)),  # summer: BST
        ("202501151000", datetime(2025, 1, 15, 10, 0, tzinfo=UTC)),  # winter: GMT
        ("20251026013000", datetime(2025, 10, 26, 0, 30, tzinfo=UTC)),  # repeated hour: first
        ("20251026023000", datetime(2025, 10, 26, 2, 30, tzinfo=UTC)),
        ("198908181126+0215", datetime(1989, 8, 18, 9, 11, tzinfo=UTC)),
        ("20210817151943.4+0110", datetime(2021, 8, 17, 14, 9, 43, 400000, tzinfo=UTC)),
        ("20190502121659.0691-0700", datetime(2019, 5, 2, 19, 16, 59, 69100, tzinfo=UTC)),
        ("20250701100000+0000", datetime(2025, 7, 1, 10, 0, tzinfo=UTC)),
    ],
)
def test_times(text: str, expected: datetime) -> None:
    found = parse_time(text, "EVN^1^2")
    assert isinstance(found, datetime) and found == expected and found.tzinfo is not None


def test_a_local_time_keeps_its_london_offset() -> None:
    found = parse_time("20251026013000", "EVN^1^2")
    assert isinstance(found, datetime) and found.isoformat() == "2025-10-26T01:30:00+01:00"


def test_an_offset_is_used_as_given() -> None:
    found = parse_time("202107011000+0110", "EVN^1^2")
    assert isinstance(found, datetime) and found.isoformat() == "2021-07-01T10:00:00+01:10"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("20250330013000", "does not exist in Europe/London"),  # clocks went forward
        ("20250701", "only a date"),
        ("2025070110", "no minutes"),
        ("2025", "only a date"),
        ("20250231100000", "not a valid date"),
        ("202507011000+2400", "offset out of range"),
        ("202507011000+01", "not an HL7 time"),
        ("2025070110.5", "not an HL7 time"),
        ("20250701100000.12345", "not an HL7 time"),
        ("1 July 2025", "not an HL7 time"),
        ("٢٠٢٥٠٧٠١١٠٠٠", "not an HL7 time"),  # digits, but not ASCII ones
    ],
)
def test_times_refused(text: str, words: str) -> None:
    found = parse_time(text, "PV1^1^44")
    assert isinstance(found, FieldProblem) and found.field == "PV1^1^44"
    assert words in found.reason and found.reason.startswith("PV1-44")


def test_time_at_reads_the_first_component_and_empty_is_none() -> None:
    message = parsed(adt(evn={2: "202507011000^M", 6: '""'}))
    assert fields.time_at(message, "EVN", 2) == datetime(2025, 7, 1, 9, 0, tzinfo=UTC)
    assert fields.time_at(message, "EVN", 6) is None
    assert fields.time_at(message, "PV1", 44) is None
