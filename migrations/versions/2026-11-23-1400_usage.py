"""contacts, events, sessions and daily usage

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contacts",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("name", sa.String(length=300), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("role", sa.String(length=200), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "traits",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
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
            name=op.f("fk_contacts_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
    )
    op.create_index(
        "uq_contacts_org_id_external_id", "contacts", ["org_id", "external_id"], unique=True
    )
    op.create_table(
        "usage_events",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("feature", sa.String(length=200), nullable=True),
        sa.Column("module", sa.String(length=200), nullable=True),
        sa.Column("contact_external_id", sa.String(length=200), nullable=False),
        sa.Column("account_external_id", sa.String(length=200), nullable=True),
        sa.Column("account_id", sa.Uuid(), nullable=True),
        sa.Column("contact_id", sa.Uuid(), nullable=True),
        sa.Column("session_id", sa.String(length=200), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "received_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "properties",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_usage_events_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("org_id", "message_id", name=op.f("pk_usage_events")),
    )
    op.create_index(
        "ix_usage_events_org_id_account_id_occurred_at",
        "usage_events",
        ["org_id", "account_id", "occurred_at"],
        unique=False,
    )
    op.create_index(
        "ix_usage_events_org_id_contact_id_occurred_at",
        "usage_events",
        ["org_id", "contact_id", "occurred_at"],
        unique=False,
    )
    op.create_index(
        "ix_usage_events_org_id_occurred_at",
        "usage_events",
        ["org_id", "occurred_at"],
        unique=False,
    )
    op.create_index(
        "ix_usage_events_unlinked_account",
        "usage_events",
        ["org_id", "account_external_id"],
        unique=False,
        postgresql_where=sa.text("account_id IS NULL"),
    )
    op.create_index(
        "ix_usage_events_unlinked_contact",
        "usage_events",
        ["org_id", "contact_external_id"],
        unique=False,
        postgresql_where=sa.text("contact_id IS NULL"),
    )
    op.create_table(
        "usage_pending_days",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_usage_pending_days_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("org_id", "day", name=op.f("pk_usage_pending_days")),
    )
    op.create_table(
        "contact_accounts",
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column("account_external_id", sa.String(length=200), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=True),
        sa.Column(
            "traits",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_contact_accounts_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_contact_accounts_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_contact_accounts_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "contact_id", "account_external_id", name=op.f("pk_contact_accounts")
        ),
    )
    op.create_index(
        "ix_contact_accounts_org_id_account_id",
        "contact_accounts",
        ["org_id", "account_id"],
        unique=False,
    )
    op.create_index(
        "ix_contact_accounts_unlinked",
        "contact_accounts",
        ["org_id", "account_external_id"],
        unique=False,
        postgresql_where=sa.text("account_id IS NULL"),
    )
    op.create_table(
        "usage_daily_account",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("active_contacts", sa.Integer(), nullable=False),
        sa.Column("sessions", sa.Integer(), nullable=False),
        sa.Column("session_seconds", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_usage_daily_account_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("org_id", "account_id", "day", name=op.f("pk_usage_daily_account")),
    )
    op.create_index(
        "ix_usage_daily_account_org_id_day", "usage_daily_account", ["org_id", "day"], unique=False
    )
    op.create_table(
        "usage_daily_contact",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("sessions", sa.Integer(), nullable=False),
        sa.Column("session_seconds", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_usage_daily_contact_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "org_id", "account_id", "contact_id", "day", name=op.f("pk_usage_daily_contact")
        ),
    )
    op.create_index(
        "ix_usage_daily_contact_org_id_contact_id_day",
        "usage_daily_contact",
        ["org_id", "contact_id", "day"],
        unique=False,
    )
    op.create_index(
        "ix_usage_daily_contact_org_id_day", "usage_daily_contact", ["org_id", "day"], unique=False
    )
    op.create_table(
        "usage_daily_feature",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("module", sa.String(length=200), nullable=False),
        sa.Column("feature", sa.String(length=200), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("active_contacts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_usage_daily_feature_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "org_id", "account_id", "day", "module", "feature", name=op.f("pk_usage_daily_feature")
        ),
    )
    op.create_index(
        "ix_usage_daily_feature_org_id_day_feature",
        "usage_daily_feature",
        ["org_id", "day", "feature"],
        unique=False,
    )
    op.create_table(
        "usage_sessions",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.String(length=200), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_seconds", sa.Integer(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_usage_sessions_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_sessions")),
    )
    op.create_index(
        "ix_usage_sessions_org_id_account_id_day",
        "usage_sessions",
        ["org_id", "account_id", "day"],
        unique=False,
    )
    op.create_index(
        "ix_usage_sessions_org_id_contact_id_day",
        "usage_sessions",
        ["org_id", "contact_id", "day"],
        unique=False,
    )
    op.create_index(
        "ix_usage_sessions_org_id_day", "usage_sessions", ["org_id", "day"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_usage_sessions_org_id_day", table_name="usage_sessions")
    op.drop_index("ix_usage_sessions_org_id_contact_id_day", table_name="usage_sessions")
    op.drop_index("ix_usage_sessions_org_id_account_id_day", table_name="usage_sessions")
    op.drop_table("usage_sessions")
    op.drop_index("ix_usage_daily_feature_org_id_day_feature", table_name="usage_daily_feature")
    op.drop_table("usage_daily_feature")
    op.drop_index("ix_usage_daily_contact_org_id_day", table_name="usage_daily_contact")
    op.drop_index("ix_usage_daily_contact_org_id_contact_id_day", table_name="usage_daily_contact")
    op.drop_table("usage_daily_contact")
    op.drop_index("ix_usage_daily_account_org_id_day", table_name="usage_daily_account")
    op.drop_table("usage_daily_account")
    op.drop_index(
        "ix_contact_accounts_unlinked",
        table_name="contact_accounts",
        postgresql_where=sa.text("account_id IS NULL"),
    )
    op.drop_index("ix_contact_accounts_org_id_account_id", table_name="contact_accounts")
    op.drop_table("contact_accounts")
    op.drop_table("usage_pending_days")
    op.drop_index(
        "ix_usage_events_unlinked_contact",
        table_name="usage_events",
        postgresql_where=sa.text("contact_id IS NULL"),
    )
    op.drop_index(
        "ix_usage_events_unlinked_account",
        table_name="usage_events",
        postgresql_where=sa.text("account_id IS NULL"),
    )
    op.drop_index("ix_usage_events_org_id_occurred_at", table_name="usage_events")
    op.drop_index("ix_usage_events_org_id_contact_id_occurred_at", table_name="usage_events")
    op.drop_index("ix_usage_events_org_id_account_id_occurred_at", table_name="usage_events")
    op.drop_table("usage_events")
    op.drop_index("uq_contacts_org_id_external_id", table_name="contacts")
    op.drop_table("contacts")
