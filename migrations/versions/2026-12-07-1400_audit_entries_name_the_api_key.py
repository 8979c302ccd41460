"""audit entries name the API key that made them

Revision ID: 0045
Revises: 0044
Create Date: 2026-12-07 14:00:00

An integrator's writes were audited with no actor at all. Every entry now takes the key of the
transaction that writes it from `tenure.api_key_id`, a setting a request made with an API key
sets for its transaction (`api/deps.py`): the entries written by the ORM and by the bulk
statements alike, without each path passing it. Existing entries keep none.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0045"
down_revision: str | None = "0044"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY_OF_THE_TRANSACTION = "nullif(current_setting('tenure.api_key_id', true), '')::uuid"


def upgrade() -> None:
    # A stable default: evaluated once for the rows there (none set), no table rewrite.
    op.add_column(
        "audit_log",
        sa.Column(
            "actor_api_key_id",
            sa.Uuid(),
            nullable=True,
            server_default=sa.text(KEY_OF_THE_TRANSACTION),
        ),
    )


def downgrade() -> None:
    op.drop_column("audit_log", "actor_api_key_id")
