r"""The HL7 v2 ACK for one message (original acknowledgement mode), SPEC §9.

    MSH|^~\&|D2AFLOW|<our facility>|<their MSH-3>|<their MSH-4>|<now>||ACK^<trigger>^ACK|
        <new control id>|<P, or their D/T>|<their MSH-12, or 2.5>
    MSA|AA|<their MSH-10>                     accepted, or ignored
    MSA|AE|<their MSH-10>                     refused, followed by
    ERR||<location>|207^Application internal error^HL70357|E|||<reason>

ERR fields as HL7 v2.5 numbers them: ERR-1 (error code and location, kept only for backward
compatibility) empty, ERR-2 error location (ERL: segment^sequence^field), ERR-3 HL7 error
code (table 0357), ERR-4 severity (table 0516: E = error), ERR-7 diagnostic information.
Everything we copy in is re-encoded with our delimiters, so a sender's unusual delimiters or
a reason holding `|` cannot break the ACK. Segments are joined by CR.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Protocol

from feeds.hl7v2 import fields
from feeds.hl7v2.messages import Received

APPLICATION = "D2AFLOW"
DEFAULT_VERSION = "2.5"
ERROR_CODE = "207^Application internal error^HL70357"
ESCAPES = {"\\": "\\E\\", "|": "\\F\\", "^": "\\S\\", "&": "\\T\\", "~": "\\R\\"}


class Refusal(Protocol):
    """What an AE needs: an ERL location (may be empty) and a reason."""

    @property
    def field(self) -> str: ...

    @property
    def reason(self) -> str: ...


def escape(text: str) -> str:
    r"""HL7 escapes for our delimiters (\F\ \S\ \T\ \R\ \E\); control characters, which
    would end a segment or a frame, become spaces."""
    text = "".join(ESCAPES.get(c, c) for c in text)
    return re.sub(r"[\x00-\x1f\x7f]", " ", text)


def build_ack(
    received: Received,
    refusal: Refusal | None,
    *,
    now: datetime,
    facility: str,
    control_id: str | None = None,
) -> str:
    """The ACK of `received`: AA when `refusal` is None (accepted or ignored), else AE with
    an ERR. `now` is aware (naive is taken as UTC); `control_id` defaults to a new one."""
    theirs, trigger, their_id = _echoed(received)
    msh = [
        "MSH",
        "^~\\&",
        APPLICATION,
        escape(facility),
        _hd(theirs.sending_application),
        _hd(theirs.sending_facility),
        _timestamp(now),
        "",
        f"ACK^{escape(trigger)}^ACK" if trigger else "ACK",
        escape(control_id or new_control_id()),
        theirs.processing_id if theirs.processing_id in ("D", "T") else "P",
        _version(theirs.version),
    ]
    code = "AA" if refusal is None else "AE"
    segments = ["|".join(msh), f"MSA|{code}|{escape(their_id)}"]
    if refusal is not None:
        segments.append(error_segment(refusal))
    return "\r".join(segments)


def _echoed(received: Received) -> tuple[fields.Header, str, str]:
    """Their header, trigger and MSH-10, empty where the message has none or was not parsed."""
    message = received.message
    if message is None:
        return fields.Header(), "", ""
    trigger = fields.trigger(message)
    their_id = fields.control_id(message)
    return (
        fields.header(message),
        trigger if isinstance(trigger, str) else "",
        their_id if isinstance(their_id, str) else "",
    )


def error_segment(refusal: Refusal) -> str:
    """ERR||<location>|207^Application internal error^HL70357|E|||<reason>."""
    location = "^".join(escape(part) for part in refusal.field.split("^"))
    return f"ERR||{location}|{ERROR_CODE}|E|||{escape(refusal.reason)}"


def new_control_id() -> str:
    """A fresh MSH-10 for our ACK: 20 characters, the v2.5 length of the field."""
    return uuid.uuid4().hex[:20]


def _hd(components: tuple[tuple[str, ...], ...]) -> str:
    """A hierarchic designator (MSH-3, MSH-4) re-encoded with our delimiters."""
    return "^".join("&".join(escape(s) for s in c) for c in components)


def _timestamp(now: datetime) -> str:
    """MSH-7 in UTC with its offset: YYYYMMDDHHMMSS+0000."""
    aware = now if now.tzinfo is not None else now.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y%m%d%H%M%S+0000")


def _version(version: str) -> str:
    """Their version when it looks like one (2.3, 2.5.1, 2.8), else 2.5."""
    return version if re.fullmatch(r"2\.[0-9]{1,2}(\.[0-9]{1,2})?", version) else DEFAULT_VERSION
