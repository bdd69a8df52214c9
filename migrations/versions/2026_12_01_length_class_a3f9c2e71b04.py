"""length class of stays and ready spans, and each stay's spell admission date

A row of class k lasted at most 2**k hours, so it can be in at an instant t only if it started
at or after t − 2**k hours (models.derived). With an index on (length_class, start_at), the
coordinator's view of a past instant reads a few days of starts per class instead of every row
that started before the instant. Open rows, and any longer than 2**15 hours, are class 16, with no
bound. A stay also keeps its spell's admission date, so the stays in at an instant are counted by
length of stay without a join to the spells; the stay's index holds every column that count
reads. Upgrade fills both columns for every stored row; downgrade drops them and the indexes.

Revision ID: a3f9c2e71b04
Revises: 8d41f0a6c2b9
Create Date: 2026-12-01 03:10:00
"""

from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "a3f9c2e71b04"
down_revision: str | None = "8d41f0a6c2b9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("stay", "ready_span")
UNBOUNDED = 16  # models.derived.UNBOUNDED when this migration was written
HOUR = timedelta(hours=1)
# The stay's index also holds every column the coordinator views read from a stay, so SQLite
# counts the stays in at an instant from the index alone.
INDEXED = {
    "stay": [
        "length_class",
        "start_at",
        "end_at",
        "setting",
        "unit_code",
        "organisation_code",
        "spell_admitted_date",
    ],
    "ready_span": ["length_class", "start_at"],
}


def _length_class(start_at: datetime, end_at: datetime) -> int:
    """The smallest k ≥ 0 with end_at − start_at ≤ 2**k hours, at most UNBOUNDED (a copy of
    models.derived.length_class as it was: a migration does not follow later code)."""
    hours = -((start_at - end_at) // HOUR)
    return min(UNBOUNDED, (max(hours, 1) - 1).bit_length())


def _fill(table: str) -> None:
    """Classes computed here, exactly as ingest computes them, then set in one UPDATE from a
    scratch table (one UPDATE per row cost minutes on a large year)."""
    bind = op.get_bind()
    t = sa.table(
        table,
        sa.column("spell_id", sa.String),
        sa.column("seq", sa.Integer),
        sa.column("start_at", sa.DateTime),
        sa.column("end_at", sa.DateTime),
    )
    rows = bind.execute(
        sa.select(t.c.spell_id, t.c.seq, t.c.start_at, t.c.end_at).where(t.c.end_at.is_not(None))
    )
    classes = [
        {"spell_id": spell_id, "seq": seq, "k": _length_class(start, end)}
        for spell_id, seq, start, end in rows
    ]
    bind.execute(sa.text(f"UPDATE {table} SET length_class = {UNBOUNDED} WHERE end_at IS NULL"))
    if not classes:
        return
    scratch = sa.Table(
        f"length_class_{table}",
        sa.MetaData(),
        sa.Column("spell_id", sa.String(64), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("k", sa.SmallInteger, nullable=False),
    )
    scratch.create(bind)
    bind.execute(scratch.insert(), classes)
    bind.execute(
        sa.text(
            f"UPDATE {table} SET length_class = (SELECT k FROM {scratch.name} AS x"
            f" WHERE x.spell_id = {table}.spell_id AND x.seq = {table}.seq)"
            " WHERE end_at IS NOT NULL"
        )
    )
    scratch.drop(bind)


def upgrade() -> None:
    op.add_column("stay", sa.Column("spell_admitted_date", sa.Date(), nullable=True))
    op.execute(
        "UPDATE stay SET spell_admitted_date ="
        " (SELECT admitted_date FROM spell WHERE spell.spell_id = stay.spell_id)"
    )
    for table in TABLES:
        op.add_column(table, sa.Column("length_class", sa.SmallInteger(), nullable=True))
        _fill(table)
        with op.batch_alter_table(table) as batch:
            batch.alter_column("length_class", existing_type=sa.SmallInteger(), nullable=False)
            if table == "stay":
                batch.alter_column("spell_admitted_date", existing_type=sa.Date(), nullable=False)
        op.create_index(f"ix_{table}_length_start", table, INDEXED[table], unique=False)


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_length_start", table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_column("length_class")
            if table == "stay":
                batch.drop_column("spell_admitted_date")
