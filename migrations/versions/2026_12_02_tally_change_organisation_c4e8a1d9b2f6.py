"""A tally change names the organisation whose figures it could change (issue 18): a late
event then has the refresh recount only its organisations' tallies. Existing rows (and writes
that cannot tell, such as a reference change) hold NULL: any organisation, as before.

Revision ID: c4e8a1d9b2f6
Revises: b7d3e5f1a2c4
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c4e8a1d9b2f6"
down_revision = "b7d3e5f1a2c4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tally_change") as batch:
        batch.add_column(sa.Column("organisation", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tally_change") as batch:
        batch.drop_column("organisation")
