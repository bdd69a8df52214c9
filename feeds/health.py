"""A feed's health (SPEC §9): when it last sent, what today's messages came to, its last
refusals and their reasons, and whether it has been silent for too long (its own
`silent_after_minutes`, else the deployment's `feed_silent_after_minutes`). The API's feed list
and the dashboard's Feeds page read `feed_health`; the Today page and the wall, every refresh,
`silent_feeds`, one small query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Feed, FeedMessage
from models.clock import census_instant, local_date

LAST_REFUSALS = 20
OUTCOMES = ("accepted", "duplicate", "ignored", "refused")


def health(
    session: Session, feed_code: str, *, now: datetime, silent_after: timedelta
) -> dict[str, Any]:
    """The feed's health at `now` (naive UTC); times answered in UTC with their offset."""
    m = FeedMessage.__table__.c
    mine = m.feed_code == feed_code
    last = session.scalar(select(func.max(m.received_at)).where(mine))
    since = census_instant(local_date(now) - timedelta(days=1))  # today's local midnight
    counts: dict[str, int] = dict(
        session.execute(
            select(m.outcome, func.count()).where(mine, m.received_at >= since).group_by(m.outcome)
        ).all()
    )
    refusals = session.execute(
        select(m.received_at, m.kind, m.message_id, m.trigger, m.field, m.reason)
        .where(mine, m.outcome == "refused")
        .order_by(m.received_at.desc(), m.id.desc())
        .limit(LAST_REFUSALS)
    )
    return {
        "last_message_at": _utc(last),
        "silent": is_silent(last, now, silent_after),
        "silent_after_minutes": int(silent_after.total_seconds() // 60),
        "today": {outcome: int(counts.get(outcome, 0)) for outcome in OUTCOMES},
        "last_refusals": [
            {
                "received_at": _utc(r.received_at),
                "kind": r.kind,
                "message_id": r.message_id,
                "trigger": r.trigger,
                "field": r.field,
                "reason": r.reason,
            }
            for r in refusals
        ],
    }


def silence_limit(feed: Feed, default_minutes: int) -> timedelta:
    """How long the feed may stay silent: its own limit, else the deployment's."""
    return timedelta(minutes=feed.silent_after_minutes or default_minutes)


def is_silent(last: datetime | None, now: datetime, limit: timedelta) -> bool:
    """Silent: nothing ever received, or nothing for longer than the limit."""
    return last is None or now - last > limit


def feed_health(
    session: Session, feed: Feed, *, now: datetime, default_minutes: int
) -> dict[str, Any]:
    """`health` of a registered feed, silent after its own limit or the deployment's."""
    return health(session, feed.code, now=now, silent_after=silence_limit(feed, default_minutes))


@dataclass(frozen=True)
class SilentFeed:
    code: str
    name: str
    last_message_at: datetime | None  # naive UTC; None: nothing received yet
    silent_after_minutes: int


def silent_feeds(session: Session, *, now: datetime, default_minutes: int) -> list[SilentFeed]:
    """The feeds silent at `now` (naive UTC), by name: one query, each feed's last message
    read from the (feed_code, received_at) index, however many messages are kept."""
    m = FeedMessage.__table__.c
    last = (
        select(func.max(m.received_at))
        .where(m.feed_code == Feed.code)
        .correlate(Feed)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Feed.code, Feed.name, Feed.silent_after_minutes, last.label("last"))
    )
    found = []
    for row in rows:
        minutes = row.silent_after_minutes or default_minutes
        if is_silent(row.last, now, timedelta(minutes=minutes)):
            found.append(SilentFeed(row.code, row.name, row.last, minutes))
    # By name as people read it (the databases' collations order case differently).
    return sorted(found, key=lambda f: (f.name.casefold(), f.code))


def _utc(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat() + "+00:00"
