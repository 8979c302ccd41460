"""alert rules, the alerts they open and their evaluations

Revision ID: 0025
Revises: 0022
Create Date: 2026-12-05 06:00:00

At most one open alert per rule and account is the partial unique index uq_alerts_open:
evaluations insert with ON CONFLICT DO NOTHING against it, so two at once open one alert.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0025"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alert_rules",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("condition", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("includes_churned", sa.Boolean(), nullable=False),
        sa.Column("retrigger_delay_days", sa.Integer(), nullable=False),
        sa.Column("never_retrigger", sa.Boolean(), nullable=False),
        sa.Column("creates_task", sa.Boolean(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
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
            name=op.f("fk_alert_rules_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_rules")),
        sa.UniqueConstraint("org_id", "name", name=op.f("uq_alert_rules_org_id_name")),
    )
    op.create_table(
        "alert_evaluations",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("rule_id", sa.Uuid(), nullable=False),
        sa.Column("ran_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("accounts_evaluated", sa.Integer(), nullable=True),
        sa.Column("matched", sa.Integer(), nullable=False),
        sa.Column("fired", sa.Integer(), nullable=False),
        sa.Column("held_open", sa.Integer(), nullable=False),
        sa.Column("held_by_delay", sa.Integer(), nullable=False),
        sa.Column("held_by_never_retrigger", sa.Integer(), nullable=False),
        sa.Column("excluded_churned", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_alert_evaluations_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["alert_rules.id"],
            name=op.f("fk_alert_evaluations_rule_id_alert_rules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_evaluations")),
    )
    op.create_index(
        "ix_alert_evaluations_rule_id_ran_at",
        "alert_evaluations",
        ["rule_id", "ran_at"],
        unique=False,
    )
    op.create_table(
        "alerts",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("rule_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("values", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("snoozed_until", sa.Date(), nullable=True),
        sa.Column("dismissed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dismissed_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_alerts_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["dismissed_by"],
            ["users.id"],
            name=op.f("fk_alerts_dismissed_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_alerts_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["alert_rules.id"],
            name=op.f("fk_alerts_rule_id_alert_rules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
    op.create_index(op.f("ix_alerts_account_id"), "alerts", ["account_id"], unique=False)
    op.create_index("ix_alerts_org_id_fired_at", "alerts", ["org_id", "fired_at"], unique=False)
    op.create_index(
        "ix_alerts_rule_id_account_id_fired_at",
        "alerts",
        ["rule_id", "account_id", "fired_at"],
        unique=False,
    )
    op.create_index(
        "uq_alerts_open",
        "alerts",
        ["rule_id", "account_id"],
        unique=True,
        postgresql_where=sa.text("status = 'open'"),
    )


def downgrade() -> None:
    op.drop_index(
        "uq_alerts_open", table_name="alerts", postgresql_where=sa.text("status = 'open'")
    )
    op.drop_index("ix_alerts_rule_id_account_id_fired_at", table_name="alerts")
    op.drop_index("ix_alerts_org_id_fired_at", table_name="alerts")
    op.drop_index(op.f("ix_alerts_account_id"), table_name="alerts")
    op.drop_table("alerts")
    op.drop_index("ix_alert_evaluations_rule_id_ran_at", table_name="alert_evaluations")
    op.drop_table("alert_evaluations")
    op.drop_table("alert_rules")
