"""an account changed again during its run keeps when that newer change was made

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-05 17:00:00

A run that finds its account changed again meanwhile keeps the row for the newer change, but
the row kept the time of the first change it ever covered: under a steady stream of events an
account's pending change looked minutes old (the oldest change reported 251 s while every
change was reflected within 58 s), and an organisation always changing was put ahead of one
with a change really waiting. `rechanged_at` holds when the first change after the claim was
made; the run's clear makes it the row's `changed_at`.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "account_changes", sa.Column("rechanged_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("account_changes", "rechanged_at")
