"""keys made by a user no longer active are revoked, as deactivating a user now revokes them

Revision ID: 0049
Revises: 0048
Create Date: 2026-12-07 19:30:00

A key now acts only while its maker is an active user: the keys of users deactivated before
(or of no user) are refused already, and are marked revoked so the keys page says so.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0049"
down_revision: str | None = "0048"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        UPDATE api_keys k SET revoked_at = now()
        WHERE k.revoked_at IS NULL
          AND NOT EXISTS (
              SELECT 1 FROM users u WHERE u.id = k.created_by_id AND u.status = 'active'
          )
        """
    )


def downgrade() -> None:
    """Revocations are not undone: which keys this one revoked is not recorded."""
