"""Filters are bounded: how many conditions, how deep, how many values (PostgreSQL takes at most
32,767 parameters in a statement), and numbers within the range of the column they compare
with. Past a bound the answer is a 422 naming it, never a slow query or a 500. And a filter
holds only the parts its operators use: one they would ignore is a 422 saying which, and
nothing is saved."""

from typing import Any

import pytest
from httpx import AsyncClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.accounts.models import AccountView, AttributeTrigger
from domain.alerts.models import AlertRule
from domain.common.settings import Settings
from domain.filters.schemas import MAX_CONDITIONS, MAX_DEPTH, MAX_VALUES
from domain.health.models import HealthModel
from domain.users.models import User
from tests.factories import auth_headers
from tests.helpers import assert_problem

API = "/api/v1"


@pytest.fixture
def headers(settings: Settings, admin: User) -> dict[str, str]:
    return auth_headers(settings, admin)


def _tier(name: str = "Tier 1") -> dict[str, Any]:
    return {"kind": "compare", "field": "tier", "op": "eq", "value": name}


async def _count(session: AsyncSession, model: type[Any]) -> int:
    return await session.scalar(select(func.count()).select_from(model)) or 0


def _grid(width: int, depth: int) -> dict[str, Any]:
    """`depth` levels of `all`, each with `width` children: width**depth comparisons."""
    node: dict[str, Any] = _tier()
    for _ in range(depth):
        node = {"kind": "all", "conditions": [node] * width}
    return node


async def _both(client: AsyncClient, headers: dict[str, str], condition: Any) -> list[Any]:
    return [
        await client.post(f"{API}/accounts/query", headers=headers, json={"filter": condition}),
        await client.post(
            f"{API}/accounts/export", headers=headers, json={"selection": {"filter": condition}}
        ),
    ]


@pytest.mark.parametrize(
    "condition",
    [
        pytest.param(_grid(100, 2), id="10,000 conditions"),
        pytest.param(_grid(20, 3), id="8,000 conditions"),
        pytest.param(
            {"kind": "compare", "field": "name", "op": "in", "value": ["x"] * 40_000},
            id="40,000 values",
        ),
        pytest.param(
            {
                "kind": "any",
                "conditions": [
                    {"kind": "compare", "field": "name", "op": "in", "value": ["x"] * 9_000}
                ]
                * 4,
            },
            id="36,000 values over four lists",
        ),
        pytest.param(_grid(1, MAX_DEPTH + 1), id="too deep"),
        pytest.param(
            {"kind": "compare", "field": "csm_score", "op": "gt", "value": 10**40},
            id="beyond int4",
        ),
        pytest.param(
            {"kind": "compare", "field": "csm_score", "op": "in", "value": [1, 2**31]},
            id="beyond int4 in a list",
        ),
        pytest.param(
            {"kind": "compare", "field": "metric.events_30d", "op": "lt", "value": -(2**31) - 1},
            id="a metric beyond int4",
        ),
    ],
)
async def test_oversized_filters_are_422(
    client: AsyncClient, headers: dict[str, str], condition: Any
) -> None:
    for response in await _both(client, headers, condition):
        assert_problem(response, 422)


