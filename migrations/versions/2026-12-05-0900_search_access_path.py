"""indexes for a CSM's interaction search: their accounts and interactions by account

Revision ID: 0032
Revises: 0028
Create Date: 2026-12-05 09:00:00

A CSM's search first lists their live accounts (5,000 of 100,000), then intersects the text
index's matches with the interactions of those accounts, probing an index once per account.
Each step now reads only small indexes: the assignments' index carries the account id and a
partial index of live accounts carries the organisation, so neither visits table rows; the
interactions' index by account alone keeps an account's rows in one deduplicated entry, a
fifth of (account_id, occurred_at)'s size, so the probes stay in memory.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0032"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_interactions_account_id", "interactions", ["account_id"], unique=False)
    op.create_index(
        "ix_accounts_id_live",
        "accounts",
        ["id"],
        unique=False,
        postgresql_include=["org_id"],
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.drop_index("ix_account_csms_user_id", table_name="account_csms")
    op.create_index(
        "ix_account_csms_user_id",
        "account_csms",
        ["user_id"],
        unique=False,
        postgresql_include=["account_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_account_csms_user_id", table_name="account_csms")
    op.create_index("ix_account_csms_user_id", "account_csms", ["user_id"], unique=False)
    op.drop_index(
        "ix_accounts_id_live",
        table_name="accounts",
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.drop_index("ix_interactions_account_id", table_name="interactions")
