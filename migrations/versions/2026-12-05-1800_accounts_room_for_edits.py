"""accounts keep half of each page free, so edits that change no indexed column are in place

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-05 18:00:00

An edit of an account's stage, tier, score or CSMs changes no indexed column, yet each new row
version went to another page and into all fifteen of the accounts' indexes (four of them GIN):
a bulk edit of 100,000 accounts spent 8 s updating their rows. With room on the page the new
version is a heap-only tuple and no index is touched: 0.4 s. Accounts are small (about 230
bytes), so the table's doubled size is small beside its indexes. Existing pages take the room
as they are rewritten (`VACUUM FULL accounts` does it at once).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0035"
down_revision: str | None = "0034"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE accounts SET (fillfactor = 50)")


def downgrade() -> None:
    op.execute("ALTER TABLE accounts RESET (fillfactor)")
