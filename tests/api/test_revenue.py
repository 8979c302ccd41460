"""Subscriptions, invoices and FX rates through the API: batches with per-record errors,
idempotency, late-arriving accounts, scopes and tenancy; MRR read back after the recompute."""

import uuid
from datetime import date
from typing import Any

import pytest
from httpx import AsyncClient
from redis.asyncio import Redis
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from domain.accounts.models import Account
from domain.common.batches import MAX_BATCH
from domain.common.settings import Settings
from domain.freshness.models import AccountChange
from domain.integration.models import ApiCall, ApiScope
from domain.orgs.models import Organisation
from domain.revenue import service as revenue
from domain.revenue.models import Invoice, Subscription, SubscriptionItem
from domain.users.models import User
from tests.factories import auth_headers, create_account, create_api_key, create_user
from tests.helpers import assert_problem

TODAY = date(2026, 5, 15)


async def _marked(session: AsyncSession) -> list[tuple[uuid.UUID, int, bool]]:
    """The accounts marked changed for the live chain: (account, last change, revenue)."""
    rows = await session.execute(
        select(AccountChange.account_id, AccountChange.last_seq, AccountChange.revenue)
        .order_by(AccountChange.account_id)
        .execution_options(populate_existing=True)
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]


async def _last_change(session: AsyncSession) -> int:
    return int(
        await session.scalar(
            text("SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM account_change_seq")
        )
        or 0
    )


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


async def _subscription_stored(session: AsyncSession, external_id: str = "sub_1") -> Subscription:
    """Freshly read: the single upserts answer a receipt, not the record."""
    stored = await session.scalar(
        select(Subscription)
        .options(selectinload(Subscription.items))
        .where(Subscription.external_id == external_id)
        .execution_options(populate_existing=True)
    )
    assert stored is not None
    return stored


