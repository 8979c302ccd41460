"""the live chain's rollup reads an account's events from their index alone

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-05 09:10:00

The live chain rolls up a batch's accounts from their events of the day, read through the
(organisation, account, time) index: one heap page per event, the largest part of a batch. The
index now carries the columns the rollup reads, and the table is vacuumed after every 50,000
new events (not a fifth of its size), so its pages are soon all-visible and the read is an
index-only scan (measured on 100,000 accounts: 0.215 s → 0.065 s for a batch's 45,000 events).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEX = "ix_usage_events_org_id_account_id_occurred_at"
_KEY = ["org_id", "account_id", "occurred_at"]


def upgrade() -> None:
    op.drop_index(_INDEX, table_name="usage_events")
    op.create_index(
        _INDEX,
        "usage_events",
        _KEY,
        unique=False,
        postgresql_include=["contact_id", "session_id", "module", "feature"],
    )
    op.execute(
        "ALTER TABLE usage_events SET (autovacuum_vacuum_insert_threshold = 50000, "
        "autovacuum_vacuum_insert_scale_factor = 0)"
    )


def downgrade() -> None:
    op.execute(
        "ALTER TABLE usage_events RESET (autovacuum_vacuum_insert_threshold, "
        "autovacuum_vacuum_insert_scale_factor)"
    )
    op.drop_index(_INDEX, table_name="usage_events")
    op.create_index(_INDEX, "usage_events", _KEY, unique=False)
