"""A feed's health (SPEC §9): when it last sent, what today's messages came to, its last
refusals and their reasons, and whether it has been silent for too long."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import FeedMessage
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
        "silent": last is None or now - last > silent_after,
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


def _utc(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat() + "+00:00"