async def _invoice_stored(session: AsyncSession, number: str) -> Invoice:
    stored = await session.scalar(
        select(Invoice)
        .options(selectinload(Invoice.lines))
        .where(Invoice.number == number)
        .execution_options(populate_existing=True)
    )
    assert stored is not None
    return stored


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
            _subscription("sub_6", currency="ZZZ"),
            _subscription(
                "sub_7",
                ends_on="2026-06-01",
                items=[{"external_id": "late", "unit_price": 1, "starts_on": "2026-06-01"}],
            ),
        ]

        result = await _post(client, "subscriptions/batch", ingest, {"items": batch})

        assert (result["accepted"], result["rejected"]) == (1, 6)
        assert [(e["index"], e["id"]) for e in result["errors"]] == [
            (1, "sub_2"),
            (2, "sub_3"),
            (3, "sub_1"),
            (4, "sub_5"),
            (5, "sub_6"),
            (6, "sub_7"),
        ]
        assert result["errors"][5]["message"] == (
            "subscription: item late starts after its subscription ends"
        )
        assert "'ZZZ' is not an ISO 4217 currency code" in result["errors"][4]["message"]
        # A rule across fields is the record's, not its `items`'.
        assert result["errors"][0]["message"] == "subscription: ends_on must be after starts_on"
        assert result["errors"][1]["message"].startswith("currency:")
        assert "repeated" in result["errors"][2]["message"]
        assert await _count(session, Subscription) == 1
        stored = await session.scalar(select(Subscription))
        assert stored is not None
        assert result["records"] == [{"index": 0, "external_id": "sub_1", "id": str(stored.id)}]
        logged = await session.scalar(select(ApiCall))
        assert logged is not None and (logged.accepted, logged.rejected) == (1, 6)
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
        marked = await _marked(session)

        again = await _post(client, "subscriptions/batch", ingest, body)

        assert (again["accepted"], again["rejected"]) == (1, 0)
        assert await _count(session, Subscription) == 1
        assert await _count(session, SubscriptionItem) == 2
        assert await session.scalar(select(Subscription.updated_at)) == stored
        # Nothing changed, so nothing is recomputed: the account's one change is the first.
        assert len(marked) == 1 and await _marked(session) == marked

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

    async def test_more_than_the_limit_is_413(
        self, client: AsyncClient, ingest: dict[str, str]
    ) -> None:
        body = {"items": [_subscription(f"s{i}") for i in range(MAX_BATCH + 1)]}
        response = await client.post("/api/v1/subscriptions/batch", headers=ingest, json=body)
        assert_problem(response, 413, "batch_too_large")


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
        paid_early = {**invoice, "number": "INV-3", "paid_on": "2026-02-01"}
        result = await _post(
            client, "invoices/batch", ingest, {"items": [invoice, bad, paid_early]}
        )
        again = await _post(client, "invoices/batch", ingest, {"items": [invoice]})

        assert (result["accepted"], result["rejected"], again["accepted"]) == (1, 2, 1)
        assert [e["message"] for e in result["errors"]] == [
            "invoice: due_on must not be before issued_on",
            "invoice: paid_on must not be before issued_on",
        ]
        page = (await client.get(f"/api/v1/accounts/{account.id}/invoices", headers=headers)).json()
        assert page["total"] == 1
        [stored] = page["items"]
        record = {"index": 0, "external_id": "INV-1", "id": stored["id"]}
        assert result["records"] == again["records"] == [record]
        assert (stored["total"], stored["is_paid"], len(stored["lines"])) == (12_500, True, 2)

    async def test_an_invoice_total_is_the_amount_due_kept_as_sent(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        ingest: dict[str, str],
        headers: dict[str, str],
    ) -> None:
        # The lines are before tax: the total due may differ from their sum, and a credit
        # note may have no lines at all.
        account = await create_account(session, org, external_id="acme")
        base = {"account_external_id": "acme", "currency": "EUR", "issued_on": "2026-03-01"}
        lines = [{"description": "Plan", "amount": 10_000}, {"description": "Fix", "amount": 1}]
        invoices = [
            {**base, "number": "TAXED", "lines": lines, "total": 12_001},
            {**base, "number": "SUMMED", "lines": lines},
            {**base, "number": "CREDIT", "total": -2_000},
        ]

        result = await _post(client, "invoices/batch", ingest, {"items": invoices})

        assert (result["accepted"], result["rejected"]) == (3, 0)
        page = (await client.get(f"/api/v1/accounts/{account.id}/invoices", headers=headers)).json()
        totals = {i["number"]: i["total"] for i in page["items"]}
        assert totals == {"TAXED": 12_001, "SUMMED": 10_001, "CREDIT": -2_000}

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
        assert_problem(await client.get(f"/api/v1/accounts/{account.id}/mrr", headers=ingest), 403)

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

        # A period may be named by its months.
        by_month = await client.get(
            "/api/v1/mrr-movements/summary",
            headers=headers,
            params={"since": "2026-03", "until": "2026-03"},
        )
        assert by_month.json() == summary.json()
        for bad in ("2026-13", "0000-01", "2026-3"):
            refused = await client.get(
                "/api/v1/mrr-movements/summary", headers=headers, params={"since": bad}
            )
            assert_problem(refused, 422)
        reversed_range = await client.get(
            "/api/v1/mrr-movements/summary",
            headers=headers,
            params={"since": "2026-12-01", "until": "2020-01-01"},
        )
        assert_problem(reversed_range, 422)


def _seats(quantity: int, **dates: str) -> dict[str, Any]:
    return {"external_id": f"seats_{quantity}", "unit_price": 10_000, "quantity": quantity, **dates}


