"""a partial index of each organisation's deleted accounts

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 01:55:41

A search by someone who sees the whole organisation excludes the rows of its few deleted
accounts (read from this index) instead of joining every live account.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_accounts_org_id_deleted",
        "accounts",
        ["org_id"],
        unique=False,
        postgresql_where=sa.text("deleted_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_accounts_org_id_deleted",
        table_name="accounts",
        postgresql_where=sa.text("deleted_at IS NOT NULL"),
    )
