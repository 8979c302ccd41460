"""Subscriptions, invoices and FX rates through the API: batches with per-record errors,
idempotency, late-arriving accounts, scopes and tenancy; MRR read back after the recompute."""

import uuid
from datetime import date
from typing import Any

import pytest
from httpx import AsyncClient
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.common.settings import Settings
from domain.integration.models import ApiCall, ApiScope
from domain.orgs.models import Organisation
from domain.revenue import service as revenue
from domain.revenue.models import Subscription, SubscriptionItem
from domain.users.models import User
from tests.factories import auth_headers, create_account, create_api_key, create_user
from tests.helpers import assert_problem

TODAY = date(2026, 5, 15)


def _subscription(
    external_id: str = "sub_1", account: str = "acme", **fields: Any
) -> dict[str, Any]:
    return {
        "external_id": external_id,
        "account_external_id": account,
        "currency": "USD",
        "starts_on": "2026-01-01",
        "items": [
            {"external_id": "plan", "unit_price": 120_000, "interval_months": 12},
            {"external_id": "sso", "kind": "add_on", "unit_price": 5_000},
        ],
        **fields,
    }


async def _post(
    client: AsyncClient, path: str, headers: dict[str, str], body: dict[str, Any]
) -> dict[str, Any]:
    response = await client.post(f"/api/v1/{path}", headers=headers, json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def _count(session: AsyncSession, model: Any) -> int:
    return await session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
async def ingest(session: AsyncSession, org: Organisation) -> dict[str, str]:
    _, headers = await create_api_key(session, org, ApiScope.INGEST)
    return headers


@pytest.fixture
def headers(settings: Settings, admin: User) -> dict[str, str]:
    return auth_headers(settings, admin)


class TestSubscriptionBatch:
    async def test_partial_acceptance_with_errors_by_position(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, ingest: dict[str, str]
    ) -> None:
        await create_account(session, org, external_id="acme")
        batch = [
            _subscription("sub_1"),
            _subscription("sub_2", ends_on="2025-12-01"),
            _subscription("sub_3", currency="dollars"),
            _subscription("sub_1"),
            {"external_id": "sub_5"},
        ]

        result = await _post(client, "subscriptions/batch", ingest, {"items": batch})

        assert (result["accepted"], result["rejected"]) == (1, 4)
        assert [(e["index"], e["id"]) for e in result["errors"]] == [
            (1, "sub_2"),
            (2, "sub_3"),
            (3, "sub_1"),
            (4, "sub_5"),
        ]
        assert "ends_on must be after starts_on" in result["errors"][0]["message"]
        assert result["errors"][1]["message"].startswith("currency:")
        assert "repeated" in result["errors"][2]["message"]
        assert await _count(session, Subscription) == 1
        logged = await session.scalar(select(ApiCall))
        assert logged is not None and (logged.accepted, logged.rejected) == (1, 4)
        assert logged.errors[0]["id"] == "sub_2"

    async def test_sending_the_same_batch_twice_changes_nothing(
        self,
        client: AsyncClient,
        session: AsyncSession,
        redis: Redis,
        org: Organisation,
        ingest: dict[str, str],
    ) -> None:
        await create_account(session, org, external_id="acme")
        body = {"items": [_subscription()]}
        await _post(client, "subscriptions/batch", ingest, body)
        stored = await session.scalar(select(Subscription.updated_at))
        jobs_before = len(await redis.queued_jobs())

        again = await _post(client, "subscriptions/batch", ingest, body)

        assert (again["accepted"], again["rejected"]) == (1, 0)
        assert await _count(session, Subscription) == 1
        assert await _count(session, SubscriptionItem) == 2
        assert await session.scalar(select(Subscription.updated_at)) == stored
        # Nothing changed, so nothing is recomputed.
        assert len(await redis.queued_jobs()) == jobs_before == 1

    async def test_an_update_replaces_items_by_external_id(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, ingest: dict[str, str]
    ) -> None:
        await _post(client, "subscriptions/batch", ingest, {"items": [_subscription()]})
        changed = _subscription(
            items=[{"external_id": "plan", "unit_price": 240_000, "interval_months": 12}]
        )

        await _post(client, "subscriptions/batch", ingest, {"items": [changed]})

        prices = await session.scalars(
            select(SubscriptionItem.unit_price).execution_options(populate_existing=True)
        )
        assert list(prices) == [240_000]

    async def test_a_read_key_cannot_ingest(
        self, client: AsyncClient, session: AsyncSession, org: Organisation
    ) -> None:
        _, read = await create_api_key(session, org, ApiScope.READ)
        response = await client.post(
            "/api/v1/subscriptions/batch", headers=read, json={"items": [_subscription()]}
        )
        assert_problem(response, 403)

    async def test_a_forged_key_is_401(self, client: AsyncClient) -> None:
        response = await client.post(
            "/api/v1/subscriptions/batch",
            headers={"Authorization": "Bearer tnr_0123456789ab_forged"},
            json={"items": [_subscription()]},
        )
        assert_problem(response, 401)

    async def test_more_than_a_thousand_is_422(
        self, client: AsyncClient, ingest: dict[str, str]
    ) -> None:
        body = {"items": [_subscription(f"s{i}") for i in range(1001)]}
        assert_problem(
            await client.post("/api/v1/subscriptions/batch", headers=ingest, json=body), 422
        )


async def _recompute(session: AsyncSession, org: Organisation) -> None:
    await revenue.recompute(session, org.id, today=TODAY)
    await session.commit()


class TestReading:
    async def test_a_subscription_waits_for_its_account_then_links(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        ingest: dict[str, str],
        headers: dict[str, str],
    ) -> None:
        await _post(
            client,
            "subscriptions/batch",
            ingest,
            {"items": [_subscription(account="late")]},
        )
        account = await create_account(session, org, external_id="late")
        await session.commit()

        listed = await client.get(f"/api/v1/accounts/{account.id}/subscriptions", headers=headers)
        assert [s["external_id"] for s in listed.json()] == ["sub_1"]
        assert listed.json()[0]["account_id"] is None

        await _recompute(session, org)

        mrr = (await client.get(f"/api/v1/accounts/{account.id}/mrr", headers=headers)).json()
        # 1,200.00 a year and 50.00 a month: 150.00 MRR.
        assert (mrr["mrr"], mrr["arr"], mrr["currency"]) == (15_000, 180_000, "USD")
        assert [m["mrr"] for m in mrr["months"]] == [15_000] * 5
        moves = (
            await client.get(f"/api/v1/accounts/{account.id}/mrr-movements", headers=headers)
        ).json()
        assert [(m["month"], m["kind"], m["delta"]) for m in moves] == [
            ("2026-01-01", "new", 15_000)
        ]
        linked = await client.get(f"/api/v1/accounts/{account.id}/subscriptions", headers=headers)
        assert linked.json()[0]["account_id"] == str(account.id)

    async def test_invoices_and_their_lines(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        ingest: dict[str, str],
        headers: dict[str, str],
    ) -> None:
        account = await create_account(session, org, external_id="acme")
        invoice = {
            "number": "INV-1",
            "account_external_id": "acme",
            "currency": "USD",
            "issued_on": "2026-03-01",
            "paid_on": "2026-03-05",
            "lines": [
                {"description": "Plan", "amount": 10_000},
                {"description": "Seats", "amount": 2_500, "quantity": 5},
            ],
        }
        bad = {**invoice, "number": "INV-2", "due_on": "2026-02-01"}
        result = await _post(client, "invoices/batch", ingest, {"items": [invoice, bad]})
        again = await _post(client, "invoices/batch", ingest, {"items": [invoice]})

        assert (result["accepted"], result["rejected"], again["accepted"]) == (1, 1, 1)
        page = (await client.get(f"/api/v1/accounts/{account.id}/invoices", headers=headers)).json()
        assert page["total"] == 1
        [stored] = page["items"]
        assert (stored["total"], stored["is_paid"], len(stored["lines"])) == (12_500, True, 2)

    async def test_a_csm_sees_only_their_accounts(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        org: Organisation,
        ingest: dict[str, str],
    ) -> None:
        csm = await create_user(session, org, role_name="CSM")
        mine = await create_account(session, org, external_id="mine", csms=[csm])
        other = await create_account(session, org, external_id="other")
        batch = [_subscription("a", account="mine"), _subscription("b", account="other")]
        await _post(client, "subscriptions/batch", ingest, {"items": batch})
        await _recompute(session, org)
        as_csm = auth_headers(settings, csm)

        assert (await client.get(f"/api/v1/accounts/{mine.id}/mrr", headers=as_csm)).json()[
            "mrr"
        ] == 15_000
        for path in ("mrr", "subscriptions", "invoices", "mrr-movements"):
            assert_problem(
                await client.get(f"/api/v1/accounts/{other.id}/{path}", headers=as_csm), 404
            )
        summary = await client.get(
            "/api/v1/mrr-movements/summary", headers=as_csm, params={"until": "2026-01-31"}
        )
        january = summary.json()["months"][-1]
        assert (january["month"], january["new"], january["ending_mrr"]) == (
            "2026-01-01",
            15_000,
            15_000,
        )

    async def test_an_ingest_key_reads_no_account(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, ingest: dict[str, str]
    ) -> None:
        account = await create_account(session, org, external_id="acme")
        assert_problem(await client.get(f"/api/v1/accounts/{account.id}/mrr", headers=ingest), 404)

    async def test_other_organisations_ids_are_404(
        self,
        client: AsyncClient,
        session: AsyncSession,
        other_org: Organisation,
        headers: dict[str, str],
    ) -> None:
        foreign = await create_account(session, other_org)
        for path in ("mrr", "subscriptions", "invoices", "mrr-movements"):
            assert_problem(
                await client.get(f"/api/v1/accounts/{foreign.id}/{path}", headers=headers), 404
            )
        assert_problem(
            await client.delete(f"/api/v1/fx-rates/{uuid.uuid4()}", headers=headers), 404
        )

    async def test_summary_rates(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        ingest: dict[str, str],
        headers: dict[str, str],
    ) -> None:
        for name in ("a", "b"):
            await create_account(session, org, external_id=name)
        batch = [
            _subscription("a1", account="a"),
            _subscription("b1", account="b", ends_on="2026-03-01"),
        ]
        await _post(client, "subscriptions/batch", ingest, {"items": batch})
        await _recompute(session, org)

        summary = await client.get(
            "/api/v1/mrr-movements/summary",
            headers=headers,
            params={"since": "2026-03-01", "until": "2026-03-01"},
        )

        [march] = summary.json()["months"]
        assert (march["starting_mrr"], march["churn"], march["churned_accounts"]) == (
            30_000,
            15_000,
            1,
        )
        assert (march["gross_mrr_churn_rate"], march["net_mrr_churn_rate"]) == (0.5, 0.5)
        assert march["logo_churn_rate"] == 0.5


class TestFxRates:
    async def test_set_list_and_convert_at_the_items_start(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
    ) -> None:
        account = await create_account(session, org, external_id="acme")
        rates = [
            {"currency": "EUR", "effective_on": "2025-12-01", "rate": "1.10"},
            {"currency": "EUR", "effective_on": "2026-03-01", "rate": "1.30"},
            {"currency": "USD", "effective_on": "2026-03-01", "rate": "1"},
        ]
        result = await _post(client, "fx-rates/batch", headers, {"items": rates})
        assert (result["accepted"], result["rejected"]) == (2, 1)
        sub = _subscription(currency="EUR", items=[{"external_id": "plan", "unit_price": 10_000}])
        await _post(client, "subscriptions/batch", headers, {"items": [sub]})
        await _recompute(session, org)

        listed = (await client.get("/api/v1/fx-rates", headers=headers)).json()
        assert [(r["effective_on"], r["base_currency"]) for r in listed] == [
            ("2026-03-01", "USD"),
            ("2025-12-01", "USD"),
        ]
        mrr = (await client.get(f"/api/v1/accounts/{account.id}/mrr", headers=headers)).json()
        # Started on 2026-01-01, under 1.10; the March rate changes nothing.
        assert mrr["mrr"] == 11_000
        moves = (
            await client.get(f"/api/v1/accounts/{account.id}/mrr-movements", headers=headers)
        ).json()
        assert [m["kind"] for m in moves] == ["new"]
