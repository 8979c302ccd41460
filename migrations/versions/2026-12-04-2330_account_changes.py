"""account changes and freshness stages (the live chain)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 23:30:00

Writers mark the accounts whose figures a write changed (`account_changes`, one row per account,
numbered by `account_change_seq`); the live chain's workers claim and clear them, and record
when each stage last completed per organisation (`freshness_stages`).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(sa.schema.CreateSequence(sa.Sequence("account_change_seq")))
    op.create_table(
        "account_changes",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("first_seq", sa.BigInteger(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("usage_from", sa.Date(), nullable=True),
        sa.Column("revenue", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column(
            "changed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("claimed_by", sa.Uuid(), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_seq", sa.BigInteger(), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_account_changes_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_account_changes")),
    )
    op.create_index(
        "ix_account_changes_org_id_first_seq",
        "account_changes",
        ["org_id", "first_seq"],
        unique=False,
    )
    op.create_table(
        "freshness_stages",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("stage", sa.String(length=40), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accounts", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_freshness_stages_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("org_id", "stage", name=op.f("pk_freshness_stages")),
    )


def downgrade() -> None:
    op.drop_table("freshness_stages")
    op.drop_index("ix_account_changes_org_id_first_seq", table_name="account_changes")
    op.drop_table("account_changes")
    op.execute(sa.schema.DropSequence(sa.Sequence("account_change_seq")))
