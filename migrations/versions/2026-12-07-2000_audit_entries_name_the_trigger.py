"""audit entries name the attribute trigger that made them

Revision ID: 0050
Revises: 0049
Create Date: 2026-12-07 20:00:00

A trigger's changes were audited as the system's. Every entry now takes the trigger of the
transaction that writes it from `tenure.trigger_id`, which a run of the triggers sets for each
trigger's writes, as `tenure.api_key_id` names an API key (0045). Existing entries keep none.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0050"
down_revision: str | None = "0049"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGGER_OF_THE_TRANSACTION = "nullif(current_setting('tenure.trigger_id', true), '')::uuid"


def upgrade() -> None:
    # A stable default: evaluated once for the rows there (none set), no table rewrite.
    op.add_column(
        "audit_log",
        sa.Column(
            "actor_trigger_id",
            sa.Uuid(),
            nullable=True,
            server_default=sa.text(TRIGGER_OF_THE_TRANSACTION),
        ),
    )


def downgrade() -> None:
    op.drop_column("audit_log", "actor_trigger_id")
