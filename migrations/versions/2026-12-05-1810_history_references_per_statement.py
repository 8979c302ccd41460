"""account histories, current CSMs, audit entries and change marks: references checked once
per statement

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-05 18:10:00

A bulk edit of 100,000 accounts writes each account's history (stage and CSM periods, score
entries, churn events), its current CSMs, an audit entry and a change mark, and each row's
foreign keys ran a lookup that locks the referenced row: 20 of the edit's 33 s. As migration
0030 did for alerts, a statement trigger now checks the new rows' references in one set-based
query per column, locking each referenced row once (FOR KEY SHARE, as a foreign key would) so
that a concurrent delete either waits for the write or makes it fail. A reference is fixed once
written, except that it may become NULL (ON DELETE SET NULL) and a churn event gains its
reactivation's author. Deleting a referenced row does what the foreign key did (statement
triggers): an account's rows go with it, so an organisation's go with its accounts, and its
audit entries and change marks with it.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0036"
down_revision: str | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HISTORIES = (
    "stage_history",
    "csm_score_history",
    "csm_assignment_history",
    "nps_responses",
    "status_updates",
    "churn_events",
)

# table: {column: (referenced table, on delete)}
REFERENCES: dict[str, dict[str, tuple[str, str]]] = {
    **{
        table: {
            "org_id": ("organisations", "CASCADE"),
            "account_id": ("accounts", "CASCADE"),
            "changed_by_id": ("users", "SET NULL"),
        }
        for table in HISTORIES
    },
    "account_csms": {
        "org_id": ("organisations", "CASCADE"),
        "account_id": ("accounts", "CASCADE"),
        "user_id": ("users", "CASCADE"),
    },
    "audit_log": {
        "org_id": ("organisations", "CASCADE"),
        "actor_user_id": ("users", "SET NULL"),
    },
    # Marked by every such write too (and by each ingested batch).
    "account_changes": {"org_id": ("organisations", "CASCADE")},
}
REFERENCES["stage_history"]["stage_id"] = ("lifecycle_stages", "SET NULL")
REFERENCES["csm_assignment_history"]["user_id"] = ("users", "CASCADE")
REFERENCES["churn_events"]["reactivated_by_id"] = ("users", "SET NULL")
# Set after the row is written (a reactivation): checked on update too.
SET_LATER = {"churn_events": ["reactivated_by_id"]}


def _deleted_with(parent: str) -> list[str]:
    """What deleting rows of `parent` does, as triggers' arguments (table, column, action).
    An organisation's rows that name an account go with its accounts."""
    return [
        arg
        for table, columns in REFERENCES.items()
        for column, (referenced, action) in columns.items()
        if referenced == parent and not (parent == "organisations" and "account_id" in columns)
        for arg in (table, column, action)
    ]


