"""Usage read-outs through the API: an account's top features over time (by day, or by week
for long ranges) and the hierarchy rollup of its usage over the descendants the caller may
see (SPEC: usage rolls up to ancestors), from the daily rollups."""

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts.models import Account
from domain.common.settings import Settings
from domain.orgs.models import Organisation
from domain.usage.models import Contact, UsageDailyFeature, UsageEvent
from domain.users.models import User
from tests.factories import auth_headers, create_account, create_user
from tests.helpers import assert_problem
from tests.metric_factories import add_usage, create_contact

API = "/api/v1"
# A Thursday; the range below runs to the Tuesday after next.
DAY = date(2026, 10, 1)


@pytest.fixture
def headers(settings: Settings, admin: User) -> dict[str, str]:
    return auth_headers(settings, admin)


async def add_feature(
    session: AsyncSession, account: Account, day: date, feature: str, events: int
) -> None:
    session.add(
        UsageDailyFeature(
            org_id=account.org_id,
            account_id=account.id,
            day=day,
            module="analytics" if feature == "reports" else "",
            feature=feature,
            events=events,
            active_contacts=1,
        )
    )
    await session.flush()


async def add_event(session: AsyncSession, account: Account, contact: Contact, at: datetime) -> str:
    message_id = f"m-{uuid.uuid4().hex[:8]}"
    session.add(
        UsageEvent(
            org_id=account.org_id,
            message_id=message_id,
            name="Clicked",
            contact_external_id=contact.external_id,
            account_external_id=account.external_id,
            account_id=account.id,
            contact_id=contact.id,
            occurred_at=at,
        )
    )
    await session.flush()
    return message_id


