"""Actions and escalations of the daily call, and trigger levels per D2A pathway.

`action` holds what never changes of an action (its id, title, patient, creation);
`action_version` holds each state it has had, appended whole on every change (never updated).
`pathway_trigger` holds each pathway's pressure and escalation levels with their history
(effective from a date, like a unit's capacity). All three start empty.

Revision ID: 2349d46511ce
Revises: 7a3e9c51d2f8
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "2349d46511ce"
down_revision = "7a3e9c51d2f8"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "action",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("patient_id", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_action"),
    )
    op.create_index("ix_action_patient_id", "action", ["patient_id"])
    op.create_table(
        "action_version",
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("organisation_code", sa.String(16), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("note", sa.String(500), nullable=True),
        sa.ForeignKeyConstraint(
            ["action_id"], ["action.id"], name="fk_action_version_action_id_action"
        ),
        sa.ForeignKeyConstraint(
            ["organisation_code"],
            ["organisation.code"],
            name="fk_action_version_organisation_code_organisation",
        ),
        sa.PrimaryKeyConstraint("action_id", "version", name="pk_action_version"),
    )
    op.create_index("ix_action_version_recorded_at", "action_version", ["recorded_at"])
    op.create_table(
        "pathway_trigger",
        sa.Column("pathway", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("pressure", sa.Integer(), nullable=False),
        sa.Column("escalation", sa.Integer(), nullable=False),
        sa.Column("set_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("pathway", "effective_from", name="pk_pathway_trigger"),
    )


def downgrade() -> None:
    op.drop_table("pathway_trigger")
    op.drop_index("ix_action_version_recorded_at", table_name="action_version")
    op.drop_table("action_version")
    op.drop_index("ix_action_patient_id", table_name="action")
    op.drop_table("action")
