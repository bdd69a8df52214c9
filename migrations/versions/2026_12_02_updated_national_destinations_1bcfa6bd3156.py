"""the national destination list of December 2026: more NHS discharge destination codes

NHS Data Dictionary codes 54, 65 and 85 are added to care_home_return and care_home_new, 38 to
other and 98 to unknown. Only those four rows change, and only their NHS codes: no destination
is added or removed, so no stored event or derived row names a code that changes, and no figure
reads these codes (only usual_residence, which stays), so the figure tallies stay as they are.
The delay reasons are unchanged.

Upgrade sets the four rows to AFTER (models/reference/destinations.csv as shipped from this
revision on); downgrade sets them back to BEFORE (as 5b1d2c7e9a01 loaded them). Both are frozen
here, generated from the two versions of the CSV: a migration never reads the package's CSVs.

Revision ID: 1bcfa6bd3156
Revises: a3f9c2e71b04
Create Date: 2026-12-02 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1bcfa6bd3156"
down_revision: str | None = "a3f9c2e71b04"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

destination = sa.table(
    "destination",
    sa.column("code", sa.String),
    sa.column("label", sa.String),
    sa.column("nhs_discharge_destination_codes", sa.String),
    sa.column("usual_residence", sa.Boolean),
    sa.column("leaves_system", sa.Boolean),
)

# The rows that differ, whole, in the table's column order.
BEFORE: list[tuple[str, str, str, bool, bool]] = [
    (
        "care_home_return",
        "Back to the care home the person lived in before admission",
        "55;56",
        True,
        False,
    ),
    ("care_home_new", "Care home as a new admission", "55;56", False, False),
    (
        "other",
        "Other destination (court, penal establishment, foster care and similar)",
        "37;40;42;66",
        False,
        True,
    ),
    ("unknown", "Not known", "99", False, False),
]
AFTER: list[tuple[str, str, str, bool, bool]] = [
    (
        "care_home_return",
        "Back to the care home the person lived in before admission",
        "55;56;54;65;85",
        True,
        False,
    ),
    ("care_home_new", "Care home as a new admission", "55;56;54;65;85", False, False),
    (
        "other",
        "Other destination (court, penal establishment, foster care and similar)",
        "37;38;40;42;66",
        False,
        True,
    ),
    ("unknown", "Not known", "99;98", False, False),
]


def _set(rows: Sequence[tuple[str, str, str, bool, bool]]) -> None:
    """Each row's values stored under its code."""
    names = [c.name for c in destination.columns]
    for row in rows:
        values = dict(zip(names, row, strict=True))
        code = values.pop("code")
        op.execute(destination.update().where(destination.c.code == code).values(**values))


def upgrade() -> None:
    _set(AFTER)


def downgrade() -> None:
    _set(BEFORE)
