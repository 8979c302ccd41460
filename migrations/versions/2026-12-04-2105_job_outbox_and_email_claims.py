"""job outbox, and claimed emails

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 21:05:00

Jobs are written to `job_outbox` in the transaction that asks for them and relayed to the queue
after its commit, so a Redis failure delays them and never loses them. An email is claimed
("sending", `claimed_at`) in its own transaction before its SMTP send, so a retry can tell it
may be out already.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_outbox",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("job_id", sa.String(length=200), nullable=True),
        sa.Column("kwargs", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("relayed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_outbox")),
    )
    op.create_index(
        "ix_job_outbox_unrelayed",
        "job_outbox",
        ["created_at"],
        unique=False,
        postgresql_where=sa.text("relayed_at IS NULL"),
    )
    op.add_column(
        "email_outbox", sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    # A claimed email goes back to pending: the old code sends pending emails only.
    op.execute("UPDATE email_outbox SET status = 'pending' WHERE status = 'sending'")
    op.drop_column("email_outbox", "claimed_at")
    op.drop_index(
        "ix_job_outbox_unrelayed",
        table_name="job_outbox",
        postgresql_where=sa.text("relayed_at IS NULL"),
    )
    op.drop_table("job_outbox")
