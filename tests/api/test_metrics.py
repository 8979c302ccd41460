"""Metrics through the API: the catalog, computed metrics (validated at save time), an
account's current metrics with trends, history and aggregates, all scoped to what the caller
may see; and metrics as filter-language fields."""

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts.models import Account, CustomField, CustomFieldKind, CustomFieldType
from domain.common.settings import Settings
from domain.filters.compile import compile_condition
from domain.filters.schemas import Compare, CompareOp
from domain.freshness import changes
from domain.freshness.models import AccountChange
from domain.metrics import service as metrics
from domain.metrics.models import ComputedMetric, MetricFormat
from domain.orgs.models import Organisation
from domain.users.models import User
from tests.factories import auth_headers, create_account, create_user
from tests.helpers import assert_problem
from tests.metric_factories import (
    NOW,
    TODAY,
    add_contact_rank,
    add_rank,
    add_snapshot,
    add_usage,
    create_contact,
    set_mrr,
)

API = "/api/v1"


@pytest.fixture
def headers(settings: Settings, admin: User) -> dict[str, str]:
    return auth_headers(settings, admin)


@pytest.fixture
async def csm(session: AsyncSession, org: Organisation) -> User:
    return await create_user(session, org, role_name="CSM")


async def _with_usage(session: AsyncSession, org: Organisation, **fields: Any) -> Account:
    account = await create_account(session, org, **fields)
    contact = await create_contact(session, account)
    await add_usage(session, account, contact, TODAY, events=20, seconds=1200)
    return account


async def _refresh(session: AsyncSession, org: Organisation, *, snapshot: bool = False) -> None:
    await metrics.refresh(session, org.id, now=NOW)
    if snapshot:
        await metrics.snapshot(session, org.id, now=NOW)
    await session.commit()


