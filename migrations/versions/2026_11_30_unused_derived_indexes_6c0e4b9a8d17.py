"""drop the derived tables' indexes only an ingest used: each cost every derived row written

Every ingest deletes and rewrites its patients' derived rows, so an index on those tables is
paid on every write. No query filters or joins spells on journey_id. Stays, readiness periods
and ready spans were indexed by patient_id only for that rewrite and the patient timeline; both
now find them through the patient's spells (their key starts with spell_id). The indexes the
figures read (ix_spell_patient_id, ix_spell_setting_*, ix_*_setting_period) stay.
Downgrade puts the dropped ones back.

Revision ID: 6c0e4b9a8d17
Revises: e7b3c5d1f042
Create Date: 2026-11-30 15:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "6c0e4b9a8d17"
down_revision: str | None = "e7b3c5d1f042"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DROPPED = (
    ("spell", "journey_id"),
    ("stay", "patient_id"),
    ("readiness_period", "patient_id"),
    ("ready_span", "patient_id"),
)


def upgrade() -> None:
    for table, column in DROPPED:
        op.drop_index(f"ix_{table}_{column}", table_name=table)


def downgrade() -> None:
    for table, column in DROPPED:
        op.create_index(f"ix_{table}_{column}", table, [column], unique=False)
