"""First run: a Tenure without organisations offers its setup once, then never again."""

from httpx import AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.orgs.models import Organisation
from tests.helpers import assert_problem

FIRST = {
    "organisation_name": "Acme Customer Success",
    "admin_email": "Dana@Acme.example",
    "admin_name": "Dana Ops",
    "admin_password": "a long passphrase",
    "base_currency": "EUR",
    "time_zone": "Europe/Paris",
}


async def _no_organisations(session: AsyncSession) -> None:
    # Inside the test's transaction: rolled back with it.
    await session.execute(text("DELETE FROM organisations"))
    await session.flush()


async def test_first_run_creates_the_organisation_and_its_admin_once(
    client: AsyncClient, session: AsyncSession
) -> None:
    await _no_organisations(session)
    assert (await client.get("/api/v1/setup")).json() == {"needed": True}

    created = await client.post("/api/v1/setup", json=FIRST)
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["name"], body["base_currency"], body["time_zone"]) == (
        "Acme Customer Success",
        "EUR",
        "Europe/Paris",
    )
    assert (await client.get("/api/v1/setup")).json() == {"needed": False}

    login = await client.post(
        "/api/v1/auth/login",
        json={"email": "dana@acme.example", "password": FIRST["admin_password"]},
    )
    assert login.status_code == 200, login.text
    token = login.json()["access_token"]
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["role"]["name"] == "Admin"

    again = await client.post("/api/v1/setup", json={**FIRST, "admin_email": "eve@evil.example"})
    assert_problem(again, 409, "setup_done")
    count = await session.scalar(text("SELECT count(*) FROM organisations"))
    assert count == 1


async def test_setup_is_refused_once_any_organisation_exists(
    client: AsyncClient, org: Organisation
) -> None:
    assert (await client.get("/api/v1/setup")).json() == {"needed": False}
    assert_problem(await client.post("/api/v1/setup", json=FIRST), 409, "setup_done")


async def test_setup_checks_its_input(client: AsyncClient, session: AsyncSession) -> None:
    await _no_organisations(session)
    for bad in (
        {**FIRST, "time_zone": "Mars/Olympus"},
        {**FIRST, "admin_password": "short"},
        {**FIRST, "admin_email": "not-an-email"},
        {**FIRST, "organisation_name": "  "},
        {**FIRST, "base_currency": "euro"},
        {**FIRST, "is_superuser": True},
    ):
        assert_problem(await client.post("/api/v1/setup", json=bad), 422)
    assert (await client.get("/api/v1/setup")).json() == {"needed": True}