def _arguments(values: Sequence[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def upgrade() -> None:
    op.execute(
        """
CREATE FUNCTION check_references() RETURNS trigger LANGUAGE plpgsql AS $$
-- Arguments: column, referenced table, column, referenced table...
DECLARE
    i int := 0;
    wanted bigint;
    found bigint;
BEGIN
    WHILE i < TG_NARGS LOOP
        EXECUTE format('SELECT count(DISTINCT %I) FROM written', TG_ARGV[i]) INTO wanted;
        IF wanted > 0 THEN
            EXECUTE format(
                'SELECT count(*) FROM (SELECT 1 FROM %I p WHERE p.id IN '
                '(SELECT %I FROM written) FOR KEY SHARE OF p) l',
                TG_ARGV[i + 1], TG_ARGV[i]) INTO found;
            IF found < wanted THEN
                RAISE foreign_key_violation USING
                    MESSAGE = format('%s.%s names a row that is not in %s',
                                     TG_TABLE_NAME, TG_ARGV[i], TG_ARGV[i + 1]),
                    TABLE = TG_TABLE_NAME, COLUMN = TG_ARGV[i];
            END IF;
        END IF;
        i := i + 2;
    END LOOP;
    RETURN NULL;
END $$
"""
    )
    op.execute(
        """
CREATE FUNCTION keep_references() RETURNS trigger LANGUAGE plpgsql AS $$
-- Arguments: the columns that may only become NULL once written.
DECLARE
    before jsonb := to_jsonb(OLD);
    after jsonb := to_jsonb(NEW);
    col text;
BEGIN
    FOREACH col IN ARRAY TG_ARGV LOOP
        IF after -> col IS DISTINCT FROM before -> col AND after ->> col IS NOT NULL THEN
            RAISE foreign_key_violation USING
                MESSAGE = format('%s.%s is fixed once written', TG_TABLE_NAME, col),
                TABLE = TG_TABLE_NAME, COLUMN = col;
        END IF;
    END LOOP;
    RETURN NEW;
END $$
"""
    )
    op.execute(
        """
CREATE FUNCTION delete_references() RETURNS trigger LANGUAGE plpgsql AS $$
-- Arguments: table, column, CASCADE | SET NULL, table, column, ...
DECLARE
    i int := 0;
BEGIN
    WHILE i < TG_NARGS LOOP
        IF TG_ARGV[i + 2] = 'CASCADE' THEN
            EXECUTE format('DELETE FROM %I WHERE %I IN (SELECT id FROM deleted)',
                           TG_ARGV[i], TG_ARGV[i + 1]);
        ELSE
            EXECUTE format('UPDATE %I SET %I = NULL WHERE %I IN (SELECT id FROM deleted)',
                           TG_ARGV[i], TG_ARGV[i + 1], TG_ARGV[i + 1]);
        END IF;
        i := i + 3;
    END LOOP;
    RETURN NULL;
END $$
"""
    )
    for table, columns in REFERENCES.items():
        for column, (referenced, _) in columns.items():
            op.drop_constraint(f"fk_{table}_{column}_{referenced}", table, type_="foreignkey")
        checked = [
            arg for column, (referenced, _) in columns.items() for arg in (column, referenced)
        ]
        op.execute(
            f"CREATE TRIGGER check_{table}_references AFTER INSERT ON {table} "
            f"REFERENCING NEW TABLE AS written "
            f"FOR EACH STATEMENT EXECUTE FUNCTION check_references({_arguments(checked)})"
        )
        fixed = [c for c in columns if c not in SET_LATER.get(table, [])]
        op.execute(
            f"CREATE TRIGGER keep_{table}_references BEFORE UPDATE OF {', '.join(fixed)} "
            f"ON {table} FOR EACH ROW EXECUTE FUNCTION keep_references({_arguments(fixed)})"
        )
    for table, columns in SET_LATER.items():
        checked = [arg for column in columns for arg in (column, REFERENCES[table][column][0])]
        op.execute(
            f"CREATE TRIGGER check_{table}_later_references AFTER UPDATE ON {table} "
            f"REFERENCING NEW TABLE AS written "
            f"FOR EACH STATEMENT EXECUTE FUNCTION check_references({_arguments(checked)})"
        )
    for parent in ("accounts", "organisations", "users", "lifecycle_stages"):
        op.execute(
            f"CREATE TRIGGER delete_{parent}_references AFTER DELETE ON {parent} "
            f"REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT "
            f"EXECUTE FUNCTION delete_references({_arguments(_deleted_with(parent))})"
        )


def downgrade() -> None:
    for parent in ("accounts", "organisations", "users", "lifecycle_stages"):
        op.execute(f"DROP TRIGGER delete_{parent}_references ON {parent}")
    for table in SET_LATER:
        op.execute(f"DROP TRIGGER check_{table}_later_references ON {table}")
    for table, columns in REFERENCES.items():
        op.execute(f"DROP TRIGGER keep_{table}_references ON {table}")
        op.execute(f"DROP TRIGGER check_{table}_references ON {table}")
        for column, (referenced, action) in columns.items():
            op.create_foreign_key(
                f"fk_{table}_{column}_{referenced}",
                table,
                referenced,
                [column],
                ["id"],
                ondelete=action,
            )
    for function in ("delete_references", "keep_references", "check_references"):
        op.execute(f"DROP FUNCTION {function}()")
