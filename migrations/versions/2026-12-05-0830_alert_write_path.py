"""alerts' account, rule and organisation checked once per statement, not once per row

Revision ID: 0030
Revises: 0026
Create Date: 2026-12-05 08:30:00

A full pass opens hundreds of thousands of alerts in one statement, and each row's three
foreign keys (account, rule, organisation) each ran a lookup that locks the referenced row:
about half of the pass. A statement trigger now checks the new alerts' accounts and rules in two
set-based queries, each of the alert's own organisation, locking each referenced row once
(FOR KEY SHARE, as a foreign key would) so that a concurrent delete either waits for the insert
or makes it fail. The organisation needs no check of its own: it is the account's. Deleting an
account or a rule deletes its alerts (statement triggers); deleting an organisation deletes its
accounts and rules and so their alerts. An alert's account, rule and organisation never change.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0030"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFERENCES = {
    "fk_alerts_account_id_accounts": ("account_id", "accounts"),
    "fk_alerts_rule_id_alert_rules": ("rule_id", "alert_rules"),
    "fk_alerts_org_id_organisations": ("org_id", "organisations"),
}


def upgrade() -> None:
    for name in REFERENCES:
        op.drop_constraint(name, "alerts", type_="foreignkey")
    op.execute(
        """
CREATE FUNCTION check_alert_references() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    wanted bigint;
    found bigint;
BEGIN
    SELECT count(*) INTO wanted FROM (SELECT DISTINCT account_id, org_id FROM new_alerts) n;
    SELECT count(*) INTO found FROM (
        SELECT 1 FROM accounts a
        WHERE (a.id, a.org_id) IN (SELECT account_id, org_id FROM new_alerts)
        FOR KEY SHARE OF a) l;
    IF found < wanted THEN
        RAISE foreign_key_violation USING
            MESSAGE = 'an alert names an account that is not of its organisation',
            TABLE = 'alerts', CONSTRAINT = 'alerts_account';
    END IF;
    SELECT count(*) INTO wanted FROM (SELECT DISTINCT rule_id, org_id FROM new_alerts) n;
    SELECT count(*) INTO found FROM (
        SELECT 1 FROM alert_rules r
        WHERE (r.id, r.org_id) IN (SELECT rule_id, org_id FROM new_alerts)
        FOR KEY SHARE OF r) l;
    IF found < wanted THEN
        RAISE foreign_key_violation USING
            MESSAGE = 'an alert names a rule that is not of its organisation',
            TABLE = 'alerts', CONSTRAINT = 'alerts_rule';
    END IF;
    RETURN NULL;
END $$
"""
    )
    op.execute(
        "CREATE TRIGGER check_alert_references AFTER INSERT ON alerts "
        "REFERENCING NEW TABLE AS new_alerts "
        "FOR EACH STATEMENT EXECUTE FUNCTION check_alert_references()"
    )
    op.execute(
        """
CREATE FUNCTION keep_alert_references() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.account_id, NEW.rule_id, NEW.org_id) IS DISTINCT FROM
       (OLD.account_id, OLD.rule_id, OLD.org_id) THEN
        RAISE foreign_key_violation USING
            MESSAGE = 'an alert''s account, rule and organisation are fixed',
            TABLE = 'alerts';
    END IF;
    RETURN NEW;
END $$
"""
    )
    op.execute(
        "CREATE TRIGGER keep_alert_references BEFORE UPDATE OF account_id, rule_id, org_id "
        "ON alerts FOR EACH ROW EXECUTE FUNCTION keep_alert_references()"
    )
    for table, column in (("accounts", "account_id"), ("alert_rules", "rule_id")):
        op.execute(
            f"""
CREATE FUNCTION delete_{table}_alerts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM alerts WHERE {column} IN (SELECT id FROM deleted);
    RETURN NULL;
END $$
"""
        )
        op.execute(
            f"CREATE TRIGGER delete_{table}_alerts AFTER DELETE ON {table} "
            f"REFERENCING OLD TABLE AS deleted "
            f"FOR EACH STATEMENT EXECUTE FUNCTION delete_{table}_alerts()"
        )


def downgrade() -> None:
    for table in ("accounts", "alert_rules"):
        op.execute(f"DROP TRIGGER delete_{table}_alerts ON {table}")
        op.execute(f"DROP FUNCTION delete_{table}_alerts()")
    op.execute("DROP TRIGGER keep_alert_references ON alerts")
    op.execute("DROP FUNCTION keep_alert_references()")
    op.execute("DROP TRIGGER check_alert_references ON alerts")
    op.execute("DROP FUNCTION check_alert_references()")
    for name, (column, table) in REFERENCES.items():
        op.create_foreign_key(name, "alerts", table, [column], ["id"], ondelete="CASCADE")
