"""The account explorer's columns: metric values in the list and in exports, sorting by any
field (tier and stage order, typed custom fields, metrics) with empty values last, and the
segment a saved view keeps."""

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts.models import (
    Account,
    CustomField,
    CustomFieldKind,
    CustomFieldType,
    LifecycleStage,
    Tier,
)
from domain.common.settings import Settings
from domain.metrics.models import AccountMetricValues
from domain.orgs.models import Organisation
from domain.users.models import User
from tests.factories import auth_headers, create_account, create_user
from tests.helpers import assert_problem
from tests.metric_factories import NOW

API = "/api/v1"


@pytest.fixture
def headers(settings: Settings, admin: User) -> dict[str, str]:
    return auth_headers(settings, admin)


async def _values(session: AsyncSession, account: Account, **values: Any) -> None:
    """The account's stored built-in metrics, as the refresh job leaves them."""
    session.add(
        AccountMetricValues(account_id=account.id, org_id=account.org_id, updated_at=NOW, **values)
    )
    await session.flush()


async def _field(
    session: AsyncSession, org: Organisation, key: str, type_: CustomFieldType
) -> CustomField:
    kind = CustomFieldKind.METRIC if type_ is CustomFieldType.NUMBER else CustomFieldKind.DIMENSION
    field = CustomField(org_id=org.id, key=key, label=key.title(), kind=kind, type=type_)
    session.add(field)
    await session.flush()
    return field


