"""a replayed webhook answers the first delivery's records and change number

Revision ID: 0046
Revises: 0045
Create Date: 2026-12-07 16:00:00

A sender retrying after a timeout got the counts and errors of its first delivery but not the
ids Tenure gave the records nor the change number. Deliveries received before keep none.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0046"
down_revision: str | None = "0045"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "webhook_deliveries",
        sa.Column("records", postgresql.JSONB(), server_default="[]", nullable=False),
    )
    op.add_column("webhook_deliveries", sa.Column("change", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    op.drop_column("webhook_deliveries", "change")
    op.drop_column("webhook_deliveries", "records")
