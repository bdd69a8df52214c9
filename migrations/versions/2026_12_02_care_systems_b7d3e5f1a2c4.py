"""Systems as a level (issue 18): `care_system` (an ICB: code, name) and
`organisation_system`, the system each organisation belongs to, with history (in force from
`effective_from` until the next row). Existing organisations get no system: figures of the
whole deployment and of each organisation are unchanged; an admin assigns systems with
`PUT /api/v1/organisations/{code}` (`system_code`, `system_from`).

Revision ID: b7d3e5f1a2c4
Revises: 39ec8517244a
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "b7d3e5f1a2c4"
down_revision = "39ec8517244a"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "care_system",
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_care_system"),
    )
    op.create_table(
        "organisation_system",
        sa.Column("organisation_code", sa.String(16), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("system_code", sa.String(16), nullable=False),
        sa.PrimaryKeyConstraint(
            "organisation_code", "effective_from", name="pk_organisation_system"
        ),
        sa.ForeignKeyConstraint(
            ["organisation_code"],
            ["organisation.code"],
            name="fk_organisation_system_organisation_code_organisation",
        ),
        sa.ForeignKeyConstraint(
            ["system_code"],
            ["care_system.code"],
            name="fk_organisation_system_system_code_care_system",
        ),
    )
    op.create_index("ix_organisation_system_system_code", "organisation_system", ["system_code"])


def downgrade() -> None:
    op.drop_index("ix_organisation_system_system_code", table_name="organisation_system")
    op.drop_table("organisation_system")
    op.drop_table("care_system")
