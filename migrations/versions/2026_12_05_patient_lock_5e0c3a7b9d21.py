"""patient_lock (issue 18: concurrent senders): a row per patient key, locked by the
transaction that writes the patient's events, in place of an advisory lock per patient.

Advisory locks live in the server's shared lock table (max_locks_per_transaction per allowed
connection), so a batch of more than 64 patients took one exclusive lock on every writer of
patients instead, and two trusts' 10,000-event batches queued behind each other whatever their
patients. A row lock is kept in the row itself. The table starts empty: a patient's row is made
by the first transaction that locks the patient (a second one waits on the first's insert).

Revision ID: 5e0c3a7b9d21
Revises: 6b2d9e4f1a37
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "5e0c3a7b9d21"
down_revision = "6b2d9e4f1a37"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "patient_lock",
        sa.Column("key", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_patient_lock")),
    )


def downgrade() -> None:
    op.drop_table("patient_lock")
