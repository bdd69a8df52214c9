"""Feeds (SPEC §9): the feed registry, each message's outcome (never its content), and the
deployment's secrets (the pseudonym key, when no setting gives it).

Revision ID: 7a3e9c51d2f8
Revises: 5e7c1d9a2b40
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "7a3e9c51d2f8"
down_revision = "5e7c1d9a2b40"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feed",
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("organisation_code", sa.String(16), nullable=False),
        sa.Column("patient_id_authority", sa.String(64), nullable=False),
        sa.Column("locations", sa.Text(), nullable=False),
        sa.Column("silent_after_minutes", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_code"],
            ["organisation.code"],
            name="fk_feed_organisation_code_organisation",
        ),
        sa.PrimaryKeyConstraint("code", name="pk_feed"),
    )
    op.create_table(
        "feed_message",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True),
        sa.Column("feed_code", sa.String(16), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("message_id", sa.String(64), nullable=True),
        sa.Column("trigger", sa.String(16), nullable=True),
        sa.Column("outcome", sa.String(12), nullable=False),
        sa.Column("field", sa.String(40), nullable=True),
        sa.Column("reason", sa.String(300), nullable=True),
        sa.Column("event_id", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_feed_message"),
    )
    op.create_index("ix_feed_message_feed_received", "feed_message", ["feed_code", "received_at"])
    op.create_table(
        "deployment_secret",
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("value", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_deployment_secret"),
    )


def downgrade() -> None:
    op.drop_table("deployment_secret")
    op.drop_index("ix_feed_message_feed_received", table_name="feed_message")
    op.drop_table("feed_message")
    op.drop_table("feed")
