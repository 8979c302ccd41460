"""a contact's former external ids (Segment's alias), so later events sent under one follow it

Revision ID: 0048
Revises: 0047
Create Date: 2026-12-07 19:00:00

An alias renamed the contact, and events sent before it followed; an event sent after it under
the former id (an anonymous id still in a browser's storage) stayed with no contact for good.
Aliases already received are not known: only those from now on are kept.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0048"
down_revision: str | None = "0047"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contact_aliases",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("alias", sa.String(length=200), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_contact_aliases_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("org_id", "alias", name=op.f("pk_contact_aliases")),
    )


def downgrade() -> None:
    op.drop_table("contact_aliases")
