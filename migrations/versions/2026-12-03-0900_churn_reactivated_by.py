"""churn events record who reactivated the account

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 09:00:00

`changed_by_id` is who recorded the churn; until now the reactivation had no author of its
own. Reactivations recorded before this stay without one (unknown, rather than the churn's).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("churn_events", sa.Column("reactivated_by_id", sa.Uuid(), nullable=True))
    op.create_foreign_key(
        op.f("fk_churn_events_reactivated_by_id_users"),
        "churn_events",
        "users",
        ["reactivated_by_id"],
        ["id"],
        ondelete="SET NULL",
    )


def downgrade() -> None:
    op.drop_constraint(
        op.f("fk_churn_events_reactivated_by_id_users"), "churn_events", type_="foreignkey"
    )
    op.drop_column("churn_events", "reactivated_by_id")
