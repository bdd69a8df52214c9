"""The MLLP listener of one feed (`d2a feed mllp`): the frames of each read stored in one
transaction through the same handler as POST /api/v1/feeds/{code}/hl7v2, one ACK per message.

MLLP has no tokens: the listener is reached only from the trust's integration engine (bind it
to that network), and writes as a sender of the feed's own organisation, so the ledger still
refuses anything about another organisation's units."""

from __future__ import annotations

from sqlalchemy.orm import Session

from access import audit
from feeds.hl7v2.messages import count_messages
from feeds.mllp import BatchHandler
from feeds.receive import receive_for
from feeds.registry import load_config
from ledger.changes import FigureChanges
from ledger.sender import Sender
from models.clock import utc_now
from store.database import Database


def mllp_handler(
    database: Database, feed_code: str, configured_key: str, changes: FigureChanges
) -> BatchHandler:
    """Stores the frames of one read together and gives each frame its ACKs."""
    with database.session() as session:
        feed = load_config(session, feed_code)
    if feed is None:
        raise LookupError(f"no feed {feed_code!r}: register it with PUT /api/v1/feeds/{{code}}")
    sender = Sender(organisation=feed.organisation_code)

    def handle(texts: list[str]) -> list[list[str]]:
        def work(session: Session) -> list[str]:
            now = utc_now()
            answer = receive_for(
                session,
                feed_code,
                "\r".join(texts),
                now=now,
                changes=changes,
                sender=sender,
                configured_key=configured_key,
            )
            detail = {"messages": answer.counted(), "event_ids": answer.stored_event_ids()}
            detail["via"] = "mllp"
            audit.record(session, None, "feed.hl7v2", now=now, target=feed_code, detail=detail)
            return answer.acks

        acks = database.write(work).value
        out, start = [], 0
        for text in texts:
            count = count_messages(text)
            out.append(acks[start : start + count])
            start += count
        return out

    return handle
