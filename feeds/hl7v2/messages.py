"""Splitting a body into HL7 v2 (ER7) messages, each parsed, or with the reason it cannot be.

A body is what a feed posts or what one MLLP frame holds: one or more messages whose segments
are separated by CR (LF and CRLF are tolerated: files and e-mails turn CRs into line ends).
A message starts at each `MSH` segment. MLLP framing bytes (0x0B, 0x1C) left in a body are
taken as segment breaks; blank lines are ignored; batch and file envelopes (FHS, BHS, BTS,
FTS) carry no event and are dropped. `split_messages` never raises: anything that cannot be
parsed becomes a `Received` with a problem, so it can still be refused with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from feeds.hl7v2.er7 import Message
from feeds.hl7v2.problems import FieldProblem

ENVELOPE = frozenset({"FHS", "BHS", "BTS", "FTS"})
FRAMING = str.maketrans({"\x0b": "\r", "\x1c": "\r"})


@dataclass(frozen=True)
class Received:
    """One message of a body: its text (segments joined by CR), and either the parsed
    message or the problem that stopped the parse."""

    text: str
    message: Message | None
    problem: FieldProblem | None = None


def decode(body: bytes) -> str:
    """UTF-8 (HL7's preferred character set since v2.8), else latin-1, which decodes any byte."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("latin-1")


def split_messages(body: str | bytes) -> list[Received]:
    """Every message of a body, in order; never raises."""
    text = decode(body) if isinstance(body, bytes) else body
    return [_parse(lines) for lines in _group(_segments(text))]


def count_messages(body: str) -> int:
    """How many messages `split_messages` finds in `body`, without parsing them."""
    return len(_group(_segments(body)))


def _segments(text: str) -> list[str]:
    """Non-blank segment lines, framing bytes and line-end variants taken as breaks."""
    lines = text.translate(FRAMING).replace("\r\n", "\r").replace("\n", "\r").split("\r")
    return [line.lstrip() for line in lines if line.strip()]


def _group(segments: list[str]) -> list[list[str]]:
    """Segments grouped into messages, a new one at each MSH. Segments before the first MSH
    form a group of their own, which will be refused (it has no header)."""
    groups: list[list[str]] = []
    for seg in segments:
        name = seg[:3]
        if name in ENVELOPE:
            continue
        if name == "MSH" or not groups:
            groups.append([])
        groups[-1].append(seg)
    return groups


def _parse(lines: list[str]) -> Received:
    """One message split into segments and fields, after repairing its encoding characters."""
    lines = [repair_encoding_characters(lines[0]), *lines[1:]]
    text = "\r".join(lines)
    problem = _header_problem(text)
    if problem is not None:
        return Received(text, None, problem)
    try:
        return Received(text, Message(text))
    except ValueError:
        return Received(text, None, FieldProblem("MSH^1^2", "the MSH segment cannot be parsed"))


def _header_problem(text: str) -> FieldProblem | None:
    """What makes the hl7 parser fail or misread a header: no MSH, no usable field separator,
    MSH-2 not closed by a field separator."""
    if not text.startswith("MSH") or len(text) < 5:
        return FieldProblem("MSH^1", "the message does not start with an MSH segment")
    if text[3].isalnum() or text[3].isspace():
        return FieldProblem("MSH^1^1", "MSH-1 is not a field separator")
    if text.find(text[3], 4) == -1:
        return FieldProblem("MSH^1^2", "MSH-2 encoding characters are not followed by MSH-3")
    return None


def repair_encoding_characters(msh: str) -> str:
    r"""MSH-2 with a character repeated (`^~\\&`, a doubled backslash seen in the wild, e.g.
    from text copied out of source code) has its repeats dropped: the encoding characters are
    distinct by definition, and `\\` would otherwise make `\` the sub-component separator."""
    if len(msh) < 5 or not msh.startswith("MSH"):
        return msh
    end = msh.find(msh[3], 4)
    if end == -1:
        return msh
    chars = msh[4:end]
    distinct = "".join(dict.fromkeys(chars))
    return msh if distinct == chars else msh[:4] + distinct + msh[end:]
