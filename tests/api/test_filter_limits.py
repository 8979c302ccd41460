"""Filters are bounded: how many conditions, how deep, how many values (PostgreSQL takes at most
32,767 parameters in a statement), and numbers within the range of the column they compare
with. Past a bound the answer is a 422 naming it, never a slow query or a 500."""

from typing import Any

import pytest
from httpx import AsyncClient

from domain.common.settings import Settings
from domain.filters.schemas import MAX_CONDITIONS, MAX_DEPTH, MAX_VALUES
from domain.users.models import User
from tests.factories import auth_headers
from tests.helpers import assert_problem

API = "/api/v1"


@pytest.fixture
def headers(settings: Settings, admin: User) -> dict[str, str]:
    return auth_headers(settings, admin)


def _tier(name: str = "Tier 1") -> dict[str, Any]:
    return {"kind": "compare", "field": "tier", "op": "eq", "value": name}


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
