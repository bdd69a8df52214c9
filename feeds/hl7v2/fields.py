"""The HL7 v2 fields SPEC §9 reads, each as a value or a `FieldProblem` naming where it failed.

Messages come split into segments and fields (feeds.hl7v2.er7). Below a field we split
repetitions, components and sub-components from the field's text with the message's own
delimiters when it is read, and unescape with our own small function (the `hl7` package's
unescape logs the whole field on a bad escape, and a field may hold an identifier).

`""` is HL7's explicit null; it reads as empty. Times follow SPEC §9: with an offset they are
used as given, without one they are Europe/London wall-clock times.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from feeds.hl7v2.er7 import Message
from feeds.hl7v2.problems import FieldProblem, where
from feeds.hl7v2.times import parse_time

NULL = '""'
NHS_TYPES = frozenset({"NHS", "NH", "HN"})  # identifier types of an NHS number
NHS_NUMBER_OID = "2.16.840.1.113883.2.1.4.1"
Tree = list[list[list[str]]]  # repetitions → components → sub-components


# -- reading raw values ------------------------------------------------------------------------


def segment(message: Message, segment_id: str, sequence: int = 1) -> list[str] | None:
    """The `sequence`-th segment named `segment_id`, or None when the message has fewer."""
    found = message.named(segment_id)
    return found[sequence - 1] if len(found) >= sequence else None


def field_tree(message: Message, segment_id: str, number: int, sequence: int = 1) -> Tree:
    """A field split into repetitions, components and sub-components, unescaped; `[]` when
    the segment or the field is absent. MSH-1 and MSH-2 (the delimiters) are not read here."""
    seg = segment(message, segment_id, sequence)
    if seg is None or number >= len(seg):
        return []
    text = seg[number]
    rep, comp, sub = message.separators[2], message.separators[3], message.separators[4]
    esc = message.esc
    return [
        [[unescape(s, message.separators, esc) for s in c.split(sub)] for c in r.split(comp)]
        for r in text.split(rep)
    ]


def pick(tree: Tree, component: int = 1, repetition: int = 1, sub: int = 1) -> str:
    """One value of a field tree, stripped; absent parts and the HL7 null `""` read as ''."""
    try:
        value = tree[repetition - 1][component - 1][sub - 1].strip()
    except IndexError:
        return ""
    return "" if value == NULL else value


def value(message: Message, segment_id: str, number: int, component: int = 1) -> str:
    """The first repetition's component of a field (first segment of its kind), or ''."""
    return pick(field_tree(message, segment_id, number), component)


def unescape(text: str, separators: str, esc: str) -> str:
    r"""Replaces HL7 escapes (\F\ \S\ \T\ \R\ \E\ and \Xhh..\); other sequences, such as
    formatting commands, are dropped; an unterminated escape is kept as it is."""
    if not esc or esc not in text:
        return text
    out: list[str] = []
    i = 0
    while i < len(text):
        end = text.find(esc, i + 1) if text[i] == esc else -1
        if end == -1:
            out.append(text[i])
            i += 1
            continue
        out.append(_escape_value(text[i + 1 : end], separators, esc))
        i = end + 1
    return "".join(out)


def _escape_value(name: str, separators: str, esc: str) -> str:
    """The text an escape sequence (without its escape characters) stands for."""
    named = {"F": separators[1], "R": separators[2], "S": separators[3], "T": separators[4]}
    if name == "E":
        return esc
    if name in named:
        return named[name]
    if name[:1] == "X" and re.fullmatch(r"(?:[0-9A-Fa-f]{2})+", name[1:]):
        return bytes.fromhex(name[1:]).decode("latin-1")
    return ""


