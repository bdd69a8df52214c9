"""An ER7 message split into segments and fields with its own delimiters (HL7 v2 §2.5).

The `hl7` package's parser builds a container for every repetition, component and
sub-component of every segment: 0.4 ms for a four-segment ADT message here, 12 ms for a
realistic one with NK1, DG1, OBX and IN1 segments, which alone would hold a large trust's
feed (50,000 messages a day, bursts of hundreds a minute) under the target of 1,000 messages a
second. We read a handful of fields, so we split segments and fields only, numbered as the
`hl7` package numbers them (MSH-1 is the field separator, MSH-2 the encoding characters), and
split a field further when it is read (feeds.hl7v2.fields). tests/feeds/test_er7.py checks,
on every public sample message and our own, that every field reads exactly as the `hl7`
package reads it.
"""

from __future__ import annotations

from collections.abc import Iterator

DEFAULT_ENCODING = "^~\\&"  # component, repetition, escape, sub-component


class Message:
    """Segments (each a list: the name, then field 1, 2, …) and the message's delimiters.

    `separators` is segment, field, repetition, component and sub-component separator, in the
    `hl7` package's order; `esc` the escape character."""

    def __init__(self, text: str) -> None:
        lines = [line for line in text.strip().split("\r") if line]
        if not lines or not lines[0].startswith("MSH") or len(lines[0]) < 4:
            raise ValueError("the message does not start with an MSH segment")
        header = lines[0]
        fs = header[3]
        end = header.find(fs, 4)
        encoding = header[4:end] if end != -1 else header[4:]
        chars = (encoding + DEFAULT_ENCODING[len(encoding) :])[:4]
        comp, rep, esc, sub = chars[0], chars[1], chars[2], chars[3]
        self.separators = "\r" + fs + rep + comp + sub
        self.esc = esc
        self.segments: list[list[str]] = []
        self._by_name: dict[str, list[list[str]]] = {}
        for line in lines:
            fields = line.split(fs)
            if fields[0] == "MSH":
                fields = ["MSH", fs, *fields[1:]]
            self.segments.append(fields)
            self._by_name.setdefault(fields[0].strip(), []).append(fields)

    def __iter__(self) -> Iterator[list[str]]:
        return iter(self.segments)

    def named(self, segment_id: str) -> list[list[str]]:
        """The segments named `segment_id`, in order."""
        return self._by_name.get(segment_id, [])
