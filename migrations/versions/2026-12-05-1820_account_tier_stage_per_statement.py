"""accounts' tier and stage checked once per statement

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-05 18:20:00

An attribute trigger that moves 66,667 accounts to another tier spent 0.8 of its 4.4 s on the
tier's foreign key, one locking lookup per account for the same three tiers; a bulk edit of the
stage the same. As migration 0036 did for histories, a statement trigger checks the written
accounts' tiers and stages in one set-based query each, locking each once (FOR KEY SHARE, as a
foreign key would), after every insert and update of accounts. Deleting a tier or a stage sets
its accounts' to NULL, as the foreign keys did.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0037"
down_revision: str | None = "0036"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFERENCES = {"tier_id": "tiers", "stage_id": "lifecycle_stages"}
CHECKED = ", ".join(f"'{arg}'" for pair in REFERENCES.items() for arg in pair)


def upgrade() -> None:
    for column, referenced in REFERENCES.items():
        op.drop_constraint(f"fk_accounts_{column}_{referenced}", "accounts", type_="foreignkey")
        op.execute(
            f"CREATE TRIGGER delete_{referenced}_account_references AFTER DELETE ON {referenced} "
            f"REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT "
            f"EXECUTE FUNCTION delete_references('accounts', '{column}', 'SET NULL')"
        )
    for event in ("INSERT", "UPDATE"):
        op.execute(
            f"CREATE TRIGGER check_accounts_{event.lower()}_references AFTER {event} ON accounts "
            f"REFERENCING NEW TABLE AS written FOR EACH STATEMENT "
            f"EXECUTE FUNCTION check_references({CHECKED})"
        )


def downgrade() -> None:
    for event in ("INSERT", "UPDATE"):
        op.execute(f"DROP TRIGGER check_accounts_{event.lower()}_references ON accounts")
    for column, referenced in REFERENCES.items():
        op.execute(f"DROP TRIGGER delete_{referenced}_account_references ON {referenced}")
        op.create_foreign_key(
            f"fk_accounts_{column}_{referenced}",
            "accounts",
            referenced,
            [column],
            ["id"],
            ondelete="SET NULL",
        )
