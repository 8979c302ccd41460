"""The account list's accounts are written as JSON by PostgreSQL (`json_object`,
domain/common/json_sql.py): each reads exactly as the account's own endpoint writes it through
its model, whatever its values."""

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts.schemas import AccountListRead
from domain.common.settings import Settings
from domain.orgs.models import Organisation
from domain.users.models import User
from tests.factories import (
    AWKWARD_CUSTOM_VALUES,
    AWKWARD_TEXT,
    auth_headers,
    create_account,
    create_user,
)


@pytest.fixture
async def accounts(session: AsyncSession, org: Organisation, admin: User) -> list[Any]:
    csm = await create_user(session, org)
    return [
        await create_account(
            session,
            org,
            csms=[csm, admin],
            name="A " + AWKWARD_TEXT,
            domain="acme.example",
            crm_id="crm-1",
            joined_on=date(2024, 2, 29),
            renewal_on=date(2027, 1, 1),
            status_title=AWKWARD_TEXT,
            status_details="",
            status_at=datetime(2026, 12, 5, 9, 30, 15, tzinfo=UTC),  # no microseconds
            status_author_id=admin.id,
            csm_score=70,
            nps=Decimal("42.5"),
            churned_on=date(2026, 11, 30),
            churn_reason=AWKWARD_TEXT,
            custom_values=AWKWARD_CUSTOM_VALUES,
            created_at=datetime(2026, 1, 2, 3, 4, 5, 130000, tzinfo=UTC),
            updated_at=datetime(2026, 1, 2, 3, 4, 5, 1, tzinfo=UTC),
        ),
        await create_account(session, org, name="B plain", nps=Decimal("10.0")),
        await create_account(session, org, name="C bare"),
    ]


async def test_each_listed_account_reads_as_the_account_itself(
    client: AsyncClient, settings: Settings, admin: User, accounts: list[Any]
) -> None:
    headers = auth_headers(settings, admin)

    for response in (
        await client.get("/api/v1/accounts", params={"sort": "name"}, headers=headers),
        await client.post("/api/v1/accounts/query", json={"sort": "name"}, headers=headers),
    ):
        assert response.status_code == 200
        page = response.json()
        assert (page["total"], page["limit"], page["offset"]) == (3, 50, 0)
        for listed, account in zip(page["items"], accounts, strict=True):
            # The model's fields, none else.
            assert set(listed) == set(AccountListRead.model_fields)
            own = (await client.get(f"/api/v1/accounts/{account.id}", headers=headers)).json()
            listed["csm_ids"].sort()
            own["csm_ids"].sort()
            assert listed == {**own, "metric_values": {}, "health_values": {}}

    first = page["items"][0]
    # What the comparison stands on, spelled out: times in UTC with "Z" and microseconds only
    # when there are some, the NPS a decimal string, texts and custom values intact.
    assert first["status_at"] == "2026-12-05T09:30:15Z"
    assert first["created_at"] == "2026-01-02T03:04:05.130000Z"
    assert first["updated_at"] == "2026-01-02T03:04:05.000001Z"
    assert (first["nps"], page["items"][1]["nps"], page["items"][2]["nps"]) == (
        "42.5",
        "10.0",
        None,
    )
    assert first["status_title"] == AWKWARD_TEXT
    assert first["custom_values"]["nested"] == {"list": [1, "two", None, 3.25]}
    assert first["custom_values"]["big"] == 12345678901234567890


async def test_a_deleted_account_lists_with_its_deletion_time(
    client: AsyncClient, session: AsyncSession, settings: Settings, admin: User, accounts: list[Any]
) -> None:
    accounts[2].deleted_at = datetime(2026, 12, 1, 8, 0, 0, 500, tzinfo=UTC)
    await session.flush()

    response = await client.get(
        "/api/v1/accounts", params={"deleted": "true"}, headers=auth_headers(settings, admin)
    )

    assert response.status_code == 200
    (listed,) = response.json()["items"]
    assert (listed["id"], listed["deleted_at"]) == (
        str(accounts[2].id),
        "2026-12-01T08:00:00.000500Z",
    )
