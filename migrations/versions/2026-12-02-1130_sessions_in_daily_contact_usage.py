"""sessions derived into the daily contact rollup instead of stored one by one

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 11:30:00

The rollups are derived data and the session rule changes with them (a session's time now
counts on the days it passes): they are cleared and every day they covered is queued for the
rollup job to recompute.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_QUEUE_ROLLED_UP_DAYS = """
INSERT INTO usage_pending_days (org_id, day)
SELECT DISTINCT org_id, day FROM usage_daily_account
ON CONFLICT DO NOTHING
"""
_CLEAR = "TRUNCATE usage_daily_contact, usage_daily_account, usage_daily_feature"


def upgrade() -> None:
    op.execute(_QUEUE_ROLLED_UP_DAYS)
    op.execute(_CLEAR)
    op.drop_index(op.f("ix_usage_sessions_org_id_account_id_day"), table_name="usage_sessions")
    op.drop_index(op.f("ix_usage_sessions_org_id_contact_id_day"), table_name="usage_sessions")
    op.drop_index(op.f("ix_usage_sessions_org_id_day"), table_name="usage_sessions")
    op.drop_table("usage_sessions")
    op.add_column(
        "usage_daily_contact",
        sa.Column("first_event_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.add_column(
        "usage_daily_contact",
        sa.Column("last_event_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.drop_index(
        op.f("ix_usage_daily_contact_org_id_contact_id_day"), table_name="usage_daily_contact"
    )


def downgrade() -> None:
    op.execute(_QUEUE_ROLLED_UP_DAYS)
    op.execute(_CLEAR)
    op.create_index(
        op.f("ix_usage_daily_contact_org_id_contact_id_day"),
        "usage_daily_contact",
        ["org_id", "contact_id", "day"],
        unique=False,
    )
    op.drop_column("usage_daily_contact", "last_event_at")
    op.drop_column("usage_daily_contact", "first_event_at")
    op.create_table(
        "usage_sessions",
        sa.Column("org_id", sa.UUID(), nullable=False),
        sa.Column("account_id", sa.UUID(), nullable=False),
        sa.Column("contact_id", sa.UUID(), nullable=False),
        sa.Column("session_id", sa.VARCHAR(length=200), nullable=True),
        sa.Column("day", sa.DATE(), nullable=False),
        sa.Column("started_at", postgresql.TIMESTAMP(timezone=True), nullable=False),
        sa.Column("ended_at", postgresql.TIMESTAMP(timezone=True), nullable=False),
        sa.Column("duration_seconds", sa.INTEGER(), nullable=False),
        sa.Column("events", sa.INTEGER(), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_usage_sessions_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_sessions")),
    )
    op.create_index(op.f("ix_usage_sessions_org_id_day"), "usage_sessions", ["org_id", "day"])
    op.create_index(
        op.f("ix_usage_sessions_org_id_contact_id_day"),
        "usage_sessions",
        ["org_id", "contact_id", "day"],
    )
    op.create_index(
        op.f("ix_usage_sessions_org_id_account_id_day"),
        "usage_sessions",
        ["org_id", "account_id", "day"],
    )