async def _query(client: AsyncClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = await client.post(f"{API}/accounts/query", headers=headers, json=body)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


async def _names(client: AsyncClient, headers: dict[str, str], **body: Any) -> list[str]:
    page = await _query(client, headers, churned=None, **body)
    return [a["name"] for a in page["items"]]


class TestMetricColumns:
    async def test_the_list_carries_the_metric_columns_asked_for(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
        statements: list[str],
    ) -> None:
        paying = await create_account(session, org, name="Paying")
        await _values(session, paying, mrr=125_050, active_users_30d=14, activity_rank=Decimal(70))
        for n in range(3):
            busy = await create_account(session, org, name=f"Busy {n}")
            await _values(session, busy, active_users_30d=n)
        await create_account(session, org, name="Quiet")  # no stored metrics at all
        await session.commit()
        columns = ["name", "metric.mrr", "metric.active_users_30d", "metric.activity_rank"]

        statements.clear()
        page = await _query(client, headers, columns=columns)

        by_name = {a["name"]: a["metric_values"] for a in page["items"]}
        assert by_name["Paying"] == {"mrr": 1250.5, "active_users_30d": 14, "activity_rank": 70}
        assert by_name["Busy 2"] == {"mrr": None, "active_users_30d": 2, "activity_rank": None}
        assert by_name["Quiet"] == {"mrr": None, "active_users_30d": None, "activity_rank": None}
        # One read of the stored metrics for the whole page, not one per account.
        assert len([s for s in statements if "account_metric_values" in s]) == 1

    async def test_no_metric_columns_no_values(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        account = await create_account(session, org)
        await _values(session, account, mrr=100)
        await session.commit()

        page = await _query(client, headers, columns=["name", "tier"])

        assert page["items"][0]["metric_values"] == {}

    async def test_get_list_custom_and_computed_metrics(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        await _field(session, org, "seats", CustomFieldType.NUMBER)
        account = await create_account(session, org, custom_values={"seats": 4})
        await _values(session, account, mrr=100_000)
        await session.commit()
        created = await client.post(
            f"{API}/computed-metrics",
            headers=headers,
            json={"key": "mrr_per_seat", "label": "MRR per seat", "formula": "mrr / seats"},
        )
        assert created.status_code == 201, created.text

        response = await client.get(
            f"{API}/accounts",
            headers=headers,
            params={"columns": ["name", "metric.seats", "metric.mrr_per_seat"]},
        )

        assert response.status_code == 200, response.text
        assert response.json()["items"][0]["metric_values"] == {"seats": 4, "mrr_per_seat": 250}

    async def test_a_csm_gets_values_of_their_accounts_only(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        settings: Settings,
    ) -> None:
        csm = await create_user(session, org, role_name="CSM")
        mine = await create_account(session, org, name="Mine", csms=[csm])
        theirs = await create_account(session, org, name="Theirs")
        await _values(session, mine, mrr=100)
        await _values(session, theirs, mrr=900_000)
        await session.commit()

        page = await _query(
            client, auth_headers(settings, csm), columns=["metric.mrr"], sort="metric.mrr"
        )

        assert [(a["name"], a["metric_values"]) for a in page["items"]] == [("Mine", {"mrr": 1.0})]
        assert page["total"] == 1

    async def test_unknown_column_is_422(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        response = await client.post(
            f"{API}/accounts/query", headers=headers, json={"columns": ["metric.nope"]}
        )

        assert_problem(response, 422, "invalid_filter")


class TestExport:
    async def test_metric_columns_in_the_chosen_order(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        await _field(session, org, "seats", CustomFieldType.NUMBER)
        small = await create_account(session, org, name="Small", custom_values={"seats": 2})
        big = await create_account(session, org, name="Big", custom_values={"seats": 40})
        await create_account(session, org, name="None")
        await _values(session, small, mrr=9_900, activity_rank=Decimal("12.5"))
        await _values(session, big, mrr=1_000_000, activity_rank=Decimal(-3))
        await session.commit()

        response = await client.post(
            f"{API}/accounts/export",
            headers=headers,
            json={
                "columns": ["name", "metric.mrr", "metric.activity_rank", "custom.seats"],
                "sort": "metric.mrr",
                "descending": True,
            },
        )

        assert response.status_code == 200, response.text
        assert list(csv.reader(io.StringIO(response.text))) == [
            ["Name", "MRR", "Activity rank", "Seats"],
            ["Big", "10000", "-3", "40"],
            ["Small", "99", "12.5", "2"],
            ["None", "", "", ""],
        ]

    async def test_a_view_of_tier_order_exports_in_it(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        tiers = await _reordered(session, org, Tier, ["Tier 3", "Tier 1", "Tier 2"])
        for name in ("Tier 1", "Tier 2", "Tier 3"):
            await create_account(session, org, name=f"In {name}", tier_id=tiers[name].id)
        await session.commit()

        response = await client.post(
            f"{API}/accounts/export",
            headers=headers,
            json={"columns": ["name", "tier"], "sort": "tier"},
        )

        assert [row[0] for row in csv.reader(io.StringIO(response.text))][1:] == [
            "In Tier 3",
            "In Tier 1",
            "In Tier 2",
        ]

    async def test_unsortable_export_is_422(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        response = await client.post(
            f"{API}/accounts/export", headers=headers, json={"columns": ["name"], "sort": "csm"}
        )

        assert_problem(response, 422, "invalid_sort")


async def _reordered(
    session: AsyncSession, org: Organisation, model: Any, names: list[str]
) -> dict[str, Any]:
    """Give the organisation's tiers or stages the order `names` (unlike their names' order)."""
    items = {
        item.name: item
        for item in await session.scalars(select(model).where(model.org_id == org.id))
    }
    for position, name in enumerate(names):
        items[name].position = position
    await session.flush()
    return items


class TestSort:
    async def test_tiers_in_their_order_empty_last(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        tiers = await _reordered(session, org, Tier, ["Tier 3", "Tier 1", "Tier 2"])
        await create_account(session, org, name="a none")
        for name in ("Tier 1", "Tier 2", "Tier 3"):
            await create_account(session, org, name=name, tier_id=tiers[name].id)
        await session.commit()

        assert await _names(client, headers, sort="tier") == [
            "Tier 3",
            "Tier 1",
            "Tier 2",
            "a none",
        ]
        assert await _names(client, headers, sort="tier", descending=True) == [
            "Tier 2",
            "Tier 1",
            "Tier 3",
            "a none",
        ]

    async def test_stages_in_their_order(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        stages = {
            s.name: s
            for s in await session.scalars(
                select(LifecycleStage).where(LifecycleStage.org_id == org.id)
            )
        }
        # Created in reverse name order, so neither creation nor name order is stage order.
        for name in ("Trial", "Renewal", "Onboarding", "Established"):
            await create_account(session, org, name=name, stage_id=stages[name].id)
        await session.commit()

        assert await _names(client, headers, sort="stage") == [
            "Trial",
            "Onboarding",
            "Established",
            "Renewal",
        ]

    async def test_custom_numbers_sort_as_numbers(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        await _field(session, org, "seats", CustomFieldType.NUMBER)
        for name, seats in (("ten", 10), ("nine", 9), ("hundred", 100), ("half", 2.5)):
            await create_account(session, org, name=name, custom_values={"seats": seats})
        await create_account(session, org, name="none")
        await session.commit()

        # As text it would be 10, 100, 2.5, 9.
        assert await _names(client, headers, sort="custom.seats") == [
            "half",
            "nine",
            "ten",
            "hundred",
            "none",
        ]
        assert await _names(client, headers, sort="custom.seats", descending=True) == [
            "hundred",
            "ten",
            "nine",
            "half",
            "none",
        ]

    async def test_a_decimal_equals_the_number_written(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        """83.3 finds the 83.3 stored, in a custom value as in a metric, and each side of a
        range holds its bound: the float nearest to 83.3 is no stored 83.3."""
        await _field(session, org, "utilisation", CustomFieldType.NUMBER)
        # MRR is kept in cents and shown in the currency's units.
        for name, share, mrr in (("low", 0.1, 1010), ("mid", 83.3, 243101), ("high", 1e40, 300)):
            account = await create_account(
                session, org, name=name, custom_values={"utilisation": share}
            )
            await _values(session, account, mrr=mrr)
        await session.commit()

        def compare(field: str, op: str, value: Any) -> dict[str, Any]:
            return {"filter": {"kind": "compare", "field": field, "op": op, "value": value}}

        for field, value, name in (
            ("custom.utilisation", 83.3, "mid"),
            ("custom.utilisation", 0.1, "low"),
            ("custom.utilisation", 1e40, "high"),
            ("metric.mrr", 2431.01, "mid"),
            ("metric.mrr", 10.1, "low"),
        ):
            assert await _names(client, headers, **compare(field, "eq", value)) == [name]
            assert await _names(client, headers, **compare(field, "in", [value])) == [name]
            assert name in await _names(client, headers, **compare(field, "gte", value))
            assert name in await _names(client, headers, **compare(field, "lte", value))

    async def test_custom_dates_and_texts(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        await _field(session, org, "signed", CustomFieldType.DATE)
        await _field(session, org, "region", CustomFieldType.TEXT)
        for name, signed, region in (
            ("b", "2026-01-05", "emea"),
            ("a", "2025-12-31", ""),
            ("c", None, "amer"),
        ):
            values = {"signed": signed, "region": region} if signed else {"region": region}
            await create_account(session, org, name=name, custom_values=values)
        await session.commit()

        assert await _names(client, headers, sort="custom.signed", descending=True) == [
            "b",
            "a",
            "c",
        ]
        # An empty text is no value: last, as in the filters.
        assert await _names(client, headers, sort="custom.region") == ["c", "b", "a"]

    async def test_metrics_with_empty_values_last(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        for name, mrr in (("mid", 5_000), ("low", 100), ("high", 90_000), ("free", None)):
            account = await create_account(session, org, name=name)
            await _values(session, account, mrr=mrr)
        await create_account(session, org, name="never refreshed")
        await session.commit()

        ascending = await _names(client, headers, sort="metric.mrr")
        descending = await _names(client, headers, sort="metric.mrr", descending=True)

        assert ascending[:3] == ["low", "mid", "high"]
        assert descending[:3] == ["high", "mid", "low"]
        assert set(ascending[3:]) == set(descending[3:]) == {"free", "never refreshed"}

    async def test_sorts_within_the_organisation_and_what_a_csm_sees(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        other_org: Organisation,
        headers: dict[str, str],
        settings: Settings,
    ) -> None:
        csm = await create_user(session, org, role_name="CSM")
        await _field(session, org, "seats", CustomFieldType.NUMBER)
        await _field(session, other_org, "seats", CustomFieldType.NUMBER)
        await create_account(session, org, name="Mine", custom_values={"seats": 5}, csms=[csm])
        await create_account(session, org, name="Colleague's", custom_values={"seats": 1})
        await create_account(session, other_org, name="Elsewhere", custom_values={"seats": 0})
        await session.commit()

        assert await _names(client, headers, sort="custom.seats") == ["Colleague's", "Mine"]
        csm_headers = auth_headers(settings, csm)
        assert await _names(client, csm_headers, sort="custom.seats") == ["Mine"]

    async def test_a_value_of_another_type_is_no_value(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        # A text field deleted and made again as a number keeps the accounts' old texts.
        await _field(session, org, "size", CustomFieldType.NUMBER)
        await create_account(session, org, name="old", custom_values={"size": "large"})
        await create_account(session, org, name="new", custom_values={"size": 3})
        await session.commit()

        assert await _names(client, headers, sort="custom.size") == ["new", "old"]
        filtered = await _names(
            client,
            headers,
            filter={"kind": "compare", "field": "custom.size", "op": "gte", "value": 0},
        )
        assert filtered == ["new"]

    @pytest.mark.parametrize("sort", ["csm", "arr", "custom.nope", "metric.nope", "created"])
    async def test_unknown_or_unsortable_is_422(
        self, client: AsyncClient, headers: dict[str, str], sort: str
    ) -> None:
        response = await client.post(f"{API}/accounts/query", headers=headers, json={"sort": sort})

        assert_problem(response, 422, "invalid_sort")

    async def test_fields_say_which_sort_and_how_they_show(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        await _field(session, org, "seats", CustomFieldType.NUMBER)
        await session.commit()

        fields = (await client.get(f"{API}/accounts/fields", headers=headers)).json()

        by_key = {f["key"]: f for f in fields}
        assert {k for k, f in by_key.items() if not f["sortable"]} == {"csm"}
        # The custom metric is offered once, as its custom field.
        assert [k for k in by_key if k.endswith(".seats")] == ["custom.seats"]
        assert (by_key["custom.seats"]["format"], by_key["metric.mrr"]["format"]) == (
            "plain",
            "currency",
        )
        assert by_key["tier"]["format"] is None


class TestViews:
    async def test_keep_their_segment_and_any_sort(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        await _field(session, org, "seats", CustomFieldType.NUMBER)
        await session.commit()
        body = {"name": "Lost big ones", "columns": ["name", "metric.mrr"], "sort": "metric.mrr"}

        created = await client.post(
            f"{API}/account-views",
            headers=headers,
            json={**body, "segment": "churned", "descending": True},
        )
        assert created.status_code == 201, created.text
        view_id = created.json()["id"]
        updated = await client.put(
            f"{API}/account-views/{view_id}",
            headers=headers,
            json={**body, "segment": "all", "sort": "custom.seats"},
        )
        assert updated.status_code == 200, updated.text
        plain = await client.post(f"{API}/account-views", headers=headers, json={"name": "Plain"})

        views = {
            v["name"]: v for v in (await client.get(f"{API}/account-views", headers=headers)).json()
        }
        assert (views["Lost big ones"]["segment"], views["Lost big ones"]["sort"]) == (
            "all",
            "custom.seats",
        )
        # Without a segment a view lists the active book, as the explorer does.
        assert plain.json()["segment"] == "active" and views["Plain"]["sort"] == "name"

    async def test_bad_sort_or_segment_is_422_and_saves_nothing(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        bad_sort = await client.post(
            f"{API}/account-views", headers=headers, json={"name": "x", "sort": "custom.nope"}
        )
        bad_segment = await client.post(
            f"{API}/account-views", headers=headers, json={"name": "x", "segment": "lost"}
        )

        assert_problem(bad_sort, 422, "invalid_sort")
        assert_problem(bad_segment, 422, "validation_error")
        assert (await client.get(f"{API}/account-views", headers=headers)).json() == []
