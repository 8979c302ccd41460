"""trigram indexes for account search, and renewal date index

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 11:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("name", "domain", "external_id")


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        op.create_index(
            f"ix_accounts_{column}_trgm",
            "accounts",
            [column],
            postgresql_using="gin",
            postgresql_ops={column: "gin_trgm_ops"},
        )
    op.create_index("ix_accounts_org_id_renewal_on", "accounts", ["org_id", "renewal_on"])


def downgrade() -> None:
    op.drop_index("ix_accounts_org_id_renewal_on", table_name="accounts")
    for column in COLUMNS:
        op.drop_index(f"ix_accounts_{column}_trgm", table_name="accounts")
    # The extension stays: other objects of the database may use it.