class TestMidTermChanges:
    """An item ending mid-term beside its successor: MRR changes on that day, earlier months
    keep the old price, and the month moves by the difference."""

    async def test_an_upgrade_changes_mrr_from_its_day_and_is_the_months_expansion(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        ingest: dict[str, str],
        headers: dict[str, str],
    ) -> None:
        account = await create_account(session, org, external_id="acme")
        # 10 seats at 100.00 a month, 15 from March 10.
        upgraded = _subscription(
            items=[_seats(10, ends_on="2026-03-10"), _seats(15, starts_on="2026-03-10")]
        )
        response = await client.post("/api/v1/subscriptions", headers=ingest, json=upgraded)
        assert response.status_code == 200, response.text
        await _recompute(session, org)

        mrr = (await client.get(f"/api/v1/accounts/{account.id}/mrr", headers=headers)).json()
        assert mrr["mrr"] == 150_000
        assert [(m["month"], m["mrr"]) for m in mrr["months"]] == [
            ("2026-01-01", 100_000),
            ("2026-02-01", 100_000),
            ("2026-03-01", 150_000),
            ("2026-04-01", 150_000),
            ("2026-05-01", 150_000),
        ]
        moves = (
            await client.get(f"/api/v1/accounts/{account.id}/mrr-movements", headers=headers)
        ).json()
        assert [
            (m["month"], m["kind"], m["start_mrr"], m["end_mrr"], m["delta"]) for m in moves
        ] == [
            ("2026-03-01", "expansion", 100_000, 150_000, 50_000),
            ("2026-01-01", "new", 0, 100_000, 100_000),
        ]
        summary = await client.get(
            "/api/v1/mrr-movements/summary",
            headers=headers,
            params={"since": "2026-03", "until": "2026-03"},
        )
        [march] = summary.json()["months"]
        assert (march["expansion"], march["new"], march["churn"], march["net_change"]) == (
            50_000,
            0,
            0,
            50_000,
        )
        listed = await client.get(f"/api/v1/accounts/{account.id}/subscriptions", headers=headers)
        assert [
            (i["external_id"], i["starts_on"], i["ends_on"]) for i in listed.json()[0]["items"]
        ] == [
            ("seats_10", None, "2026-03-10"),
            ("seats_15", "2026-03-10", None),
        ]

    async def test_a_downgrade_is_the_months_contraction(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        ingest: dict[str, str],
        headers: dict[str, str],
    ) -> None:
        account = await create_account(session, org, external_id="acme")
        downgraded = _subscription(
            items=[_seats(15, ends_on="2026-04-30"), _seats(12, starts_on="2026-04-30")]
        )
        await _post(client, "subscriptions/batch", ingest, {"items": [downgraded]})
        await _recompute(session, org)

        moves = (
            await client.get(f"/api/v1/accounts/{account.id}/mrr-movements", headers=headers)
        ).json()
        assert [(m["month"], m["kind"], m["delta"]) for m in moves] == [
            ("2026-04-01", "contraction", -30_000),
            ("2026-01-01", "new", 150_000),
        ]

    async def test_ending_an_item_or_moving_its_end_marks_the_account_for_a_recompute(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        ingest: dict[str, str],
    ) -> None:
        account = await create_account(session, org, external_id="acme")
        await _post(
            client, "subscriptions/batch", ingest, {"items": [_subscription(items=[_seats(10)])]}
        )
        [(_, first, _)] = await _marked(session)
        changes = []
        for items in (
            [_seats(10, ends_on="2026-03-10"), _seats(15, starts_on="2026-03-10")],
            [_seats(10, ends_on="2026-03-12"), _seats(15, starts_on="2026-03-10")],
        ):
            response = await client.post(
                "/api/v1/subscriptions", headers=ingest, json=_subscription(items=items)
            )
            assert response.status_code == 200, response.text
            changes.append(response.json()["change"])
            [(marked, last, revenue_changed)] = await _marked(session)
            assert (marked, last, revenue_changed) == (account.id, changes[-1], True)

        again = await client.post(
            "/api/v1/subscriptions",
            headers=ingest,
            json=_subscription(
                items=[_seats(10, ends_on="2026-03-12"), _seats(15, starts_on="2026-03-10")]
            ),
        )

        assert first < changes[0] < changes[1]
        assert again.json()["change"] is None
        assert (await _marked(session))[0][1] == changes[1]
        stored = await _subscription_stored(session)
        assert [i.ends_on for i in stored.items] == [date(2026, 3, 12), None]

    @pytest.mark.parametrize(
        ("fields", "item", "message"),
        [
            ({}, {"ends_on": "2026-01-01"}, "must be after the subscription's starts_on"),
            ({}, {"ends_on": "2025-12-01"}, "must be after the subscription's starts_on"),
            (
                {},
                {"starts_on": "2026-03-10", "ends_on": "2026-03-10"},
                "must be after the item's starts_on",
            ),
            (
                {"ends_on": "2026-06-01"},
                {"ends_on": "2026-06-02"},
                "must not be after the subscription's ends_on",
            ),
        ],
    )
    async def test_an_end_not_after_the_items_start_or_past_its_term_is_refused_on_its_field(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        ingest: dict[str, str],
        fields: dict[str, str],
        item: dict[str, str],
        message: str,
    ) -> None:
        await create_account(session, org, external_id="acme")
        bad = _subscription(items=[_seats(10), _seats(15, **item)], **fields)

        single = await client.post("/api/v1/subscriptions", headers=ingest, json=bad)
        batch = await _post(client, "subscriptions/batch", ingest, {"items": [bad]})

        problem = assert_problem(single, 422)
        assert [(e["loc"], e["msg"]) for e in problem["errors"]] == [
            (["body", "items", 1, "ends_on"], message)
        ]
        assert (batch["accepted"], batch["rejected"]) == (0, 1)
        assert batch["errors"][0]["message"] == f"items.1.ends_on: {message}"
        assert await _count(session, Subscription) == 0
        assert await _count(session, SubscriptionItem) == 0
        assert await _marked(session) == []

    async def test_an_end_on_the_subscriptions_end_is_accepted(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, ingest: dict[str, str]
    ) -> None:
        await create_account(session, org, external_id="acme")
        ended = _subscription(ends_on="2026-06-01", items=[_seats(10, ends_on="2026-06-01")])

        response = await client.post("/api/v1/subscriptions", headers=ingest, json=ended)

        assert response.status_code == 200, response.text


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
        ids = {
            r["effective_on"]: r["id"]
            for r in (await client.get("/api/v1/fx-rates", headers=headers)).json()
        }
        assert result["records"] == [
            {"index": 0, "external_id": "EUR", "id": ids["2025-12-01"]},
            {"index": 1, "external_id": "EUR", "id": ids["2026-03-01"]},
        ]
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

    async def test_each_change_of_a_rate_is_audited(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        rate = {"currency": "EUR", "effective_on": "2026-01-01", "rate": "1.10"}
        created = await client.post("/api/v1/fx-rates", headers=headers, json=rate)
        await client.post("/api/v1/fx-rates", headers=headers, json=rate)  # the same: no change
        await client.post("/api/v1/fx-rates", headers=headers, json={**rate, "rate": "1.2"})
        await client.delete(f"/api/v1/fx-rates/{created.json()['id']}", headers=headers)

        log = (
            await client.get(
                "/api/v1/audit-log", headers=headers, params={"entity_type": "fx_rate"}
            )
        ).json()["items"]
        day = {"currency": "EUR", "effective_on": "2026-01-01"}
        # One transaction in tests: the entries share a time, so their order is not asserted.
        assert sorted(((e["action"], e["before"], e["after"]) for e in log), key=str) == sorted(
            [
                ("fx_rate.created", None, {**day, "rate": "1.1"}),
                ("fx_rate.updated", {**day, "rate": "1.1"}, {**day, "rate": "1.2"}),
                ("fx_rate.deleted", {**day, "rate": "1.2"}, None),
            ],
            key=str,
        )


class TestSingleUpsert:
    async def test_a_subscription_is_stored_and_a_repeat_changes_nothing(
        self,
        client: AsyncClient,
        session: AsyncSession,
        redis: Redis,
        org: Organisation,
        ingest: dict[str, str],
    ) -> None:
        account = await create_account(session, org, external_id="acme")
        response = await client.post("/api/v1/subscriptions", headers=ingest, json=_subscription())
        assert response.status_code == 200, response.text
        created = response.json()
        stored = await _subscription_stored(session)
        assert isinstance(created["change"], int)
        assert created == {
            "id": str(stored.id),
            "external_id": "sub_1",
            "status": "created",
            "change": created["change"],
        }
        assert stored.account_id == account.id
        assert sorted(i.external_id for i in stored.items) == ["plan", "sso"]
        marked = await _marked(session)
        assert [(a, revenue) for a, _, revenue in marked] == [(account.id, True)]
        updated_at = stored.updated_at

        again = await client.post("/api/v1/subscriptions", headers=ingest, json=_subscription())

        assert again.status_code == 200, again.text
        assert again.json() == {**created, "status": "updated", "change": None}
        assert (await _subscription_stored(session)).updated_at == updated_at
        assert await _count(session, Subscription) == 1
        assert await _marked(session) == marked
        logged = list(await session.scalars(select(ApiCall).order_by(ApiCall.received_at)))
        assert [(c.path, c.accepted, c.rejected) for c in logged] == [
            ("/api/v1/subscriptions", 1, 0)
        ] * 2

    async def test_a_single_upsert_updates_what_a_batch_stored(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, ingest: dict[str, str]
    ) -> None:
        await _post(client, "subscriptions/batch", ingest, {"items": [_subscription()]})
        changed = _subscription(
            ends_on="2026-06-01",
            items=[{"external_id": "plan", "unit_price": 240_000, "interval_months": 12}],
        )

        response = await client.post("/api/v1/subscriptions", headers=ingest, json=changed)

        assert response.status_code == 200, response.text
        assert response.json()["status"] == "updated"
        stored = await _subscription_stored(session)
        assert (stored.ends_on, [i.unit_price for i in stored.items]) == (
            date(2026, 6, 1),
            [240_000],
        )
        assert await _count(session, SubscriptionItem) == 1

    async def test_a_bad_subscription_is_a_422_problem_and_stores_nothing(
        self, client: AsyncClient, session: AsyncSession, ingest: dict[str, str]
    ) -> None:
        for bad in (
            _subscription(ends_on="2025-12-01"),
            _subscription(currency="dollars"),
            _subscription(items=[]),
        ):
            response = await client.post("/api/v1/subscriptions", headers=ingest, json=bad)
            assert_problem(response, 422)
        assert (
            "ends_on must be after starts_on"
            in (
                await client.post(
                    "/api/v1/subscriptions",
                    headers=ingest,
                    json=_subscription(ends_on="2025-12-01"),
                )
            ).json()["detail"]
        )
        assert await _count(session, Subscription) == 0

    async def test_an_invoice(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, ingest: dict[str, str]
    ) -> None:
        account = await create_account(session, org, external_id="acme")
        invoice = {
            "number": "INV-9",
            "account_external_id": "acme",
            "currency": "USD",
            "issued_on": "2026-03-01",
            "lines": [{"description": "Plan", "amount": 10_000}, {"description": "X", "amount": 5}],
        }

        response = await client.post("/api/v1/invoices", headers=ingest, json=invoice)
        again = await client.post("/api/v1/invoices", headers=ingest, json=invoice)
        bad = await client.post(
            "/api/v1/invoices", headers=ingest, json={**invoice, "due_on": "2026-02-01"}
        )

        assert response.status_code == again.status_code == 200, response.text
        stored = await _invoice_stored(session, "INV-9")
        assert response.json() == {
            "id": str(stored.id),
            "external_id": "INV-9",
            "status": "created",
            "change": None,
        }
        assert (stored.account_id, sum(line.amount for line in stored.lines)) == (
            account.id,
            10_005,
        )
        assert again.json() == {**response.json(), "status": "updated"}
        assert_problem(bad, 422)
        assert "due_on" in bad.json()["detail"]

    async def test_an_fx_rate(
        self,
        client: AsyncClient,
        session: AsyncSession,
        redis: Redis,
        ingest: dict[str, str],
    ) -> None:
        rate = {"currency": "eur", "effective_on": "2026-01-01", "rate": "1.08"}

        before = await _last_change(session)
        response = await client.post("/api/v1/fx-rates", headers=ingest, json=rate)
        changes = await _last_change(session)
        again = await client.post("/api/v1/fx-rates", headers=ingest, json=rate)
        base = await client.post(
            "/api/v1/fx-rates", headers=ingest, json={**rate, "currency": "USD"}
        )
        negative = await client.post("/api/v1/fx-rates", headers=ingest, json={**rate, "rate": -1})

        assert response.status_code == 200, response.text
        assert (response.json()["currency"], response.json()["base_currency"]) == ("EUR", "USD")
        # The rate as sent, and the change it made to the figures' inputs (none the second time).
        assert response.json()["rate"] == again.json()["rate"] == "1.08"
        assert response.json()["change"] == changes and again.json()["change"] is None
        assert again.json()["id"] == response.json()["id"]
        # Only the new rate marked the organisation's revenue changed; the repeat changed nothing.
        assert changes == before + 1 and await _last_change(session) == changes
        assert_problem(base, 409, "base_currency_rate")
        assert_problem(negative, 422)

    async def test_a_read_key_cannot_send_one(
        self, client: AsyncClient, session: AsyncSession, org: Organisation
    ) -> None:
        _, read = await create_api_key(session, org, ApiScope.READ)
        for path, body in (
            ("subscriptions", _subscription()),
            ("fx-rates", {"currency": "EUR", "effective_on": "2026-01-01", "rate": "1.1"}),
        ):
            assert_problem(await client.post(f"/api/v1/{path}", headers=read, json=body), 403)
        assert await _count(session, Subscription) == 0


class TestAccountReferences:
    async def test_subscriptions_and_invoices_resolve_by_billing_or_crm_id(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, ingest: dict[str, str]
    ) -> None:
        account = await create_account(
            session, org, external_id="acme", billing_id="cus_ACME", crm_id="001ACME"
        )
        await _post(
            client, "subscriptions/batch", ingest, {"items": [_subscription(account="cus_ACME")]}
        )
        invoice = {
            "number": "INV-1",
            "account_external_id": "001ACME",
            "currency": "USD",
            "issued_on": "2026-03-01",
        }
        response = await client.post("/api/v1/invoices", headers=ingest, json=invoice)

        assert response.status_code == 200, response.text
        assert (await _invoice_stored(session, "INV-1")).account_id == account.id
        stored = await session.scalar(
            select(Subscription).execution_options(populate_existing=True)
        )
        assert stored is not None
        assert (stored.account_id, stored.account_external_id) == (account.id, "cus_ACME")

    async def test_the_external_id_wins_over_another_accounts_billing_id(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, ingest: dict[str, str]
    ) -> None:
        mine = await create_account(session, org, external_id="shared")
        await create_account(session, org, external_id="other", billing_id="shared")

        response = await client.post(
            "/api/v1/subscriptions", headers=ingest, json=_subscription(account="shared")
        )

        assert response.status_code == 200, response.text
        assert (await _subscription_stored(session)).account_id == mine.id

    async def test_an_unknown_billing_id_waits_until_an_account_carries_it(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        ingest: dict[str, str],
        headers: dict[str, str],
    ) -> None:
        account = await create_account(session, org, external_id="acme")
        await _post(
            client, "subscriptions/batch", ingest, {"items": [_subscription(account="cus_NEW")]}
        )
        waiting = await session.scalar(select(Subscription.account_id))
        assert waiting is None

        # The CRM sync gives the account its billing id later.
        update = await client.post(
            "/api/v1/accounts/batch",
            headers=headers,
            json={"items": [{"external_id": "acme", "billing_id": "cus_NEW"}]},
        )
        assert update.json()["accepted"] == 1, update.text
        listed = await client.get(f"/api/v1/accounts/{account.id}/subscriptions", headers=headers)
        assert [s["external_id"] for s in listed.json()] == ["sub_1"]

        assert await revenue.link_late_accounts(session) == 1
        await session.commit()
        mrr = (await client.get(f"/api/v1/accounts/{account.id}/mrr", headers=headers)).json()
        assert mrr["mrr"] == 15_000


class TestMissingRates:
    async def test_the_account_and_the_organisation_say_which_currency_lacks_a_rate(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        org: Organisation,
        ingest: dict[str, str],
        headers: dict[str, str],
    ) -> None:
        csm = await create_user(session, org, role_name="CSM")
        account = await create_account(session, org, external_id="acme", csms=[csm])
        await create_account(session, org, external_id="other")
        gbp = _subscription(
            "gbp",
            currency="GBP",
            starts_on="2026-02-10",
            items=[{"external_id": "plan", "unit_price": 10_000}],
        )
        batch = [
            _subscription(),
            gbp,
            _subscription("other_gbp", account="other", currency="GBP", starts_on="2025-11-01"),
            _subscription("other_eur", account="other", currency="EUR"),
        ]
        await _post(client, "subscriptions/batch", ingest, {"items": batch})
        await _post(
            client,
            "fx-rates/batch",
            ingest,
            {"items": [{"currency": "EUR", "effective_on": "2026-01-01", "rate": "1.1"}]},
        )
        await _recompute(session, org)

        mrr = (await client.get(f"/api/v1/accounts/{account.id}/mrr", headers=headers)).json()
        # The USD subscription counts; the GBP one is left out, and says so.
        assert mrr["mrr"] == 15_000
        assert mrr["missing_rates"] == [{"currency": "GBP", "since": "2026-02-10", "accounts": 1}]
        missing = (await client.get("/api/v1/fx-rates/missing", headers=headers)).json()
        assert missing == [{"currency": "GBP", "since": "2025-11-01", "accounts": 2}]
        # A CSM sees only what their own accounts lack.
        as_csm = auth_headers(settings, csm)
        assert (await client.get("/api/v1/fx-rates/missing", headers=as_csm)).json() == [
            {"currency": "GBP", "since": "2026-02-10", "accounts": 1}
        ]

    async def test_the_reads_return_what_the_recompute_stored(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        ingest: dict[str, str],
        headers: dict[str, str],
    ) -> None:
        account = await create_account(session, org, external_id="acme")
        await _post(
            client, "subscriptions/batch", ingest, {"items": [_subscription(currency="GBP")]}
        )
        account_url = f"/api/v1/accounts/{account.id}/mrr"

        async def reads() -> tuple[Any, Any]:
            mrr = (await client.get(account_url, headers=headers)).json()
            missing = await client.get("/api/v1/fx-rates/missing", headers=headers)
            assert missing.status_code == 200, missing.text
            return mrr["missing_rates"], missing.json()

        # Nothing is worked out on reading: the recompute has not run yet.
        assert await reads() == ([], [])
        await _recompute(session, org)
        gbp = [{"currency": "GBP", "since": "2026-01-01", "accounts": 1}]
        assert await reads() == (gbp, gbp)

        await _post(
            client,
            "fx-rates/batch",
            ingest,
            {"items": [{"currency": "GBP", "effective_on": "2026-01-01", "rate": "1.25"}]},
        )
        # What the last recompute left out of MRR, until the next one takes the rate.
        assert await reads() == (gbp, gbp)
        await _recompute(session, org)
        assert await reads() == ([], [])

    async def test_nothing_is_missing_in_the_base_currency(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        ingest: dict[str, str],
        headers: dict[str, str],
    ) -> None:
        account = await create_account(session, org, external_id="acme")
        await _post(client, "subscriptions/batch", ingest, {"items": [_subscription()]})
        await _recompute(session, org)

        mrr = (await client.get(f"/api/v1/accounts/{account.id}/mrr", headers=headers)).json()
        assert (mrr["missing_rates"], mrr["accounts"]) == ([], 1)
        assert (await client.get("/api/v1/fx-rates/missing", headers=headers)).json() == []


class TestRollup:
    """A -> B -> C and A -> D; A 150.00 MRR, B 100.00, C 20.00 and D none."""

    async def _tree(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, csm: User
    ) -> tuple[Account, Account, Account, Account]:
        a = await create_account(session, org, external_id="a", name="A Corp", csms=[csm])
        b = await create_account(
            session, org, external_id="b", name="B Corp", parent_id=a.id, csms=[csm]
        )
        c = await create_account(session, org, external_id="c", name="C Corp", parent_id=b.id)
        d = await create_account(
            session, org, external_id="d", name="D Corp", parent_id=a.id, csms=[csm]
        )
        _, key = await create_api_key(session, org, ApiScope.INGEST)
        batch = [
            _subscription("a1", account="a"),
            _subscription(
                "b1",
                account="b",
                starts_on="2026-03-01",
                items=[{"external_id": "plan", "unit_price": 10_000}],
            ),
            _subscription(
                "c1",
                account="c",
                starts_on="2026-04-01",
                items=[{"external_id": "plan", "unit_price": 2_000}],
            ),
        ]
        await _post(client, "subscriptions/batch", key, {"items": batch})
        await _recompute(session, org)
        return a, b, c, d

    async def test_a_parent_adds_up_its_whole_subtree(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
    ) -> None:
        csm = await create_user(session, org, role_name="CSM")
        a, b, c, _ = await self._tree(client, session, org, csm)

        own = (await client.get(f"/api/v1/accounts/{a.id}/mrr", headers=headers)).json()
        rolled = (
            await client.get(f"/api/v1/accounts/{a.id}/mrr", headers=headers, params={"rollup": 1})
        ).json()

        assert (own["mrr"], own["accounts"]) == (15_000, 1)
        assert (rolled["mrr"], rolled["arr"], rolled["accounts"]) == (27_000, 324_000, 4)
        assert [(m["month"], m["mrr"]) for m in rolled["months"]] == [
            ("2026-01-01", 15_000),
            ("2026-02-01", 15_000),
            ("2026-03-01", 25_000),
            ("2026-04-01", 27_000),
            ("2026-05-01", 27_000),
        ]
        moves = (
            await client.get(
                f"/api/v1/accounts/{a.id}/mrr-movements", headers=headers, params={"rollup": 1}
            )
        ).json()
        assert [(m["month"], m["account_name"], m["kind"], m["delta"]) for m in moves] == [
            ("2026-04-01", "C Corp", "new", 2_000),
            ("2026-03-01", "B Corp", "new", 10_000),
            ("2026-01-01", "A Corp", "new", 15_000),
        ]
        assert moves[0]["account_id"] == str(c.id)
        middle = (
            await client.get(f"/api/v1/accounts/{b.id}/mrr", headers=headers, params={"rollup": 1})
        ).json()
        assert (middle["mrr"], middle["accounts"]) == (12_000, 2)

    async def test_only_what_the_caller_may_see_is_added(
        self,
        client: AsyncClient,
        session: AsyncSession,
        settings: Settings,
        org: Organisation,
    ) -> None:
        csm = await create_user(session, org, role_name="CSM")
        a, _, c, _ = await self._tree(client, session, org, csm)
        as_csm = auth_headers(settings, csm)

        rolled = await client.get(
            f"/api/v1/accounts/{a.id}/mrr", headers=as_csm, params={"rollup": "true"}
        )
        moves = await client.get(
            f"/api/v1/accounts/{a.id}/mrr-movements", headers=as_csm, params={"rollup": "true"}
        )

        # C is someone else's: neither its MRR nor its movement reaches the CSM.
        assert (rolled.json()["mrr"], rolled.json()["accounts"]) == (25_000, 3)
        assert {m["account_name"] for m in moves.json()} == {"A Corp", "B Corp"}
        assert_problem(
            await client.get(
                f"/api/v1/accounts/{c.id}/mrr", headers=as_csm, params={"rollup": "true"}
            ),
            404,
        )
        assert_problem(
            await client.get(f"/api/v1/accounts/{a.id}/mrr", headers=as_csm, params={"rollup": 7}),
            422,
        )


class TestAmountBounds:
    async def test_a_price_times_a_quantity_beyond_int64_is_refused(
        self, client: AsyncClient, session: AsyncSession, org: Organisation
    ) -> None:
        await create_account(session, org, external_id="acme")
        _, key = await create_api_key(session, org, ApiScope.INGEST)
        item = {"external_id": "plan", "unit_price": 10**15, "quantity": 10**7}
        subscription = {
            "external_id": "sub_1",
            "account_external_id": "acme",
            "currency": "USD",
            "starts_on": "2025-01-01",
            "items": [item],
        }
        invoice = {
            "number": "INV-1",
            "account_external_id": "acme",
            "currency": "USD",
            "issued_on": "2025-01-01",
            "lines": [{"description": "Seats", "amount": 10**15}],
        }

        responses = [
            await client.post("/api/v1/subscriptions", headers=key, json=subscription),
            await client.post(
                "/api/v1/subscriptions",
                headers=key,
                json={**subscription, "items": [{**item, "unit_price": 10**12}]},
            ),
            await client.post("/api/v1/invoices", headers=key, json=invoice),
        ]

        for response in responses:
            assert_problem(response, 422)
