"""usage events and rollups without per-row foreign key checks; organisation deletes by trigger

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 12:00:00

A foreign key is checked (and its organisation row locked) for every event and rollup row
written, which costs about as much as the write. The organisation keeps its cascade: a trigger
deletes these rows when it is deleted.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("usage_events", "usage_daily_contact", "usage_daily_account", "usage_daily_feature")


def upgrade() -> None:
    for table in TABLES:
        op.drop_constraint(f"fk_{table}_org_id_organisations", table, type_="foreignkey")
    deletes = "\n".join(f"    DELETE FROM {table} WHERE org_id = OLD.id;" for table in TABLES)
    op.execute(
        f"""
CREATE FUNCTION delete_organisation_usage() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
{deletes}
    RETURN OLD;
END $$
"""
    )
    op.execute(
        "CREATE TRIGGER delete_organisation_usage BEFORE DELETE ON organisations "
        "FOR EACH ROW EXECUTE FUNCTION delete_organisation_usage()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER delete_organisation_usage ON organisations")
    op.execute("DROP FUNCTION delete_organisation_usage()")
    for table in TABLES:
        op.execute(
            f"DELETE FROM {table} t WHERE NOT EXISTS "
            f"(SELECT 1 FROM organisations o WHERE o.id = t.org_id)"
        )
        op.create_foreign_key(
            f"fk_{table}_org_id_organisations",
            table,
            "organisations",
            ["org_id"],
            ["id"],
            ondelete="CASCADE",
        )
