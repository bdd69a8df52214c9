"""load the national delay reasons and discharge destinations

Revision ID: 5b1d2c7e9a01
Revises: 0fcf756e7f46
Create Date: 2026-11-23 15:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.reference import delay_reason_rows, destination_rows

revision: str = "5b1d2c7e9a01"
down_revision: str | None = "0fcf756e7f46"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

delay_reason = sa.table(
    "delay_reason",
    sa.column("code", sa.String),
    sa.column("group", sa.String),
    sa.column("label", sa.String),
    sa.column("pathways", sa.String),
)
destination = sa.table(
    "destination",
    sa.column("code", sa.String),
    sa.column("label", sa.String),
    sa.column("nhs_discharge_destination_codes", sa.String),
    sa.column("usual_residence", sa.Boolean),
    sa.column("leaves_system", sa.Boolean),
)


def upgrade() -> None:
    op.bulk_insert(delay_reason, delay_reason_rows())
    op.bulk_insert(destination, destination_rows())


def downgrade() -> None:
    op.execute(destination.delete())
    op.execute(delay_reason.delete())
