"""attribute triggers and saved views have distinct names, whatever their case

Revision ID: 0047
Revises: 0046
Create Date: 2026-12-07 18:30:00

An organisation could have two attribute triggers of one name, and a user two account or task
views of one name (their own, or two shared ones), and could not tell them apart. The services
now refuse a taken name; these unique indexes on lower(name) settle two requests that race past
that check: a trigger's name is unique in its organisation, a view's among its owner's views,
and a shared view's among the organisation's shared views.

Names already taken are renamed first: each but the oldest (by created_at) of those that clash
gets " (2)", " (3)", ..., the first that is itself free, cut short to fit the column if need be.
A downgrade drops the indexes; the names stay as renamed.

The data step and the indexes it allows are one revision: the indexes need the data.
"""

from collections import defaultdict
from collections.abc import Sequence
from itertools import count

import sqlalchemy as sa
from alembic import op

revision: str = "0047"
down_revision: str | None = "0046"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The name columns' length.
NAME_LENGTH = 200
# Per table, the scopes a row's name is unique in, as text keys: a trigger's organisation; a
# view's owner, and the organisation's shared views when it is shared.
VIEW_SCOPES = (
    "array_remove(ARRAY['owner:' || owner_id, CASE WHEN is_shared THEN 'shared:' || org_id END],"
    " NULL)"
)
SCOPES = {
    "attribute_triggers": "ARRAY['org:' || org_id]",
    "account_views": VIEW_SCOPES,
    "task_views": VIEW_SCOPES,
}
# (index, table, leading column, WHERE), as in the models.
INDEXES = [
    ("uq_attribute_triggers_org_id_name_lower", "attribute_triggers", "org_id", None),
    ("uq_account_views_owner_id_name_lower", "account_views", "owner_id", None),
    ("uq_account_views_shared_name_lower", "account_views", "org_id", "is_shared"),
    ("uq_task_views_owner_id_name_lower", "task_views", "owner_id", None),
    ("uq_task_views_shared_name_lower", "task_views", "org_id", "is_shared"),
]


def _rename_clashes(conn: sa.Connection, table: str) -> None:
    rows = conn.execute(
        sa.text(
            f"SELECT id, name, lower(name) AS lowered, {SCOPES[table]} AS scopes "
            f"FROM {table} ORDER BY created_at, id"
        )
    ).all()
    # Names are compared lowered by PostgreSQL, as the indexes compare them (Python's
    # str.lower() does not always agree).
    taken: defaultdict[str, set[str]] = defaultdict(set)
    clashing = []
    for row in rows:
        if any(row.lowered in taken[scope] for scope in row.scopes):
            clashing.append(row)
        else:
            for scope in row.scopes:
                taken[scope].add(row.lowered)
    renamed = []
    for row in clashing:
        for n in count(2):
            suffix = f" ({n})"
            name = row.name[: NAME_LENGTH - len(suffix)] + suffix
            lowered = conn.scalar(sa.select(sa.func.lower(name)))
            if not any(lowered in taken[scope] for scope in row.scopes):
                break
        for scope in row.scopes:
            taken[scope].add(lowered)
        renamed.append({"id": row.id, "name": name})
    if renamed:
        conn.execute(sa.text(f"UPDATE {table} SET name = :name WHERE id = :id"), renamed)


def upgrade() -> None:
    conn = op.get_bind()
    for table in SCOPES:
        _rename_clashes(conn, table)
    for name, table, column, where in INDEXES:
        op.create_index(
            name,
            table,
            [column, sa.literal_column("lower(name)")],
            unique=True,
            postgresql_where=sa.text(where) if where else None,
        )


def downgrade() -> None:
    for name, table, _column, _where in reversed(INDEXES):
        op.drop_index(name, table_name=table)
