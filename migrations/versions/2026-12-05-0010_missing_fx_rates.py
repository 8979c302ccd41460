"""the currencies each account's MRR lacks a rate for, stored by the recompute

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 00:10:00

`account_missing_fx_rates`: one row per account and currency of its priced items without any
rate, with the first day such an item started. Filled here from what is stored, so the reads
need not wait for the next recompute.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account_missing_fx_rates",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_account_missing_fx_rates_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_account_missing_fx_rates_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "currency", name=op.f("pk_account_missing_fx_rates")),
    )
    op.create_index(
        "ix_account_missing_fx_rates_org_id_currency",
        "account_missing_fx_rates",
        ["org_id", "currency"],
        unique=False,
    )
    op.execute(
        """
        INSERT INTO account_missing_fx_rates (account_id, currency, org_id, since)
        SELECT s.account_id, i.currency, s.org_id, min(COALESCE(i.starts_on, s.starts_on))
        FROM subscription_items i
        JOIN subscriptions s ON s.id = i.subscription_id
        JOIN organisations o ON o.id = s.org_id
        WHERE s.account_id IS NOT NULL AND i.currency <> o.base_currency
          AND i.unit_price > 0 AND i.quantity > 0
          AND NOT EXISTS (
              SELECT 1 FROM fx_rates r WHERE r.org_id = s.org_id AND r.currency = i.currency
          )
        GROUP BY s.account_id, i.currency, s.org_id
        """
    )


def downgrade() -> None:
    op.drop_index(
        "ix_account_missing_fx_rates_org_id_currency", table_name="account_missing_fx_rates"
    )
    op.drop_table("account_missing_fx_rates")
