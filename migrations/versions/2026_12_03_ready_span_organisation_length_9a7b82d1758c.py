"""A system's people ready to leave by index (issue 18): ready_span (organisation_code,
length_class, start_at), so the pieces of readiness of a system's organisations in at an instant
are found one range per organisation and length class, as the stays' are (e7a3c9d1f4b8),
instead of every organisation's being read and all but the system's left.

Revision ID: 9a7b82d1758c
Revises: d1b4a7560369
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "9a7b82d1758c"
down_revision = "d1b4a7560369"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_ready_span_organisation_length",
        "ready_span",
        ["organisation_code", "length_class", "start_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_ready_span_organisation_length", table_name="ready_span")