async def test_filters_at_the_limits_work(client: AsyncClient, headers: dict[str, str]) -> None:
    conditions = [
        {"kind": "compare", "field": "name", "op": "in", "value": ["x"] * (MAX_VALUES // 2)},
        {"kind": "compare", "field": "csm_score", "op": "lt", "value": 2**31 - 1},
        {"kind": "compare", "field": "csm_score", "op": "gt", "value": 1.5},
        {"kind": "compare", "field": "metric.events_30d", "op": "gt", "value": -(2**31)},
        {"kind": "compare", "field": "metric.events_30d", "op": "in", "value": [0.5, 2, 3.0]},
        {"kind": "compare", "field": "metric.mrr", "op": "gt", "value": 10**40},
        _grid(1, MAX_DEPTH - 2),
    ]
    condition = {"kind": "any", "conditions": conditions}
    wide = {"kind": "all", "conditions": [_tier()] * MAX_CONDITIONS}

    for body in (condition, wide):
        for response in await _both(client, headers, body):
            assert response.status_code == 200, response.text


async def test_an_infinite_number_is_422(client: AsyncClient, headers: dict[str, str]) -> None:
    # 1e400 is valid JSON that parses as infinity.
    condition = b'{"kind": "compare", "field": "csm_score", "op": "gt", "value": 1e400}'
    for path, body in (
        ("query", b'{"filter": %s}' % condition),
        ("export", b'{"selection": {"filter": %s}}' % condition),
    ):
        response = await client.post(
            f"{API}/accounts/{path}",
            headers={**headers, "content-type": "application/json"},
            content=body,
        )
        assert_problem(response, 422)


# Parts an operator ignores: sent, they meant something the filter would silently not do.
IGNORED_PARTS = [
    pytest.param(
        {"kind": "compare", "field": "tier", "op": "is_empty", "value": "Tier 1"},
        "is_empty tests whether tier has a value, and takes none to compare with: leave out "
        "`value`",
        id="a value with is_empty",
    ),
    pytest.param(
        {
            "kind": "all",
            "conditions": [
                _tier(),
                {
                    "kind": "date",
                    "field": "renewal_on",
                    "op": "before",
                    "date": "2027-01-01",
                    "days": 30,
                },
            ],
        },
        "conditions.1: before compares renewal_on with `date`, and takes no `days`",
        id="days with before",
    ),
    pytest.param(
        {
            "kind": "date",
            "field": "renewal_on",
            "op": "within_next_days",
            "days": 30,
            "date": "2027-01-01",
        },
        "within_next_days counts `days` from today, and takes no `date`",
        id="a date with within_next_days",
    ),
]


def _located(response: Any, loc: list[str], message: str) -> None:
    body = assert_problem(response, 422, "invalid_filter")
    assert [(e["loc"], e["type"]) for e in body["errors"]] == [(loc, "invalid_filter")]
    assert body["errors"][0]["msg"].startswith(message) and message in body["detail"]


@pytest.mark.parametrize(("condition", "message"), IGNORED_PARTS)
async def test_a_part_the_operator_ignores_is_422_invalid_filter(
    client: AsyncClient, headers: dict[str, str], condition: Any, message: str
) -> None:
    query, export = await _both(client, headers, condition)

    _located(query, ["body", "filter"], message)
    _located(export, ["body", "selection", "filter"], message)


@pytest.mark.parametrize(("condition", "message"), IGNORED_PARTS)
async def test_nothing_is_saved_with_a_part_the_operator_ignores(
    client: AsyncClient,
    session: AsyncSession,
    headers: dict[str, str],
    condition: Any,
    message: str,
) -> None:
    saves = [
        ("account-views", {"name": "Mine", "filter": condition}, "filter", AccountView),
        (
            "attribute-triggers",
            {"name": "T", "target": "churned", "churn_reason": "r", "condition": condition},
            "condition",
            AttributeTrigger,
        ),
        (
            "alert-rules",
            {"name": "At risk", "type": "churn", "condition": condition},
            "condition",
            AlertRule,
        ),
        (
            "health/models",
            {
                "name": "Segment",
                "filter": condition,
                "components": [
                    {
                        "name": "CSM score",
                        "weight": 1,
                        "metrics": [
                            {
                                "metric": "csm_score",
                                "mapping": {"kind": "linear", "low": 0, "high": 100},
                            }
                        ],
                    }
                ],
            },
            "filter",
            HealthModel,
        ),
    ]
    for path, body, key, model in saves:
        before = await _count(session, model)

        response = await client.post(f"{API}/{path}", headers=headers, json=body)

        _located(response, ["body", key], message)
        assert await _count(session, model) == before, path
        # The same body without the ignored part is fine, so that part alone was refused.
        fixed = await client.post(f"{API}/{path}", headers=headers, json={**body, key: _tier()})
        assert fixed.status_code == 201, (path, fixed.text)


async def test_a_stored_filter_with_an_ignored_part_still_reads_and_lists(
    client: AsyncClient, session: AsyncSession, headers: dict[str, str], admin: User
) -> None:
    # As a version that ignored the part stored it.
    unassigned = {"kind": "compare", "field": "csm", "op": "is_empty", "value": "someone"}
    session.add(
        AccountView(
            org_id=admin.org_id, owner_id=admin.id, name="Old", columns=["name"], filter=unassigned
        )
    )
    await session.flush()

    views = await client.get(f"{API}/account-views", headers=headers)

    assert views.status_code == 200, views.text
    assert [v["filter"] for v in views.json()] == [unassigned]
