"""notifications' references checked once per statement

Revision ID: 0044
Revises: 0043
Create Date: 2026-12-06 15:00:00

A first pass of 100 alert rules over 100,000 accounts opens about 370,000 alerts and tells each
account's CSMs of each: as many notifications, written by one statement. Their five foreign keys
ran a locking lookup per row and column (organisation, user, account, alert, task): 50 of the
statement's 79 s, and the pass took 66-84 s instead of 11-12 s without notifications. As
migrations 0036 and 0037 did for account histories, a statement trigger checks the written rows'
references in one set-based query per column, locking each referenced row once (FOR KEY SHARE,
as a foreign key would); a reference is fixed once written. Deleting an account, a user, an
alert or a task deletes its notifications by statement triggers, as the foreign keys did; an
organisation's go with its accounts and users. The index on the task leaves out the rows that
name none (an alert's notifications), which it only served to find a deleted task's.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0044"
down_revision: str | None = "0043"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFERENCES = {
    "org_id": "organisations",
    "user_id": "users",
    "account_id": "accounts",
    "alert_id": "alerts",
    "task_id": "tasks",
}
CHECKED = ", ".join(f"'{arg}'" for pair in REFERENCES.items() for arg in pair)
FIXED = ", ".join(f"'{column}'" for column in REFERENCES)
# Deleting an organisation deletes its accounts and users, and their notifications with them.
DELETED_WITH = [c for c, referenced in REFERENCES.items() if referenced != "organisations"]


def upgrade() -> None:
    op.drop_index("ix_notifications_task_id", "notifications")
    op.create_index(
        "ix_notifications_task_id",
        "notifications",
        ["task_id"],
        postgresql_where=sa.text("task_id IS NOT NULL"),
    )
    for column, referenced in REFERENCES.items():
        op.drop_constraint(
            f"fk_notifications_{column}_{referenced}", "notifications", type_="foreignkey"
        )
    op.execute(
        "CREATE TRIGGER check_notifications_references AFTER INSERT ON notifications "
        "REFERENCING NEW TABLE AS written FOR EACH STATEMENT "
        f"EXECUTE FUNCTION check_references({CHECKED})"
    )
    op.execute(
        f"CREATE TRIGGER keep_notifications_references BEFORE UPDATE OF {', '.join(REFERENCES)} "
        f"ON notifications FOR EACH ROW EXECUTE FUNCTION keep_references({FIXED})"
    )
    for column in DELETED_WITH:
        referenced = REFERENCES[column]
        op.execute(
            f"CREATE TRIGGER delete_{referenced}_notifications AFTER DELETE ON {referenced} "
            "REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT "
            f"EXECUTE FUNCTION delete_references('notifications', '{column}', 'CASCADE')"
        )


def downgrade() -> None:
    for column in DELETED_WITH:
        op.execute(
            f"DROP TRIGGER delete_{REFERENCES[column]}_notifications ON {REFERENCES[column]}"
        )
    op.execute("DROP TRIGGER keep_notifications_references ON notifications")
    op.execute("DROP TRIGGER check_notifications_references ON notifications")
    for column, referenced in REFERENCES.items():
        op.create_foreign_key(
            f"fk_notifications_{column}_{referenced}",
            "notifications",
            referenced,
            [column],
            ["id"],
            ondelete="CASCADE",
        )
    op.drop_index("ix_notifications_task_id", "notifications")
    op.create_index("ix_notifications_task_id", "notifications", ["task_id"])
