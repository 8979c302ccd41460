"""The migrations: one head, a working downgrade, and no drift from the models."""

import asyncio
import os
import subprocess
import sys

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