async def _create(client: AsyncClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = await client.post(f"{API}/computed-metrics", headers=headers, json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


class TestCatalog:
    async def test_builtin_custom_and_computed(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        session.add(
            CustomField(
                org_id=org.id,
                key="seats",
                label="Seats",
                kind=CustomFieldKind.METRIC,
                type=CustomFieldType.NUMBER,
            )
        )
        await session.commit()
        await _create(client, headers, key="per_seat", label="MRR per seat", formula="mrr / seats")

        response = await client.get(f"{API}/metrics", headers=headers)

        assert response.status_code == 200
        by_key = {m["key"]: m for m in response.json()}
        assert by_key["mrr"]["format"] == "currency" and by_key["mrr"]["kind"] == "builtin"
        assert by_key["activity_rank"]["format"] == "percent"
        assert by_key["seats"]["kind"] == "custom"
        assert (
            by_key["per_seat"] | {"field": "metric.per_seat", "formula": "mrr / seats"}
            == (by_key["per_seat"])
        )


class TestComputedMetrics:
    async def test_unknown_metric_is_refused(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        response = await client.post(
            f"{API}/computed-metrics",
            headers=headers,
            json={"key": "bad", "label": "Bad", "formula": "mrr / nothing_here"},
        )
        body = assert_problem(response, 422, "invalid_formula")
        assert "nothing_here" in body["detail"]

    @pytest.mark.parametrize(
        "formula", ["__import__('os')", "mrr ** 2", "mrr +", "x.y", "'text'", "mrr if 1 else 2"]
    )
    async def test_unsafe_or_malformed_formulas_are_refused(
        self, client: AsyncClient, headers: dict[str, str], formula: str
    ) -> None:
        response = await client.post(
            f"{API}/computed-metrics",
            headers=headers,
            json={"key": "bad", "label": "Bad", "formula": formula},
        )
        assert_problem(response, 422)

    async def test_cycles_are_refused(self, client: AsyncClient, headers: dict[str, str]) -> None:
        a = await _create(client, headers, key="a_metric", label="A", formula="mrr * 2")
        await _create(client, headers, key="b_metric", label="B", formula="a_metric + 1")

        response = await client.patch(
            f"{API}/computed-metrics/{a['id']}", headers=headers, json={"formula": "b_metric"}
        )
        assert_problem(response, 409, "formula_cycle")
        itself = await client.post(
            f"{API}/computed-metrics",
            headers=headers,
            json={"key": "selfish", "label": "S", "formula": "selfish + 1"},
        )
        assert_problem(itself, 409, "formula_cycle")

    async def test_key_clashes_are_conflicts(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        await _create(client, headers, key="ratio", label="Ratio", formula="events_30d / 30")
        region = await client.post(
            f"{API}/custom-fields",
            headers=headers,
            json={"key": "region", "label": "Region", "type": "text"},
        )
        assert region.status_code == 201, region.text
        for key, holder in (
            ("ratio", "the metric 'Ratio'"),
            ("mrr", "the metric 'MRR'"),
            # Not a metric, but the column picker offers its key once, as the custom field.
            ("region", "the custom field 'Region'"),
            # metric.tier would be hidden behind the account's own field.
            ("tier", "the account's own field 'tier'"),
        ):
            response = await client.post(
                f"{API}/computed-metrics",
                headers=headers,
                json={"key": key, "label": "Again", "formula": "1"},
            )
            problem = assert_problem(response, 409, "metric_key_taken")
            assert problem["detail"] == f"{key!r} is already the key of {holder}"

    async def test_a_metric_in_use_is_not_deleted(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        base = await _create(client, headers, key="base", label="Base", formula="mrr")
        user = await _create(client, headers, key="user", label="User", formula="base * 2")
        response = await client.delete(f"{API}/computed-metrics/{base['id']}", headers=headers)
        assert_problem(response, 409, "metric_in_use")
        for metric in (user, base):
            response = await client.delete(
                f"{API}/computed-metrics/{metric['id']}", headers=headers
            )
            assert response.status_code == 204

    async def test_needs_configure_product(
        self, client: AsyncClient, settings: Settings, csm: User
    ) -> None:
        response = await client.post(
            f"{API}/computed-metrics",
            headers=auth_headers(settings, csm),
            json={"key": "x", "label": "X", "formula": "mrr"},
        )
        assert_problem(response, 403)

    async def test_other_organisations_metrics_are_not_found(
        self,
        client: AsyncClient,
        settings: Settings,
        session: AsyncSession,
        other_org: Organisation,
        headers: dict[str, str],
    ) -> None:
        from tests.factories import user_by_role

        theirs = await _create(
            client,
            auth_headers(settings, await user_by_role(session, other_org, "Admin")),
            key="theirs",
            label="Theirs",
            formula="mrr",
        )
        for method in ("patch", "delete"):
            response = await client.request(
                method,
                f"{API}/computed-metrics/{theirs['id']}",
                headers=headers,
                json={"label": "Mine"} if method == "patch" else None,
            )
            assert_problem(response, 404, "computed_metric_not_found")

    async def test_an_update_answers_the_metric_with_its_new_updated_at(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        created = await _create(client, headers, key="ratio", label="Ratio", formula="mrr / 2")

        response = await client.patch(
            f"{API}/computed-metrics/{created['id']}",
            headers=headers,
            json={"label": "Half the MRR", "formula": "mrr / 2.0"},
        )

        assert response.status_code == 200, response.text
        body = response.json()
        assert body["label"] == "Half the MRR" and body["formula"] == "mrr / 2.0"
        assert body["updated_at"] >= created["updated_at"]

    async def test_a_description_sent_as_null_is_taken_away(
        self, client: AsyncClient, headers: dict[str, str]
    ) -> None:
        # The edit form sends a description it emptied as null: it used to be kept.
        created = await _create(
            client, headers, key="ratio", label="Ratio", formula="mrr / 2", description="Half"
        )
        url = f"{API}/computed-metrics/{created['id']}"

        response = await client.patch(url, headers=headers, json={"description": None})

        assert response.status_code == 200, response.text
        assert response.json()["description"] is None
        kept = await client.patch(url, headers=headers, json={"label": "Half the MRR"})
        assert kept.json()["description"] is None and kept.json()["formula"] == "mrr / 2"
        refused = await client.patch(url, headers=headers, json={"formula": None})
        assert_problem(refused, 422, "validation_error")


class TestAccountMetrics:
    async def test_current_values_with_formats_and_trend(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        headers: dict[str, str],
    ) -> None:
        account = await _with_usage(session, org, renewal_on=TODAY + timedelta(days=30))
        await set_mrr(session, account, 250_000)
        await add_snapshot(
            session, account, TODAY - timedelta(days=7), {"events_30d": 5, "mrr": 2000}
        )
        await add_rank(session, account, TODAY - timedelta(days=2), 50.5)
        await session.commit()
        await _create(
            client,
            headers,
            key="mrr_per_user",
            label="MRR per user",
            format="currency",
            formula="mrr / active_users_30d",
        )
        await _refresh(session, org)

        response = await client.get(f"{API}/accounts/{account.id}/metrics", headers=headers)

        assert response.status_code == 200, response.text
        body = response.json()
        assert body["currency"] == "USD" and body["as_of"] == TODAY.isoformat()
        by_key = {m["key"]: m for m in body["metrics"]}
        assert (
            by_key["mrr"] | {"value": 2500.0, "previous": 2000.0, "change": 500.0}
            == (by_key["mrr"])
        )
        assert by_key["events_30d"]["change"] == 15.0
        assert by_key["days_to_renewal"]["value"] == 30
        assert by_key["mrr_per_user"]["value"] == 2500.0
        assert by_key["activity_rank"]["value"] == 50.0
        assert by_key["open_tickets"]["previous"] is None
        # Ranks 50.5 two days ago and 50 today: a slope of -0.25 points a day.
        assert body["activity_rank"] == {"rank": 50.0, "trend": -0.25, "trend_arrow": "down"}

    async def test_when_the_figures_were_computed_and_whether_a_change_waits(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        account = await _with_usage(session, org)
        await session.commit()
        url = f"{API}/accounts/{account.id}/metrics"

        never = (await client.get(url, headers=headers)).json()
        assert (never["computed_at"], never["updating"]) == (None, False)

        await _refresh(session, org)
        computed = (await client.get(url, headers=headers)).json()
        assert datetime.fromisoformat(computed["computed_at"]) == NOW
        assert computed["updating"] is False

        # The next refresh changes none of its figures (so writes none of them): they
        # are as of that refresh all the same, not of when they last changed.
        later = NOW + timedelta(minutes=1)
        await metrics.refresh(session, org.id, now=later)
        await session.commit()
        computed = (await client.get(url, headers=headers)).json()
        assert datetime.fromisoformat(computed["computed_at"]) == later

        await changes.note(session, org.id, [account.id])
        await session.commit()
        assert (await client.get(url, headers=headers)).json()["updating"] is True

        # A failed change waits for its retry, not for the live chain.
        change = await session.get_one(AccountChange, account.id)
        change.failed_at, change.error = NOW, "boom"
        await session.commit()
        assert (await client.get(url, headers=headers)).json()["updating"] is False

    async def test_a_csm_sees_only_their_accounts(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        settings: Settings,
        csm: User,
    ) -> None:
        mine = await _with_usage(session, org, csms=[csm])
        theirs = await _with_usage(session, org)
        await _with_usage(session, org)
        await _refresh(session, org, snapshot=True)
        csm_headers = auth_headers(settings, csm)

        assert (
            await client.get(f"{API}/accounts/{mine.id}/metrics", headers=csm_headers)
        ).status_code == 200
        for path in ("metrics", "metrics/events_30d/history", "contact-activity-ranks"):
            response = await client.get(f"{API}/accounts/{theirs.id}/{path}", headers=csm_headers)
            assert_problem(response, 404)
        total = await client.get(f"{API}/metrics/events_30d/aggregate", headers=csm_headers)
        assert total.json()["count"] == 1 and total.json()["sum"] == 20.0

    async def test_other_organisations_accounts_are_not_found(
        self,
        client: AsyncClient,
        session: AsyncSession,
        other_org: Organisation,
        headers: dict[str, str],
    ) -> None:
        theirs = await create_account(session, other_org)
        await session.commit()
        for path in ("metrics", "metrics/mrr/history", "contact-activity-ranks"):
            response = await client.get(f"{API}/accounts/{theirs.id}/{path}", headers=headers)
            assert_problem(response, 404, "account_not_found")

    async def test_contact_activity_ranks(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        account = await create_account(session, org)
        busy = await create_contact(session, account, name="Busy Bo")
        await add_usage(session, account, busy, TODAY, events=20, seconds=1200)
        idle = await create_contact(session, account, name="Idle Ida")
        for days, rank in ((-3, 20), (-2, 30), (-1, 40)):
            await add_contact_rank(session, busy, TODAY + timedelta(days=days), rank)
        await add_contact_rank(session, idle, TODAY - timedelta(days=1), 0.1)
        await _refresh(session, org)
        url = f"{API}/accounts/{account.id}/contact-activity-ranks"

        response = await client.get(url, headers=headers)

        assert response.status_code == 200
        ranks = [
            (c["name"], c["activity_rank"], c["session_minutes_30d"], c["trend"], c["trend_arrow"])
            for c in response.json()
        ]
        # Busy Bo: 20, 30, 40, then 50 today; Idle Ida: 0.1 yesterday, 0 today.
        assert ranks == [("Busy Bo", 50.0, 20.0, 10.0, "up"), ("Idle Ida", 0.0, 0.0, -0.1, "flat")]
        only = await client.get(url, headers=headers, params={"contact_id": str(idle.id)})
        assert [c["contact_id"] for c in only.json()] == [str(idle.id)]

        one = await client.get(f"{API}/contacts/{busy.id}/activity-rank", headers=headers)
        assert one.status_code == 200
        assert (one.json()["activity_rank"], one.json()["trend_arrow"]) == (50.0, "up")

    async def test_before_the_days_first_refresh_the_rank_is_the_latest_ranking(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        # After the organisation's midnight and before the next hourly refresh, today has no
        # ranking yet: every contact showed no rank (the account's kept its last refresh's).
        account = await create_account(session, org)
        ranked = await create_contact(session, account, name="Ranked Rae")
        for days, rank in ((-3, 20), (-2, 30), (-1, 40)):
            await add_contact_rank(session, ranked, TODAY + timedelta(days=days), rank, 1800)
        await create_contact(session, account, name="New Ned")
        await session.commit()

        response = await client.get(
            f"{API}/accounts/{account.id}/contact-activity-ranks", headers=headers
        )

        assert response.status_code == 200
        assert [
            (c["name"], c["activity_rank"], c["session_minutes_30d"]) for c in response.json()
        ] == [
            ("Ranked Rae", 40.0, 30.0),
            ("New Ned", None, None),
        ]
        one = await client.get(f"{API}/contacts/{ranked.id}/activity-rank", headers=headers)
        assert one.json()["activity_rank"] == 40.0

    async def test_a_contacts_rank_is_scoped_like_the_contact(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        other_org: Organisation,
        settings: Settings,
        csm: User,
        headers: dict[str, str],
    ) -> None:
        mine = await create_contact(session, await create_account(session, org, csms=[csm]))
        theirs = await create_contact(session, await create_account(session, org))
        foreign = await create_contact(session, await create_account(session, other_org))
        await _refresh(session, org)
        csm_headers = auth_headers(settings, csm)

        # No rank recorded yet is no rank, not an error.
        fresh = await client.get(f"{API}/contacts/{mine.id}/activity-rank", headers=csm_headers)
        assert fresh.status_code == 200 and fresh.json()["trend"] is None
        hidden = await client.get(f"{API}/contacts/{theirs.id}/activity-rank", headers=csm_headers)
        assert_problem(hidden, 404, "contact_not_found")
        elsewhere = await client.get(f"{API}/contacts/{foreign.id}/activity-rank", headers=headers)
        assert_problem(elsewhere, 404, "contact_not_found")

    async def test_too_many_contact_ids_are_refused(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        account = await create_account(session, org)
        await session.commit()
        ids = [("contact_id", str(uuid.uuid4())) for _ in range(101)]
        response = await client.get(
            f"{API}/accounts/{account.id}/contact-activity-ranks", headers=headers, params=ids
        )
        assert_problem(response, 422)


class TestHistoryAndAggregates:
    async def test_history_is_one_point_per_snapshot_of_the_last_90_days(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        account = await create_account(session, org)
        for days_ago, value in ((3, 10), (2, 12), (100, 1)):
            await add_snapshot(
                session, account, TODAY - timedelta(days=days_ago), {"events_7d": value}
            )
        await add_snapshot(session, account, TODAY - timedelta(days=1), {})
        await session.commit()

        response = await client.get(
            f"{API}/accounts/{account.id}/metrics/events_7d/history", headers=headers
        )

        assert response.status_code == 200
        points = [(p["day"], p["value"]) for p in response.json()["points"]]
        assert points == [
            ((TODAY - timedelta(days=3)).isoformat(), 10.0),
            ((TODAY - timedelta(days=2)).isoformat(), 12.0),
            ((TODAY - timedelta(days=1)).isoformat(), None),
        ]

    async def test_bad_requests_are_problems(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        account = await create_account(session, org)
        await session.commit()
        base = f"{API}/accounts/{account.id}/metrics"
        assert_problem(await client.get(f"{base}/nope/history", headers=headers), 404)
        assert_problem(
            await client.get(
                f"{base}/mrr/history",
                headers=headers,
                params={"since": "2026-02-01", "until": "2026-01-01"},
            ),
            422,
        )
        assert_problem(
            await client.get(f"{base}/mrr/history", headers=headers, params={"since": "x"}), 422
        )
        assert_problem(await client.get(f"{API}/metrics/nope/aggregate", headers=headers), 404)

    async def test_aggregate_on_a_day(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        day = TODAY - timedelta(days=5)
        for value in (1, 2, 2, 10):
            await add_snapshot(session, await create_account(session, org), day, {"mrr": value})
        await add_snapshot(session, await create_account(session, org), day, {})
        await session.commit()

        response = await client.get(
            f"{API}/metrics/mrr/aggregate", headers=headers, params={"day": day.isoformat()}
        )

        assert response.json() == {
            "key": "mrr",
            "day": day.isoformat(),
            "count": 4,
            "count_distinct": 3,
            "sum": 15.0,
            "avg": 3.75,
            "min": 1.0,
            "max": 10.0,
            "median": 2.0,
        }

    async def test_count_distinct_of_current_values(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        for mrr in (500, 500, 700):
            await set_mrr(session, await create_account(session, org), mrr)
        await create_account(session, org)  # no revenue: no value, not counted
        await _refresh(session, org)

        response = await client.get(f"{API}/metrics/mrr/aggregate", headers=headers)

        body = response.json()
        assert (body["count"], body["count_distinct"], body["sum"]) == (3, 2, 17.0)


class TestRefreshOnDemand:
    async def test_queues_a_refresh(
        self,
        client: AsyncClient,
        redis: Redis,
        settings: Settings,
        headers: dict[str, str],
        csm: User,
    ) -> None:
        response = await client.post(f"{API}/metrics/refresh", headers=headers)
        assert response.status_code == 202
        assert await redis.exists(f"arq:job:{response.json()['job_id']}")
        denied = await client.post(f"{API}/metrics/refresh", headers=auth_headers(settings, csm))
        assert_problem(denied, 403)


class TestFilterFields:
    async def test_metrics_compile_into_account_filters(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        busy = await _with_usage(session, org, custom_values={"seats": 4})
        quiet = await create_account(session, org, custom_values={"seats": 40})
        session.add(
            CustomField(
                org_id=org.id,
                key="seats",
                label="Seats",
                kind=CustomFieldKind.METRIC,
                type=CustomFieldType.NUMBER,
            )
        )
        await session.commit()
        await _create(
            client,
            headers,
            key="events_per_seat",
            label="Events per seat",
            formula="events_30d / seats",
        )
        await _refresh(session, org)
        fields = {f.key: f for f in await metrics.metric_fields(session, org.id, TODAY)}

        async def matching(condition: Compare) -> set[Any]:
            where = compile_condition(condition, fields, today=TODAY)
            rows = await session.scalars(select(Account.id).where(Account.org_id == org.id, where))
            return set(rows)

        gt = CompareOp.GT
        assert await matching(Compare(field="metric.events_30d", op=gt, value=5)) == {busy.id}
        assert await matching(Compare(field="metric.events_per_seat", op=gt, value=1)) == {busy.id}
        assert await matching(Compare(field="metric.seats", op=gt, value=10)) == {quiet.id}
        assert await matching(Compare(field="metric.activity_rank", op=CompareOp.EQ, value=0)) == {
            quiet.id
        }
        assert await matching(Compare(field="metric.mrr", op=CompareOp.IS_EMPTY)) == {
            busy.id,
            quiet.id,
        }


class TestFormulaBounds:
    @pytest.mark.parametrize("formula", ["1e308 * 1e308", "mrr * 1e400", "2 * 10000000000000000"])
    async def test_numbers_too_large_are_refused(
        self, client: AsyncClient, headers: dict[str, str], formula: str
    ) -> None:
        response = await client.post(
            f"{API}/computed-metrics",
            headers=headers,
            json={"key": "huge", "label": "Huge", "formula": formula},
        )

        assert "at most" in assert_problem(response, 422, "invalid_formula")["detail"]

    async def test_a_stored_overflowing_formula_is_invalid_rather_than_an_error(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        account = await _with_usage(session, org)
        # Saved before formulas were bounded.
        session.add(
            ComputedMetric(
                org_id=org.id,
                key="huge",
                label="Huge",
                format=MetricFormat.NUMBER,
                formula="1e308*1e308",
            )
        )
        await session.commit()
        await _refresh(session, org, snapshot=True)

        aggregate = await client.get(f"{API}/metrics/huge/aggregate", headers=headers)
        metrics = await client.get(f"{API}/accounts/{account.id}/metrics", headers=headers)

        # As for a formula whose metric was deleted: the metric is not valid, so it has no
        # aggregate, and accounts show no value for it.
        assert_problem(aggregate, 404, "metric_not_found")
        assert metrics.status_code == 200, metrics.text

    async def test_values_too_large_to_mean_anything_are_no_value(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        session.add(
            CustomField(
                org_id=org.id,
                key="seats",
                label="Seats",
                kind=CustomFieldKind.METRIC,
                type=CustomFieldType.NUMBER,
            )
        )
        await create_account(session, org, custom_values={"seats": 1e300})
        await create_account(session, org, custom_values={"seats": 3})
        await session.commit()
        await _create(client, headers, key="squared", label="Squared", formula="seats * seats")
        await _refresh(session, org, snapshot=True)

        response = await client.get(f"{API}/metrics/squared/aggregate", headers=headers)

        assert response.status_code == 200, response.text
        assert (response.json()["count"], response.json()["sum"]) == (1, 9.0)
