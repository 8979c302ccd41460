"""default tiers and lifecycle stages for existing organisations

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 10:54:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STAGES = ["Trial", "Onboarding", "Established", "Renewal"]
TIERS = ["Tier 1", "Tier 2", "Tier 3"]


def upgrade() -> None:
    # One statement per table, so NOT EXISTS sees the table as it was before the insert.
    for table, names in (("lifecycle_stages", STAGES), ("tiers", TIERS)):
        values = ", ".join(f"('{name}', {position})" for position, name in enumerate(names))
        op.execute(
            f"INSERT INTO {table} (id, org_id, name, position) "
            f"SELECT gen_random_uuid(), o.id, v.name, v.position FROM organisations o "
            f"CROSS JOIN (VALUES {values}) AS v(name, position) "
            f"WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE t.org_id = o.id)"
        )


def downgrade() -> None:
    # Configuration rows are kept: accounts may have been given these tiers and stages since.
    pass
