"""Annotations and rebase dates of a metric's chart, as reference data with history.

`metric_annotation` holds every version of the note on a metric's chart on a day (and whether
the process changed then: a rebase), appended whole on every change and never updated; a
removal is a version too. It starts empty.

Revision ID: 39ec8517244a
Revises: 9c4d7e2a6b13
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "39ec8517244a"
down_revision = "9c4d7e2a6b13"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "metric_annotation",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("metric", sa.String(64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("text", sa.String(200), nullable=False),
        sa.Column("rebase", sa.Boolean(), nullable=False),
        sa.Column("removed", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_metric_annotation"),
    )
    op.create_index("ix_metric_annotation_metric_day", "metric_annotation", ["metric", "day"])


def downgrade() -> None:
    op.drop_index("ix_metric_annotation_metric_day", table_name="metric_annotation")
    op.drop_table("metric_annotation")
