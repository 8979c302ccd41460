"""the live chain rolls up an account's new events of today onto what its day already holds

Revision ID: 0043
Revises: 0042
Create Date: 2026-12-06 14:00:00

An account's day keeps the time of its last event counted (`usage_daily_account.last_event_at`),
so the live chain can check that its day counts every event up to then and read only the
events after it. A change mark notes when an account's events moved between its contacts
(`account_changes.usage_rebuild`): such a day counts the same events, differently, and is
recomputed whole. Days rolled up before this revision have no time yet: the next rollup of each
writes it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0043"
down_revision: str | None = "0042"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "usage_daily_account", sa.Column("last_event_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "account_changes",
        sa.Column("usage_rebuild", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )


def downgrade() -> None:
    op.drop_column("account_changes", "usage_rebuild")
    op.drop_column("usage_daily_account", "last_event_at")
