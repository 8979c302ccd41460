"""`python -m scripts.create_org`: a self-hoster's organisation without the demo, as a real
process against the test database."""

import os
import subprocess
import sys
import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.users.passwords import verify_password
from scripts import stack
from scripts.services import ROOT


def _run(db_url: str, *args: str, password: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scripts.create_org", *args],
        input=password,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": db_url},
        check=False,
    )


async def test_creates_an_organisation_and_its_admin(
    service_urls: tuple[str, str], engine: AsyncEngine
) -> None:
    address = f"ops-{uuid.uuid4().hex[:8]}@acme.example"
    done = _run(
        service_urls[0],
        "--name",
        "Acme CS",
        "--admin-email",
        address,
        "--time-zone",
        "Europe/Paris",
        "--password-stdin",
        password="a long passphrase\n",
    )
    assert done.returncode == 0, done.stderr
    assert f"Its admin signs in as {address}" in done.stdout
    org_id = done.stdout.split("(")[1].split(")")[0]
    try:
        async with engine.connect() as conn:
            row = (
                await conn.execute(
                    text(
                        "SELECT o.name, o.time_zone, r.name, u.password_hash FROM users u "
                        "JOIN organisations o ON o.id = u.org_id JOIN roles r ON r.id = u.role_id "
                        "WHERE u.email = :e"
                    ),
                    {"e": address},
                )
            ).one()
        assert row[:3] == ("Acme CS", "Europe/Paris", "Admin")
        assert verify_password(row[3], "a long passphrase")

        twice = _run(service_urls[0], "--name", "Again", "--admin-email", address.upper())
        assert twice.returncode != 0
        assert "already has a Tenure sign-in" in twice.stderr
    finally:
        async with engine.begin() as conn:
            await conn.execute(text("DELETE FROM organisations WHERE id = :id"), {"id": org_id})


def test_refuses_bad_input(service_urls: tuple[str, str]) -> None:
    bad = _run(
        service_urls[0], "--name", "X", "--admin-email", "a@b.example", "--time-zone", "Mars"
    )
    assert bad.returncode != 0 and "time_zone" in bad.stderr
    short = _run(
        service_urls[0],
        "--name",
        "X",
        "--admin-email",
        "a@b.example",
        "--password-stdin",
        password="short\n",
    )
    assert short.returncode != 0 and "admin_password" in short.stderr


def test_migrates_a_new_database_first(service_urls: tuple[str, str]) -> None:
    # A self-hoster's own PostgreSQL before the API ever started on it: no tables yet.
    fresh = stack.database_url(service_urls[0], f"tenure_create_org_{uuid.uuid4().hex[:8]}")
    stack.ensure_database(fresh, fresh=True)
    try:
        done = _run(fresh, "--name", "Acme CS", "--admin-email", "ops@acme.example")
        assert done.returncode == 0, done.stderr
        assert "Its admin signs in as ops@acme.example with the password " in done.stdout
    finally:
        stack.drop_database(fresh)
