"""Stays, readiness periods and ready spans no longer carry a foreign key to their spell
(issue 18: ingest while reading).

Every derived row is written by one function (ledger.ingest.write_derived), which replaces a
patient's spells with all their children in the transaction that stores the events, and
`d2a db rebuild` makes them again from the event log. The keys only checked that function, at
a price each batch paid: PostgreSQL runs a query per child row inserted (and locks its spell's
row) and three per spell deleted. On the large year, in 10,000-event batches of
benchmarks/bench_national.py's ingest (from the second on, patients continuing earlier stays),
deleting the spells took 0.07–0.17 s with the keys and 0.01–0.02 s without; a batch 0.80–1.74 s
against 0.69–0.97 s.
That no child is left without its spell is now asserted by the tests instead
(tests/ledger/test_derived_integrity.py).

Revision ID: 6b2d9e4f1a37
Revises: dfc8ee461a1b
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "6b2d9e4f1a37"
down_revision = "dfc8ee461a1b"
branch_labels = None
depends_on = None

CHILDREN = ("stay", "readiness_period", "ready_span")


def upgrade() -> None:
    for table in CHILDREN:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"fk_{table}_spell_id_spell", type_="foreignkey")


def downgrade() -> None:
    for table in CHILDREN:
        with op.batch_alter_table(table) as batch:
            batch.create_foreign_key(
                f"fk_{table}_spell_id_spell", "spell", ["spell_id"], ["spell_id"]
            )
