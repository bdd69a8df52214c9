"""index only the events that void another: the NULLs of every other event cost each insert

A void names its target in voids_event_id; every other event leaves it NULL, and a plain index
held an entry for each of them. The partial index serves the same lookups (an equality or
comparison on voids_event_id implies it is not NULL, on both databases).

Revision ID: e7b3c5d1f042
Revises: c4e1a9d27b55
Create Date: 2026-11-23 19:35:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e7b3c5d1f042"
down_revision: str | None = "c4e1a9d27b55"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOT_NULL = sa.text("voids_event_id IS NOT NULL")


def upgrade() -> None:
    op.drop_index("ix_event_voids_event_id", table_name="event")
    op.create_index(
        "ix_event_voids_event_id",
        "event",
        ["voids_event_id"],
        sqlite_where=NOT_NULL,
        postgresql_where=NOT_NULL,
    )


def downgrade() -> None:
    op.drop_index("ix_event_voids_event_id", table_name="event")
    op.create_index("ix_event_voids_event_id", "event", ["voids_event_id"])
