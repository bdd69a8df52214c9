"""the audit log's client, and an expiry for every token

Each audit entry records its client: the caller's address (API and dashboard), or the host a
command ran on. Entries written before have none (NULL).

Tokens now always expire (SPEC §7: 365 days by default). A token made before, without an
expiry, gets one: a year after it was made, but no sooner than 30 days after this upgrade, so
no feed stops without warning on the day of the upgrade (`d2a token list` shows when each
expires). Downgrade drops the column; the expiries stay (a token that expires is what every
revision wants).

Revision ID: 1d2e21ee9bc3
Revises: 1bcfa6bd3156
Create Date: 2026-12-02 14:00:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "1d2e21ee9bc3"
down_revision: str | None = "1bcfa6bd3156"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOKEN_LIFE = timedelta(days=365)  # access.tokens.DEFAULT_EXPIRY_DAYS when this was written
GRACE = timedelta(days=30)

api_token = sa.table(
    "api_token",
    sa.column("id", sa.Integer),
    sa.column("created_at", sa.DateTime),
    sa.column("expires_at", sa.DateTime),
)


def upgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client", sa.String(length=100), nullable=True))
    bind = op.get_bind()
    earliest = datetime.now(UTC).replace(tzinfo=None) + GRACE
    unbounded = bind.execute(
        sa.select(api_token.c.id, api_token.c.created_at).where(api_token.c.expires_at.is_(None))
    ).all()
    for token_id, created_at in unbounded:
        bind.execute(
            api_token.update()
            .where(api_token.c.id == token_id)
            .values(expires_at=max(created_at + TOKEN_LIFE, earliest))
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_column("client")
