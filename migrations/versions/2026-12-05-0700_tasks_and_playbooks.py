"""tasks, alert tasks and playbooks

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-05 07:00:00

An alert has at most one alert task (the partial unique index uq_tasks_alert_task) and one copy
of each playbook step (uq_tasks_alert_id_playbook_step_id): evaluations insert them with ON
CONFLICT DO NOTHING in the statement that opens the alert, so a retried job makes none twice.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "playbooks",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_playbooks_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_playbooks")),
        sa.UniqueConstraint("org_id", "name", name=op.f("uq_playbooks_org_id_name")),
    )
    op.create_table(
        "playbook_steps",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("playbook_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("due_in_days", sa.Integer(), nullable=False),
        sa.Column("assignee", sa.String(length=16), nullable=False),
        sa.Column("assignee_user_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignee_user_id"],
            ["users.id"],
            name=op.f("fk_playbook_steps_assignee_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_playbook_steps_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["playbook_id"],
            ["playbooks.id"],
            name=op.f("fk_playbook_steps_playbook_id_playbooks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_playbook_steps")),
        sa.UniqueConstraint(
            "playbook_id", "position", name=op.f("uq_playbook_steps_playbook_id_position")
        ),
    )
    op.create_table(
        "tasks",
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column("alert_id", sa.Uuid(), nullable=True),
        sa.Column("playbook_step_id", sa.Uuid(), nullable=True),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("priority", sa.String(length=16), nullable=False),
        sa.Column("tags", postgresql.ARRAY(sa.String(length=64)), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_tasks_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["alerts.id"], name=op.f("fk_tasks_alert_id_alerts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["closed_by"], ["users.id"], name=op.f("fk_tasks_closed_by_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_tasks_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisations.id"],
            name=op.f("fk_tasks_org_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_tasks_owner_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["tasks.id"], name=op.f("fk_tasks_parent_id_tasks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
        sa.UniqueConstraint(
            "alert_id", "playbook_step_id", name=op.f("uq_tasks_alert_id_playbook_step_id")
        ),
    )
    op.create_index(op.f("ix_tasks_account_id"), "tasks", ["account_id"], unique=False)
    op.create_index(
        "ix_tasks_org_id_owner_id_status", "tasks", ["org_id", "owner_id", "status"], unique=False
    )
    op.create_index(
        "ix_tasks_org_id_status_due_on", "tasks", ["org_id", "status", "due_on"], unique=False
    )
    op.create_index(op.f("ix_tasks_parent_id"), "tasks", ["parent_id"], unique=False)
    op.create_index(
        "uq_tasks_alert_task",
        "tasks",
        ["alert_id"],
        unique=True,
        postgresql_where=sa.text("playbook_step_id IS NULL"),
    )
    op.add_column("alert_rules", sa.Column("playbook_id", sa.Uuid(), nullable=True))
    op.create_foreign_key(
        op.f("fk_alert_rules_playbook_id_playbooks"),
        "alert_rules",
        "playbooks",
        ["playbook_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.add_column("alerts", sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("users", sa.Column("manager_id", sa.Uuid(), nullable=True))
    op.create_foreign_key(
        op.f("fk_users_manager_id_users"),
        "users",
        "users",
        ["manager_id"],
        ["id"],
        ondelete="SET NULL",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("fk_users_manager_id_users"), "users", type_="foreignkey")
    op.drop_column("users", "manager_id")
    op.drop_column("alerts", "closed_at")
    op.drop_constraint(
        op.f("fk_alert_rules_playbook_id_playbooks"), "alert_rules", type_="foreignkey"
    )
    op.drop_column("alert_rules", "playbook_id")
    op.drop_index(
        "uq_tasks_alert_task",
        table_name="tasks",
        postgresql_where=sa.text("playbook_step_id IS NULL"),
    )
    op.drop_index(op.f("ix_tasks_parent_id"), table_name="tasks")
    op.drop_index("ix_tasks_org_id_status_due_on", table_name="tasks")
    op.drop_index("ix_tasks_org_id_owner_id_status", table_name="tasks")
    op.drop_index(op.f("ix_tasks_account_id"), table_name="tasks")
    op.drop_table("tasks")
    op.drop_table("playbook_steps")
    op.drop_table("playbooks")
