"""account activity rank history, for the trend regression over the last 30 daily ranks

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 09:00:00

Each refresh records every live account's rank of the day here; the trend is the slope of a
least-squares line through the last 30 days of it. Like the contacts' ranks it has no foreign
key to accounts (written for every account every day; readers join live accounts). The
history starts empty: trends appear once an account has two daily ranks.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account_activity_ranks",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("rank", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_account_activity_ranks_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "day", name=op.f("pk_account_activity_ranks")),
    )
    op.create_index(
        "ix_account_activity_ranks_org_id_day",
        "account_activity_ranks",
        ["org_id", "day"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_account_activity_ranks_org_id_day", table_name="account_activity_ranks")
    op.drop_table("account_activity_ranks")
