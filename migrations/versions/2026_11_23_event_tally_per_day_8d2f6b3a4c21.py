"""event tally per local day, so each figure's count of events reflected is cheap

Upgrade creates event_tally and counts the events already stored: for each Europe/London local
date, the number of events that occurred on it and the latest received_at among them. A void
counts on the earlier of its own date and its target's, so "the events before the census of D,
with their voids" is the sum of the days up to D.

The counting is this migration's own code, the tally as this revision defined it. It used to
call the application's rebuild (ledger.event_tally), which later also wrote tally_change, a table
created two revisions on: upgrading any database that held events then failed.

Revision ID: 8d2f6b3a4c21
Revises: 5b1d2c7e9a01
Create Date: 2026-11-23 17:45:00
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision: str = "8d2f6b3a4c21"
down_revision: str | None = "5b1d2c7e9a01"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LONDON = ZoneInfo("Europe/London")
CHUNK = 50_000  # events read at a time, so a large log is never held in memory

event = sa.table(
    "event",
    sa.column("seq", sa.BigInteger),
    sa.column("event_id", sa.String),
    sa.column("occurred_at", sa.DateTime),  # naive UTC
    sa.column("received_at", sa.DateTime),
    sa.column("voids_event_id", sa.String),
)
event_tally = sa.table(
    "event_tally",
    sa.column("day", sa.Date),
    sa.column("events", sa.Integer),
    sa.column("latest_received_at", sa.DateTime),
)


def _local_date(at_utc: datetime) -> date:
    """The Europe/London date of a naive UTC instant."""
    return at_utc.replace(tzinfo=UTC).astimezone(LONDON).date()


def _count_days(bind: sa.Connection) -> dict[date, tuple[int, datetime]]:
    """{day: (events, latest received_at)} of the whole log, read in chunks of CHUNK events in
    seq order (each chunk starts after the last seq of the one before)."""
    target = event.alias("target")
    query = (
        sa.select(event.c.seq, event.c.occurred_at, event.c.received_at, target.c.occurred_at)
        .select_from(event.outerjoin(target, target.c.event_id == event.c.voids_event_id))
        .order_by(event.c.seq)
        .limit(CHUNK)
    )
    days: dict[date, tuple[int, datetime]] = {}
    after: int | None = None
    while True:
        chunk = query if after is None else query.where(event.c.seq > after)
        rows = bind.execute(chunk).all()
        for _seq, occurred_at, received_at, target_at in rows:
            day = _local_date(occurred_at)
            if target_at is not None:  # a void: the earlier of its day and its target's
                day = min(day, _local_date(target_at))
            count, latest = days.get(day, (0, received_at))
            days[day] = (count + 1, max(latest, received_at))
        if len(rows) < CHUNK:
            return days
        after = rows[-1][0]


def upgrade() -> None:
    op.create_table(
        "event_tally",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("latest_received_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_event_tally")),
    )
    bind = op.get_bind()
    rows = [
        {"day": day, "events": n, "latest_received_at": latest}
        for day, (n, latest) in sorted(_count_days(bind).items())
    ]
    for start in range(0, len(rows), 1000):
        bind.execute(event_tally.insert(), rows[start : start + 1000])


def downgrade() -> None:
    op.drop_table("event_tally")
