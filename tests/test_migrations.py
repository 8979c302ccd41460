"""The migrations: one head, a working downgrade, and no drift from the models."""

import asyncio
import json
import os
import subprocess
import sys
import uuid

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from scripts import stack
from scripts.services import ROOT

SCRATCH_DB = f"tenure_migrations_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"


def _alembic(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "alembic", *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        check=False,
    )


def _sql(url: str, *statements: str) -> list[asyncpg.Record]:
    """Run statements in order; the rows of the last one."""

    async def run() -> list[asyncpg.Record]:
        u = make_url(url)
        conn = await asyncpg.connect(
            host=u.query.get("host") or u.host, port=u.port, user=u.username, database=u.database
        )
        try:
            rows: list[asyncpg.Record] = []
            for statement in statements:
                rows = await conn.fetch(statement)
            return rows
        finally:
            await conn.close()

    return asyncio.run(run())


def _tables(url: str) -> set[str]:
    rows = _sql(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    return {r["tablename"] for r in rows}


@pytest.fixture(scope="module")
def scratch_url(service_urls: tuple[str, str]) -> str:
    url = stack.database_url(service_urls[0], SCRATCH_DB)
    stack.ensure_database(url, fresh=True)
    return url


class TestMigrations:
    def test_there_is_a_single_head(self, scratch_url: str) -> None:
        result = _alembic(scratch_url, "heads")

        assert result.returncode == 0, result.stderr
        heads = [line for line in result.stdout.splitlines() if line.strip()]
        assert len(heads) == 1 and heads[0].endswith("(head)"), heads

    def test_upgrade_downgrade_upgrade_round_trip(self, scratch_url: str) -> None:
        up = _alembic(scratch_url, "upgrade", "head")
        assert up.returncode == 0, up.stderr
        assert {"accounts", "users", "roles", "email_outbox"} <= _tables(scratch_url)

        down = _alembic(scratch_url, "downgrade", "base")
        assert down.returncode == 0, down.stderr
        assert _tables(scratch_url) == {"alembic_version"}

        again = _alembic(scratch_url, "upgrade", "head")
        assert again.returncode == 0, again.stderr

    def test_models_and_migrations_agree(self, scratch_url: str) -> None:
        assert _alembic(scratch_url, "upgrade", "head").returncode == 0

        result = _alembic(scratch_url, "check")

        assert result.returncode == 0, result.stdout + result.stderr
        assert "No new upgrade operations detected" in result.stdout + result.stderr

    def test_custom_field_formats_become_ones_their_type_allows(self, scratch_url: str) -> None:
        assert _alembic(scratch_url, "upgrade", "head").returncode == 0
        assert _alembic(scratch_url, "downgrade", "0012").returncode == 0
        fields = {
            # key: (type, format before) -> format after
            "seats": ("number", "currency", "currency"),
            "score": ("number", "number", "plain"),
            "age": ("number", "days", "integer"),
            "misc": ("number", None, "plain"),
            "site": ("text", "url", "url"),
            "note": ("text", "markdown", "text"),
            "renews": ("date", "yyyy", "date"),
            "plan": ("category", "currency", "default"),
            "vip": ("boolean", None, "default"),
        }
        values = ", ".join(
            f"(gen_random_uuid(), o.id, '{key}', '{key}', 'dimension', '{type_}', "
            + (f"'{before}'" if before else "NULL")
            + ", CAST('{}' AS varchar[]), 'manual')"
            for key, (type_, before, _after) in fields.items()
        )
        _sql(
            scratch_url,
            "DELETE FROM organisations",
            "INSERT INTO organisations (id, name, base_currency, time_zone,"
            " fiscal_year_start_month, requires_mfa) VALUES"
            " (gen_random_uuid(), 'Formats', 'USD', 'UTC', 1, false)",
            "INSERT INTO custom_fields (id, org_id, key, label, kind, type, format, options,"
            f" source) SELECT v.* FROM organisations o, LATERAL (VALUES {values}) v",
        )

        assert _alembic(scratch_url, "upgrade", "head").returncode == 0

        rows = _sql(scratch_url, "SELECT key, format FROM custom_fields")
        assert {r["key"]: r["format"] for r in rows} == {
            key: after for key, (_type, _before, after) in fields.items()
        }

    def test_names_that_clash_are_renamed_before_they_are_made_unique(
        self, scratch_url: str
    ) -> None:
        assert _alembic(scratch_url, "upgrade", "head").returncode == 0
        assert _alembic(scratch_url, "downgrade", "0046").returncode == 0
        org, elsewhere, role, ann, bob = (uuid.uuid4() for _ in range(5))
        long = "L" * 200
        # (table, owner, shared, name, minutes ago); triggers have no owner, and are the
        # organisation's (`elsewhere` is another one).
        rows = [
            ("attribute_triggers", org, None, "Renewals", 9),
            ("attribute_triggers", org, None, "renewals", 8),
            ("attribute_triggers", org, None, "Renewals (2)", 7),
            ("attribute_triggers", org, None, "RENEWALS", 6),
            ("attribute_triggers", elsewhere, None, "Renewals", 5),
            ("account_views", ann, False, "Team", 9),
            ("account_views", bob, True, "Team", 8),
            ("account_views", ann, True, "team", 7),
            ("account_views", bob, False, "Mine", 6),
            ("account_views", ann, False, "Mine", 5),
            ("task_views", ann, False, "My week", 9),
            ("task_views", ann, True, "MY WEEK", 8),
            ("task_views", bob, False, "My week", 7),
            ("task_views", bob, True, long, 6),
            ("task_views", ann, True, long.lower(), 5),
        ]
        inserts = []
        for table, owner, shared, name, ago in rows:
            at = f"now() - interval '{ago} minutes'"
            if table == "attribute_triggers":
                inserts.append(
                    "INSERT INTO attribute_triggers (id, org_id, name, target, churn_reason,"
                    " condition, position, is_active, last_changed, created_at) VALUES"
                    f" (gen_random_uuid(), '{owner}', '{name}', 'churned', 'r', '{{}}', 0, true,"
                    f" 0, {at})"
                )
            elif table == "account_views":
                inserts.append(
                    "INSERT INTO account_views (id, org_id, owner_id, name, is_shared, columns,"
                    " sort, descending, created_at) VALUES (gen_random_uuid(),"
                    f" '{org}', '{owner}', '{name}', {shared}, CAST('{{}}' AS varchar[]), 'name',"
                    f" false, {at})"
                )
            else:
                inserts.append(
                    "INSERT INTO task_views (id, org_id, owner_id, name, is_shared, filters,"
                    f" created_at) VALUES (gen_random_uuid(), '{org}', '{owner}', '{name}',"
                    f" {shared}, '{{}}', {at})"
                )
        _sql(
            scratch_url,
            "DELETE FROM organisations",
            "INSERT INTO organisations (id, name, base_currency, time_zone,"
            " fiscal_year_start_month, requires_mfa) VALUES"
            f" ('{org}', 'Names', 'USD', 'UTC', 1, false),"
            f" ('{elsewhere}', 'Elsewhere', 'USD', 'UTC', 1, false)",
            "INSERT INTO roles (id, org_id, name, description, permissions, landing_page,"
            f" is_builtin) VALUES ('{role}', '{org}', 'Admin', '', '{{}}', '/', true)",
            "INSERT INTO users (id, org_id, email, full_name, role_id, status) VALUES"
            f" ('{ann}', '{org}', 'ann@example.com', 'Ann', '{role}', 'active'),"
            f" ('{bob}', '{org}', 'bob@example.com', 'Bob', '{role}', 'active')",
            *inserts,
        )

        assert _alembic(scratch_url, "upgrade", "head").returncode == 0

        names = {
            table: [
                (r["owner"], r["shared"], r["name"])
                for r in _sql(
                    scratch_url,
                    f"SELECT {owner} AS owner, {shared} AS shared, name FROM {table}"
                    " ORDER BY created_at",
                )
            ]
            for table, owner, shared in (
                ("attribute_triggers", "org_id", "NULL"),
                ("account_views", "owner_id", "is_shared"),
                ("task_views", "owner_id", "is_shared"),
            )
        }
        assert names == {
            # "Renewals (2)" was taken: the second is the third.
            "attribute_triggers": [
                (org, None, "Renewals"),
                (org, None, "renewals (3)"),
                (org, None, "Renewals (2)"),
                (org, None, "RENEWALS (4)"),
                (elsewhere, None, "Renewals"),
            ],
            # Ann's own "Team" and Bob's shared one clash with her shared "team"; the same name
            # as another's personal view, or beside another's shared view, is no clash.
            "account_views": [
                (ann, False, "Team"),
                (bob, True, "Team"),
                (ann, True, "team (2)"),
                (bob, False, "Mine"),
                (ann, False, "Mine"),
            ],
            "task_views": [
                (ann, False, "My week"),
                (ann, True, "MY WEEK (2)"),
                (bob, False, "My week"),
                (bob, True, long),
                (ann, True, "l" * 196 + " (2)"),
            ],
        }
        indexes = _sql(
            scratch_url,
            "SELECT indexname FROM pg_indexes WHERE indexname LIKE 'uq_%_name_lower'",
        )
        assert {r["indexname"] for r in indexes} == {
            "uq_attribute_triggers_org_id_name_lower",
            "uq_account_views_owner_id_name_lower",
            "uq_account_views_shared_name_lower",
            "uq_task_views_owner_id_name_lower",
            "uq_task_views_shared_name_lower",
        }

    def test_stored_filters_lose_the_parts_their_operators_ignored(self, scratch_url: str) -> None:
        assert _alembic(scratch_url, "upgrade", "head").returncode == 0
        assert _alembic(scratch_url, "downgrade", "0050").returncode == 0
        org, role, ann = (uuid.uuid4() for _ in range(3))
        tier = {"kind": "compare", "field": "tier", "op": "eq", "value": "Tier 1"}
        unassigned = {"kind": "compare", "field": "csm", "op": "is_empty", "value": None}
        before = {"kind": "date", "field": "renewal_on", "op": "before", "days": None}
        soon = {"kind": "date", "field": "renewal_on", "op": "within_next_days", "date": None}
        stored = {
            "kind": "any",
            "conditions": [
                tier,
                {**unassigned, "value": "u-1"},
                {"kind": "not", "condition": {**before, "date": "2027-01-01", "days": 3}},
            ],
        }
        trigger = {**soon, "days": 30, "date": "2026-01-01"}
        clean_view = {"kind": "all", "conditions": [tier, unassigned]}
        _sql(
            scratch_url,
            "DELETE FROM organisations",
            "INSERT INTO organisations (id, name, base_currency, time_zone,"
            " fiscal_year_start_month, requires_mfa) VALUES"
            f" ('{org}', 'Filters', 'USD', 'UTC', 1, false)",
            "INSERT INTO roles (id, org_id, name, description, permissions, landing_page,"
            f" is_builtin) VALUES ('{role}', '{org}', 'Admin', '', '{{}}', '/', true)",
            "INSERT INTO users (id, org_id, email, full_name, role_id, status) VALUES"
            f" ('{ann}', '{org}', 'ann@example.com', 'Ann', '{role}', 'active')",
            *(
                "INSERT INTO account_views (id, org_id, owner_id, name, is_shared, columns,"
                f" sort, descending, filter) VALUES (gen_random_uuid(), '{org}', '{ann}',"
                f" '{name}', false, CAST('{{}}' AS varchar[]), 'name', false,"
                f" '{json.dumps(filter_)}')"
                for name, filter_ in (("Old", stored), ("Clean", clean_view))
            ),
            "INSERT INTO attribute_triggers (id, org_id, name, target, churn_reason, condition,"
            f" position, is_active, last_changed) VALUES (gen_random_uuid(), '{org}', 'Soon',"
            f" 'churned', 'r', '{json.dumps(trigger)}', 0, true, 0)",
        )

        assert _alembic(scratch_url, "upgrade", "head").returncode == 0

        views = _sql(scratch_url, "SELECT name, CAST(filter AS text) AS f FROM account_views")
        assert {r["name"]: json.loads(r["f"]) for r in views} == {
            "Old": {
                "kind": "any",
                "conditions": [
                    tier,
                    unassigned,
                    {"kind": "not", "condition": {**before, "date": "2027-01-01"}},
                ],
            },
            "Clean": clean_view,
        }
        [row] = _sql(scratch_url, "SELECT CAST(condition AS text) AS c FROM attribute_triggers")
        assert json.loads(row["c"]) == {**soon, "days": 30}
