"""event tally per local day, so each figure's count of events reflected is cheap

Revision ID: 8d2f6b3a4c21
Revises: 5b1d2c7e9a01
Create Date: 2026-11-23 17:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ledger.event_tally import rebuild_tally

revision: str = "8d2f6b3a4c21"
down_revision: str | None = "5b1d2c7e9a01"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "event_tally",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("latest_received_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_event_tally")),
    )
    rebuild_tally(op.get_bind())  # count the events already stored


def downgrade() -> None:
    op.drop_table("event_tally")
