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


def _tables(url: str) -> set[str]:
    async def query() -> set[str]:
        u = make_url(url)
        conn = await asyncpg.connect(
            host=u.query.get("host") or u.host, port=u.port, user=u.username, database=u.database
        )
        try:
            rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            return {r["tablename"] for r in rows}
        finally:
            await conn.close()

    return asyncio.run(query())


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