async def _get(
    client: AsyncClient, headers: dict[str, str], path: str, **params: Any
) -> dict[str, Any]:
    response = await client.get(f"{API}/{path}", headers=headers, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _periods(trend: dict[str, Any]) -> list[tuple[str, str, int]]:
    return [(p["start"], p["end"], p["events"]) for p in trend["periods"]]


class TestFeaturesOverTime:
    async def test_the_top_five_features_per_day_most_used_first(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        account = await create_account(session, org)
        other = await create_account(session, org)
        for n, feature in enumerate(["search", "alerts", "billing", "sso", "team", "export"]):
            await add_feature(session, account, DAY, feature, 10 - n)
        await add_feature(session, account, DAY + timedelta(days=2), "reports", 30)
        await add_feature(session, account, DAY, "reports", 2)
        await add_feature(session, account, DAY - timedelta(days=1), "reports", 500)  # before
        await add_feature(session, other, DAY, "export", 1000)  # another account's
        await session.commit()

        body = await _get(
            client,
            headers,
            f"accounts/{account.id}/usage/features",
            since=DAY.isoformat(),
            until=(DAY + timedelta(days=2)).isoformat(),
        )

        assert body["interval"] == "day" and body["rollup"] is False
        features = body["features"]
        assert [(f["feature"], f["module"], f["events"]) for f in features] == [
            ("reports", "analytics", 32),
            ("search", None, 10),
            ("alerts", None, 9),
            ("billing", None, 8),
            ("sso", None, 7),
        ]
        assert _periods(features[0]) == [
            ("2026-10-01", "2026-10-01", 2),
            ("2026-10-02", "2026-10-02", 0),
            ("2026-10-03", "2026-10-03", 30),
        ]
        assert [p["events"] for p in features[1]["periods"]] == [10, 0, 0]

    async def test_long_ranges_are_counted_by_week(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        account = await create_account(session, org)
        for day, events in ((date(2026, 10, 2), 3), (date(2026, 10, 4), 1), (date(2026, 10, 5), 2)):
            await add_feature(session, account, day, "reports", events)
        await add_feature(session, account, date(2026, 11, 10), "reports", 7)
        await session.commit()

        body = await _get(
            client,
            headers,
            f"accounts/{account.id}/usage/features",
            since="2026-10-01",
            until="2026-11-10",
        )

        assert body["interval"] == "week"
        periods = _periods(body["features"][0])
        # Thursday to Sunday, then whole weeks, then Monday to the Tuesday the range ends on.
        assert periods[:2] == [("2026-10-01", "2026-10-04", 4), ("2026-10-05", "2026-10-11", 2)]
        assert periods[-1] == ("2026-11-09", "2026-11-10", 7)
        assert len(periods) == 7 and sum(p[2] for p in periods) == 13

    async def test_bad_ranges_and_other_organisations_are_problems(
        self,
        client: AsyncClient,
        session: AsyncSession,
        org: Organisation,
        other_org: Organisation,
        headers: dict[str, str],
    ) -> None:
        account = await create_account(session, org)
        theirs = await create_account(session, other_org)
        await session.commit()
        url = f"{API}/accounts/{account.id}/usage/features"
        backwards = {"since": "2026-10-05", "until": "2026-10-01"}
        assert_problem(await client.get(url, headers=headers, params=backwards), 422)
        too_long = {"since": "2025-01-01", "until": "2026-10-01"}
        assert_problem(await client.get(url, headers=headers, params=too_long), 422)
        assert_problem(await client.get(url, headers=headers, params={"since": "soon"}), 422)
        # With no until, since is compared with today, and the answer says so.
        future = await client.get(url, headers=headers, params={"since": "2999-01-01"})
        assert "after today" in assert_problem(future, 422, "invalid_range")["detail"]
        assert_problem(
            await client.get(f"{API}/accounts/{theirs.id}/usage/features", headers=headers),
            404,
            "account_not_found",
        )
        # The default range ends today in the organisation's time zone and is counted by day.
        body = await _get(client, headers, f"accounts/{account.id}/usage/features")
        assert body["interval"] == "day" and body["features"] == []


class TestRollup:
    """P -> C -> G and P -> X (deleted); Sam uses P and G on the same day, Kim uses C."""

    async def _tree(
        self, session: AsyncSession, org: Organisation, *, csms: dict[str, list[User]]
    ) -> dict[str, Account]:
        p = await create_account(session, org, name="P Corp", csms=csms.get("p"))
        c = await create_account(session, org, name="C Corp", parent_id=p.id, csms=csms.get("c"))
        g = await create_account(session, org, name="G Corp", parent_id=c.id, csms=csms.get("g"))
        x = await create_account(
            session, org, name="X Corp", parent_id=p.id, deleted_at=datetime.now(UTC)
        )
        sam = await create_contact(session, p, name="Sam")
        kim = await create_contact(session, c, name="Kim")
        await add_usage(session, p, sam, DAY, events=10, sessions=1, seconds=600)
        await add_usage(session, g, sam, DAY, events=5, sessions=2, seconds=300)
        await add_usage(session, c, kim, DAY + timedelta(days=1), events=7, seconds=60)
        await add_usage(session, x, kim, DAY, events=1000, seconds=9999)
        await add_feature(session, p, DAY, "reports", 4)
        await add_feature(session, g, DAY, "reports", 6)
        await add_feature(session, c, DAY + timedelta(days=1), "alerts", 7)
        await add_feature(session, x, DAY, "billing", 1000)
        for account, contact in ((p, sam), (g, sam), (c, kim), (x, kim)):
            await add_event(session, account, contact, datetime(2026, 10, 1, 9, tzinfo=UTC))
        await session.commit()
        return {"p": p, "c": c, "g": g, "x": x}

    async def test_a_parent_counts_its_whole_visible_subtree_once(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, headers: dict[str, str]
    ) -> None:
        tree = await self._tree(session, org, csms={})
        usage = f"accounts/{tree['p'].id}/usage"
        span = {"since": DAY.isoformat(), "until": (DAY + timedelta(days=1)).isoformat()}

        alone = await _get(client, headers, usage, **span)
        rolled = await _get(client, headers, usage, **span, rollup="true")

        assert (alone["accounts"], alone["events"], alone["active_contacts"]) == (1, 10, 1)
        assert (rolled["rollup"], rolled["accounts"]) == (True, 3)
        # The deleted child's 1,000 events are nowhere; Sam is one active user, not two.
        days = [(d["events"], d["active_contacts"], d["sessions"]) for d in rolled["days"]]
        assert days == [(15, 1, 3), (7, 1, 1)]
        assert (rolled["events"], rolled["active_contacts"], rolled["sessions"]) == (22, 2, 4)
        assert rolled["session_seconds"] == 960
        assert [(f["feature"], f["events"]) for f in rolled["top_features"]] == [
            ("reports", 10),
            ("alerts", 7),
        ]
        features = await _get(client, headers, f"{usage}/features", **span, rollup="true")
        assert [
            (f["feature"], [p["events"] for p in f["periods"]]) for f in features["features"]
        ] == [
            ("reports", [10, 0]),
            ("alerts", [0, 7]),
        ]
        events = await _get(client, headers, f"accounts/{tree['p'].id}/events", rollup="true")
        assert {e["account_id"] for e in events["items"]} == {
            str(tree[k].id) for k in ("p", "c", "g")
        }
        assert events["total"] == 3
        # A middle account rolls up only what is below it.
        middle = await _get(
            client, headers, f"accounts/{tree['c'].id}/usage", **span, rollup="true"
        )
        assert (middle["accounts"], middle["events"]) == (2, 12)

    async def test_a_csm_rolls_up_only_the_descendants_they_may_see(
        self, client: AsyncClient, session: AsyncSession, org: Organisation, settings: Settings
    ) -> None:
        csm = await create_user(session, org)
        # G is below C, which the CSM cannot see: G's usage still rolls up into P, C's does not.
        tree = await self._tree(session, org, csms={"p": [csm], "g": [csm]})
        csm_headers = auth_headers(settings, csm)
        span = {"since": DAY.isoformat(), "until": (DAY + timedelta(days=1)).isoformat()}

        rolled = await _get(
            client, csm_headers, f"accounts/{tree['p'].id}/usage", **span, rollup="true"
        )

        assert (rolled["accounts"], rolled["events"], rolled["active_contacts"]) == (2, 15, 1)
        assert [f["feature"] for f in rolled["top_features"]] == ["reports"]
        hidden = await client.get(
            f"{API}/accounts/{tree['c'].id}/usage", headers=csm_headers, params={"rollup": "true"}
        )
        assert_problem(hidden, 404, "account_not_found")
