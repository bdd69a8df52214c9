"""A piece of readiness keeps its spell's local authority (issue 18), so the coordinator's
snapshot counts the people ready at an instant by local authority without joining each of them
to their spell (37,000 primary-key probes, some 170 ms, at a national census).

Upgrade adds ready_span.local_authority and fills it from each row's spell (set at admission and
never changed, as the replay now copies it); downgrade drops it.

Revision ID: dfc8ee461a1b
Revises: 9a7b82d1758c
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "dfc8ee461a1b"
down_revision = "9a7b82d1758c"
branch_labels = None
depends_on = None

spell = sa.table("spell", sa.column("spell_id", sa.String), sa.column("local_authority", sa.String))
ready_span = sa.table(
    "ready_span", sa.column("spell_id", sa.String), sa.column("local_authority", sa.String)
)


def upgrade() -> None:
    with op.batch_alter_table("ready_span") as batch:
        batch.add_column(sa.Column("local_authority", sa.String(64), nullable=True))
    # UPDATE … FROM (PostgreSQL; SQLite since 3.33): one join, not a subquery per row, and
    # only the rows whose spell has a local authority are written.
    filled = (
        ready_span.update()
        .values(local_authority=spell.c.local_authority)
        .where(ready_span.c.spell_id == spell.c.spell_id, spell.c.local_authority.is_not(None))
    )
    op.get_bind().execute(filled)


def downgrade() -> None:
    with op.batch_alter_table("ready_span") as batch:
        batch.drop_column("local_authority")
