"""stored filters lose the parts their operators ignore, as a request may no longer send them

Revision ID: 0052
Revises: 0051
Create Date: 2026-12-07 21:30:00

A filter sent with a value for `is_empty` or `is_not_empty`, `days` for `before`, `after` or
`on`, or a `date` for the operators counting days is now refused, as the compiler ignored the
part. Stored filters holding one (saved views, attribute triggers, alert rules, health model
segments) match what they matched, without it, so that sending one back as it reads (the SPA
opening a saved view, an integrator updating a rule) is not refused.
"""

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0052"
down_revision: str | None = "0051"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table: its filter-language column
FILTERS = {
    "account_views": "filter",
    "attribute_triggers": "condition",
    "alert_rules": "condition",
    "health_models": "filter",
}
TESTS_PRESENCE = {"is_empty", "is_not_empty"}
ON_A_DATE = {"before", "after", "on"}


def _unused(node: dict[str, Any]) -> str | None:
    """The part of a condition its operator ignores (domain/filters/compile.py)."""
    kind, op_ = node.get("kind"), node.get("op")
    if kind == "compare" and op_ in TESTS_PRESENCE:
        return "value"
    if kind == "date":
        return "days" if op_ in ON_A_DATE else "date"
    return None


def without_unused_parts(node: Any) -> Any:
    """`node` with every ignored part null, as a request's filter is stored."""
    if isinstance(node, list):
        return [without_unused_parts(child) for child in node]
    if not isinstance(node, dict):
        return node
    cleaned = {key: without_unused_parts(value) for key, value in node.items()}
    unused = _unused(cleaned)
    if unused is not None and cleaned.get(unused) is not None:
        cleaned[unused] = None
    return cleaned


def upgrade() -> None:
    conn = op.get_bind()
    for table, column in FILTERS.items():
        # Configuration, not data: a few thousand rows at most, read whole.
        rows = conn.execute(
            sa.text(f"SELECT id, CAST({column} AS text) FROM {table} WHERE {column} IS NOT NULL")
        ).all()
        for id_, text in rows:
            stored = json.loads(text)
            cleaned = without_unused_parts(stored)
            if cleaned != stored:
                conn.execute(
                    sa.text(f"UPDATE {table} SET {column} = CAST(:value AS jsonb) WHERE id = :id"),
                    {"value": json.dumps(cleaned), "id": id_},
                )


def downgrade() -> None:
    """The parts cleared were ignored: a filter matches the same accounts without them."""
