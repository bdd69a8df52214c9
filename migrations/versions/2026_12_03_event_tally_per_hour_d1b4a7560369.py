"""event tally per hour (issue 18): a coordinator view at an instant counts the events it
reflects from the log for the instant's own hour only, not its whole local day.

A view at 20:00 counted that day's events so far from the log (about 65,000 on a national
year: 190 ms, against a system's snapshot budget of 100). The tally now
keeps a row per hour: `hour_at` (the hour's first instant, naive UTC) beside `day` (its
Europe/London date: the offsets are whole hours, so an hour lies in one local day). An event
counts in the hour it occurred; a void in the earlier of its own hour and its target's. Sums by
day are unchanged: a day's hours add up to the day's row of before.

Upgrade recounts the tally from the event log (this migration's own code, read in chunks);
downgrade sums the hours back into days.

Revision ID: d1b4a7560369
Revises: e7a3c9d1f4b8
Create Date: 2026-12-03
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "d1b4a7560369"
down_revision = "e7a3c9d1f4b8"
branch_labels = None
depends_on = None

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
hourly = sa.table(
    "event_tally",
    sa.column("day", sa.Date),
    sa.column("hour_at", sa.DateTime),
    sa.column("events", sa.Integer),
    sa.column("latest_received_at", sa.DateTime),
)
daily = sa.table(
    "event_tally",
    sa.column("day", sa.Date),
    sa.column("events", sa.Integer),
    sa.column("latest_received_at", sa.DateTime),
)


def _local_date(at_utc: datetime) -> date:
    """The Europe/London date of a naive UTC instant: the UTC date, but in the hour from 23:00
    UTC the next day when London is an hour ahead (converted only then: a time-zone conversion
    of the first hour of year 1 would overflow)."""
    if at_utc.hour != 23:
        return at_utc.date()
    return at_utc.replace(tzinfo=UTC).astimezone(LONDON).date()


def _count_hours(bind: sa.Connection) -> dict[datetime, tuple[int, datetime]]:
    """{hour: (events, latest received_at)} of the whole log, read in chunks of CHUNK events in
    seq order (each chunk starts after the last seq of the one before)."""
    target = event.alias("target")
    query = (
        sa.select(event.c.seq, event.c.occurred_at, event.c.received_at, target.c.occurred_at)
        .select_from(event.outerjoin(target, target.c.event_id == event.c.voids_event_id))
        .order_by(event.c.seq)
        .limit(CHUNK)
    )
    hours: dict[datetime, tuple[int, datetime]] = {}
    after: int | None = None
    while True:
        chunk = query if after is None else query.where(event.c.seq > after)
        rows = bind.execute(chunk).all()
        for _seq, occurred_at, received_at, target_at in rows:
            at = occurred_at
            if target_at is not None and target_at < at:  # a void: the earlier of the two
                at = target_at
            hour = at.replace(minute=0, second=0, microsecond=0)
            count, latest = hours.get(hour, (0, received_at))
            hours[hour] = (count + 1, max(latest, received_at))
        if len(rows) < CHUNK:
            return hours
        after = rows[-1][0]


def _insert(bind: sa.Connection, table: sa.TableClause, rows: list[dict[str, object]]) -> None:
    for start in range(0, len(rows), 1000):
        bind.execute(table.insert(), rows[start : start + 1000])


def upgrade() -> None:
    bind = op.get_bind()
    op.drop_table("event_tally")
    op.create_table(
        "event_tally",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("hour_at", sa.DateTime(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("latest_received_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("day", "hour_at", name=op.f("pk_event_tally")),
    )
    rows = [
        {"day": _local_date(hour), "hour_at": hour, "events": n, "latest_received_at": latest}
        for hour, (n, latest) in sorted(_count_hours(bind).items())
    ]
    _insert(bind, hourly, rows)


def downgrade() -> None:
    bind = op.get_bind()
    c = hourly.c
    summed = sa.select(c.day, sa.func.sum(c.events), sa.func.max(c.latest_received_at))
    days = bind.execute(summed.group_by(c.day).order_by(c.day)).all()
    op.drop_table("event_tally")
    op.create_table(
        "event_tally",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("latest_received_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_event_tally")),
    )
    rows = [{"day": d, "events": int(n), "latest_received_at": r} for d, n, r in days]
    _insert(bind, daily, rows)
