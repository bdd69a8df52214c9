"""index the event log by occurred_at, so the snapshot counts one day's events, not the log

The snapshot's events_reflected sums the event tally for the days before its instant's local
date, and counts that day's events before the instant exactly: a range of this index.

Revision ID: c4e1a9d27b55
Revises: 8d2f6b3a4c21
Create Date: 2026-11-23 19:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "c4e1a9d27b55"
down_revision: str | None = "8d2f6b3a4c21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_event_occurred_at"), "event", ["occurred_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_event_occurred_at"), table_name="event")
