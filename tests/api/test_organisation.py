"""The organisation's own settings."""

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from domain.common.settings import Settings
from domain.orgs.models import Organisation
from domain.users.models import User
from tests.factories import auth_headers, create_user
from tests.helpers import assert_problem


class TestGetOrganisation:
    async def test_any_member_may_read_it(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, org: Organisation
    ) -> None:
        guest = await create_user(session, org, role_name="Guest")

        response = await client.get("/api/v1/organisation", headers=auth_headers(settings, guest))

        assert response.json() == {
            "id": str(org.id),
            "name": "Org",
            "base_currency": "USD",
            "time_zone": "UTC",
            "fiscal_year_start_month": 1,
            "requires_mfa": False,
            "session_timeout_minutes": 30,
        }


class TestUpdateOrganisation:
    async def test_changes_the_fields_sent_and_audits_them(
        self, client: AsyncClient, settings: Settings, admin: User
    ) -> None:
        headers = auth_headers(settings, admin)

        response = await client.patch(
            "/api/v1/organisation",
            headers=headers,
            json={
                "name": "Renamed",
                "time_zone": "Europe/London",
                "fiscal_year_start_month": 4,
                "session_timeout_minutes": 45,
            },
        )

        body = response.json()
        assert body["session_timeout_minutes"] == 45
        assert (body["name"], body["time_zone"], body["fiscal_year_start_month"]) == (
            "Renamed",
            "Europe/London",
            4,
        )
        assert body["base_currency"] == "USD"
        log = (await client.get("/api/v1/audit-log", headers=headers)).json()["items"]
        assert [(e["action"], e["before"]["name"], e["after"]["name"]) for e in log] == [
            ("organisation.updated", "Org", "Renamed")
        ]

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"time_zone": "Mars/Olympus"}, "time_zone"),
            ({"base_currency": "ZZZ"}, "base_currency"),
            ({"base_currency": "US"}, "base_currency"),
            ({"fiscal_year_start_month": 13}, "fiscal_year_start_month"),
            ({"name": "  "}, "name"),
            # Goes into invitation subjects: a line break there broke every invitation.
            ({"name": "Acme\r\nBcc: all@example.com"}, "name"),
            ({"name": "Acme\nCorp"}, "name"),
            ({"name": "Acme\x00"}, "name"),
            ({"session_timeout_minutes": 0}, "session_timeout_minutes"),
            ({"session_timeout_minutes": "half an hour"}, "session_timeout_minutes"),
        ],
    )
    async def test_invalid_values_are_422(
        self,
        client: AsyncClient,
        settings: Settings,
        admin: User,
        payload: dict[str, object],
        field: str,
    ) -> None:
        response = await client.patch(
            "/api/v1/organisation", headers=auth_headers(settings, admin), json=payload
        )

        body = assert_problem(response, 422, "validation_error")
        assert body["errors"][0]["loc"] == ["body", field]

    @pytest.mark.parametrize("role_name", ["CSM Manager", "Executive"])
    async def test_needs_manage_organisation(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        org: Organisation,
        role_name: str,
    ) -> None:
        user = await create_user(session, org, role_name=role_name)

        response = await client.patch(
            "/api/v1/organisation",
            headers=auth_headers(settings, user),
            json={"requires_mfa": True},
        )

        assert_problem(response, 403, "permission_denied")
        await session.refresh(org)
        assert org.requires_mfa is False

    async def test_the_base_currency_changes_only_without_rates_to_it(
        self, client: AsyncClient, session: AsyncSession, settings: Settings, admin: User
    ) -> None:
        """A rate is to the base currency: kept under another base, CHF → USD would silently
        become CHF → EUR."""
        headers = auth_headers(settings, admin)
        rate = {"currency": "CHF", "effective_on": "2026-01-01", "rate": "1.1"}
        set_rate = await client.post("/api/v1/fx-rates", headers=headers, json=rate)
        assert set_rate.status_code == 200, set_rate.text

        refused = await client.patch(
            "/api/v1/organisation", headers=headers, json={"base_currency": "EUR"}
        )
        unchanged = await client.patch(
            "/api/v1/organisation", headers=headers, json={"base_currency": "USD", "name": "N"}
        )
        await client.delete(f"/api/v1/fx-rates/{set_rate.json()['id']}", headers=headers)
        changed = await client.patch(
            "/api/v1/organisation", headers=headers, json={"base_currency": "EUR"}
        )

        detail = assert_problem(refused, 409, "base_currency_has_rates")["detail"]
        assert detail.startswith("1 exchange rate is to USD")
        assert unchanged.status_code == 200, unchanged.text
        assert changed.json()["base_currency"] == "EUR"
