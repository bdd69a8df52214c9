"""The 68 public ADT samples (../shared/data/hl7, read in place): each one is split, parsed
and mapped to Mapped, Ignored or Refused with a reason, never an exception, and its ACK parses
with MSA-2 equal to its MSH-10. Each runs as sent, and again as an inpatient (PV1-2 `I`), since
most samples are pre-admissions that would otherwise only show the ignore path."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import hl7
import pytest

from feeds.adt import Ignored, Mapped, Outcome, Refused, map_adt
from feeds.config import FeedConfig
from feeds.hl7v2 import fields
from feeds.hl7v2.ack import build_ack
from feeds.hl7v2.er7 import Message
from feeds.hl7v2.messages import Received, split_messages
from ledger.events import EventIn
from tests.feeds.builders import FEED
from tests.shared_dir import shared_dir

SAMPLES = shared_dir() / "data" / "hl7"
FILES = sorted(SAMPLES.glob("*/*.hl7"))
NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def test_all_68_samples_are_there() -> None:
    assert len(FILES) == 68


def feed_for(message: Message) -> FeedConfig:
    """A feed whose authority is the sample's MR identifier's (else its first identifier's)
    and whose locations include the sample's PV1-3.1."""
    found = fields.patient_identifiers(message)
    idents = found if isinstance(found, list) else []
    mr = [i for i in idents if i.type == "MR"] or idents
    place = fields.assigned_location(message)
    locations = dict(FEED.locations)
    if isinstance(place, fields.PointOfCare):
        locations[place.point_of_care] = "RXX-W7"
    authority = mr[0].authority if mr else "RXX"
    return FeedConfig(
        **(FEED.__dict__ | {"patient_id_authority": authority, "locations": locations})
    )


def as_inpatient(body: bytes) -> bytes:
    return re.sub(rb"(\rPV1\|[^|\r]*\|)[^|\r]*", rb"\1I", body)


def run(body: bytes) -> tuple[Received, Outcome, str]:
    [received] = split_messages(body)
    assert received.message is not None, received.problem
    found = map_adt(received, feed_for(received.message), [], now=NOW)
    refusal = found if isinstance(found, Refused) else None
    return received, found, build_ack(received, refusal, now=NOW, facility="ICB")


@pytest.mark.parametrize("inpatient", [False, True], ids=["as-sent", "as-inpatient"])
@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.name}" for p in FILES])
def test_sample(path: Path, inpatient: bool) -> None:
    body = path.read_bytes()
    received, found, ack = run(as_inpatient(body) if inpatient else body)
    assert received.message is not None
    if isinstance(found, Mapped):
        assert found.local_id
        EventIn(**(found.event | {"patient_id": "pseudonym"}))
    else:
        assert isinstance(found, Ignored | Refused) and found.reason.strip()
    parsed_ack = hl7.parse(ack)
    their_id = fields.control_id(received.message)
    assert str(parsed_ack.segment("MSA")(2)) == their_id
    assert str(parsed_ack.segment("MSA")(1)) == ("AE" if isinstance(found, Refused) else "AA")


def outcome_of(name: str, inpatient: bool = False) -> Outcome:
    body = (SAMPLES / name).read_bytes()
    return run(as_inpatient(body) if inpatient else body)[1]


def test_what_some_samples_give() -> None:
    """Worked out by hand from the files."""
    found = outcome_of("fhir-converter/ADT01-28.hl7")  # EVN-2 200708181123, no offset: BST
    assert isinstance(found, Mapped) and found.local_id == "PATID1234"
    assert found.event["occurred_at"] == "2007-08-18T11:23:00+01:00"
    assert found.event["admission_method"] == "other" and "source" not in found.event
    found = outcome_of("fhir-converter/ADT-A06-01.hl7")  # EVN-6 20210115160010+0215
    assert isinstance(found, Mapped) and found.event["occurred_at"] == "2021-01-15T16:00:10+02:15"
    assert outcome_of("linuxforhealth/ADT-multiline.hl7") == Ignored(
        "A01 for patient class 'FF': only inpatients (I) are recorded"
    )
    assert outcome_of("fhir-converter/ADT04-251.hl7") == Ignored(
        "'A04' is not a movement D2A Flow records"
    )
    # the template: MSH-9 A03 (EVN-1 says A01), PID-30 Y, EVN-6 20210817151943.4+0200
    found = outcome_of("fhir-converter/ADT-A03-01.hl7", inpatient=True)
    assert isinstance(found, Mapped) and found.event["type"] == "discharged"
    assert found.event["destination"] == "died" and "pathway" not in found.event
    assert found.event["occurred_at"] == "2021-08-17T15:19:43.400000+02:00"
    found = outcome_of("fhir-converter/ADT-A11-01.hl7", inpatient=True)
    assert isinstance(found, Refused) and found.field == "MSH^1^9"  # no admission to cancel
