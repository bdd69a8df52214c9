"""Our segment and field split (feeds.hl7v2.er7) reads every field exactly as the `hl7` package
reads it, on every public sample message and on our own UK-shaped ones."""

from __future__ import annotations

import hl7
import pytest

from feeds.hl7v2.er7 import Message
from feeds.hl7v2.messages import split_messages
from tests.feeds.builders import adt
from tests.shared_dir import shared_dir

SAMPLES = shared_dir() / "data" / "hl7"
OURS = [
    adt("A01"),
    adt("A03", pv1={37: "54"}, pid={30: "Y"}),
    adt("A02", pv1={3: "WARD9^B1^02^RXX01&FAC&L"}, evn={6: "202503300130"}),
]


def texts() -> list[str]:
    found = [r.text for p in sorted(SAMPLES.rglob("*.hl7")) for r in split_messages(p.read_bytes())]
    return found + [r.text for text in OURS for r in split_messages(text)]


@pytest.mark.parametrize("text", texts())
def test_every_field_reads_as_the_hl7_package_reads_it(text: str) -> None:
    theirs = hl7.parse(text)
    ours = Message(text)
    assert ours.separators == theirs.separators and ours.esc == theirs.esc
    assert len(ours.segments) == len(theirs)
    for mine, segment in zip(ours.segments, theirs, strict=True):
        assert mine == [str(f) for f in segment]


def test_there_are_samples() -> None:
    assert len(texts()) >= 68 + len(OURS)
