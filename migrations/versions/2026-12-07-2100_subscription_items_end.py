"""subscription items may end before their subscription

Revision ID: 0051
Revises: 0050
Create Date: 2026-12-07 21:00:00

`subscription_items.ends_on` (exclusive, null: with the subscription): a change of price or
quantity in the middle of a term is the old item ending on the day and a new one starting
then, so the months before it keep the old price. Existing items keep none.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0051"
down_revision: str | None = "0050"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("subscription_items", sa.Column("ends_on", sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column("subscription_items", "ends_on")
