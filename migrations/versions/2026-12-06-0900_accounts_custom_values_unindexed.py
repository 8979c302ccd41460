"""accounts' custom values no longer indexed

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-06 09:00:00

The GIN index on `accounts.custom_values` served containment (`@>`) and key (`?`) operators that
no query uses: filters and sorts read a field's value (`custom_values -> key`), which it cannot
serve. It made every change of an account's custom values a new row version in all fifteen of
`accounts`' indexes (four of them GIN) instead of one on the same page (a HOT update, as for
stage, tier, score and CSMs since migration 0035): a bulk edit of a custom value on 100,000
accounts, or an integration pushing them, paid for an index nothing read.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0038"
down_revision: str | None = "0037"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_accounts_custom_values", table_name="accounts", postgresql_using="gin")


def downgrade() -> None:
    op.create_index(
        "ix_accounts_custom_values", "accounts", ["custom_values"], postgresql_using="gin"
    )
