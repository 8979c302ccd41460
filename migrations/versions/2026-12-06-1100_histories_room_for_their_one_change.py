"""periods, churn events and change marks keep room on their pages for their next version

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-06 11:00:00

A stage or CSM period is written open and later closed, a churn event later reactivated: one
more version of each row, which changes no indexed column. On full pages that version went to
another page and into each of the table's indexes; with room on the page it is a heap-only
tuple and no index is touched. A change mark (`account_changes`) is rewritten by every write
to its account until the live chain takes it, so it keeps half its page free, as accounts do
(migration 0035). Together, on 100,000 accounts (four runs against two before): a stage
trigger 22,700-24,300 → 25,100-26,400 a second, churn 30,600-31,300 → 31,800-34,000, a tier
trigger 46,300-46,700 → 51,700-55,200, an edit of stage, score and CSMs 15,000-15,100 →
14,700-15,800. Existing pages take the room as they are rewritten.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0040"
down_revision: str | None = "0039"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FILLFACTOR = {
    "stage_history": 80,
    "csm_assignment_history": 80,
    "churn_events": 80,
    "account_changes": 50,
}


def upgrade() -> None:
    for table, percent in FILLFACTOR.items():
        op.execute(f"ALTER TABLE {table} SET (fillfactor = {percent})")


def downgrade() -> None:
    for table in FILLFACTOR:
        op.execute(f"ALTER TABLE {table} RESET (fillfactor)")
