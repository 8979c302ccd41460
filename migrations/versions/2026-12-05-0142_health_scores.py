"""health scores: models, their versions, each account's score and its daily history

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 01:42:19.808074
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "health_models",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("filter", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=True),
        sa.Column("live_version", sa.Integer(), nullable=False),
        sa.Column("shadow_version", sa.Integer(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_health_models_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_health_models")),
    )
    op.create_index(
        "uq_health_models_default",
        "health_models",
        ["org_id"],
        unique=True,
        postgresql_where=sa.text("filter IS NULL"),
    )
    op.create_index(
        "uq_health_models_name",
        "health_models",
        ["org_id", "name"],
        unique=True,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_table(
        "health_settings",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("good_from", sa.SmallInteger(), server_default=sa.text("71"), nullable=False),
        sa.Column("average_from", sa.SmallInteger(), server_default=sa.text("31"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_health_settings_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("org_id", name=op.f("pk_health_settings")),
    )
    op.create_table(
        "health_model_versions",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("model_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("components", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_health_model_versions_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["health_models.id"],
            name=op.f("fk_health_model_versions_model_id_health_models"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_health_model_versions_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_health_model_versions")),
        sa.UniqueConstraint(
            "model_id", "number", name=op.f("uq_health_model_versions_model_id_number")
        ),
    )
    op.create_index(
        op.f("ix_health_model_versions_model_id"),
        "health_model_versions",
        ["model_id"],
        unique=False,
    )
    op.create_table(
        "account_health",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("version_id", sa.Uuid(), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=True),
        sa.Column("band", sa.String(length=16), nullable=True),
        sa.Column("components", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_account_health_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_account_health_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["health_model_versions.id"],
            name=op.f("fk_account_health_version_id_health_model_versions"),
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_account_health")),
    )
    op.create_index(op.f("ix_account_health_org_id"), "account_health", ["org_id"], unique=False)
    op.create_table(
        "account_health_days",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("shadow", sa.Boolean(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("version_id", sa.Uuid(), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=True),
        sa.Column("band", sa.String(length=16), nullable=True),
        sa.Column("components", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_account_health_days_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["health_model_versions.id"],
            name=op.f("fk_account_health_days_version_id_health_model_versions"),
        ),
        sa.PrimaryKeyConstraint("account_id", "day", "shadow", name=op.f("pk_account_health_days")),
    )
    op.create_index(
        "ix_account_health_days_org_id_day", "account_health_days", ["org_id", "day"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_account_health_days_org_id_day", table_name="account_health_days")
    op.drop_table("account_health_days")
    op.drop_index(op.f("ix_account_health_org_id"), table_name="account_health")
    op.drop_table("account_health")
    op.drop_index(op.f("ix_health_model_versions_model_id"), table_name="health_model_versions")
    op.drop_table("health_model_versions")
    op.drop_table("health_settings")
    op.drop_index(
        "uq_health_models_name",
        table_name="health_models",
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.drop_index(
        "uq_health_models_default",
        table_name="health_models",
        postgresql_where=sa.text("filter IS NULL"),
    )
    op.drop_table("health_models")
