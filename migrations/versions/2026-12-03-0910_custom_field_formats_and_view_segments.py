"""custom field formats chosen per type; saved views keep their segment and any sort key

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 09:00:00

A custom field's format was a free string nothing used: every field now holds one its type
allows, unknown ones mapped to the type's default (a number field's metric formats "number"
and "days" become "plain" and "integer"), and the column may no longer be empty. Views keep
their Active/Churned/All segment (existing views list the active book, as the explorer did)
and sort by any field key (custom.<key>, metric.<key>), longer than the old 32 characters.

The data step and the NOT NULL it allows are one revision: the constraint needs the data.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As domain/accounts/custom_values.FORMATS on the day of this revision; the first is the default.
FORMATS = {
    "number": ("plain", "integer", "decimal", "currency", "percent"),
    "date": ("date",),
    "text": ("text", "url", "email"),
    "category": ("default",),
    "boolean": ("default",),
}
# Formats a number field could hold before (the metric formats) with their nearest new one.
RENAMED = {"number": "plain", "days": "integer"}


def _quoted(values: Sequence[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def upgrade() -> None:
    cases = []
    for type_, formats in FORMATS.items():
        cases.append(f"WHEN type = '{type_}' AND format IN ({_quoted(formats)}) THEN format")
        if type_ == "number":
            cases += [
                f"WHEN type = 'number' AND format = '{old}' THEN '{new}'"
                for old, new in RENAMED.items()
            ]
        cases.append(f"WHEN type = '{type_}' THEN '{formats[0]}'")
    op.execute(f"UPDATE custom_fields SET format = CASE {' '.join(cases)} ELSE 'default' END")
    op.alter_column("custom_fields", "format", existing_type=sa.String(length=32), nullable=False)
    op.alter_column(
        "account_views",
        "sort",
        existing_type=sa.String(length=32),
        type_=sa.String(length=120),
        existing_nullable=False,
    )
    op.add_column(
        "account_views",
        sa.Column("segment", sa.String(length=16), server_default="active", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("account_views", "segment")
    # Sort keys that do not fit the old column fall back to the name, the default sort.
    op.execute("UPDATE account_views SET sort = 'name' WHERE length(sort) > 32")
    op.alter_column(
        "account_views",
        "sort",
        existing_type=sa.String(length=120),
        type_=sa.String(length=32),
        existing_nullable=False,
    )
    # The formats stay as mapped: each is one the old free string allowed.
    op.alter_column("custom_fields", "format", existing_type=sa.String(length=32), nullable=True)
