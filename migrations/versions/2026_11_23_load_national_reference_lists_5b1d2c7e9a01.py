"""load the national delay reasons and discharge destinations

The rows are the lists as they were when this revision was written (models/reference/*.csv at
that commit), frozen here: a migration must load the same rows whenever it runs, not whatever
the package's CSVs say by then. Later changes to the lists are migrations of their own.

Revision ID: 5b1d2c7e9a01
Revises: 0fcf756e7f46
Create Date: 2026-11-23 15:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

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

# Generated from delay_reasons.csv and destinations.csv of commit 8b1c11f, read as
# models.reference read them then: text as it stands, "true" is True. Columns in table order.
DELAY_REASONS: list[tuple[str, str, str, str]] = [
    ("H1", "Hospital process", "Awaiting medical review of need for supported discharge", ""),
    (
        "H2",
        "Hospital process",
        "Awaiting formal decision to discharge (inc diagnostic test results)",
        "",
    ),
    (
        "H3",
        "Hospital process",
        "Awaiting medicines to take home, discharge letter or other discharge documentation",
        "",
    ),
    ("H4", "Hospital process", "Awaiting patient transport services", ""),
    (
        "H5",
        "Hospital process",
        "Awaiting referral to care transfer hub for supported discharge",
        "",
    ),
    ("H6", "Hospital process", "Awaiting therapy review of need for supported discharge", ""),
    (
        "H7",
        "Hospital process",
        "Remaining in hospital due to infection prevention and control restrictions",
        "",
    ),
    ("T1", "Care transfer hub process", "Awaiting confirmation of funding eligibility", ""),
    (
        "T2",
        "Care transfer hub process",
        "Waiting for confirmation of immediate care needs and pathway",
        "",
    ),
    ("T3", "Care transfer hub process", "Awaiting necessary referrals by care transfer hub", ""),
    (
        "I1",
        "Interface process",
        "Bed-based rehabilitation, reablement or recovery service arrangements still underway",
        "2",
    ),
    (
        "I2",
        "Interface process",
        "Home based rehabilitation, reablement or recovery service arrangements still underway",
        "1",
    ),
    (
        "I3",
        "Interface process",
        "Other home-based community health service arrangements still underway",
        "1",
    ),
    (
        "I4",
        "Interface process",
        "Other home-based social care service arrangements still underway",
        "1",
    ),
    ("I5", "Interface process", "Residential/nursing home care arrangements still underway", "3"),
    (
        "I6",
        "Interface process",
        "End of life care inc Fast-Track CHC arrangement still underway",
        "1;3",
    ),
    ("I7", "Interface process", "Further action requested by agreed provider", ""),
    ("I8", "Interface process", "Homeless with no recourse to public funds", ""),
    (
        "I9",
        "Interface process",
        "Housing provision arrangement for homelessness still underway",
        "0;1",
    ),
    (
        "I10",
        "Interface process",
        "Out of area discharge arrangements requested but not completed",
        "",
    ),
    (
        "I11",
        "Interface process",
        "Patient/family/carer choice discussions on package still underway",
        "",
    ),
    ("I12", "Interface process", "Self-funded care package arrangements still underway", ""),
    ("C1", "Capacity", "Awaiting restart of existing social care arrangements", "0"),
    (
        "C2",
        "Capacity",
        "Bed-based rehabilitation, reablement or recovery services not yet available",
        "2",
    ),
    ("C3", "Capacity", "End of life care inc Fast-Track CHC not yet available", "1;3"),
    ("C4", "Capacity", "Equipment and associated training not yet delivered", "1;2;3"),
    (
        "C5",
        "Capacity",
        "Home-based rehabilitation, reablement or recovery services not yet available",
        "1",
    ),
    ("C6", "Capacity", "Housing adaptations not yet completed", "1;3"),
    ("C7", "Capacity", "Housing provision not yet available", "0;1"),
    ("C8", "Capacity", "Mental health admitted patient care not yet available", "2"),
    ("C9", "Capacity", "Other home-based community health services not yet available", "1"),
    ("C10", "Capacity", "Other home-based social care service not yet available", "1"),
    ("C11", "Capacity", "Residential/nursing home care not yet available", "3"),
    ("W1", "Wellbeing concerns", "Issues with discharge destination readiness", ""),
    ("W2", "Wellbeing concerns", "Awaiting determination of mental capacity", ""),
    ("W3", "Wellbeing concerns", "Ongoing safeguarding concern", ""),
    ("W4", "Wellbeing concerns", "Patient/family/carer concerns over discharge readiness", ""),
]
DESTINATIONS: list[tuple[str, str, str, bool, bool]] = [
    (
        "usual_residence",
        "Usual place of residence (own home, including wardened accommodation; no fixed abode)",
        "19",
        True,
        False,
    ),
    (
        "temporary_residence",
        "Temporary place of residence (hotel, other temporary accommodation)",
        "29",
        True,
        False,
    ),
    (
        "care_home_return",
        "Back to the care home the person lived in before admission",
        "55;56",
        True,
        False,
    ),
    ("care_home_new", "Care home as a new admission", "55;56", False, False),
    (
        "community_bed",
        (
            "Short-term bed-based rehabilitation, reablement or recovery (community hospital,"
            " intermediate care, D2A bed)"
        ),
        "",
        False,
        False,
    ),
    ("hospice", "Hospice", "88", False, False),
    (
        "other_hospital",
        "Another hospital provider (repatriation or specialist care)",
        "49;50;51;52;53;84;87",
        False,
        True,
    ),
    ("died", "Patient died", "79", False, True),
    (
        "other",
        "Other destination (court, penal establishment, foster care and similar)",
        "37;40;42;66",
        False,
        True,
    ),
    ("unknown", "Not known", "99", False, False),
]


def _rows(table: sa.TableClause, rows: Sequence[tuple[object, ...]]) -> list[dict[str, object]]:
    names = [c.name for c in table.columns]
    return [dict(zip(names, row, strict=True)) for row in rows]


def upgrade() -> None:
    op.bulk_insert(delay_reason, _rows(delay_reason, DELAY_REASONS))
    op.bulk_insert(destination, _rows(destination, DESTINATIONS))


def downgrade() -> None:
    op.execute(destination.delete())
    op.execute(delay_reason.delete())
