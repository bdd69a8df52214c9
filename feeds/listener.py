"""The MLLP listener of one feed (`d2a feed mllp`): the frames of each read stored in one
transaction through the same handler as POST /api/v1/feeds/{code}/hl7v2, one ACK per message.

MLLP has no tokens: the listener is reached only from the trust's integration engine (bind it
to that network), and writes as a sender of the feed's own organisation, so the ledger still
refuses anything about another organisation's units."""

from __future__ import annotations

import time

from sqlalchemy.orm import Session

from access import audit
from feeds.config import FeedConfig
from feeds.hl7v2.messages import count_messages
from feeds.mllp import BatchHandler
from feeds.pseudonym import pseudonym_key
from feeds.receive import receive_hl7
from feeds.registry import load_config
from ledger.changes import FigureChanges
from ledger.sender import Sender
from models.clock import utc_now
from store.database import Database


def mllp_handler(
    database: Database, feed_code: str, configured_key: str, changes: FigureChanges
) -> BatchHandler:
    """Stores the frames of one read together and gives each frame its ACKs. The feed's
    registration and the pseudonym key are read at start and again every RELOAD_SECONDS (a
    changed map of wards takes effect within that time), not for every message."""
    loaded = _Loaded(database, feed_code, configured_key)
    sender = Sender(organisation=loaded.feed.organisation_code)

    def handle(texts: list[str]) -> list[list[str]]:
        def work(session: Session) -> list[str]:
            now = utc_now()
            feed, key = loaded.current()
            answer = receive_hl7(
                session, feed, key, "\r".join(texts), now=now, changes=changes, sender=sender
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


RELOAD_SECONDS = 30.0


class _Loaded:
    """The feed's registration and the pseudonym key, read again once they are RELOAD_SECONDS
    old."""

    def __init__(self, database: Database, feed_code: str, configured_key: str) -> None:
        self.database, self.code, self.configured_key = database, feed_code, configured_key
        self._read()

    def _read(self) -> None:
        with self.database.session(write=True) as session:
            feed = load_config(session, self.code)
            if feed is None:
                message = f"no feed {self.code!r}: register it with PUT /api/v1/feeds/{{code}}"
                raise LookupError(message)
            self.key = pseudonym_key(session, self.configured_key)
        self.feed, self.read_at = feed, time.monotonic()

    def current(self) -> tuple[FeedConfig, bytes]:
        if time.monotonic() - self.read_at > RELOAD_SECONDS:
            self._read()
        return self.feed, self.key
