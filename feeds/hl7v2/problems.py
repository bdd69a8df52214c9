"""A field that cannot be used, and how HL7 names a field's place in a message."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldProblem:
    """Why a field cannot be used. `field` is an HL7 error location (ERL): segment^sequence^
    field, e.g. `PV1^1^3`; `reason` is a plain sentence that never quotes a patient identifier."""

    field: str
    reason: str


def where(segment: str, field: int, sequence: int = 1) -> str:
    """The ERL location of a field, as an ACK's ERR-2 names it: `PV1^1^3`."""
    return f"{segment}^{sequence}^{field}"


def label(location: str) -> str:
    """The location as people write it in prose: `PV1^1^3` → `PV1-3`."""
    parts = location.split("^")
    return f"{parts[0]}-{parts[2]}" if len(parts) >= 3 else parts[0]
