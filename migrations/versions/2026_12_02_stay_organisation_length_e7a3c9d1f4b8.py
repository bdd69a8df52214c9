"""A system's coordinator views by index (issue 18): stay (organisation_code, length_class,
start_at), so the stays of a system's organisations in at an instant are found one range per
organisation and length class, instead of every organisation's stays in at it being read and
all but the system's left.

Revision ID: e7a3c9d1f4b8
Revises: d5f9b2e0c3a7
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "e7a3c9d1f4b8"
down_revision = "d5f9b2e0c3a7"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_stay_organisation_length", "stay", ["organisation_code", "length_class", "start_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_stay_organisation_length", table_name="stay")
