"""figure tallies: per-day counts of what the figures read, and the days writes changed

A year's figure reads a few thousand per-day counts instead of every stay (metrics.tally).
Ingest records the earliest day each batch could change (tally_change); a refresh recounts
those days. Downgrade drops the three tables; nothing else depends on them.

Revision ID: 8d41f0a6c2b9
Revises: 6c0e4b9a8d17
Create Date: 2026-11-30 22:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8d41f0a6c2b9"
down_revision: str | None = "6c0e4b9a8d17"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "figure_tally",
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("part", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("key", sa.String(length=1000), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.Column("m", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("source", "part", "day", "key", name=op.f("pk_figure_tally")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "tally_source",
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("upto", sa.Date(), nullable=False),
        sa.Column("columns", sa.String(length=1000), nullable=False),
        sa.Column("built_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_tally_source")),
    )
    op.create_table(
        "tally_change",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tally_change")),
    )
    op.create_index("ix_tally_change_day", "tally_change", ["day"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_tally_change_day", table_name="tally_change")
    op.drop_table("tally_change")
    op.drop_table("tally_source")
    op.drop_table("figure_tally")
