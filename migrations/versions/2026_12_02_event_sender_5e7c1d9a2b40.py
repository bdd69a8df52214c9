"""Every stored event records the token that sent it (SPEC §7): event.sent_by.

Events stored before this revision have no sender (NULL), as events from the command line and
the seed loader do.

Revision ID: 5e7c1d9a2b40
Revises: 1d2e21ee9bc3
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "5e7c1d9a2b40"
down_revision = "1d2e21ee9bc3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("event") as batch:
        batch.add_column(sa.Column("sent_by", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("event") as batch:
        batch.drop_column("sent_by")