# -- the message header ------------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    """What an ACK echoes: the sender's application and facility (HD: components, each a
    tuple of sub-components), the processing id (MSH-11.1) and the version (MSH-12.1)."""

    sending_application: tuple[tuple[str, ...], ...] = ()
    sending_facility: tuple[tuple[str, ...], ...] = ()
    processing_id: str = ""
    version: str = ""


def header(message: Message) -> Header:
    """MSH-3, MSH-4, MSH-11 and MSH-12; absent parts are empty, never a problem."""

    def designator(number: int) -> tuple[tuple[str, ...], ...]:
        tree = field_tree(message, "MSH", number)
        return tuple(tuple(c) for c in tree[0]) if tree else ()

    return Header(
        sending_application=designator(3),
        sending_facility=designator(4),
        processing_id=value(message, "MSH", 11),
        version=value(message, "MSH", 12),
    )


def trigger(message: Message) -> str | FieldProblem:
    """The trigger event: MSH-9.2, or EVN-1 when MSH-9.2 is empty. When both are present and
    differ, MSH-9 wins: it is what the message structure was built for (EVN-1 is retained
    in HL7 v2.5 for backward compatibility only)."""
    found = value(message, "MSH", 9, 2) or value(message, "EVN", 1)
    if not found:
        return FieldProblem(where("MSH", 9), "MSH-9 has no trigger event (nor has EVN-1)")
    return found.upper()


def control_id(message: Message) -> str | FieldProblem:
    """MSH-10, the sender's message control id: a resent message repeats it."""
    found = value(message, "MSH", 10)
    if not found:
        return FieldProblem(where("MSH", 10), "MSH-10 message control id is empty")
    return found


# -- the patient -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Identifier:
    """One PID-3 repetition (CX): CX.1 id, CX.4 assigning authority (its namespace id and
    universal id) and CX.5 identifier type. NHS numbers are never made into one."""

    id: str
    authority: str
    authority_universal_id: str
    type: str


def patient_identifiers(message: Message) -> list[Identifier] | FieldProblem:
    """The PID-3 repetitions that are not NHS numbers: a repetition typed NHS/NH/HN, or whose
    authority is NHS (by name or by the NHS number OID), is skipped without being read."""
    if segment(message, "PID") is None:
        return FieldProblem(where("PID", 3), "the message has no PID segment")
    found = []
    for rep in field_tree(message, "PID", 3):
        tree = [rep]
        ident = Identifier(pick(tree, 1), pick(tree, 4), pick(tree, 4, sub=2), pick(tree, 5))
        nhs = ident.type.upper() in NHS_TYPES or ident.authority.upper() == "NHS"
        if nhs or ident.authority_universal_id == NHS_NUMBER_OID:
            continue
        found.append(ident)
    return found


def died(message: Message) -> bool:
    """PID-30 patient death indicator is `Y`."""
    return value(message, "PID", 30).upper() == "Y"


# -- the visit ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PointOfCare:
    """PV1-3 assigned location (PL): point of care (PL.1), room, bed, facility (PL.4.1)."""

    point_of_care: str
    room: str
    bed: str
    facility: str


def patient_class(message: Message) -> str | FieldProblem:
    """PV1-2 patient class, upper case (`I` inpatient, `E` emergency, `O` outpatient…)."""
    if segment(message, "PV1") is None:
        return FieldProblem(where("PV1", 2), "the message has no PV1 segment")
    found = value(message, "PV1", 2).upper()
    return found or FieldProblem(where("PV1", 2), "PV1-2 patient class is empty")


def assigned_location(message: Message) -> PointOfCare | FieldProblem:
    """PV1-3: the location the patient is in after this event; PV1-3.1 must be present."""
    if segment(message, "PV1") is None:
        return FieldProblem(where("PV1", 3), "the message has no PV1 segment")
    tree = field_tree(message, "PV1", 3)
    place = PointOfCare(pick(tree, 1), pick(tree, 2), pick(tree, 3), pick(tree, 4))
    if not place.point_of_care:
        return FieldProblem(where("PV1", 3), "PV1-3.1 point of care is empty")
    return place


def admission_type(message: Message) -> str:
    """PV1-4 admission type (an HL7 table 0007 letter, or an NHS admission method code)."""
    return value(message, "PV1", 4).upper()


def admit_source(message: Message) -> str:
    """PV1-14 admit source (an NHS source of admission code)."""
    return value(message, "PV1", 14)


def discharged_to(message: Message) -> str:
    """PV1-37.1 discharged to location (an NHS discharge destination code)."""
    return value(message, "PV1", 37)


# -- times -------------------------------------------------------------------------------------


def time_at(message: Message, segment_id: str, number: int) -> datetime | None | FieldProblem:
    """An event time (TS/DTM, first component) as an aware datetime; None when empty."""
    text = value(message, segment_id, number)
    return parse_time(text, where(segment_id, number)) if text else None
