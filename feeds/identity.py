"""Who a message is about and which message it is: the local patient id and the event id.

The local id is the trust's MRN, found by the feed's assigning authority; it goes back to the
caller, which turns it into the pseudonym (SPEC §9) and never stores it. NHS numbers are never
candidates. The event id is derived from (feed, MSH-10), so a resent message is a duplicate.
"""

from __future__ import annotations

import hashlib
import re

from feeds.config import FeedConfig
from feeds.hl7v2 import fields
from feeds.hl7v2.er7 import Message
from feeds.hl7v2.messages import Received
from feeds.hl7v2.problems import FieldProblem, where
from ledger.nhs_number import identifier_is_nhs_number


def local_id(message: Received | Message, feed: FeedConfig) -> str | FieldProblem:
    """The local patient id: CX.1 of the PID-3 repetition whose assigning authority (CX.4,
    namespace or universal id, ignoring case) is the feed's. NHS numbers are never candidates."""
    parsed = message.message if isinstance(message, Received) else message
    if parsed is None:
        return FieldProblem(where("PID", 3), "the message could not be parsed")
    found = fields.patient_identifiers(parsed)
    if isinstance(found, FieldProblem):
        return found
    wanted = feed.patient_id_authority.strip().casefold()
    for ident in found:
        authorities = (ident.authority.casefold(), ident.authority_universal_id.casefold())
        if ident.id and wanted and wanted in authorities:
            return ident.id
    return FieldProblem(
        where("PID", 3),
        f"PID-3 has no identifier of assigning authority {shown(feed.patient_id_authority)}",
    )


def event_id(feed_code: str, control: str) -> str:
    """`hl7:<feed>:<MSH-10>`; when that is over 64 characters or not plain printable ASCII,
    `hl7#` and a SHA-256 of both, so any resent message still gets the same id."""
    plain = f"hl7:{feed_code}:{control}"
    if len(plain) <= 64 and plain.isascii() and plain.isprintable():
        return plain
    return "hl7#" + hashlib.sha256(f"{feed_code}\x00{control}".encode()).hexdigest()[:60]


def shown(code: str) -> str:
    """A code quoted for a reason, unless it might identify someone (looks like an NHS
    number) or is not a plain short code: reasons are kept and listed with the feed."""
    plain = re.fullmatch(r"[A-Za-z0-9 _.:/()&+-]{1,24}", code) is not None
    return f"'{code}'" if plain and not identifier_is_nhs_number(code) else "(a code not shown)"
