"""Splitting bodies into messages: line ends, MLLP bytes, blank lines, broken headers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feeds.hl7v2 import fields
from feeds.hl7v2.er7 import Message
from feeds.hl7v2.messages import repair_encoding_characters, split_messages
from tests.feeds.builders import adt

ONE = adt("A01", control="ONE")
TWO = adt("A02", control="TWO")


def control_ids(body: str | bytes) -> list[object]:
    return [fields.control_id(r.message) if r.message else r.problem for r in split_messages(body)]


@pytest.mark.parametrize("line_end", ["\r", "\n", "\r\n"])
def test_each_msh_starts_a_message_whatever_the_line_ends(line_end: str) -> None:
    body = (ONE + "\r" + TWO).replace("\r", line_end)
    received = split_messages(body)
    assert [fields.control_id(r.message) for r in received if r.message] == ["ONE", "TWO"]
    assert all(len(r.message.segments) == 4 for r in received if r.message)  # MSH EVN PID PV1


def test_mllp_bytes_and_blank_lines_are_tolerated() -> None:
    body = b"\x0b" + ONE.encode() + b"\x1c\r\r\n  \n\x0b" + TWO.encode() + b"\x1c\r"
    assert control_ids(body) == ["ONE", "TWO"]


def test_batch_envelopes_are_dropped() -> None:
    body = "\r".join(["FHS|^~\\&", "BHS|^~\\&", ONE, TWO, "BTS|2", "FTS|1"])
    assert control_ids(body) == ["ONE", "TWO"]


def test_bytes_that_are_not_utf8_are_read_as_latin1() -> None:
    body = adt(pv1={3: "WARD\xe97"}).encode("latin-1")
    [received] = split_messages(body)
    assert received.message is not None
    place = fields.assigned_location(received.message)
    assert isinstance(place, fields.PointOfCare) and place.point_of_care == "WARD\xe97"


def test_a_doubled_backslash_in_msh2_is_repaired() -> None:
    assert repair_encoding_characters("MSH|^~\\\\&|APP") == "MSH|^~\\&|APP"
    assert repair_encoding_characters("MSH|^~\\&#|APP") == "MSH|^~\\&#|APP"
    [received] = split_messages("MSH|^~\\\\&|A|B\rPID|1||X1^^^AUTH&1.2^MR")
    assert received.message is not None
    assert received.message.esc == "\\" and received.message.separators == "\r|~^&"
    found = fields.patient_identifiers(received.message)
    assert isinstance(found, list) and len(found) == 1
    [ident] = found
    assert (ident.authority, ident.authority_universal_id) == ("AUTH", "1.2")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("PID|1||X", "MSH^1"),  # no header at all
        ("MSH", "MSH^1"),
        ("MSH|", "MSH^1"),
        ("MSHA^~\\&|X", "MSH^1^1"),
        ("MSH|^~\\&", "MSH^1^2"),
    ],
)
def test_what_cannot_be_parsed_is_kept_with_a_reason(body: str, field: str) -> None:
    [received] = split_messages(body)
    assert received.message is None and received.problem is not None
    assert received.problem.field == field and received.problem.reason


def test_segments_before_the_first_msh_are_a_message_of_their_own() -> None:
    received = split_messages("EVN|A01\r" + ONE)
    assert [r.problem is not None for r in received] == [True, False]


@given(st.text(alphabet=st.sampled_from('MSH|^~\\&\r\n\x0b\x1cPIDV1 0"AE'), max_size=80))
def test_split_never_raises(body: str) -> None:
    for received in split_messages(body):
        assert (received.message is None) != (received.problem is None)
        if received.message is not None:
            assert isinstance(received.message, Message)
            fields.trigger(received.message)
            fields.header(received.message)
