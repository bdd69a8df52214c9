"""When each organisation's data becomes complete: `organisation.data_from`.

A nullable local date. Figures of an organisation's days before it are null, not 0 (SPEC §3);
null means the day of the organisation's first event. Existing organisations get null, which
keeps that default. The index on stay (organisation_code, start_at) finds an organisation's
first stay (its first event) without reading its other stays.

Revision ID: 9c4d7e2a6b13
Revises: 2349d46511ce
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "9c4d7e2a6b13"
down_revision = "2349d46511ce"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("organisation") as batch:
        batch.add_column(sa.Column("data_from", sa.Date(), nullable=True))
    op.create_index("ix_stay_organisation_start", "stay", ["organisation_code", "start_at"])


def downgrade() -> None:
    op.drop_index("ix_stay_organisation_start", table_name="stay")
    with op.batch_alter_table("organisation") as batch:
        batch.drop_column("data_from")
