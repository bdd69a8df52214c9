"""One organisation's discharges and readiness by time (issue 18): indexes on
spell (organisation_code, discharged_at) and ready_span (organisation_code, start_at). A
recount of one organisation's tallies after a late event, and a figure of one organisation's
days since the last refresh, read its rows of a few days instead of every organisation's.

Revision ID: d5f9b2e0c3a7
Revises: c4e8a1d9b2f6
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "d5f9b2e0c3a7"
down_revision = "c4e8a1d9b2f6"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_spell_organisation_discharged", "spell", ["organisation_code", "discharged_at"]
    )
    op.create_index(
        "ix_ready_span_organisation_start", "ready_span", ["organisation_code", "start_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_ready_span_organisation_start", table_name="ready_span")
    op.drop_index("ix_spell_organisation_discharged", table_name="spell")
